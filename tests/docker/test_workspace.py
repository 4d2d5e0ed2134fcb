"""A Dev8 image as a user runs it: PID 1, ssh logins, health, stop, reaping,
volumes, bad input, a non-root and read-only container."""

import json
import re

import pytest

from conftest import (BASE_IMAGE, DEV8_INIT, NODEJS_IMAGE, SETTINGS_FILE, github_env,
                      github_volume, listening, ssh, wait_until)
from github_mock import Token

IMAGES = [pytest.param(BASE_IMAGE, id="base"), pytest.param(NODEJS_IMAGE, id="nodejs")]
TOKEN = "ghp_dockerlogin0123456789abcdefABCDEF"
ANTHROPIC_KEY = "sk-ant-api03-docker-0123456789-abcdefghij"
OPENAI_KEY = "sk-proj-docker-0123456789-abcdefghijklmn"


def test_pid_1_is_dev8_init(containers):
    ws = containers.workspace().run(network="none")
    ws.wait_healthy()
    assert ws.exec("cat", "/proc/1/cmdline").stdout.split("\0")[0] == DEV8_INIT
    assert not ws.inspect()["HostConfig"].get("Init")


@pytest.mark.parametrize("image", IMAGES)
def test_an_ssh_login_starts_in_the_workspace_with_the_token_and_the_ai_keys(
        containers, github, client_key, tmp_path, image):
    github.tokens[TOKEN] = Token(login="octo-docker")
    key, public = client_key
    ws = containers.workspace(image).run(
        env={"SSH_PUBLIC_KEY": public, "GITHUB_TOKEN": TOKEN, "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
             "OPENAI_API_KEY": OPENAI_KEY, **github_env(github)},
        volumes=[github_volume(github)])
    ws.wait_healthy()
    login = ssh(ws, key, 'id -un; pwd; echo "$ANTHROPIC_API_KEY"; echo "$OPENAI_API_KEY"; '
                'gh auth token --hostname "$GH_HOST"; '
                'printf "protocol=https\\nhost=%s\\n\\n" "$GH_HOST" | git credential fill',
                tmp_path)
    assert login.returncode == 0, (login, ws.logs())
    lines = login.stdout.splitlines()
    assert lines[:5] == ["dev8", "/workspace", ANTHROPIC_KEY, OPENAI_KEY, TOKEN], login
    assert f"password={TOKEN}" in lines, login
    assert ws.status()["github"]["login"] == "octo-docker"


def test_healthy_within_10_s_of_docker_run(containers):
    ws = containers.workspace().run(network="none")
    took = ws.wait_healthy(timeout=10)
    assert took < 10
    assert ws.exec(DEV8_INIT, "health").returncode == 0


@pytest.mark.parametrize("image", IMAGES)
def test_docker_stop_is_graceful_fast_and_exits_0(containers, image):
    ws = containers.workspace(image).run()
    ws.wait_healthy()
    services = {s["name"]: s["state"] for s in ws.status()["services"]}
    assert services["sshd"] == "ready"
    took, code = ws.stop()
    assert code == 0, ws.logs()
    assert took < 2, f"docker stop took {took:.2f} s"
    assert not listening(ws.ssh_port)
    assert "stop timeout reached" not in ws.logs()


def test_a_service_ignoring_sigterm_is_killed_after_the_stop_timeout(containers, tmp_path):
    services = tmp_path / "services.d"
    services.mkdir()
    (services / "stubborn.json").write_text(json.dumps({
        "name": "stubborn", "restart": "always",
        "command": ["sh", "-c", "trap '' TERM; while :; do sleep 0.2; done"]}))
    services.chmod(0o755)
    (services / "stubborn.json").chmod(0o644)
    ws = containers.workspace().run(
        network="none", env={"DEV8_STOP_TIMEOUT": "3"},
        volumes=[f"{services}:/etc/dev8/services.d:ro"])
    ws.wait_healthy()
    wait_until(lambda: {s["name"]: s["state"] for s in ws.status()["services"]}
               .get("stubborn") == "ready", 10, interval=0.1, message=ws.logs)
    took, code = ws.stop(timeout=10)
    logs = ws.logs()
    assert code == 0, logs
    # dev8-init's own SIGKILL after DEV8_STOP_TIMEOUT, well before Docker's at 10 s.
    assert 3 <= took < 6, f"docker stop took {took:.2f} s"
    assert "stop timeout reached: SIGKILL to every process left" in logs, logs


def test_no_zombie_is_left_after_500_orphans(containers):
    ws = containers.workspace().run(network="none")
    ws.wait_healthy()
    before = ws.status()["orphans_reaped"]
    # Each `sh -c` leaves a sleep behind and exits: the sleeps are orphans,
    # re-parented to PID 1, which must reap them when they end.
    ws.sh('i=0; while [ $i -lt 500 ]; do sh -c "sleep 0.5 &"; i=$((i+1)); done', timeout=120)

    def settled():
        table = ws.exec("ps", "-eo", "stat=,comm=").stdout.split("\n")
        zombies = [line for line in table if line.strip().startswith("Z")]
        sleeping = [line for line in table if line.strip().endswith("sleep")]
        return not zombies and not sleeping
    wait_until(settled, 20, interval=0.2, message=lambda: ws.exec("ps", "-ef").stdout)
    assert ws.status()["orphans_reaped"] - before >= 500


