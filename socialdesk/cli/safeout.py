"""Terminal output that platform text cannot take over.

Every command's output passes through `VisibleWriter`: secrets this process has revealed
are scrubbed (a server may echo a token into an error), and a handle or message text that holds
an ESC sequence (retitle, clear, hide the next lines) or a right-to-left override is written
with those characters made visible (`\\x1b`, `<U+202E>`), so what an agent reads is what
was sent. Newlines and tabs, which the commands write themselves, pass unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from socialdesk.core.scrub import scrub
from socialdesk.core.textsafe import visible


class VisibleWriter:
    """A text stream that writes through `visible`; everything else is the wrapped stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(visible(scrub(text)))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def visible_output() -> Iterator[None]:
    """stdout and stderr through VisibleWriter for the duration (restored afterwards)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = VisibleWriter(out)
    sys.stderr = VisibleWriter(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
