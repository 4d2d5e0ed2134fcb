"""`docker run -it image bash`: the main command owns the terminal."""

import os
import pty
import select
import shutil
import time

from conftest import DEV8_INIT, private_root


class Terminal:
    """dev8-init as PID 1 of a new PID namespace, on a fresh pseudo-terminal."""

    def __init__(self, tmp_path, *main):
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "TERM": "dumb",
            "PS1": "PROMPT> ",
            "DEV8_STATE_DIR": str(tmp_path / "state"),
            "DEV8_SERVICES_DIR": str(tmp_path / "services.d"),
            "DEV8_SSHD": "off",
            "DEV8_CODE_SERVER": "off",
            "DEV8_STOP_TIMEOUT": "1",
            "DEV8_GITHUB_HOST": "127.0.0.1:9",
        }
        argv = [shutil.which("unshare"), "--fork", "--pid", "--mount-proc", "--",
                DEV8_INIT, "--", *main]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            private_root()
            os.execve(argv[0], argv, env)
        self.output = b""

    def expect(self, text, timeout=5.0):
        deadline = time.monotonic() + timeout
        while text.encode() not in self.output:
            left = deadline - time.monotonic()
            assert left > 0, f"did not see {text!r}; terminal shows {self.output[-400:]!r}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.output += os.read(self.fd, 4096)
                except OSError:
                    break
        assert text.encode() in self.output, f"did not see {text!r}"

    def send(self, text):
        os.write(self.fd, text.encode())

    def run(self, command, marker):
        """Types a command and waits for output only it can produce."""
        self.send(command + "\n")
        self.expect(marker)

    def sync(self):
        """Waits until the shell reads its line editor's input."""
        self.expect("PROMPT> ")
        self.run("echo sync-$((20+22))", "sync-42")

    def exit_code(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    self.output += os.read(self.fd, 4096)
                except OSError:
                    pass
        raise AssertionError(f"dev8-init did not exit; terminal shows {self.output[-400:]!r}")


def test_an_interactive_shell_gets_job_control_and_ctrl_c(tmp_path):
    term = Terminal(tmp_path, "bash", "--norc", "--noprofile", "-i")
    term.sync()
    # The marker comes from the job itself, once it is the foreground group.
    term.run("sh -c 'echo started-$((1+1)); exec sleep 60'", "started-2")
    term.send("\x03")  # Ctrl-C reaches the foreground job, not PID 1
    term.run("echo status=$?", "status=130")
    term.run("sh -c 'echo again-$((2+2)); exec sleep 61'", "again-4")
    term.send("\x1a")  # Ctrl-Z: job control works
    term.expect("Stopped")
    # bash refuses the first exit with a stopped job and ends it on the second.
    term.run("exit 5", "There are stopped jobs")
    term.send("exit 5\n")
    assert term.exit_code() == 5
    assert b"no job control" not in term.output
    assert b"cannot set terminal process group" not in term.output


def test_the_terminal_is_the_main_commands_foreground(tmp_path):
    term = Terminal(tmp_path, "sh", "-c", 'test "$(ps -o tpgid= -p $$)" -eq "$(ps -o pgid= -p $$)" && echo FOREGROUND')
    term.expect("FOREGROUND")
    assert term.exit_code() == 0
