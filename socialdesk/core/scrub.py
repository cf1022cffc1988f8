"""The one scrubber: every secret value this process has revealed, removed from a text.

A secret is found whole, percent-encoded (as in a debug log of a query string), and in
part: a server that echoes a token often cuts it ("tok EAAB…") or shows its end; any run of
at least PARTIAL characters from the secret's start or end is removed. A secret shorter
than that is removed only where it stands alone (not inside a longer word), so that a
four-character PIN does not blank every word that happens to contain it; one of one or two
characters cannot be told from ordinary text and is not scrubbed (no platform issues such).
"""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

MASK = "********"
PARTIAL = 6
SHORTEST = 3

_WHOLE: set[str] = set()
_SHORT: dict[str, re.Pattern[str]] = {}


def remember(value: str) -> None:
    """Scrub `value` from every later text (call wherever a secret is read or obtained)."""
    value = value.strip()
    if len(value) < SHORTEST:
        return
    if len(value) < PARTIAL:
        _SHORT.setdefault(value, re.compile(
            rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])"))
        return
    _WHOLE.add(value)
    for encoded in (quote(value, safe=""), quote_plus(value, safe="")):
        _WHOLE.add(encoded)


def _ends(text: str, secret: str) -> str:
    """`text` without runs of >= PARTIAL characters that begin or end the secret."""
    head, tail = secret[:PARTIAL], secret[-PARTIAL:]
    start = text.find(head)
    while start != -1:
        length = PARTIAL
        while (length < len(secret) and start + length < len(text)
               and text[start + length] == secret[length]):
            length += 1
        text = text[:start] + MASK + text[start + length:]
        start = text.find(head, start + len(MASK))
    end = text.find(tail)
    while end != -1:
        begin, length = end, PARTIAL
        while (length < len(secret) and begin > 0
               and text[begin - 1] == secret[len(secret) - length - 1]):
            begin -= 1
            length += 1
        text = text[:begin] + MASK + text[end + PARTIAL:]
        end = text.find(tail, begin + len(MASK))
    return text


def scrub(text: str) -> str:
    """`text` with every remembered secret, whole, encoded or in part, replaced by MASK."""
    if not (_WHOLE or _SHORT):
        return text
    for value in sorted(_WHOLE, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    for value in _WHOLE:
        if value[:PARTIAL] in text or value[-PARTIAL:] in text:
            text = _ends(text, value)
    for value, pattern in _SHORT.items():
        if value in text:
            text = pattern.sub(MASK, text)
    return text