def test_recreating_the_container_keeps_the_host_key_and_settings_edits(containers):
    home, workspace = containers.volume("home"), containers.volume("workspace")
    volumes = [f"{home}:/home/dev8", f"{workspace}:/workspace"]
    first = containers.workspace(suffix="first").run(network="none", volumes=volumes)
    first.wait_healthy()
    fingerprints = first.status()["ssh"]["host_key_fingerprints"]
    assert fingerprints and fingerprints[0].startswith("SHA256:")
    first.sh(f"jq '. + {{\"workbench.colorTheme\": \"Solarized Dark\", \"editor.tabSize\": 8}}' "
             f"{SETTINGS_FILE} > /tmp/s.json && cat /tmp/s.json > {SETTINGS_FILE}", user="dev8")
    first.sh("echo kept > /workspace/notes.txt", user="dev8")
    assert first.stop()[1] == 0
    second = containers.workspace(suffix="second").run(network="none", volumes=volumes)
    second.wait_healthy()
    assert second.status()["ssh"]["host_key_fingerprints"] == fingerprints
    settings = json.loads(second.exec("cat", SETTINGS_FILE).stdout)
    assert settings["workbench.colorTheme"] == "Solarized Dark"
    assert settings["editor.tabSize"] == 8
    assert second.exec("cat", "/workspace/notes.txt").stdout == "kept\n"


def test_malformed_secrets_are_named_in_the_log_and_the_workspace_still_works(
        containers, github, client_key, tmp_path):
    key, public = client_key
    ws = containers.workspace().run(
        env={"SSH_PUBLIC_KEY": f"{public}\nssh-ed25519 not-base64!\nhello world",
             "GITHUB_TOKEN": "ghp_not-a-token-github-knows-0123456789", **github_env(github)},
        volumes=[github_volume(github)])
    ws.wait_healthy()
    logs = ws.logs()
    assert re.search(r"ssh-keys: ok .*SSH_PUBLIC_KEY lines 2-3 skipped", logs), logs
    assert re.search(r"github-auth: failed .*(401|rejected|invalid)", logs, re.I), logs
    assert "ghp_not-a-token" not in logs
    login = ssh(ws, key, "id -un", tmp_path)
    assert login.returncode == 0 and login.stdout == "dev8\n", login


def test_a_malformed_setting_stops_the_container_at_once_with_exit_78(containers):
    ws = containers.workspace().run(network="none", env={"DEV8_SSH_PORT": "abc"})
    assert ws.wait_exit(timeout=10) == 78
    logs = ws.logs()
    assert "DEV8_SSH_PORT" in logs and "abc" in logs, logs


def test_user_1000_with_a_read_only_root_and_tmpfs_run_and_tmp(
        containers, client_key, tmp_path):
    key, public = client_key
    ws = containers.workspace().run(user="1000", read_only=True, tmpfs=["/run", "/tmp"],
                                    env={"SSH_PUBLIC_KEY": public})
    ws.wait_healthy()
    assert ws.exec("id", "-u").stdout == "1000\n"
    assert ws.sh("touch /etc/x", check=False).returncode != 0  # the root really is read-only
    login = ssh(ws, key, "id -un; pwd; touch /workspace/w && echo wrote", tmp_path)
    assert login.returncode == 0, (login, ws.logs())
    assert login.stdout.splitlines() == ["dev8", "/workspace", "wrote"]
    took, code = ws.stop()
    assert code == 0 and took < 2


def test_a_token_written_later_into_a_mounted_secret_file_is_picked_up_at_once(
        containers, github, tmp_path):
    """What compose's `secrets:` does: one host file bind-mounted into
    /run/secrets, empty at start, then written on the host."""
    github.tokens[TOKEN] = Token(login="octo-late")
    secret = tmp_path / "github_token"
    secret.write_text("")
    secret.chmod(0o600)
    ws = containers.workspace().run(
        env={"GITHUB_TOKEN_FILE": "/run/secrets/github_token", **github_env(github)},
        volumes=[github_volume(github), f"{secret}:/run/secrets/github_token:ro"])
    ws.wait_healthy()
    assert ws.status()["github"]["state"] == "absent"
    with open(secret, "r+") as f:  # in place, as `echo TOKEN > file` does
        f.write(TOKEN + "\n")
    wait_until(lambda: ws.status()["github"]["login"] == "octo-late", 5, interval=0.1,
               message=ws.logs)
    hosts = ws.exec("cat", "/home/dev8/.config/gh/hosts.yml").stdout
    assert TOKEN in hosts
