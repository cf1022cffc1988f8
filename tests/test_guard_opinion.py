"""The outbound guard's learned second opinion: it may hold or, when sure, block a reply the
rules pass or hold, naming itself and its words; it never lowers a verdict and never touches a
reply the rules block."""

from __future__ import annotations

import gzip
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from socialdesk.core.resources import GUARD_MODEL, default_path
from socialdesk.core.settings import SettingsError, parse_settings
from socialdesk.rules.guard import (
    MODEL_BLOCK_MIN_WORDS,
    MODEL_BLOCK_THRESHOLD,
    MODEL_HEAD,
    MODEL_MIN_WORDS,
    MODEL_THRESHOLD,
    Guard,
    GuardConfigError,
)
from socialdesk.rules.normalize import tokens
from socialdesk.rules.second_opinion import SecondOpinion, features

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
    assert {s["file"] for s in provenance["sets"]} >= {
        f"replies-{w}.jsonl" for w in "rstuvwxy"}
    # Ordinary incoming talk is learned too, so that text unlike a desk reply is not suspect.
    assert len(provenance["incoming_sets"]) >= 15
    # The round-7 untouched sets measure the guard: it never learns from them.
    learned = {s["file"] for s in (*provenance["sets"], *provenance["incoming_sets"])}
    assert not learned & {"replies-bs.jsonl", "replies-bt.jsonl", "incoming-bq.jsonl",
                          "incoming-br.jsonl"}


def test_the_guards_margin_scoring_agrees_with_the_models_own(with_model: Guard) -> None:
    assert with_model.opinion is not None
    for text in (LICENCE, "Terima kasih Kak, laporan Kakak sudah kami teruskan ke unit terkait.",
                 "Mohon maaf, kami tidak dapat menafsirkan peraturan untuk kasus Kakak."):
        words = tokens(text)
        own = with_model.opinion.model.judge(text, words)[MODEL_HEAD]
        expected = own.probability if own.label == "disallowed" else 1 - own.probability
        assert with_model.opinion.probability(words) == pytest.approx(expected, abs=1e-9)


# A hedged reading of a cost standard, which the rules hold for review.
HELD = "Secara umum honor narasumber dibayar sesuai SBM, silakan cek ke PPK satker."
INSULT = "Dasar bodoh, baca sendiri aturannya di forms.gle/abc ya."
SHORT = "Baik Kak, kami cek."


def _leaning(tmp_path: Path, probability: float) -> Guard:
    """A guard whose model gives the replies of these tests the same probability of being
    disallowed: it knows all their features, and none of them weighs."""
    half = math.log(probability / (1 - probability)) / 2
    known = {f: [0.0, 0.0] for text in (LICENCE, HELD, INSULT, SHORT)
             for f in features(tokens(text))}
    weights = _weights(tmp_path, {MODEL_HEAD: {
        "classes": ["disallowed", "pass"], "intercept": [half, -half], "weights": known}})
    return Guard.load(model_path=weights)


def test_the_model_stays_silent_on_text_unlike_anything_it_learned(tmp_path: Path) -> None:
    sure = _leaning(tmp_path, 0.9999)
    # Nothing of this is known to the model: the rules alone decide.
    unknown = "Pertandingan sepak bola tadi malam berakhir imbang tanpa gol sama sekali."
    assert sure.check_outbound(unknown, channel="facebook").passed


def test_a_reply_the_rules_pass_is_stopped_with_the_models_reason_and_words(
        with_model: Guard, rules_only: Guard) -> None:
    assert rules_only.check_outbound(LICENCE, channel="facebook").passed
    verdict = with_model.check_outbound(LICENCE, channel="facebook")
    assert verdict.verdict != "pass"
    (reason,) = verdict.reasons
    assert reason.startswith("model:disallowed ")
    probability = float(reason.split()[1])
    assert MODEL_THRESHOLD <= probability <= 1.0
    assert verdict.verdict == ("block" if probability >= MODEL_BLOCK_THRESHOLD else "review")
    words = reason[reason.index("(") + 1:reason.rindex(")")].split(", ")
    assert words and all(words)


