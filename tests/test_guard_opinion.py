"""The outbound guard's learned second opinion: it may hold for review a reply the rules pass,
naming itself and its words, and does nothing else (never blocks, never lowers a verdict)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from socialdesk.core.resources import GUARD_MODEL, default_path
from socialdesk.core.settings import SettingsError, parse_settings
from socialdesk.rules.guard import (
    MODEL_HEAD,
    MODEL_MIN_WORDS,
    MODEL_THRESHOLD,
    Guard,
    GuardConfigError,
)
from socialdesk.rules.normalize import tokens
from socialdesk.rules.second_opinion import SecondOpinion

# Written for this test: a verdict on the reader's own case the rules' families do not know.
LICENCE = "Unit Kakak memang boleh langsung mencairkan anggaran itu tanpa persetujuan siapa pun."


@pytest.fixture(scope="module")
def with_model() -> Guard:
    return Guard.default()


@pytest.fixture(scope="module")
def rules_only() -> Guard:
    return Guard.load(model_path=None)


def _weights(tmp_path: Path, heads: dict[str, Any]) -> Path:
    path = tmp_path / "guard.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump({"format": 1, "provenance": {}, "heads": heads}, f)
    return path


def test_the_packaged_guard_hears_the_packaged_model(with_model: Guard) -> None:
    assert with_model.opinion is not None
    provenance = with_model.opinion.model.provenance
    assert provenance["trained_by"] == "bench/train_guard_opinion.py"
    assert {s["file"] for s in provenance["sets"]} == {
        f"replies-{w}.jsonl" for w in "rstuvw"}


def test_the_guards_margin_scoring_agrees_with_the_models_own(with_model: Guard) -> None:
    assert with_model.opinion is not None
    for text in (LICENCE, "Terima kasih Kak, laporan Kakak sudah kami teruskan ke unit terkait.",
                 "Mohon maaf, kami tidak dapat menafsirkan peraturan untuk kasus Kakak."):
        words = tokens(text)
        own = with_model.opinion.model.judge(text, words)[MODEL_HEAD]
        expected = own.probability if own.label == "disallowed" else 1 - own.probability
        assert with_model.opinion.probability(words) == pytest.approx(expected, abs=1e-9)


def test_a_reply_the_rules_pass_is_held_with_the_models_reason_and_words(
        with_model: Guard, rules_only: Guard) -> None:
    assert rules_only.check_outbound(LICENCE, channel="facebook").passed
    verdict = with_model.check_outbound(LICENCE, channel="facebook")
    assert verdict.verdict == "review"
    (reason,) = verdict.reasons
    assert reason.startswith("model:disallowed ")
    probability = float(reason.split()[1])
    assert MODEL_THRESHOLD <= probability <= 1.0
    words = reason[reason.index("(") + 1:reason.rindex(")")].split(", ")
    assert words and all(words)


def test_a_model_sure_of_everything_never_blocks_nor_changes_a_rules_verdict(
        tmp_path: Path, rules_only: Guard) -> None:
    # Every word argues "disallowed" with all its weight: whatever the rules say stays.
    sure = _weights(tmp_path, {MODEL_HEAD: {
        "classes": ["disallowed", "pass"], "intercept": [9.0, -9.0], "weights": {}}})
    guard = Guard.load(model_path=sure)
    for text in (LICENCE, "Dasar bodoh, baca sendiri aturannya di forms.gle/abc ya.",
                 "Kunjungi https://wa.me/6287877114090 untuk chat dengan petugas kami."):
        before = rules_only.check_outbound(text, channel="facebook")
        after = guard.check_outbound(text, channel="facebook")
        if before.passed:
            assert after.verdict == "review"
            assert after.reasons[0].startswith("model:disallowed")
        else:
            assert after == before


def test_a_reply_too_short_for_the_model_is_left_to_the_rules(tmp_path: Path) -> None:
    sure = _weights(tmp_path, {MODEL_HEAD: {
        "classes": ["disallowed", "pass"], "intercept": [9.0, -9.0], "weights": {}}})
    guard = Guard.load(model_path=sure)
    short = "Baik Kak, kami cek."
    assert len(tokens(short)) < MODEL_MIN_WORDS
    assert guard.check_outbound(short, channel="facebook").passed


def test_weights_without_the_guard_head_are_refused_by_name(tmp_path: Path) -> None:
    other = _weights(tmp_path, {"action": {
        "classes": ["a", "b"], "intercept": [0.0, 0.0], "weights": {}}})
    with pytest.raises(GuardConfigError, match="guard"):
        Guard.load(model_path=other)


def test_settings_name_the_guard_model_turn_it_off_or_use_the_packaged_one(
        tmp_path: Path) -> None:
    mine = _weights(tmp_path, {MODEL_HEAD: {
        "classes": ["disallowed", "pass"], "intercept": [0.0, 0.0], "weights": {}}})
    db = {"database": {"url": "sqlite:///x.db"}}
    assert parse_settings(db, "t", base_dir=tmp_path).guard_model_path == default_path(
        GUARD_MODEL)
    off = parse_settings({**db, "paths": {"guard_model": ""}}, "t", base_dir=tmp_path)
    assert off.guard_model_path is None
    own = parse_settings({**db, "paths": {"guard_model": mine.name}}, "t", base_dir=tmp_path)
    assert own.guard_model_path == mine
    with pytest.raises(SettingsError, match="guard_model"):
        parse_settings({**db, "paths": {"guard_model": "none.json.gz"}}, "t",
                       base_dir=tmp_path)


def test_the_training_script_exports_weights_the_guard_loads(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import train_guard_opinion as trainer

    rows: list[dict[str, Any]] = [
        {"text": "kami tidak dapat menafsirkan aturan silakan baca di jdih", "expected": "pass",
         "category": None},
        {"text": "terima kasih laporan kakak sudah kami teruskan ke unit terkait",
         "expected": "pass", "category": None},
        {"text": "kakak pasti boleh mencairkan tunjangan itu sekarang juga",
         "expected": "disallowed", "category": "interpretation"},
        {"text": "tunjangan kakak pasti boleh dicairkan dua kali",
         "expected": "disallowed", "category": "interpretation"},
        {"text": "nomor pribadi petugas kami 0812 3456 7890", "expected": "disallowed",
         "category": "personal_data"},
        {"text": "nomor pribadi kepala seksi 0813 2222 1111", "expected": "disallowed",
         "category": "personal_data"},
    ]
    data = trainer.train(rows, {"trained_by": "test"})
    model = SecondOpinion.from_dict(data)
    assert model.heads[MODEL_HEAD].classes == ("disallowed", "pass")
    # Personal data is the rules' job: its words are not learned.
    assert "w:pribadi" not in data["heads"][MODEL_HEAD]["weights"]
    assert model.judge("kakak pasti boleh mencairkan")[MODEL_HEAD].label == "disallowed"


def test_the_guard_command_follows_the_settings_guard_model(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from socialdesk.cli import main

    def verdict(settings: str) -> str:
        config = tmp_path / "socialdesk.toml"
        config.write_text(settings, encoding="utf-8")
        main(["--config", str(config), "guard", "--channel", "facebook", LICENCE])
        return capsys.readouterr().out

    assert "model:disallowed" in verdict("")
    assert "model:disallowed" not in verdict('[paths]\nguard_model = ""\n')
