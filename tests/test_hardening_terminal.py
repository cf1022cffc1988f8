"""Issue 13, point 7: platform text and handles cannot drive the agent's terminal."""
# ruff: noqa: F811  (tests take the imported `shell` fixture by name)

from __future__ import annotations

import io
import json
from datetime import timedelta

from socialdesk.cli.safeout import VisibleWriter
from socialdesk.core.textsafe import clean, json_escaped, visible
from socialdesk.store.db import transaction
from socialdesk.store.models import Account, Message
from tests.test_cli_agent import NOW, Shell, shell  # noqa: F401  (the agent shell fixture)

RETITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J\x1b[H"
RLO = "\u202e"


def _hostile(shell: Shell) -> int:
    with transaction(shell.sessions) as s:
        account = Account(name="x-main", platform="x", handle="haiDJPb")
        s.add(account)
        s.flush()
        message = Message(
            account_id=account.id, platform="x", stream="mentions", platform_id="1",
            kind="mention", author_id="u1", author_handle=f"budi{RETITLE}",
            text=f"halo{CLEAR} min {RLO}gnirts\x9b31m", platform_created_at=NOW,
            received_at=NOW, state="open", response_due_at=NOW + timedelta(hours=1),
            rules=[], pii=[])
        s.add(message)
        s.flush()
        return message.id


def _no_controls(text: str) -> bool:
    return all(ch in "\n\t" or (ch.isprintable() and ch != RLO) for ch in text)


def test_it_prints_the_queue_with_escapes_and_overrides_made_visible(shell: Shell) -> None:
    _hostile(shell)
    status, out, _ = shell.run("queue")
    assert status == 0 and _no_controls(out)
    assert "budi\\x1b]0;pwned\\x07" in out and "<U+202E>gnirts" in out


def test_it_shows_a_message_with_escapes_made_visible(shell: Shell) -> None:
    message_id = _hostile(shell)
    status, out, _ = shell.run("show", str(message_id))
    assert status == 0 and _no_controls(out)
    assert "halo\\x1b[2J\\x1b[H min <U+202E>gnirts<U+009B>31m" in out


def test_it_keeps_json_lines_valid_and_exact_but_inert(shell: Shell) -> None:
    _hostile(shell)
    status, out, _ = shell.run("queue", "--json")
    (line,) = out.splitlines()
    assert status == 0 and _no_controls(line)
    assert json.loads(line)["author"].endswith(RETITLE)
    assert RLO in json.loads(line)["text"]


def test_it_keeps_newlines_and_tabs_the_commands_write_themselves() -> None:
    out = io.StringIO()
    VisibleWriter(out).write("a\tb\nc\x1bd\r")
    assert out.getvalue() == "a\tb\nc\\x1bd\\r"
    assert visible("one\ntwo", one_line=True) == "one\\ntwo"
    assert json_escaped('{"t": "\u2066x"}') == '{"t": "\\u2066x"}'


def test_it_replaces_what_cannot_be_stored_and_keeps_the_rest() -> None:
    assert clean("a\ud83d b\x00 c 😀 ﷽") == "a\ufffd b\ufffd c 😀 ﷽"
