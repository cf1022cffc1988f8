"""Measure the rule classifier on a labelled message set, beside a TF-IDF + LogisticRegression
baseline whose figures are out-of-fold (5-fold cross-validation on the same set).

Two rule columns: "rules" is the classifier and `decide` alone; "triage" is what the desk
runs (socialdesk.rules.assess: the classifier plus the inbound guard's second opinion).

    .venv/bin/python bench/eval_rules.py [--data ../shared/data/dev.jsonl] [--ids odd|even|all]
        [--errors] [--no-baseline] [--aggregate]

A set of outgoing replies (rows with `expected` pass|disallowed and a `category`, such as
data/sets/replies-*.jsonl) is measured with the content guard instead: per kind, how many
disallowed replies were blocked or held for review, and how many proper ones passed.
`--model PATH` adds the learned second opinion (socialdesk/defaults/second_opinion.json.gz)
to the triage column. The content guard is the desk's, with its learned second opinion
(socialdesk/defaults/guard_opinion.json.gz) unless `--guard-model ''` leaves it to its rules
(or `--guard-model PATH` names other weights). `--aggregate` prints the summary lines only
(for the untouched sets: no per-row output).

`--ids odd|even` keeps the rows whose id ends in an odd or even number: the holdout set
(data/holdout.jsonl) is split that way into a half for tuning and a half that is only ever
measured in aggregate, so print `--errors` for the odd half only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from socialdesk.rules.assess import Triage  # noqa: E402
from socialdesk.rules.classify import Classifier  # noqa: E402
from socialdesk.rules.decide import decide  # noqa: E402
from socialdesk.rules.guard import Guard  # noqa: E402
from socialdesk.rules.types import PUBLIC_KINDS  # noqa: E402

PiiFinder = Callable[[str], list[str]]


@dataclass
class Prediction:
    service: str | None
    item: str | None
    intent: str
    action: str


def pii_finder() -> tuple[PiiFinder, str]:
    try:
        from socialdesk.rules.pii import find_pii
    except ImportError:
        return (lambda text: []), "socialdesk.rules.pii not available: PII taken as none found"

    def kinds(text: str) -> list[str]:
        return sorted({finding.kind for finding in find_pii(text)})

    return kinds, "PII from socialdesk.rules.pii.find_pii"


def run_rules(rows: Sequence[dict[str, Any]], find: PiiFinder) -> tuple[list[Prediction], float]:
    classifier = Classifier.default()
    predictions: list[Prediction] = []
    for row in rows:
        c = classifier.classify(row["text"], channel=row["channel"], kind=row["kind"])
        action = decide(c, find(row["text"]), kind=row["kind"])
        predictions.append(Prediction(c.service, c.item, c.intent, action))
    texts = [row["text"] for row in rows]
    repeat = max(1, 20000 // len(texts))
    start = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            classifier.classify(text)
    rate = repeat * len(texts) / (time.perf_counter() - start)
    return predictions, rate


def run_triage(rows: Sequence[dict[str, Any]], model: Path | None = None) -> list[Prediction]:
    triage = Triage.default(model)
    predictions: list[Prediction] = []
    for row in rows:
        r = triage.run(row["text"], channel=row["channel"], kind=row["kind"])
        predictions.append(Prediction(r.service, r.item, r.intent, r.action))
    return predictions


def select_ids(rows: Sequence[dict[str, Any]], which: str) -> list[dict[str, Any]]:
    """Rows whose id ends in an odd (or even) number; all rows for "all"."""
    if which == "all":
        return list(rows)
    wanted = 1 if which == "odd" else 0
    out: list[dict[str, Any]] = []
    for row in rows:
        digits = "".join(ch for ch in str(row["id"]) if ch.isdigit())
        if not digits:
            raise ValueError(f"id {row['id']!r} has no number to split by parity")
        if int(digits) % 2 == wanted:
            out.append(row)
    return out


def run_baseline(rows: Sequence[dict[str, Any]]) -> tuple[list[Prediction], float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import FeatureUnion, make_pipeline

    def model() -> Any:
        features = FeatureUnion([
            ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ])
        return make_pipeline(features, LogisticRegression(max_iter=2000, C=10.0))

    warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
    texts = [row["text"] for row in rows]
    start = time.perf_counter()
    columns: dict[str, list[str]] = {}
    for field in ("service", "item", "intent", "expected_action"):
        labels = [str(row[field]) for row in rows]
        # Labels seen fewer than five times cannot be stratified; they fold into one bucket.
        counts = {label: labels.count(label) for label in labels}
        strata = [label if counts[label] >= 5 else "~rare" for label in labels]
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(texts, strata)
        columns[field] = list(cross_val_predict(model(), texts, labels, cv=list(folds)))
    elapsed = time.perf_counter() - start
    predictions = [
        Prediction(
            None if columns["service"][i] == "None" else columns["service"][i],
            None if columns["item"][i] == "None" else columns["item"][i],
            columns["intent"][i], columns["expected_action"][i],
        )
        for i in range(len(rows))
    ]
    return predictions, len(rows) / elapsed


def ratio(hits: int, total: int) -> str:
    return f"{100 * hits / total:5.1f} % ({hits}/{total})" if total else "    n/a"


def figures(rows: Sequence[dict[str, Any]], preds: Sequence[Prediction]) -> dict[str, str]:
    pairs = list(zip(rows, preds, strict=True))
    scope = [(r, p) for r, p in pairs if r["service"] is not None]
    itemed = [(r, p) for r, p in pairs if r["item"] is not None]
    refuse = [(r, p) for r, p in pairs if r["expected_action"] == "refuse"]
    not_refuse = [(r, p) for r, p in pairs if r["expected_action"] != "refuse"]
    public = [(r, p) for r, p in pairs if r["kind"] in PUBLIC_KINDS]
    public_pii = [(r, p) for r, p in public if r["pii"]]
    public_clean = [(r, p) for r, p in public if not r["pii"]]
    return {
        "service accuracy (in scope)": ratio(
            sum(r["service"] == p.service for r, p in scope), len(scope)),
        "item accuracy (item labelled)": ratio(sum(r["item"] == p.item for r, p in itemed),
                                               len(itemed)),
        "intent accuracy": ratio(sum(r["intent"] == p.intent for r, p in pairs), len(pairs)),
        "action accuracy": ratio(sum(r["expected_action"] == p.action for r, p in pairs),
                                 len(pairs)),
        "refusal recall": ratio(sum(p.action == "refuse" for _, p in refuse), len(refuse)),
        "false-refusal rate": ratio(sum(p.action == "refuse" for _, p in not_refuse),
                                    len(not_refuse)),
        "public-PII recall": ratio(sum(p.action == "redirect_private" for _, p in public_pii),
                                   len(public_pii)),
        "public-PII false alarms": ratio(
            sum(p.action == "redirect_private" for _, p in public_clean), len(public_clean)),
    }


def guard_verdict(guard: Guard, text: str, channel: str) -> tuple[str, tuple[str, ...]]:
    v = guard.check_outbound(text, channel=channel)
    # Before the three-way verdict existed the guard only said ok or not.
    name = getattr(v, "verdict", None) or ("pass" if v.ok else "block")
    return str(name), tuple(v.reasons)


def guard_figures(rows: Sequence[dict[str, Any]], aggregate: bool, errors: bool,
                  guard: Guard) -> None:
    by_kind: dict[str, dict[str, int]] = {}
    proper = {"pass": 0, "review": 0, "block": 0}
    wrong: list[str] = []
    for row in rows:
        verdict, reasons = guard_verdict(guard, row["text"], row["channel"])
        if row["expected"] == "pass":
            proper[verdict] += 1
            if verdict != "pass":
                wrong.append(f"  {row['id']}: proper -> {verdict} {list(reasons)}")
            continue
        counts = by_kind.setdefault(str(row["category"]), {"pass": 0, "review": 0, "block": 0})
        counts[verdict] += 1
        if verdict == "pass":
            wrong.append(f"  {row['id']}: {row['category']} -> pass")
    disallowed = {k: sum(c[k] for c in by_kind.values()) for k in ("pass", "review", "block")}
    total = sum(disallowed.values())
    print(f"{len(rows)} replies; guard verdicts")
    if not aggregate:
        for kind, c in sorted(by_kind.items()):
            n = sum(c.values())
            print(f"  {kind:22} blocked {c['block']:3}/{n:<3} review {c['review']:3}  "
                  f"passed {c['pass']:3}")
    held = disallowed['block'] + disallowed['review']
    print(f"{'disallowed held or blocked':32}{ratio(held, total):>22}")
    print(f"{'disallowed blocked':32}{ratio(disallowed['block'], total):>22}")
    n = sum(proper.values())
    print(f"{'proper passed without review':32}{ratio(proper['pass'], n):>22}")
    print(f"{'proper held for review':32}{ratio(proper['review'], n):>22}")
    print(f"{'proper blocked':32}{ratio(proper['block'], n):>22}")
    if errors and not aggregate:
        print("\nwrong verdicts:")
        print("\n".join(wrong))


def abuse_as_reply(rows: Sequence[dict[str, Any]], aggregate: bool, errors: bool,
                   guard: Guard) -> None:
    """The guard run on incoming messages as if they were reply text (channel facebook, so
    X's length and link rules stay out): abusive messages (intent abuse) given an abuse
    reason, blocked or held, and clean ones given one (false alarms). A changed abuse lexicon
    shows here first. Messages the guard's learned second opinion holds are counted too."""
    caught = flagged = abusive = by_model = 0
    wrong: list[str] = []
    for row in rows:
        _, reasons = guard_verdict(guard, row["text"], "facebook")
        by_model += any(r.startswith("model:") for r in reasons)
        hit = any(r.removeprefix("unsure:") == "abusive" for r in reasons)
        if row["intent"] == "abuse":
            abusive += 1
            caught += hit
            if not hit:
                wrong.append(f"  {row['id']}: abuse missed")
        elif hit:
            flagged += 1
            wrong.append(f"  {row['id']}: {row['intent']} flagged {list(reasons)}")
    print(f"{'as reply text: abuse caught':32}{ratio(caught, abusive):>22}")
    print(f"{'as reply text: abuse false alarms':32}{ratio(flagged, len(rows) - abusive):>22}")
    if guard.opinion is not None:
        print(f"{'as reply text: held by the model':32}{ratio(by_model, len(rows)):>22}")
    if errors and not aggregate and wrong:
        print("\n".join(wrong))


def print_errors(rows: Sequence[dict[str, Any]], preds: Sequence[Prediction]) -> None:
    print("\nmisclassified (gold -> rules):")
    for row, p in zip(rows, preds, strict=True):
        gold = (row["service"], row["item"], row["intent"], row["expected_action"])
        got = (p.service, p.item, p.intent, p.action)
        if gold[0] != got[0] or gold[3] != got[3] or (gold[1] and gold[1] != got[1]):
            print(f"  {row['id']}: service {gold[0]}->{got[0]}  item {gold[1]}->{got[1]}  "
                  f"intent {gold[2]}->{got[2]}  action {gold[3]}->{got[3]}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/dev.jsonl")
    parser.add_argument("--errors", action="store_true", help="list misclassified ids")
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline")
    parser.add_argument("--ids", choices=("odd", "even", "all"), default="all",
                        help="measure only the rows with odd or even id numbers")
    parser.add_argument("--aggregate", action="store_true",
                        help="summary figures only, nothing about single rows")
    parser.add_argument("--model", type=Path, default=None,
                        help="triage with this second opinion (weights file) after the rules")
    parser.add_argument("--guard-model", default=None,
                        help="the content guard's second opinion: a weights file, or '' for "
                             "the guard's rules alone (default: the packaged weights)")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rows = select_ids(rows, args.ids)
    # The desk's guard: with its learned second opinion unless told otherwise.
    guard = (Guard.default() if args.guard_model is None
             else Guard.load(model_path=args.guard_model or None))
    if rows and "expected" in rows[0]:
        guard_figures(rows, args.aggregate, args.errors, guard)
        return 0
    find, pii_note = pii_finder()
    rule_preds, rule_rate = run_rules(rows, find)
    triage_preds = run_triage(rows, args.model)
    print(f"{len(rows)} messages ({args.ids} ids) from {args.data}; {pii_note}")
    rule_figs = figures(rows, rule_preds)
    triage_figs = figures(rows, triage_preds)
    if args.no_baseline:
        base_figs = {key: "" for key in rule_figs}
        base_rate = 0.0
    else:
        base_preds, base_rate = run_baseline(rows)
        base_figs = figures(rows, base_preds)
    print(f"{'':32}{'rules':>22}{'triage':>22}  {'baseline (TF-IDF+LR, out-of-fold)':>34}")
    for key, value in rule_figs.items():
        print(f"{key:32}{value:>22}{triage_figs[key]:>22}  {base_figs[key]:>34}")
    base_speed = "" if args.no_baseline else f"all four models, 5 folds: {base_rate:,.0f}/s"
    print(f"{'messages/second (one core)':32}{rule_rate:>22,.0f}{'':>22}  {base_speed:>34}")
    abuse_as_reply(rows, args.aggregate, args.errors, guard)
    if args.errors and not args.aggregate:
        print_errors(rows, triage_preds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
