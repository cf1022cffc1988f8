"""Text from a platform made safe to store, and safe to show on a terminal.

Two different jobs, kept apart because they go in opposite directions:

- `clean` (and `clean_json`) runs where text enters: a lone surrogate (half of an emoji
  pair, which JSON's `\\ud83d` escape can produce) cannot be encoded as UTF-8 and a NUL is
  refused by PostgreSQL, so either would make a whole page fail to store. Both become
  U+FFFD, the replacement character; everything else is kept as it came.
- `visible` runs where text leaves for a terminal: control characters (ESC sequences retitle
  or clear a terminal) and bidirectional overrides (they reorder what follows on the line)
  are shown as `\\x1b`, `<U+202E>` and the like instead of being interpreted. Newlines and
  tabs stay unless `one_line` is asked for.
"""

from __future__ import annotations

import unicodedata
from typing import Any

REPLACEMENT = "\ufffd"

# Bidirectional formatting characters: embeddings, overrides, isolates and marks.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _storable(ch: str) -> bool:
    code = ord(ch)
    return code != 0 and not 0xD800 <= code <= 0xDFFF


def clean(text: str) -> str:
    """`text` with every character that cannot be stored replaced by U+FFFD."""
    if text.isascii() and "\x00" not in text:
        return text
    return "".join(ch if _storable(ch) else REPLACEMENT for ch in text)


def clean_json(value: Any) -> Any:
    """A JSON value (dicts, lists, strings, numbers) with every string `clean`ed, keys too."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    return value


def _shown(ch: str, one_line: bool) -> str:
    code = ord(ch)
    if ch in "\n\t" and not one_line:
        return ch
    if code < 0x20 or code == 0x7F:
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch, f"\\x{code:02x}")
    if ch in BIDI or 0x80 <= code < 0xA0 or unicodedata.category(ch) in ("Cs", "Zl", "Zp"):
        return f"<U+{code:04X}>"
    return ch


def visible(text: str, *, one_line: bool = False) -> str:
    """`text` safe to print: no character in it can move the cursor, change the terminal or
    reorder the line; such characters are written out as escapes instead."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_shown(ch, one_line) for ch in text)


def json_escaped(line: str) -> str:
    """A line of JSON (written with ensure_ascii=False) with the characters `visible` would
    show written as \\uXXXX escapes instead: the same JSON value, harmless on a terminal."""
    return "".join(f"\\u{ord(ch):04x}" if _shown(ch, True) != ch else ch for ch in line)
