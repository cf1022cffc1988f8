"""An overall deadline for one HTTP exchange.

requests' read timeout bounds each wait for bytes, not the whole answer: a server that
trickles its body (a byte every few seconds) keeps a call open for as long as it likes. A
send held open past the outbox's stale limit is handed to a second worker, which sends
again. So every exchange has a deadline well inside that limit; when it passes, the
connection is shut down under the reader, which then fails (or ends short), and the call
is reported as "no complete answer" (retry later, the send's outcome uncertain).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

# Seconds. The outbox treats a claim as dead after two minutes; half of that leaves room
# for the connect timeout and the time to record the outcome.
REQUEST_DEADLINE = 60.0


class Watch:
    """Whether the deadline passed while the body was being read."""

    expired = False


def _descriptor_of(response: Any) -> int | None:
    """The file descriptor the body is read from, when there is a real socket under it."""
    try:
        fd = response.raw.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


def _shut(fd: int) -> None:
    # A duplicate of the descriptor: shutdown() acts on the connection itself, so the
    # reader's blocked recv returns, while the reader keeps its own descriptor to close.
    with suppress(OSError), socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def deadline(response: Any, seconds: float) -> Iterator[Watch]:
    """Shut the response's connection down if reading it takes longer than `seconds`."""
    watch = Watch()
    fd = _descriptor_of(response)
    if fd is None:  # nothing on a real socket (a test double): nothing to bound
        yield watch
        return

    def expire() -> None:
        watch.expired = True
        _shut(fd)

    timer = threading.Timer(max(0.0, seconds), expire)
    timer.daemon = True
    timer.start()
    try:
        yield watch
    finally:
        timer.cancel()
