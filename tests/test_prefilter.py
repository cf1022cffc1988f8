import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.rules import matcher as matcher_module
from socialdesk.rules import normalize as normalize_module
from socialdesk.rules import prefilter as prefilter_module
from socialdesk.rules.assess import Triage
from socialdesk.rules.classify import Classifier
from socialdesk.rules.guard import INBOUND_TOPICS, OUTBOUND_TOPICS, Guard, fold
from socialdesk.rules.normalize import tokens
from socialdesk.rules.pii import find_pii
from socialdesk.rules.prefilter import Family, any_search, gate, required_literals

GUARD = Guard.default()
CLASSIFIER = Classifier.default()
TRIAGE = Triage(CLASSIFIER, GUARD, CLASSIFIER.catalog)
PATTERNS: list[re.Pattern[str]] = [
    *(p for t in INBOUND_TOPICS for p in GUARD.inbound[t]),
    *(p for t in OUTBOUND_TOPICS for p in GUARD.outbound[t]),
    *(p for rule in CLASSIFIER.ruleset.rules for p in rule.patterns),
]
GATES = [gate(p) for p in PATTERNS]
LITERALS = sorted({s for p in PATTERNS for group in required_literals(p) for s in group})


def test_it_reads_the_literals_a_match_must_contain() -> None:
    assert required_literals(re.compile(r"\bmaksud(?:nya)?\s+(?:pasal|ayat)\b")) == (
        ("maksud",), ("pasal", "ayat"),
    )
    # A shared prefix the parser factors out of an alternation is put back in front.
    assert required_literals(re.compile(r"p(?:mk|er)\s+x")) == (("per", "pmk"),)
    # "perdirjen" needs no test of its own: wherever it occurs, "per" does too.
    assert required_literals(re.compile(r"\b(?:per|perdirjen)\b")) == (("per",),)


def test_it_claims_nothing_it_cannot_be_sure_of() -> None:
    assert required_literals(re.compile(r"gaji", re.IGNORECASE)) == ()
    assert required_literals(re.compile(r"(?i:gaji) naik")) == ((" naik",),)
    assert required_literals(re.compile(r"(?:tahun )?depan|x")) == ()
    assert required_literals(re.compile(r"(\w+) \1")) == ()
    assert required_literals(re.compile(r"[0-9]{3}\.[0-9]{3}")) == ()


def test_it_skips_a_pattern_only_when_a_literal_is_missing() -> None:
    g = gate(re.compile(r"\bgaji\b.{0,20}\bnaik\b"))
    assert g.needs == (("gaji",), ("naik",))
    assert g.search("gaji pns naik lagi") is not None
    assert g.search("gaji pns turun") is None
    assert any_search([g], "kapan gaji naik") and not any_search([g], "tukin naik")


def test_every_rule_pattern_gets_a_gate_of_real_words() -> None:
    gated = [p for p in PATTERNS if required_literals(p)]
    # Only the bare IP-address pattern has no literal word to test first.
    assert len(gated) >= len(PATTERNS) - 1
    assert all(len(s) >= 2 for s in LITERALS)


pieces = st.one_of(
    st.sampled_from(LITERALS),
    st.sampled_from([" ", "  ", "?", "-", "/", ".", "2027", "5", "\u200b", "ſ", "ı", "K"]),
    st.text(max_size=6),
)
texts = st.lists(pieces, max_size=30).map("".join)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_a_gate_never_changes_what_a_pattern_finds(text: str) -> None:
    for pattern, gated in zip(PATTERNS, GATES, strict=True):
        assert (gated.search(text) is None) == (pattern.search(text) is None)


