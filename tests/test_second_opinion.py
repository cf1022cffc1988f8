"""The learned second opinion: pure-Python scoring of exported weights, and how triage hears it."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

import pytest

from socialdesk.core.resources import SECOND_OPINION, default_path
from socialdesk.core.settings import MODEL_BY_DEFAULT, SettingsError, parse_settings
from socialdesk.rules.assess import REFUSE_SURE, RULES_SURE, SERVICE_OVERRULE, Triage
from socialdesk.rules.second_opinion import FORMAT, SecondOpinion, features


def _model(heads: dict[str, Any]) -> dict[str, Any]:
    return {"format": FORMAT, "provenance": {"sets": []}, "heads": heads}


def _head(classes: list[str], weights: dict[str, list[float]],
          intercept: list[float] | None = None) -> dict[str, Any]:
    return {"classes": classes, "intercept": intercept or [0.0] * len(classes),
            "weights": weights}


@pytest.fixture(scope="module")
def rules_only() -> Triage:
    return Triage.default()


def _with(rules_only: Triage, model: dict[str, Any]) -> Triage:
    return Triage(rules_only.classifier, rules_only.guard, rules_only.catalog,
                  SecondOpinion.from_dict(model))


def test_features_are_words_pairs_and_word_beginnings_once_each() -> None:
    assert features(["reset", "password", "reset"]) == [
        "w:reset", "w:password", "b:reset password", "b:password reset", "p:passw",
    ]


def test_opinion_scores_like_a_normalised_logistic_regression() -> None:
    model = SecondOpinion.from_dict(_model({"action": _head(
        ["auto_reply", "escalate"],
        {"w:reset": [0.0, 2.0], "w:akun": [0.5, 1.0], "w:jam": [1.0, 0.0]},
        intercept=[0.3, 0.0],
    )}))
    opinion = model.judge("reset akun")["action"]
    scores = [0.3 + 0.5 / math.sqrt(2), 3.0 / math.sqrt(2)]
    expected = math.exp(scores[1]) / sum(math.exp(s) for s in scores)
    assert opinion.label == "escalate"
    assert opinion.probability == pytest.approx(expected)
    assert opinion.because == ("w:reset", "w:akun")
    assert opinion.describe("action") == f"model:action=escalate {expected:.2f} (reset, akun)"


def test_text_with_no_known_feature_gets_the_intercepts_opinion() -> None:
    model = SecondOpinion.from_dict(_model({"action": _head(
        ["agent", "escalate"], {"w:reset": [0.0, 2.0]}, intercept=[1.0, 0.0])}))
    opinion = model.judge("halo")["action"]
    assert (opinion.label, opinion.because) == ("agent", ())


def test_weights_of_another_format_or_shape_are_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        SecondOpinion.from_dict({"format": FORMAT + 1, "heads": {}})
    with pytest.raises(ValueError, match="wrong length"):
        SecondOpinion.from_dict(_model({"action": _head(["a", "b"], {"w:x": [1.0]})}))


def test_packaged_weights_load_name_their_training_data_and_judge_in_pure_python() -> None:
    model = SecondOpinion.load(default_path(SECOND_OPINION))
    files = {entry["file"] for entry in model.provenance["sets"]}
    assert {"incoming-a.jsonl", "incoming-j.jsonl", "incoming-k.jsonl"} <= files
    # The round-7 untouched sets measure the model: it never learns from them.
    assert not {f for f in files if f.startswith(("incoming-bq", "incoming-br"))}
    opinions = model.judge("min akun sakti saya terblokir, minta reset password dong")
    assert set(opinions) == {"service", "action", "intent"}
    assert opinions["service"].label == "8"


def test_model_decision_is_named_in_the_rules_with_its_reasons(rules_only: Triage) -> None:
    text = "zzqx wkwk"
    plain = rules_only.run(text, channel="twitter", kind="mention")
    model = _model({"action": _head(["agent", "escalate"], {"w:zzqx": [-5.0, 5.0]})})
    result = _with(rules_only, model).run(text, channel="twitter", kind="mention")
    assert plain.action != "escalate"
    assert result.action == "escalate"
    assert any(rule.startswith("model:action=escalate") and "(zzqx)" in rule
               for rule in result.rules)


def test_refusal_only_the_model_sees_goes_to_a_person_unless_it_is_very_sure(
        rules_only: Triage) -> None:
    text = "zzqx kapan ya"
    unsure = _model({"action": _head(["escalate", "refuse"], {"w:zzqx": [-0.7, 0.7]})})
    sure = _model({"action": _head(["escalate", "refuse"], {"w:zzqx": [-5.0, 5.0]})})
    assert math.exp(0.7) / (math.exp(0.7) + math.exp(-0.7)) < REFUSE_SURE
    assert _with(rules_only, unsure).run(text, channel="twitter", kind="mention").action \
        == "agent"
    assert _with(rules_only, sure).run(text, channel="twitter", kind="mention").action \
        == "refuse"


def test_model_never_silences_a_message_the_rules_hold_to_be_a_request(
        rules_only: Triage) -> None:
    text = "min sp2d satker kami belum cair sejak senin, tolong dicek"
    model = _model({"action": _head(["escalate", "ignore"], {"w:sp2d": [-9.0, 9.0]})})
    plain = rules_only.run(text, channel="twitter", kind="mention")
    assert _with(rules_only, model).run(text, channel="twitter", kind="mention").action \
        == plain.action != "ignore"


def test_personal_data_in_public_stays_the_finders_call(rules_only: Triage) -> None:
    text = "min NIK saya 3171234567890123 kok ditolak terus"
    model = _model({"action": _head(["auto_reply", "escalate"], {"w:nik": [9.0, -9.0]})})
    result = _with(rules_only, model).run(text, channel="twitter", kind="mention")
    assert result.action == "redirect_private"
    assert not any(rule.startswith("model:") for rule in result.rules)


def test_settings_name_the_model_or_turn_it_off(tmp_path: Path) -> None:
    weights = tmp_path / "mine.json.gz"
    with gzip.open(weights, "wt", encoding="utf-8") as f:
        json.dump(_model({}), f)
    db = {"database": {"url": "sqlite:///x.db"}}
    own = parse_settings({**db, "paths": {"model": "mine.json.gz"}}, "t", base_dir=tmp_path)
    off = parse_settings({**db, "paths": {"model": ""}}, "t", base_dir=tmp_path)
    assert own.model_path == weights
    assert off.model_path is None


def test_settings_without_a_model_key_use_the_packaged_weights_and_refuse_a_missing_file(
        tmp_path: Path) -> None:
    db = {"database": {"url": "sqlite:///x.db"}}
    default = parse_settings(db, "t", base_dir=tmp_path).model_path
    assert default == (default_path(SECOND_OPINION) if MODEL_BY_DEFAULT else None)
    with pytest.raises(SettingsError, match="model"):
        parse_settings({**db, "paths": {"model": "gone.json.gz"}}, "t", base_dir=tmp_path)


def test_a_service_the_model_chooses_takes_the_item_a_fired_rule_names_within_it(
        rules_only: Triage) -> None:
    text = "akun sakti saya terblokir dan sp2d belum cair"
    plain = rules_only.run(text, channel="twitter", kind="mention")
    model = _model({"service": _head(["3", "8"], {"w:sp2d": [9.0, -9.0]})})
    result = _with(rules_only, model).run(text, channel="twitter", kind="mention")
    assert plain.service == "8"
    assert (result.service, result.item) == ("3", "3.3")
    assert "item:3.3" in result.rules
    # A service no fired rule names an item of stays without one.
    other = _model({"service": _head(["8", "12"], {"w:sp2d": [-9.0, 9.0]})})
    assert _with(rules_only, other).run(text, channel="twitter", kind="mention").item is None


def test_the_models_intent_replaces_the_rules_even_where_they_were_sure(
        rules_only: Triage) -> None:
    text = "gimana cara daftar akun SAKTI?"
    plain = rules_only.run(text, channel="twitter", kind="mention")
    model = _model({"intent": _head(["problem", "question"], {"w:sakti": [9.0, -9.0]})})
    result = _with(rules_only, model).run(text, channel="twitter", kind="mention")
    assert plain.confidence >= RULES_SURE
    assert plain.intent == "question"
    assert result.intent == "problem"
    assert any(rule.startswith("model:intent=problem") for rule in result.rules)


def test_a_sure_rules_service_yields_only_to_a_very_sure_model(rules_only: Triage) -> None:
    text = "gimana cara daftar akun SAKTI?"
    plain = rules_only.run(text, channel="twitter", kind="mention")
    sure = _model({"service": _head(["3", "8"], {"w:sakti": [5.0, -5.0]})})
    unsure = _model({"service": _head(["3", "8"], {"w:sakti": [0.3, -0.3]})})
    assert plain.service == "8"
    assert plain.confidence >= RULES_SURE
    assert math.exp(0.6) / (1 + math.exp(0.6)) < SERVICE_OVERRULE
    assert _with(rules_only, sure).run(text, channel="twitter", kind="mention").service == "3"
    assert _with(rules_only, unsure).run(text, channel="twitter", kind="mention").service == "8"


def test_a_rules_refusal_gives_way_only_to_a_sure_model_that_sees_no_refusal(
        rules_only: Triage) -> None:
    # The rules refuse: the text asks for another person's payment.
    text = "min tolong info gaji pegawai lain di satker kami bulan ini berapa"
    assert rules_only.run(text, channel="twitter", kind="mention").action == "refuse"

    def model(action: float, intent: str) -> dict[str, Any]:
        return _model({
            "action": _head(["escalate", "refuse"], {"w:gaji": [action, -action]}),
            "intent": _head([intent, "greeting"], {"w:gaji": [5.0, -5.0]}),
        })

    sure_case = _with(rules_only, model(5.0, "problem")).run(
        text, channel="twitter", kind="mention")
    assert (sure_case.action, sure_case.intent) == ("escalate", "problem")
    assert any(rule.startswith("model:action=escalate") for rule in sure_case.rules)
    # Not sure enough, or the model itself reads a refusal's intent: the refusal stands.
    unsure = _with(rules_only, model(0.2, "problem")).run(text, channel="twitter", kind="mention")
    assert unsure.action == "refuse"
    refusing = _with(rules_only, model(5.0, "excluded_info_request")).run(
        text, channel="twitter", kind="mention")
    assert refusing.action == "refuse"


def test_a_question_with_a_canned_answer_stays_a_question_when_the_model_hears_a_greeting(
) -> None:
    from socialdesk.rules.assess import _second_look
    from socialdesk.rules.second_opinion import Opinion
    from socialdesk.rules.types import Classification

    hours = Classification(service="1", item="1.37", intent="question", confidence=1.0,
                           rules=("intent.question.ask", "intent.greeting",
                                  "faq:service-hours"))
    opinions = {"intent": Opinion("greeting", 0.9)}
    # "Selamat malam, apakah besok Jumat layanan tetap buka?": the hours are the answer.
    kept, _ = _second_look(hours, "auto_reply", opinions, asked=True)
    assert kept.intent == "question"
    # Thanks that name a topic ("matur nuwun, SP2D-nya sampun cair") ask nothing.
    thanked, _ = _second_look(hours, "auto_reply", opinions, asked=False)
    assert thanked.intent == "greeting"
