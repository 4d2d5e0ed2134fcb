"""DESIGN §3/§10: secret values never appear in dev8-init's output, even when a
services.d child prints them (relayed output is redacted)."""

import json
import os
import signal

import pytest

from conftest import wait_until

GITHUB_TOKEN = "ghp_Zq8testtoken0123456789abcdefABCDEF"
ANTHROPIC_KEY = "sk-ant-api03-testkey-0123456789-abcdefghij"
OPENAI_KEY = "sk-proj-openaitestkey-9876543210-zyxwv"  # given through OPENAI_API_KEY_FILE
SECRETS = [GITHUB_TOKEN, ANTHROPIC_KEY, OPENAI_KEY]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_secrets_never_appear_in_output_even_when_a_service_prints_them(dev8, log_format):
    key_file = dev8.path("openai.key")
    with open(key_file, "w") as f:
        f.write(OPENAI_KEY + "\r\n")
    # Prints every secret to stdout and stderr, alone, inside text, and as the
    # last partial line; then a spawn failure whose error names a secret path.
    dev8.add_service("leaky", ["sh", "-c",
                               'echo "token=$GITHUB_TOKEN"; echo "$ANTHROPIC_API_KEY" >&2; '
                               'echo "openai:$(cat "$OPENAI_API_KEY_FILE")!"; '
                               'echo "both $GITHUB_TOKEN$ANTHROPIC_API_KEY" >&2; '
                               ': > "$T/leaked"; printf "%s" "$GITHUB_TOKEN"; exec sleep 1000'])
    dev8.add_service("badcmd", [f"/nonexistent/{GITHUB_TOKEN}"], restart="never")
    env = dev8.base_env(GITHUB_TOKEN=GITHUB_TOKEN, ANTHROPIC_API_KEY=ANTHROPIC_KEY,
                        OPENAI_API_KEY_FILE=key_file, DEV8_LOG_FORMAT=log_format,
                        DEV8_LOG_LEVEL="debug")
    dev8.start(env=env)
    wait_until(lambda: os.path.exists(dev8.path("leaked")) and "openai:" in dev8.stdout
               and dev8.stderr.count("both") >= 1, 5, message=dev8.diag)
    dev8.wait_service("badcmd", lambda s: s["state"] == "failed")
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0
    out, err = dev8.stdout, dev8.stderr
    for secret in SECRETS:
        assert secret not in out, f"secret leaked to stdout:\n{out}"
        assert secret not in err, f"secret leaked to stderr:\n{err}"
    # The relayed lines are there, redacted.
    if log_format == "text":
        lines = out.splitlines()
        assert any(l.startswith("[leaky] token=") for l in lines), out
        assert any(l.startswith("[leaky] openai:") for l in lines), out
        assert any(l.startswith("[leaky] both ") for l in err.splitlines()), err
    else:
        objs = [json.loads(l) for l in out.splitlines() if l.strip()]
        msgs = [o["msg"] for o in objs if o.get("service") == "leaky"]
        assert any(m.startswith("token=") for m in msgs), msgs
        assert any(m.startswith("openai:") for m in msgs), msgs
        err_objs = [json.loads(l) for l in err.splitlines() if l.strip()]
        assert any(o.get("service") == "leaky" and o["msg"].startswith("both ") for o in err_objs)
    # The spawn failure of badcmd was logged (redacted).
    assert "badcmd" in err and "/nonexistent/" in err


def test_secrets_are_not_in_the_status_document(dev8):
    env = dev8.base_env(GITHUB_TOKEN=GITHUB_TOKEN, ANTHROPIC_API_KEY=ANTHROPIC_KEY)
    dev8.start(env=env)
    r = dev8.cli("status", "--json")
    text = dev8.cli("status")
    assert r.returncode == 0 and text.returncode == 0
    for secret in SECRETS:
        assert secret not in r.stdout and secret not in text.stdout
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_plan_redacts_secrets(dev8):
    env = dev8.base_env(GITHUB_TOKEN=GITHUB_TOKEN, ANTHROPIC_API_KEY=ANTHROPIC_KEY)
    r = dev8.cli("plan", env=env)
    assert r.returncode == 0, r.stderr
    for secret in SECRETS:
        assert secret not in r.stdout and secret not in r.stderr


