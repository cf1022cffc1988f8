"""Round 7: a fixer's offer to speed a disbursement up for a fee is spam; a user reporting
one is not."""

from __future__ import annotations

import pytest

from socialdesk.rules.assess import Triage


# Written for this test.
@pytest.mark.parametrize("text", [
    "Kami bantu percepat pencairan dana BOS, dijamin seminggu cair, fee bisa diatur ya",
    "Jasa percepatan SP2D termin, kenal orang dalam, hubungi kami",
    "Bagi-bagi bantuan 1 juta untuk 500 pendaftar pertama, klik link di bio",
])
def test_a_fixers_offer_or_fake_aid_is_spam_and_ignored(shipped_triage: Triage, text: str) -> None:
    result = shipped_triage.run(text, channel="instagram", kind="comment")
    assert result.action == "ignore"


def test_a_user_reporting_a_fixer_is_heard(shipped_triage: Triage) -> None:
    text = ("min ada akun ngaku jasa percepatan pencairan, fee bisa diatur katanya. "
            "itu resmi gak? saya hampir transfer")
    result = shipped_triage.run(text, channel="instagram", kind="comment")
    assert result.action != "ignore"


@pytest.mark.parametrize("text", [
    "katanya gaji bapak saya bulan lalu retur, rekening barunya sudah ada. gimana biar dibayar?",
    "THR saya ga dibayar padahal teman dapat, kepegawaian bilang nanti dicek. harus gimana?",
])
def test_a_household_payment_gone_wrong_told_with_hearsay_is_no_rumour_to_refuse(
        shipped_triage: Triage, text: str) -> None:
    result = shipped_triage.run(text, channel="twitter", kind="mention")
    assert result.action != "refuse"
    assert "unregulated_policy" not in result.inbound


@pytest.mark.parametrize(("text", "topic"), [
    ("Is the ministry planning to pay foreign vendors in stablecoins at some point?",
     "unregulated_policy"),
    ("When will the new overseas per diem rates be coming out? Heard they're going up.",
     "unregulated_policy"),
    ("Could you look up the SP2D for their contract and tell us the amount and date?",
     "excluded_info"),
    ("Which cloud provider and IP ranges does the payment system run on?", "excluded_info"),
])
def test_requests_to_refuse_asked_in_english_are_heard(shipped_triage: Triage, text: str,
                                                          topic: str) -> None:
    result = shipped_triage.run(text, channel="twitter", kind="mention")
    assert topic in result.inbound
    assert result.action == "refuse"
