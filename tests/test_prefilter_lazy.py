"""The prefilter reads a pattern's literals on its second use, not when the rules load: a
command that checks one text pays for no literal it never tests, and the first use finds
exactly what the pattern finds."""

from __future__ import annotations

import re

import pytest

from socialdesk.rules import prefilter
from socialdesk.rules.guard import Guard
from socialdesk.rules.prefilter import any_search, gate

RAISE = re.compile(r"\bgaji\b.{0,20}\bnaik\b")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The patterns whose literals were read, in order."""
    seen: list[str] = []
    real = prefilter.required_literals

    def counted(pattern: re.Pattern[str]) -> tuple[tuple[str, ...], ...]:
        seen.append(pattern.pattern)
        return real(pattern)

    monkeypatch.setattr(prefilter, "required_literals", counted)
    return seen


def test_loading_the_guard_reads_no_literals(reads: list[str]) -> None:
    guard = Guard.load()
    assert reads == []
    guard.check_inbound("min gaji saya belum masuk")
    assert reads == [], "one text is checked with the plain patterns"


def test_a_gate_reads_its_literals_once_from_its_second_use(reads: list[str]) -> None:
    g = gate(RAISE)
    assert any_search([g], "kapan gaji naik") and reads == []
    assert not any_search([g], "tukin naik")
    assert reads == [RAISE.pattern]
    assert g.search("gaji pns naik lagi") is not None and g.search("gaji turun") is None
    assert reads == [RAISE.pattern]
    assert g.needs == (("gaji",), ("naik",))


@pytest.mark.parametrize("text", ["gaji pns naik lagi", "gaji pns turun", "tukin naik"])
def test_the_first_use_finds_what_the_pattern_finds(text: str) -> None:
    expected = RAISE.search(text) is not None
    assert (gate(RAISE).search(text) is not None) == expected
    assert any_search([gate(RAISE)], text) == expected
