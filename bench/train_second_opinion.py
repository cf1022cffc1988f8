"""Train the classifier's learned second opinion and export its weights for pure-Python scoring.

Three heads (service, action, intent), each a multinomial logistic regression over the
features of socialdesk.rules.second_opinion.features (normalized words, word pairs, word
beginnings), binary and l2-normalised per message. The weights of the features seen in at
least two messages are written, rounded, to one gzip'd JSON file with the training data's
provenance (file names, row counts and SHA-256 of each file).

    .venv/bin/python bench/train_second_opinion.py [--out PATH] [--lowo] [FILE.jsonl ...]

FILEs default to the labelled sets this project may train on (the shared dev set, the
holdouts and the incoming sets a-p, aa, ab, ae, aj-al, ao-ar, au, av, ay, az, bc-bf, bi-bl,
bu, ca, cb, cf and cg). Agents'
corrections exported with `socialdesk rules corrections --jsonl > corrections.jsonl` are the
same format: pass them as further FILEs. `--lowo` measures first, leaving one file (one
writer) out at a time: the model is trained on the others and the held-out file is triaged by
the rules alone and by the rules with the model, through the same code the desk runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from model_file import write_model  # noqa: E402

from socialdesk.rules.normalize import tokens  # noqa: E402
from socialdesk.rules.second_opinion import FORMAT, features  # noqa: E402

DEFAULT_SETS = (
    ROOT.parent / "shared/data/dev.jsonl",
    ROOT / "data/holdout.jsonl",
    ROOT / "data/holdout2.jsonl",
    *(ROOT / f"data/sets/incoming-{w}.jsonl"
      for w in (*"abcefghijklmnop", "aa", "ab", "ae", "aj", "ak", "al", "ao", "ap", "aq",
                "ar", "ay", "az", "bc", "bd", "be", "bf", "bi",
                "bj", "bk", "bl", "au", "av", "bu", "ca", "cb", "cf", "cg")),
)
DEFAULT_OUT = ROOT / "socialdesk/defaults/second_opinion.json.gz"
HEADS = {"service": "service", "action": "expected_action", "intent": "intent"}
C = 8.0
MIN_DF = 2
DIGITS = 3


def load(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [row for row in rows if "expected_action" in row]


def label(row: dict[str, Any], head: str) -> str:
    value = row[HEADS[head]]
    return "none" if value is None else str(value)


def train(rows: Sequence[dict[str, Any]], provenance: dict[str, Any]) -> dict[str, Any]:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
    docs = [features(tokens(row["text"])) for row in rows]
    vectorizer = CountVectorizer(analyzer=lambda doc: doc, binary=True, min_df=MIN_DF)
    x = normalize(vectorizer.fit_transform(docs))
    vocabulary = vectorizer.get_feature_names_out()
    heads: dict[str, Any] = {}
    for head in HEADS:
        y = [label(row, head) for row in rows]
        model = LogisticRegression(C=C, max_iter=3000).fit(x, y)
        classes = [str(c) for c in model.classes_]
        coef = model.coef_
        intercept = model.intercept_
        if len(classes) == 2:  # scikit-learn keeps one row for two classes
            coef = [-coef[0], coef[0]]
            intercept = [-intercept[0], intercept[0]]
        columns = list(zip(*(list(c) for c in coef), strict=True))
        weights = {
            str(f): [round(float(w), DIGITS) for w in column]
            for f, column in zip(vocabulary, columns, strict=True)
            if max(abs(float(w)) for w in column) >= 10 ** -DIGITS
        }
        heads[head] = {"classes": classes,
                       "intercept": [round(float(b), DIGITS) for b in intercept],
                       "weights": weights}
    return {"format": FORMAT, "provenance": provenance, "heads": heads}


def provenance(paths: Sequence[Path], counts: Sequence[int]) -> dict[str, Any]:
    return {
        "trained_by": "bench/train_second_opinion.py",
        "C": C, "min_df": MIN_DF,
        "sets": [{"file": p.name, "rows": n,
                  "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
                 for p, n in zip(paths, counts, strict=True)],
    }


def leave_one_out(sets: dict[Path, list[dict[str, Any]]]) -> None:
    from eval_rules import Prediction, figures

    from socialdesk.rules.assess import Triage
    from socialdesk.rules.second_opinion import SecondOpinion

    plain = Triage.default()
    keys = ("service accuracy (in scope)", "item accuracy (item labelled)", "intent accuracy",
            "action accuracy", "refusal recall", "false-refusal rate", "public-PII recall")
    short = ("service", "item", "intent", "action", "refusal recall", "false refusals",
             "PII recall")
    print("held-out set: rules alone -> rules + model (model trained on the other sets)")
    pooled: list[dict[str, Any]] = []
    pooled_before: list[Prediction] = []
    pooled_after: list[Prediction] = []
    for held, rows in sets.items():
        rest = [row for path, part in sets.items() if path != held for row in part]
        model = SecondOpinion.from_dict(train(rest, {}))
        both = Triage(plain.classifier, plain.guard, plain.catalog, second_opinion=model)
        before: list[Prediction] = []
        after: list[Prediction] = []
        for row in rows:
            for triage, out in ((plain, before), (both, after)):
                r = triage.run(row["text"], channel=row["channel"], kind=row["kind"])
                out.append(Prediction(r.service, r.item, r.intent, r.action))
        pooled += rows
        pooled_before += before
        pooled_after += after
        print(f"{held.stem}: {_cells(figures(rows, before), figures(rows, after), keys, short)}",
              flush=True)
    print(f"all sets pooled: "
          f"{_cells(figures(pooled, pooled_before), figures(pooled, pooled_after), keys, short)}")


def _cells(a: dict[str, str], b: dict[str, str], keys: Sequence[str],
           short: Sequence[str]) -> str:
    return "; ".join(f"{s} {a[k].split('(')[0].strip()} -> {b[k].strip()}"
                     for k, s in zip(keys, short, strict=True))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=list(DEFAULT_SETS))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--lowo", action="store_true",
                        help="measure leaving one file out at a time, then train and export")
    args = parser.parse_args(argv)
    sets = {path: load(path) for path in args.files}
    if args.lowo:
        leave_one_out(sets)
    rows = [row for part in sets.values() for row in part]
    model = train(rows, provenance(list(sets), [len(part) for part in sets.values()]))
    write_model(args.out, model)
    sizes = ", ".join(f"{h} {len(m['weights'])} features" for h, m in model["heads"].items())
    print(f"{len(rows)} rows from {len(sets)} files -> {args.out} "
          f"({args.out.stat().st_size:,} bytes; {sizes})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