@settings(max_examples=5, deadline=None)
@given(st.lists(pieces, min_size=1, max_size=40).map("".join).filter(bool))
def test_it_triages_50k_character_texts_full_of_trigger_words(chunk: str) -> None:
    text = (chunk * (50_000 // len(chunk) + 1))[:50_000]
    result = TRIAGE.run(text, channel="twitter", kind="dm")
    assert result.action in ("auto_reply", "escalate", "refuse", "redirect_private", "ignore",
                             "agent")
    assert list(result.inbound) == GUARD.check_inbound(text)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_the_guard_reads_incoming_text_as_its_plain_patterns_do(text: str) -> None:
    folded = fold(text)
    plain = [t for t in INBOUND_TOPICS if any(p.search(folded) for p in GUARD.inbound[t])]
    assert GUARD.check_inbound(text) == plain


@settings(max_examples=100, deadline=None)
@given(texts)
def test_triage_shares_one_normalisation_without_changing_anything(text: str) -> None:
    result = TRIAGE.run(text, channel="twitter", kind="mention")
    alone = CLASSIFIER.classify(text)
    assert (result.service, result.item) == (alone.service, alone.item)
    assert list(result.inbound) == GUARD.check_inbound(text)


def test_it_still_drops_links_written_in_capitals_and_fullwidth_marks() -> None:
    assert tokens("WWW.Example.COM sakti") == ["sakti"]
    assert tokens("\uff03SaktiError \uff20haiDJPb") == ["sakti", "error"]


def test_it_finds_an_address_whose_keyword_has_a_kelvin_sign() -> None:
    # The keywords match case-insensitively, and re folds U+212A KELVIN SIGN into "k".
    found = find_pii("alamat \u212aomp Melati Indah No. 12 RT 3/RW 4, NIK 3374015208900003")
    assert [f.kind for f in found][:1] == ["address"]


def test_it_maps_words_the_same_once_its_word_table_is_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "min sp2d gajiii sy blm cair, tlg dicek kak #SaktiError"
    expected = tokens(text)
    monkeypatch.setattr(normalize_module, "_MEMO_LIMIT", 2)
    normalize_module._memo.clear()
    assert tokens(text) == expected
    assert len(normalize_module._memo) <= 2


def test_it_fires_the_same_rules_once_its_word_table_is_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "mohon bantuan reset password sakti, user terkunci"
    expected = CLASSIFIER.classify(text)
    monkeypatch.setattr(matcher_module, "_MEMO_LIMIT", 3)
    CLASSIFIER.matcher._single.clear()
    assert CLASSIFIER.classify(text) == expected
    assert len(CLASSIFIER.matcher._single) <= 3


FAMILY_GATES = tuple(gate(p) for p in PATTERNS)


def _tried(text: str) -> list[int]:
    """The gates `Gated.search` would run a pattern for: every group has a literal in text."""
    return [i for i, g in enumerate(FAMILY_GATES)
            if all(any(s in text for s in group) for group in g.needs)]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_a_family_tries_exactly_the_gates_whose_literals_occur(text: str) -> None:
    family = Family(FAMILY_GATES)
    assert family.passing(text) == _tried(text)
    assert family.any_search(text) == any(p.search(text) for p in PATTERNS)


def test_a_family_finds_literals_across_words_and_inside_them() -> None:
    family = Family((gate(re.compile(r"\bdengan kata lain\b")), gate(re.compile(r"cair")),
                     gate(re.compile(r"a\.n\. \w+")), gate(re.compile(r"\bup\b"))))
    assert family.passing("jadi dengan kata lain boleh") == [0]
    assert family.passing("dengan kata, lain") == []
    assert family.passing("kapan pencairannya") == [1]
    assert family.passing("transfer a.n. budi") == [2]
    assert family.passing("dana up habis") == [3]
    assert family.passing("mohon update") == [3]  # the literal is there; the pattern decides
    assert not family.any_search("mohon update")


def test_the_guard_reads_a_tuple_of_gates_as_one_family_from_its_second_use(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A fresh table: the process-wide one stops taking tuples once the suite has filled it.
    monkeypatch.setattr(prefilter_module, "_families", {})
    gates = (gate(re.compile(r"\bgaji\b.{0,20}\bnaik\b")), gate(re.compile(r"\btukin\b")))
    assert any_search(gates, "kapan gaji naik")
    assert isinstance(prefilter_module._families[id(gates)][1], type(None))
    assert not any_search(gates, "gaji turun")
    assert isinstance(prefilter_module._families[id(gates)][1], Family)
    assert any_search(gates, "tukin bulan ini") and not any_search(gates, "naik gaji")
