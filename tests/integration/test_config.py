"""DESIGN §3/§10: invalid configuration exits 78 listing every error at once;
nothing is started."""

import os
import subprocess

import pytest

from conftest import DEV8_INIT


def bad_env(dev8):
    token_file = dev8.path("token")
    with open(token_file, "w") as f:
        f.write("ghp_fromfile0123456789abcdefghijklmnop\n")
    with open(os.path.join(dev8.services_dir, "broken.json"), "w") as f:
        f.write('{"name": "broken", "command": ["true"],')  # truncated JSON
    with open(os.path.join(dev8.services_dir, "noname.json"), "w") as f:
        f.write('{"command": ["true"]}')
    return dev8.base_env(
        DEV8_STOP_TIMEOUT="abc",
        DEV8_SSH_PORT="0",
        DEV8_CODE_SERVER_PORT="70000",
        DEV8_LOG_FORMAT="xml",
        DEV8_LOG_LEVEL="loud",
        DEV8_SSHD="maybe",
        DEV8_TOKEN_REFRESH_INTERVAL="-5",
        GIT_USER_NAME="two\nlines",
        GITHUB_TOKEN="ghp_inenv0123456789abcdefghijklmnopqr",
        GITHUB_TOKEN_FILE=token_file,
    )


EXPECTED_NAMES = ["DEV8_STOP_TIMEOUT", "DEV8_SSH_PORT", "DEV8_CODE_SERVER_PORT", "DEV8_LOG_FORMAT",
                  "DEV8_LOG_LEVEL", "DEV8_SSHD", "DEV8_TOKEN_REFRESH_INTERVAL", "GIT_USER_NAME",
                  "GITHUB_TOKEN"]


def test_invalid_config_exits_78_listing_every_bad_variable_and_file(dev8):
    env = bad_env(dev8)
    dev8.start("sh", "-c", ': > "$T/main-ran"', env=env, wait_ready=False)
    assert dev8.wait(10) == 78, dev8.diag()
    err = dev8.stderr
    missing = [name for name in EXPECTED_NAMES if name not in err]
    assert not missing, f"not named in stderr: {missing}\n{err}"
    assert "GITHUB_TOKEN_FILE" in err
    for f in ("broken.json", "noname.json"):
        assert os.path.join(dev8.services_dir, f) in err, f"{f} not named\n{err}"
    assert not os.path.exists(dev8.path("main-ran")), "nothing may start on invalid config"
    assert not os.path.exists(os.path.join(dev8.state_dir, "status.sock"))
    # Secrets never appear, not even in config errors.
    assert "ghp_inenv" not in err and "ghp_fromfile" not in err
    assert "ghp_" not in dev8.stdout


def test_plan_reports_the_same_config_errors_with_78(dev8):
    env = bad_env(dev8)
    r = subprocess.run([DEV8_INIT, "plan"], env=env, capture_output=True, text=True, timeout=10)
    assert r.returncode == 78, r.stderr
    missing = [name for name in EXPECTED_NAMES if name not in r.stderr]
    assert not missing, f"not named: {missing}\n{r.stderr}"


@pytest.mark.parametrize("var,value", [
    ("DEV8_STOP_TIMEOUT", "abc"),
    ("DEV8_SSH_PORT", "0"),
    ("DEV8_LOG_FORMAT", "xml"),
    ("DEV8_USER", "no-such-user-dev8"),
    ("DEV8_CODE_SERVER_AUTH", "token"),
    ("DEV8_STATE_DIR", "relative/dir"),
])
def test_each_invalid_setting_alone_is_a_config_error(dev8, var, value):
    env = dev8.base_env(**{var: value})
    dev8.start("true", env=env, wait_ready=False)
    assert dev8.wait(10) == 78, dev8.diag()
    assert var in dev8.stderr


def test_a_secret_and_its_file_variable_both_set_is_a_config_error(dev8):
    key_file = dev8.path("key")
    with open(key_file, "w") as f:
        f.write("sk-ant-file-secret-value\n")
    env = dev8.base_env(ANTHROPIC_API_KEY="sk-ant-env-secret-value", ANTHROPIC_API_KEY_FILE=key_file)
    dev8.start("true", env=env, wait_ready=False)
    assert dev8.wait(10) == 78
    assert "ANTHROPIC_API_KEY" in dev8.stderr
    assert "sk-ant-" not in dev8.stderr


def test_a_missing_secret_file_is_a_config_error(dev8):
    env = dev8.base_env(OPENAI_API_KEY_FILE=dev8.path("does-not-exist"))
    dev8.start("true", env=env, wait_ready=False)
    assert dev8.wait(10) == 78
    assert "OPENAI_API_KEY_FILE" in dev8.stderr


@pytest.mark.parametrize("doc,why", [
    ({"name": "main", "command": ["true"]}, "reserved"),
    ({"name": "Bad_Name", "command": ["true"]}, "name"),
    ({"name": "x", "command": []}, "command"),
    ({"name": "x", "command": ["true"], "restart": "sometimes"}, "restart"),
    ({"name": "x", "command": ["true"], "ready": {"tcp": 0}}, "ready"),
])
def test_an_invalid_service_file_is_a_config_error_naming_the_file(dev8, doc, why):
    import json
    with open(os.path.join(dev8.services_dir, "svc.json"), "w") as f:
        json.dump(doc, f)
    dev8.start(wait_ready=False)
    assert dev8.wait(10) == 78, dev8.diag()
    assert os.path.join(dev8.services_dir, "svc.json") in dev8.stderr
    assert why in dev8.stderr


def test_duplicate_service_names_are_a_config_error(dev8):
    dev8.add_service("dup", ["true"], filename="a.json")
    dev8.add_service("dup", ["true"], filename="b.json")
    dev8.start(wait_ready=False)
    assert dev8.wait(10) == 78, dev8.diag()
    assert "b.json" in dev8.stderr
