"""Train the outbound guard's learned second opinion and export its weights for pure-Python scoring.

One head ("guard", classes disallowed / pass): a logistic regression over the features of
socialdesk.rules.second_opinion.features (normalized words, word pairs, word beginnings),
binary and l2-normalised per reply, the same machinery and weights format as the classifier's
second opinion. It learns the content kinds only (interpretation, unregulated_policy,
excluded_info, abuse) against proper replies: personal data, links and length are the rules'
own (exact checks a bag of words cannot do), so those rows are left out of training. The
weights of the features seen in at least two texts are written, rounded, to one gzip'd JSON
file with the training data's provenance (file names, row counts and SHA-256 of each file).

Replies alone teach it that whatever does not sound like a desk reply is suspect: trained on
them only, it held half of the ordinary incoming messages run through it as reply text. So the
labelled incoming messages join the training at a small weight (INCOMING_WEIGHT each) as
examples of ordinary talk that is not disallowed, except those labelled abuse, which count as
disallowed at full weight.

    .venv/bin/python bench/train_guard_opinion.py [--out PATH] [--lowo]
        [--incoming FILE.jsonl ...] [FILE.jsonl ...]

FILEs default to the reply sets this project may train on (one writer each), `--incoming` to its
labelled incoming sets. `--lowo` measures first, leaving one reply file (one writer) out at a
time: the model is trained on the other files and the held-out one is judged by the guard as it
ships with that model (socialdesk.rules.guard's own thresholds), and by the model alone at
several theta. The rules were tuned on all these files, so the model-alone figures are the
honest estimate of what the model adds on writers nobody tuned on.
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

from model_file import write_model  # noqa: E402

from socialdesk.rules.guard import GuardOpinion  # noqa: E402
from socialdesk.rules.normalize import tokens  # noqa: E402
from socialdesk.rules.second_opinion import (  # noqa: E402
    FORMAT,
    SecondOpinion,
    feature_count,
    features,
)

DEFAULT_SETS = tuple(ROOT / f"data/sets/replies-{w}.jsonl"
                     for w in ("r", "s", "t", "u", "v", "w", "x", "y", "ac", "ad", "af", "ag",
                               "ah", "ai", "am", "an", "as", "at", "ba", "bb", "bg", "bh",
                               "bm", "bn", "bo", "bp", "aw", "ax", "bv", "bw", "bx", "by",
                               "bz", "cc", "cd", "ce"))
DEFAULT_INCOMING = tuple(ROOT / f"data/sets/incoming-{w}.jsonl"
                         for w in (*"abcefghijklmnop", "aa", "ab", "ae", "aj", "ak", "al",
                                   "ao", "ap", "aq", "ar", "ay", "az", "bc", "bd", "be",
                                   "bf", "bi", "bj", "bk", "bl", "au", "av", "bu", "ca",
                                   "cb", "cf", "cg"))
INCOMING_WEIGHT = 0.05
DEFAULT_OUT = ROOT / "socialdesk/defaults/guard_opinion.json.gz"
HEAD = "guard"
CONTENT_KINDS = frozenset({"interpretation", "unregulated_policy", "excluded_info", "abuse"})
C = 16.0
MIN_DF = 2
DIGITS = 3
# No intercept: a reply with no known words is even odds, not held by the prior alone.
INTERCEPT = False
THETAS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def load(path: Path, key: str = "expected") -> list[dict[str, Any]]:
    """The rows of a JSON-lines set that carry `key` (replies: "expected"; incoming: "intent")."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [row for row in rows if key in row and "text" in row]


def trainable(row: dict[str, Any]) -> bool:
    return row["expected"] == "pass" or row.get("category") in CONTENT_KINDS