def test_a_rotated_secret_file_is_redacted_after_sighup(dev8):
    token_file = dev8.path("token")
    first, rotated = "ghp_firstvalue0123456789abcdefghijklm", "ghp_rotatedvalue9876543210zyxwvutsrq"
    with open(token_file, "w") as f:
        f.write(first + "\n")
    # Prints the token file whenever "$T/print-N" appears.
    dev8.add_service("printer", ["sh", "-c",
                                 'n=1; while :; do if [ -e "$T/print-$n" ]; then '
                                 'echo "token-$n=$(cat "$GITHUB_TOKEN_FILE")"; n=$((n+1)); fi; '
                                 'sleep 0.02; done'])
    dev8.start(env=dev8.base_env(GITHUB_TOKEN_FILE=token_file))
    open(dev8.path("print-1"), "w").close()
    wait_until(lambda: "[printer] token-1=" in dev8.stdout, 5, message=dev8.diag)
    tmp = token_file + ".new"
    with open(tmp, "w") as f:
        f.write(rotated + "\n")
    os.rename(tmp, token_file)
    dev8.signal(signal.SIGHUP)
    wait_until(lambda: "SIGHUP" in dev8.stderr, 5, message=dev8.diag)
    open(dev8.path("print-2"), "w").close()
    wait_until(lambda: "[printer] token-2=" in dev8.stdout, 5, message=dev8.diag)
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0
    for secret in (first, rotated):
        assert secret not in dev8.stdout and secret not in dev8.stderr, dev8.diag()


def test_no_child_inherits_the_private_key_or_the_code_server_password(dev8):
    key_file = dev8.path("id_key")
    with open(key_file, "w") as f:
        f.write("-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n")
    dev8.add_service("envdump", ["sh", "-c", 'env > "$T/service.env"; exec sleep 1000'])
    env = dev8.base_env(SSH_PRIVATE_KEY_FILE=key_file, PASSWORD="a-password-0123",
                        ANTHROPIC_API_KEY=ANTHROPIC_KEY)
    dev8.start("sh", "-c", 'env > "$T/main.env"; exec sleep 1000', env=env)
    for name in ("service.env", "main.env"):
        # The shell creates the file before env writes to it: wait for its lines.
        path = dev8.path(name)
        wait_until(lambda: os.path.exists(path) and "PATH=" in open(path).read(), 10,
                   message=dev8.diag)
    for name in ("service.env", "main.env"):
        seen = {line.split("=", 1)[0] for line in open(dev8.path(name)).read().splitlines()}
        assert not seen & {"SSH_PRIVATE_KEY", "SSH_PRIVATE_KEY_FILE", "PASSWORD", "HASHED_PASSWORD",
                           "PASSWORD_FILE", "HASHED_PASSWORD_FILE"}, (name, sorted(seen))
        assert "ANTHROPIC_API_KEY" in seen, (name, sorted(seen))  # what the tools need stays
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 143


def test_sighup_hands_rotated_ai_keys_to_the_shells(dev8, tmp_path):
    first, rotated = "sk-ant-api03-first-0123456789abcdefghij", "sk-ant-api03-second-9876543210zyxwvu"
    openai_first, openai_rotated = "sk-proj-first0123456789abcdefgh", "sk-proj-second9876543210zyxwvu"
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "anthropic").write_text(first + "\n")
    (keys / "openai").write_text(openai_first + "\n")
    env_file = "/home/dev8/.config/dev8/env"
    dev8.start(env=dev8.base_env(ANTHROPIC_API_KEY_FILE=str(keys / "anthropic"),
                                 OPENAI_API_KEY_FILE=str(keys / "openai")), developer=True)
    wait_until(lambda: (dev8.status() or {}).get("phase") == "running", 15, message=dev8.diag)

    def shell_sees():
        shown = dev8.in_namespace("runuser", "-l", "dev8", "-c",
                                  'echo "$ANTHROPIC_API_KEY $OPENAI_API_KEY"')
        return shown.stdout.strip()

    assert shell_sees() == f"{first} {openai_first}"
    (keys / "anthropic").write_text(rotated + "\n")
    (keys / "openai").write_text(openai_rotated + "\n")
    dev8.signal(signal.SIGHUP)
    wait_until(lambda: shell_sees() == f"{rotated} {openai_rotated}", 5, interval=0.05,
               message=dev8.diag)
    mode = dev8.in_namespace("stat", "-c", "%a %U", env_file).stdout.strip()
    assert mode == "600 dev8"
    for old in (first, openai_first):
        left = dev8.in_namespace("grep", "-rl", "--", old, "/home/dev8")
        assert left.stdout == "", left.stdout
    for secret in (first, rotated, openai_first, openai_rotated):
        assert secret not in dev8.stdout + dev8.stderr
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_an_unreadable_rotated_ai_key_keeps_the_last_one(dev8, tmp_path):
    key = "sk-ant-api03-kept-0123456789abcdefghijkl"
    key_file = tmp_path / "anthropic"
    key_file.write_text(key + "\n")
    dev8.start(env=dev8.base_env(ANTHROPIC_API_KEY_FILE=str(key_file)), developer=True)
    wait_until(lambda: (dev8.status() or {}).get("phase") == "running", 15, message=dev8.diag)
    key_file.unlink()
    os.mkfifo(key_file)
    dev8.signal(signal.SIGHUP)
    wait_until(lambda: "ANTHROPIC_API_KEY_FILE" in dev8.stderr, 5, message=dev8.diag)
    assert dev8.status() is not None
    shown = dev8.in_namespace("runuser", "-l", "dev8", "-c", 'echo "$ANTHROPIC_API_KEY"')
    assert shown.stdout.strip() == key
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0
