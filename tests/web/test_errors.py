"""The services' errors reach the user in the user's language, through the one catalogue."""

from __future__ import annotations

import ast
import inspect
from types import ModuleType

import pytest

from socialdesk.app import (
    actions,
    auth,
    claims,
    corrections,
    held,
    review,
    ticket_list,
    users,
    views,
)
from socialdesk.web import errors
from socialdesk.web.i18n import translations
from tests.web.conftest import PASSWORD, Console

# The services the console calls: every refusal they can raise reaches a person.
SERVICES: tuple[ModuleType, ...] = (actions, auth, claims, corrections, held, review,
                                    ticket_list, users, views)


def _filled(part: ast.expr) -> str:
    if isinstance(part, ast.Constant):
        return str(part.value)
    shown_by_repr = isinstance(part, ast.FormattedValue) and part.conversion == ord("r")
    return "'7'" if shown_by_repr else "7"


def _raised_messages(module: ModuleType) -> list[str]:
    """Each NotFound/InvalidRequest message the module builds, with every value put in as
    7 (a number, a name and a list alike; '7' where the value is shown by its repr)."""
    found = []
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        called = node.exc.func
        name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
        if name not in ("NotFound", "InvalidRequest") or not node.exc.args:
            continue
        text = node.exc.args[0]
        if isinstance(text, ast.Constant) and isinstance(text.value, str):
            found.append(text.value)
        elif isinstance(text, ast.JoinedStr):
            found.append("".join(_filled(part) for part in text.values))
    return found


def test_every_refusal_of_the_services_has_a_sentence_in_the_catalogue() -> None:
    messages = [m for module in SERVICES for m in _raised_messages(module)]
    assert len(messages) > 25
    lead = translations("id").gettext("This cannot be done:")
    untold = [m for m in messages if errors.sentence(m, translations("id").gettext)
              .startswith(lead)]
    assert untold == []


def test_every_error_sentence_and_guard_reason_is_translated() -> None:
    catalogue = translations("id")
    wanted = ([sentence for _shape, sentence in errors.RULES] + list(errors.REASONS.values())
              + [errors.PII_REASON, errors.DOUBT_REASON, errors.MODEL_REASON,
                 "This cannot be done:",
                 "your role may not open this page",
                 "the form has expired: reload the page and try again"])
    assert [s for s in wanted if catalogue.gettext(s) == s] == []


def test_the_guards_learned_check_is_told_in_words_with_its_words() -> None:
    code = "model:disallowed 0.93 (memang, boleh, jadi)"
    assert errors.reason(code, translations("en").gettext) == (
        "reads as not allowed to the learned check (93 %; words: memang, boleh, jadi)")
    assert errors.reason(code, translations("id").gettext) == (
        "terbaca tidak layak oleh pemeriksa terlatih (93 %; kata: memang, boleh, jadi)")


def test_a_message_no_rule_knows_is_still_shown_under_a_translated_lead_in() -> None:
    said = errors.sentence("the moon is made of cheese", translations("id").gettext)
    assert said == "Ini tidak dapat dilakukan: the moon is made of cheese"


@pytest.mark.parametrize(("locale", "expected"), [
    ("id", "bukan item katalog"), ("en", "is not an item of the catalog")])
def test_a_refused_escalation_is_explained_in_the_agents_language(
        console: Console, locale: str, expected: str) -> None:
    ani = users.authenticate(console.rig.desk, "ani", PASSWORD)
    assert ani is not None
    users.set_locale(console.rig.desk, ani.id, locale)
    message_id = console.message("min SP2D saya belum masuk rekening")
    client, csrf = console.signed_in("ani")
    refused = client.post(f"/messages/{message_id}/escalate",
                          data={"csrf": csrf, "item": "99.9.z"})
    assert refused.status_code == 422
    assert expected in refused.text and "unknown catalog item" not in refused.text


def test_the_guards_reasons_are_given_in_words_of_the_agents_language(
        console: Console) -> None:
    message_id = console.message("min PMK ini maksudnya apa")
    client, csrf = console.signed_in("ani")
    text = "Menurut kami pasal 5 PMK itu artinya Anda boleh tidak membayar"
    verdict = client.post(f"/messages/{message_id}/draft", data={"text": text},
                          headers={"X-CSRF-Token": csrf}).json()
    assert "menafsirkan peraturan" in verdict["reasons"]
    refused = client.post(f"/messages/{message_id}/reply", data={"csrf": csrf, "text": text})
    assert refused.status_code == 422
    assert "Penjaga konten menolak balasan ini: menafsirkan peraturan" in refused.text


def test_a_supervisor_reads_why_a_reply_is_held_in_words() -> None:
    words = translations("id").gettext
    assert errors.held_reason("guard: interpretation, pii:nik", words) == (
        "penjaga konten menolaknya: menafsirkan peraturan, data pribadi (NIK)")
    assert errors.held_reason("review: unsure:excluded_info", words) == (
        "penjaga konten meminta diperiksa petugas: mungkin: memberikan informasi yang "
        "dikecualikan")
