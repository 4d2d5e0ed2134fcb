"""DESIGN §2/§10: with a main command, dev8-init's exit code is the main
command's: its own code, 128+N when it died of signal N, 126 when it cannot be
executed, 127 when it is not found."""

import os
import signal
from concurrent.futures import ThreadPoolExecutor

from conftest import run_once


def run_many(cases, tmp_path, workers=8):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda argv: run_once(argv, tmp_path), cases))
    return results


def test_every_exit_code_0_to_255_of_the_main_command_is_dev8_init_exit_code(tmp_path):
    cases = [["sh", "-c", f"exit {code}"] for code in range(256)]
    results = run_many(cases, tmp_path)
    wrong = {code: (r.returncode, r.stderr[-300:]) for code, r in enumerate(results)
             if r.returncode != code}
    assert not wrong, f"exit codes not passed through: {wrong}"


# Signals whose default action terminates the process (the stop/ignore-by-default
# ones, SIGKILL aside, would not end the main command).
TERMINATING = [s for s in range(1, 32)
               if s not in (signal.SIGCHLD, signal.SIGCONT, signal.SIGSTOP, signal.SIGTSTP,
                            signal.SIGTTIN, signal.SIGTTOU, signal.SIGURG, signal.SIGWINCH)]
TERMINATING += [34, 40, 50, 64]  # real-time signals


def test_a_main_command_killed_by_signal_n_gives_128_plus_n(tmp_path):
    # The main command kills itself; core dumps off so SIGQUIT/SIGSEGV… stay quick.
    cases = [["sh", "-c", f"ulimit -c 0; /bin/kill -s {sig} $$; sleep 5"] for sig in TERMINATING]
    results = run_many(cases, tmp_path)
    wrong = {sig: r.returncode for sig, r in zip(TERMINATING, results) if r.returncode != 128 + sig}
    assert not wrong, f"signal -> exit code mismatches (want 128+N): {wrong}"


def test_a_main_command_that_is_not_executable_gives_126(tmp_path):
    plain = tmp_path / "not-executable.sh"
    plain.write_text("#!/bin/sh\nexit 0\n")
    os.chmod(plain, 0o644)
    r = run_once([str(plain)], tmp_path)
    assert r.returncode == 126, r.stderr
    r = run_once([str(tmp_path)], tmp_path)  # a directory
    assert r.returncode == 126, r.stderr


def test_a_main_command_that_does_not_exist_gives_127(tmp_path):
    r = run_once(["dev8-no-such-command-xyz"], tmp_path)
    assert r.returncode == 127, r.stderr
    assert "dev8-no-such-command-xyz" in r.stderr
    r = run_once(["/nonexistent/dir/cmd"], tmp_path)
    assert r.returncode == 127, r.stderr


def test_not_pid1_exit_codes_pass_through_too(tmp_path):
    for code in (0, 1, 42, 255):
        r = run_once(["sh", "-c", f"exit {code}"], tmp_path, pid1=False)
        assert r.returncode == code, r.stderr
    r = run_once(["sh", "-c", "/bin/kill -s TERM $$; sleep 5"], tmp_path, pid1=False)
    assert r.returncode == 143, r.stderr
