"""The nodejs image: code-server behind its generated password, Node and the
AI CLIs on a dev8 login shell's PATH."""

import http.client
import re
import urllib.parse

from conftest import NODEJS_IMAGE, PASSWORD_FILE, wait_until


def request(port, method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    answer = (response.status, {k.lower(): v for k, v in response.getheaders()},
              response.read().decode(errors="replace"))
    connection.close()
    return answer


def login(port, password):
    return request(port, "POST", "/login", urllib.parse.urlencode({"password": password,
                                                                   "base": "."}))


def test_code_server_answers_and_its_generated_password_logs_in(containers):
    ws = containers.workspace(NODEJS_IMAGE).run()
    ws.wait_healthy(timeout=60)
    port = ws.code_server_port
    status, _, body = request(port, "GET", "/healthz")
    assert status == 200 and '"status"' in body
    services = {s["name"]: s for s in ws.status()["services"]}
    assert services["code-server"]["state"] == "ready"

    # The log names the file; the password itself is in no log line.
    logs = ws.logs()
    assert PASSWORD_FILE in logs, logs
    assert ws.exec("stat", "-c", "%a %U", PASSWORD_FILE).stdout.split() == ["600", "dev8"]
    password = ws.exec("cat", PASSWORD_FILE).stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9]{20,}", password)
    assert password not in logs

    status, headers, _ = request(port, "GET", "/")
    assert status == 302 and "login" in headers["location"]
    assert login(port, "not-the-password")[0] != 302
    status, headers, _ = login(port, password)
    assert status == 302, headers
    assert "code-server-session=" in headers.get("set-cookie", "")


def test_node_and_the_ai_clis_answer_in_a_dev8_login_shell(containers):
    ws = containers.workspace(NODEJS_IMAGE).run(network="none")
    ws.wait_healthy(timeout=60)
    versions = {}
    for tool in ["node", "npm", "pnpm", "yarn", "code-server", "copilot", "claude", "codex"]:
        result = ws.exec("bash", "-lc", f"{tool} --version", user="dev8", check=False, timeout=120)
        assert result.returncode == 0, (tool, result.stdout, result.stderr)
        versions[tool] = result.stdout.strip().splitlines()[0]
    assert versions["node"].startswith("v24."), versions
    assert versions["npm"].startswith("11."), versions
    assert versions["code-server"].startswith("4.139.1"), versions
    for tool in ["copilot", "claude", "codex"]:
        assert re.search(r"\d+\.\d+", versions[tool]), versions


def test_code_server_is_restarted_after_a_crash(containers):
    ws = containers.workspace(NODEJS_IMAGE).run()
    ws.wait_healthy(timeout=60)

    def code_server():
        return {s["name"]: s for s in ws.status()["services"]}["code-server"]
    first = code_server()
    ws.exec("kill", "-KILL", str(first["pid"]))
    wait_until(lambda: code_server()["restarts"] >= 1 and code_server()["state"] == "ready", 30,
               interval=0.2, message=ws.logs)
    assert code_server()["pid"] != first["pid"]
    assert request(ws.code_server_port, "GET", "/healthz")[0] == 200
