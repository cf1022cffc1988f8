"""Abuse without a request is ignored on the guard's evidence, whatever the classifier first
made of it; abusive words inside a real request never silence it."""

from __future__ import annotations

import pytest

from socialdesk.rules.assess import Triage


# Written for this test: insults in disguise or a regional word, nothing asked.
@pytest.mark.parametrize("text", [
    "halo admin G0BL0K 🖕",
    "pagi min, dasar t0l0l semua",
    "admin kampret, ga guna",
])
def test_an_insult_with_nothing_asked_is_ignored_as_abuse(shipped_triage: Triage,
                                                          text: str) -> None:
    result = shipped_triage.run(text, channel="twitter", kind="mention")
    assert (result.intent, result.action) == ("abuse", "ignore")
    assert "guard:abusive" in result.rules or result.classification.intent == "abuse"


@pytest.mark.parametrize("text", [
    "SP2D satker kami belum cair 3 hari, anjir lelet banget, tolong dicek min",
    "akun SAKTI saya terblokir terus, goblok banget sistemnya, gimana cara reset?",
])
def test_a_request_with_a_swear_word_is_still_answered(shipped_triage: Triage, text: str) -> None:
    result = shipped_triage.run(text, channel="twitter", kind="mention")
    assert result.action != "ignore"


def test_the_guards_abuse_reading_is_the_one_its_verdict_gives() -> None:
    from socialdesk.rules.guard import Guard

    guard = Guard.load(model_path=None)
    for text in ("halo admin G0BL0K 🖕", "Terima kasih Kak, laporan sudah kami teruskan.",
                 "Seekor monyet di kebun binatang itu viral, Kak.", "dasar lelet 🤡🤡",
                 "Ribet amat sih Kak, tinggal klik doang."):
        reasons = guard.check_outbound(text, channel="facebook").reasons
        assert guard.abusive(text) == ("abusive" in reasons or "unsure:abusive" in reasons)
