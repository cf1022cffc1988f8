"""One catalogue: every string the console shows has its Indonesian translation."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir

from socialdesk.core.vocab import ACTIONS, MESSAGE_KINDS, MESSAGE_STATES, REPLY_STATES, ROLES
from socialdesk.rules.types import INTENTS
from socialdesk.web.i18n import translations
from socialdesk.web.pages import NOTES
from socialdesk.web.render import TEMPLATES


def _template_strings() -> set[str]:
    found = extract_from_dir(str(TEMPLATES), method_map=[("**.html", "jinja2")])
    return {message for _file, _line, message, _comments, _context in found
            if isinstance(message, str) and message}


def test_every_console_string_has_an_indonesian_translation() -> None:
    wanted = (_template_strings() | set(NOTES.values()) | set(ROLES) | set(MESSAGE_STATES)
              | set(MESSAGE_KINDS) | set(ACTIONS) | set(REPLY_STATES)
              | {"in_progress", "resolved", "pass", "review", "block"} | set(INTENTS))
    assert len(wanted) > 100
    catalogue = translations("id")
    missing = sorted(s for s in wanted if catalogue.gettext(s) == s
                     and s not in {"Platform", "Unit", "supervisor", "admin", "spam"})
    assert missing == []


def test_english_shows_the_message_ids_themselves() -> None:
    assert translations("en").gettext("Queue") == "Queue"
    assert translations("id").gettext("Queue") == "Antrean"
