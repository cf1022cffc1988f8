"""Writes the full triage decision of every labelled message (service, item, intent, action,
confidence, rules fired), one JSON line per message, so that two trees can be compared row by
row: a change meant only for speed must leave the two outputs identical.

Run in each tree (a worktree of the old commit with PYTHONPATH pointing at it), then diff:
  PYTHONPATH=/work/base .venv/bin/python bench/triage_decisions.py > /tmp/old.jsonl
  .venv/bin/python bench/triage_decisions.py > /tmp/new.jsonl
  diff /tmp/old.jsonl /tmp/new.jsonl && echo identical
Sets: the shared dev set, data/holdout*.jsonl and data/sets/incoming-a..k (the sets that may
be tuned on; the untouched ones are never read). `--model ""` triages with the rules alone.
"""

from __future__ import annotations

import argparse
import json
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default=None,
                        help='weights file (default: the packaged one; "" for the rules alone)')
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
            r = triage.run(str(row["text"]), channel=str(row["channel"]), kind=str(row["kind"]))
            print(json.dumps({
                "set": path.name, "row": n, "service": r.service, "item": r.item,
                "intent": r.intent, "action": r.action, "confidence": r.confidence,
                "rules": list(r.rules), "pii": list(r.pii), "inbound": list(r.inbound),
            }, ensure_ascii=False))


if __name__ == "__main__":
    main()
