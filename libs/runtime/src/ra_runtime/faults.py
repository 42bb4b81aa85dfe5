"""Crash points for the delivery-guarantee tests.

``RA_CRASH_AT=<point>:<name>`` makes the process kill itself with SIGKILL the first time it reaches that
point — exactly what an OOM kill or a node failure does — so the tests can prove that nothing is lost or
duplicated across the two windows that matter:

* ``after-commit:<durable consumer>`` — a batch's transaction committed, its messages not yet acked;
* ``after-publish:<service>`` — the outbox relay published a batch, the rows are not yet marked sent.

Unset (the default, and always in production) it does nothing.
"""

from __future__ import annotations

import os
import signal


def crash_point(point: str, name: str) -> None:
    target = os.environ.get("RA_CRASH_AT")
    if target and target == f"{point}:{name}":
        os.kill(os.getpid(), signal.SIGKILL)