def examples(rows: Sequence[dict[str, Any]], incoming: Sequence[dict[str, Any]] = (),
             ) -> tuple[list[str], list[str], list[float]]:
    """Texts, labels and weights to learn from: the content kinds and proper replies at full
    weight; incoming messages as ordinary talk (abuse as disallowed, at full weight)."""
    texts, labels, weights = [], [], []
    for row in rows:
        if trainable(row):
            texts.append(row["text"])
            labels.append("pass" if row["expected"] == "pass" else "disallowed")
            weights.append(1.0)
    for row in incoming:
        abusive = row.get("intent") == "abuse"
        texts.append(row["text"])
        labels.append("disallowed" if abusive else "pass")
        weights.append(1.0 if abusive else INCOMING_WEIGHT)
    return texts, labels, weights


def train(rows: Sequence[dict[str, Any]], provenance: dict[str, Any],
          incoming: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
    texts, y, weights = examples(rows, incoming)
    docs = [features(tokens(text)) for text in texts]
    vectorizer = CountVectorizer(analyzer=lambda doc: doc, binary=True, min_df=MIN_DF)
    x = normalize(vectorizer.fit_transform(docs))
    vocabulary = vectorizer.get_feature_names_out()
    model = LogisticRegression(C=C, max_iter=3000, fit_intercept=INTERCEPT).fit(
        x, y, sample_weight=weights)
    classes = [str(c) for c in model.classes_]
    # scikit-learn keeps one row for two classes (the second's score)
    coef = model.coef_[0]
    intercept = float(model.intercept_[0]) if INTERCEPT else 0.0
    packed = {
        str(f): [round(-float(w), DIGITS), round(float(w), DIGITS)]
        for f, w in zip(vocabulary, coef, strict=True)
        if abs(float(w)) >= 10 ** -DIGITS
    }
    head = {"classes": classes,
            "intercept": [round(-intercept, DIGITS), round(intercept, DIGITS)],
            "weights": packed}
    return {"format": FORMAT, "provenance": provenance, "heads": {HEAD: head}}


def provenance(paths: Sequence[Path], counts: Sequence[int],
               incoming: Sequence[Path] = (), incoming_counts: Sequence[int] = (),
               ) -> dict[str, Any]:
    def described(paths: Sequence[Path], counts: Sequence[int]) -> list[dict[str, Any]]:
        return [{"file": p.name, "rows": n,
                 "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
                for p, n in zip(paths, counts, strict=True)]

    return {
        "trained_by": "bench/train_guard_opinion.py",
        "label": "disallowed (" + ", ".join(sorted(CONTENT_KINDS)) + ") vs pass",
        "C": C, "min_df": MIN_DF, "intercept": INTERCEPT,
        "incoming_weight": INCOMING_WEIGHT,
        "used_by": "socialdesk/rules/guard.py (MODEL_THRESHOLD, MODEL_BLOCK_THRESHOLD, "
                   "MODEL_MIN_WORDS, MODEL_BLOCK_MIN_WORDS, MODEL_CLEAR_THRESHOLD)",
        "sets": described(paths, counts),
        "incoming_sets": described(incoming, incoming_counts),
    }


def disallowed_probability(opinion: GuardOpinion, text: str) -> float:
    """p(disallowed) as the guard hears it: 0 for a reply too short for the model or too
    unlike what it learned from."""
    from socialdesk.rules.guard import MODEL_MIN_COVERAGE, MODEL_MIN_WORDS

    words = tokens(text)
    if len(words) < MODEL_MIN_WORDS:
        return 0.0
    probability, known = opinion.weigh(words)
    return probability if known / feature_count(words) >= MODEL_MIN_COVERAGE else 0.0


def leave_one_out(sets: dict[Path, list[dict[str, Any]]],
                  incoming: Sequence[dict[str, Any]]) -> None:
    from dataclasses import replace

    from socialdesk.rules.guard import Guard

    guard = Guard.load(model_path=None)
    # verdicts pooled over writers: disallowed held-or-blocked, blocked; proper passed, blocked
    shipped = [0, 0, 0, 0]
    pooled: dict[float, list[int]] = {t: [0] * 3 for t in THETAS}
    print("held-out writer: the rules alone, and the guard as shipped with a model trained on "
          "the other writers (its own verdicts: hold, block, and clearing a reply the rules "
          "hold on review patterns alone)")
    for held, rows in sets.items():
        rest = [row for path, part in sets.items() if path != held for row in part]
        model = GuardOpinion.of(SecondOpinion.from_dict(train(rest, {}, incoming)))
        with_model = replace(guard, opinion=model)
        rules = [guard.check_outbound(row["text"], channel=row["channel"]).verdict
                 for row in rows]
        both = [with_model.check_outbound(row["text"], channel=row["channel"]).verdict
                for row in rows]
        probs = [disallowed_probability(model, row["text"]) for row in rows]
        bad = [i for i, row in enumerate(rows) if row["expected"] != "pass"]
        content = [i for i in bad if rows[i].get("category") in CONTENT_KINDS]
        good = [i for i, row in enumerate(rows) if row["expected"] == "pass"]
        counts = (sum(both[i] != "pass" for i in bad), sum(both[i] == "block" for i in bad),
                  sum(both[i] == "pass" for i in good), sum(both[i] == "block" for i in good))
        for k, v in enumerate(counts):
            shipped[k] += v
        print(f"{held.stem}: rules alone hold-or-block "
              f"{_pct(sum(rules[i] != 'pass' for i in bad), len(bad))}, pass "
              f"{_pct(sum(rules[i] == 'pass' for i in good), len(good))} proper; as shipped "
              f"hold-or-block {_pct(counts[0], len(bad))}, block {_pct(counts[1], len(bad))}, "
              f"pass {_pct(counts[2], len(good))} proper, block {_pct(counts[3], len(good))} "
              "proper", flush=True)
        for t in THETAS:
            for k, v in enumerate((sum(probs[i] >= t for i in bad),
                                   sum(probs[i] >= t for i in content),
                                   sum(probs[i] >= t for i in good))):
                pooled[t][k] += v
    every = [row for part in sets.values() for row in part]
    n_bad = sum(row["expected"] != "pass" for row in every)
    n_content = sum(row.get("category") in CONTENT_KINDS for row in every
                    if row["expected"] != "pass")
    n_good = len(every) - n_bad
    print(f"all writers pooled, as shipped: disallowed held or blocked "
          f"{_pct(shipped[0], n_bad)}, blocked {_pct(shipped[1], n_bad)}; proper passed "
          f"{_pct(shipped[2], n_good)}, blocked {_pct(shipped[3], n_good)}")
    print("all writers pooled, the model alone holding at p(disallowed) >= theta:")
    for t in THETAS:
        m_bad, m_content, m_good = pooled[t]
        print(f"  theta {t:.2f}: {_pct(m_bad, n_bad)} of disallowed "
              f"({_pct(m_content, n_content)} of content kinds), "
              f"{_pct(m_good, n_good)} of proper held")


def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:5.1f} % ({k}/{n})" if n else "n/a"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=list(DEFAULT_SETS))
    parser.add_argument("--incoming", nargs="*", type=Path, default=list(DEFAULT_INCOMING),
                        help="incoming sets learned as ordinary talk (none: replies alone)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--lowo", action="store_true",
                        help="measure leaving one file out at a time, then train and export")
    parser.add_argument("--no-export", action="store_true", help="measure only")
    args = parser.parse_args(argv)
    sets = {path: load(path) for path in args.files}
    talk = {path: load(path, "intent") for path in args.incoming}
    incoming = [row for part in talk.values() for row in part]
    if args.lowo:
        leave_one_out(sets, incoming)
    if args.no_export:
        return 0
    rows = [row for part in sets.values() for row in part]
    model = train(rows, provenance(list(sets), [len(part) for part in sets.values()],
                                   list(talk), [len(part) for part in talk.values()]),
                  incoming)
    write_model(args.out, model)
    size = len(model["heads"][HEAD]["weights"])
    print(f"{sum(map(trainable, rows))} of {len(rows)} replies from {len(sets)} files and "
          f"{len(incoming)} incoming messages from {len(talk)} -> "
          f"{args.out} ({args.out.stat().st_size:,} bytes; {size} features)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
