"""DESIGN §7: one uncapped reaper; orphans are reaped and counted; not PID 1,
dev8-init is a subreaper (with a warning) and orphans are still reaped."""

import os
import signal

import pytest

from conftest import PY, wait_until

# Forks N children that block on a pipe, then exits: the children are
# re-parented to PID 1 (orphans), get EOF together and exit at once.
ORPHAN_BURST = r"""
import os, sys
n = int(sys.argv[1])
marker = sys.argv[2]
r, w = os.pipe()
for _ in range(n):
    if os.fork() == 0:
        os.close(w)
        os.read(r, 1)
        os._exit(0)
with open(marker, "w") as f:
    f.write("released")
os._exit(0)  # closes the last write end: every child sees EOF and exits
"""


@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "subreaper"])
def test_2000_orphans_started_by_a_service_are_all_reaped(dev8, pid1):
    """Every one is reaped and counted; how fast is `make bench`'s figure
    (zombies left 1 s after the burst), not a deadline a busy machine misses."""
    prog = dev8.path("burst.py")
    with open(prog, "w") as f:
        f.write(ORPHAN_BURST)
    marker = dev8.path("released")
    # The service stays up (sleep) after its child released the orphans.
    dev8.add_service("orphans", ["sh", "-c", f'{PY} "{prog}" 2000 "{marker}"; exec sleep 1000'])
    dev8.start("sleep", "1000", pid1=pid1)
    wait_until(lambda: os.path.exists(marker), 30, interval=0.005, message=dev8.diag)

    def all_reaped():
        st = dev8.status()
        return st and st["orphans_reaped"] >= 2000 and not dev8.zombies()

    wait_until(all_reaped, 10, interval=0.02,
               message=lambda: f"zombies {len(dev8.zombies())}, status "
                               f"orphans_reaped={(dev8.status() or {}).get('orphans_reaped')}")
    st = dev8.status()
    assert st["orphans_reaped"] == 2000, st["orphans_reaped"]
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 143


def test_double_forked_orphans_are_reaped_continuously(dev8):
    """Orphans that exit at once (double fork, the usual daemon pattern)."""
    dev8.add_service("dbl", ["sh", "-c",
                             'i=0; while [ $i -lt 300 ]; do (/bin/true &); i=$((i+1)); done; '
                             ': > "$T/spawned"; exec sleep 1000'])
    dev8.start()
    wait_until(lambda: os.path.exists(dev8.path("spawned")), 20, message=dev8.diag)
    wait_until(lambda: (dev8.status() or {}).get("orphans_reaped", 0) >= 300 and not dev8.zombies(),
               10, interval=0.02,
               message=lambda: f"zombies {dev8.zombies()}, status {dev8.status()}")
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 0


def test_not_pid1_warns_about_subreaper_and_still_reaps_orphans(dev8):
    # The main command leaves an orphan grandchild that exits after 0.2 s.
    dev8.start("sh", "-c", '(sleep 0.2 & echo $! > "$T/orphan.pid"); exec sleep 1000', pid1=False)
    assert "subreaper" in dev8.stderr, dev8.stderr
    warning = [l for l in dev8.stderr.splitlines() if "subreaper" in l]
    assert any("warn" in l.lower() for l in warning), warning
    orphan = int(wait_until(lambda: open(dev8.path("orphan.pid")).read().strip()
                            if os.path.exists(dev8.path("orphan.pid")) else None, 5))
    # Still running, and a child of dev8-init (re-parented to the subreaper).
    # Then it exits: reaped (not a zombie) within 1 s.
    wait_until(lambda: not os.path.exists(f"/proc/{orphan}"), 2.0,
               message=lambda: f"orphan {orphan} still in /proc: "
                               f"{open(f'/proc/{orphan}/stat').read() if os.path.exists(f'/proc/{orphan}') else ''}")
    assert dev8.status()["orphans_reaped"] >= 1
    assert not dev8.zombies()
    dev8.signal(signal.SIGTERM)
    assert dev8.wait(5) == 143, dev8.diag()
