"""Waiting on a condition with a deadline: the only way the tests wait."""

import time


def wait_until(condition, timeout, interval=0.01, message=None):
    """Poll `condition` until it returns something truthy (returned) or fail
    after `timeout` seconds. `message` may be a string or a callable giving
    diagnostics."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"condition not met within {timeout} s"
                                 + (f": {text}" if text else ""))
        time.sleep(interval)
