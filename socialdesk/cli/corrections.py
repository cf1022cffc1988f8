"""`socialdesk rules corrections --jsonl`: agents' re-classifications as labelled data."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from socialdesk.cli.common import open_desk


def register(sub: Any) -> None:
    rules = sub.add_parser("rules", help="the rules' labelled data from the desk")
    verbs = rules.add_subparsers(dest="verb", metavar="VERB", required=True)
    corrections = verbs.add_parser(
        "corrections", help="agents' re-classifications, in the labelled-data format",
        description="One row per corrected message (its latest correction), with the fields "
                    "of data/holdout.jsonl. The texts are as received: personal data included.")
    corrections.add_argument("--jsonl", action="store_true",
                             help="one JSON object per line (the labelled-data format)")
    corrections.set_defaults(func=cmd_corrections)


def cmd_corrections(args: argparse.Namespace) -> int:
    from socialdesk.app.corrections import labelled_rows

    with open_desk(args) as desk:
        for row in labelled_rows(desk):
            if args.jsonl:
                print(json.dumps(row, ensure_ascii=False))
            else:
                print(f"{row['id']:<12} {row['channel']:<10} {row['intent']:<16} "
                      f"{row['expected_action']:<16} {row['item'] or row['service'] or '-'}")
    sys.stdout.flush()
    return 0