def test_the_models_reason_names_telling_words_not_forms_of_address(tmp_path: Path) -> None:
    # "kakak" and "memang" weigh the most here, yet a supervisor learns nothing from them.
    weights = {f: [0.0, 0.0] for f in features(tokens(LICENCE))}
    for feature, weight in (("w:kakak", 3.0), ("w:memang", 2.5), ("w:mencairkan", 1.0),
                            ("w:persetujuan", 0.8), ("b:boleh langsung", 0.6)):
        weights[feature] = [weight, -weight]
    path = _weights(tmp_path, {MODEL_HEAD: {"classes": ["disallowed", "pass"],
                                            "intercept": [0.0, 0.0], "weights": weights}})
    verdict = Guard.load(model_path=path).check_outbound(LICENCE, channel="facebook")
    (reason,) = verdict.reasons
    words = reason[reason.index("(") + 1:reason.rindex(")")].split(", ")
    assert words == ["mencairkan", "persetujuan", "boleh langsung"]


def test_a_model_in_doubt_holds_what_the_rules_pass_and_adds_its_reason_to_their_hold(
        tmp_path: Path, rules_only: Guard) -> None:
    doubting = _leaning(tmp_path, (MODEL_THRESHOLD + MODEL_BLOCK_THRESHOLD) / 2)
    assert doubting.check_outbound(LICENCE, channel="facebook").verdict == "review"
    assert rules_only.check_outbound(HELD, channel="facebook").reasons == ("unsure:interpretation",)
    held = doubting.check_outbound(HELD, channel="facebook")
    assert held.verdict == "review"
    assert held.reasons[0] == "unsure:interpretation"
    assert held.reasons[1].startswith("model:disallowed")


def test_a_model_below_its_threshold_changes_nothing(tmp_path: Path, rules_only: Guard) -> None:
    calm = _leaning(tmp_path, MODEL_THRESHOLD / 2)
    for text in (LICENCE, HELD):
        assert calm.check_outbound(text, channel="facebook") == rules_only.check_outbound(
            text, channel="facebook")


def test_a_sure_model_blocks_what_the_rules_pass_or_hold_and_never_touches_their_block(
        tmp_path: Path, rules_only: Guard) -> None:
    # Every word argues "disallowed" with all its weight.
    sure = _leaning(tmp_path, 0.9999)
    for text in (LICENCE, INSULT, HELD):
        before = rules_only.check_outbound(text, channel="facebook")
        after = sure.check_outbound(text, channel="facebook")
        if before.verdict == "block":
            assert after == before
        else:
            assert after.verdict == "block"
            assert after.reasons[-1].startswith("model:disallowed")
            # The rules' own doubts are kept as reasons, without the mark that asks for review.
            assert after.reasons[:-1] == tuple(r.removeprefix("unsure:")
                                               for r in before.reasons)


def test_a_sure_model_holds_but_never_blocks_a_reply_shorter_than_its_block_length(
        tmp_path: Path, rules_only: Guard) -> None:
    # Everyday replies are short, and on a short one the model's certainty rests on a few words.
    brief = "Unit Kakak boleh mencairkan anggaran itu tanpa persetujuan."
    assert MODEL_MIN_WORDS <= len(tokens(brief)) < MODEL_BLOCK_MIN_WORDS
    assert rules_only.check_outbound(brief, channel="facebook").passed
    verdict = _leaning(tmp_path, 0.9999).check_outbound(brief, channel="facebook")
    assert verdict.verdict == "review"
    assert verdict.reasons[0].startswith("model:disallowed 1.00")
    assert len(tokens(LICENCE)) >= MODEL_BLOCK_MIN_WORDS
    assert _leaning(tmp_path, 0.9999).check_outbound(LICENCE, channel="facebook").verdict == "block"


def test_a_reply_too_short_for_the_model_is_left_to_the_rules(tmp_path: Path) -> None:
    guard = _leaning(tmp_path, 0.9999)
    assert len(tokens(SHORT)) < MODEL_MIN_WORDS
    assert guard.check_outbound(SHORT, channel="facebook").passed


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
