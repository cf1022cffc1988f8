"""Writes the full triage decision of every labelled message (service, item, intent, action,
confidence, rules fired), one JSON line per message, so that two trees can be compared row by
row: a change meant only for speed must leave the two outputs identical.

Run in each tree (a worktree of the old commit with PYTHONPATH pointing at it), then diff:
  PYTHONPATH=/work/base .venv/bin/python bench/triage_decisions.py > /tmp/old.jsonl
  .venv/bin/python bench/triage_decisions.py > /tmp/new.jsonl
  diff /tmp/old.jsonl /tmp/new.jsonl && echo identical
Sets: the shared dev set, data/holdout*.jsonl and data/sets/incoming-a..k (the sets that may
be tuned on; the untouched ones are never read). `--model ""` triages with the rules alone.
`--variants` adds, for every message, the decisions on a few rewritings of it (upper case, a
never-seen word added, the text twice, punctuation and a link around it), which reach the word
tables' first-sight paths and the rarer branches that the sets alone may not.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from socialdesk.core.resources import SECOND_OPINION, default_path
from socialdesk.rules.assess import Triage

ROOT = Path(__file__).resolve().parent.parent
SETS = [
    ROOT.parent / "shared" / "data" / "dev.jsonl",
    ROOT / "data" / "holdout.jsonl",
    ROOT / "data" / "holdout2.jsonl",
    *(ROOT / "data" / "sets" / f"incoming-{letter}.jsonl" for letter in "abcdefghijk"),
]

VARIANTS: list[tuple[str, Callable[[str, int], str]]] = [
    ("upper", lambda text, n: text.upper()),
    ("unseen", lambda text, n: f"{text} zq{n}x kq{n}ab{n}"),
    ("twice", lambda text, n: f"{text}\n{text}"),
    ("dressed", lambda text, n: f"@hai_djpb #Tolong{n}Cek (\"{text}\")!! https://x.co/a{n}"),
    ("lower-ascii", lambda text, n: text.lower().encode("ascii", "ignore").decode()),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default=None,
                        help='weights file (default: the packaged one; "" for the rules alone)')
    parser.add_argument("--variants", action="store_true",
                        help="also triage rewritings of every message (see above)")
    args = parser.parse_args()
    model = default_path(SECOND_OPINION) if args.model is None else (
        Path(args.model) if args.model else None)
    triage = Triage.default(model)
    for path in SETS:
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        for n, row in enumerate(rows):
            text = str(row["text"])
            texts = [("", text)]
            if args.variants:
                texts += [(name, rewrite(text, n)) for name, rewrite in VARIANTS]
            for variant, written in texts:
                r = triage.run(written, channel=str(row["channel"]), kind=str(row["kind"]))
                print(json.dumps({
                    "set": path.name, "row": n, **({"variant": variant} if variant else {}),
                    "service": r.service, "item": r.item,
                    "intent": r.intent, "action": r.action, "confidence": r.confidence,
                    "rules": list(r.rules), "pii": list(r.pii), "inbound": list(r.inbound),
                }, ensure_ascii=False))


if __name__ == "__main__":
    main()
