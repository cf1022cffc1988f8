"""The outgoing content guard on real public tweets labelled for abusive language.

The corpus is the Indonesian multi-label hate-speech and abusive-language Twitter corpus of
Ibrohim and Budi, "Multi-label Hate Speech and Abusive Language Detection in Indonesian
Twitter", Proceedings of the Third Workshop on Abusive Language Online (ACL 2019), published by
its authors at github.com/okkyibrohim/id-multi-label-hate-speech-and-abusive-language-detection.
It is not ours to redistribute, so it stays outside this repository: pass the path of a CSV
with at least the columns `Tweet`, `HS` and `Abusive` (0/1), as the authors publish it.

Each tweet is checked as the text of a reply on Facebook (so that X's length and link rules
do not decide), and the script prints, of the abusive tweets, how many the guard gives an
abuse reason (blocked or held for review) and how many it holds or blocks for any reason; of
the others, how many it gives an abuse reason (false alarms) and how many it holds or blocks
for any reason; each also split by the corpus's hate-speech label.

How the tweets are read. The corpus authors anonymised every mention as `USER`, every link as
`URL` and every retweet mark as `RT`: no reply would carry those tokens, so they are removed.
Their export also turned emoji and other non-ASCII characters into literal byte escapes
(`\\xf0\\x9f\\x98\\x82`) and line breaks into a literal `\\n`: the escapes are decoded back into
the characters they stand for (an insulting emoji then counts as it would in a reply) and `\\n`
becomes a space.

    .venv/bin/python bench/eval_abuse_corpus.py PATH.csv [--misses N] [--alarms N]

`--misses N` / `--alarms N` print up to N abusive tweets the guard let through and N clean
ones it flagged as abuse (for a tuning file only: never for a file kept for measuring).
"""

from __future__ import annotations

import argparse
import csv
import html
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from socialdesk.rules.guard import REVIEW_MARK, Guard  # noqa: E402

_PLACEHOLDER = re.compile(r"\b(?:USER|URL|RT)\b")
_ESCAPES = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")
_SPACES = re.compile(r"\s+")


def readable(tweet: str) -> str:
    """The tweet as a reply would carry it: no anonymisation tokens, escapes decoded."""
    text = _ESCAPES.sub(
        lambda m: bytes.fromhex(m.group(0).replace("\\x", "")).decode("utf-8", "replace"),
        tweet)
    text = html.unescape(text.replace("\\n", " "))
    text = _PLACEHOLDER.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@dataclass
class Tally:
    rows: int = 0
    abuse: int = 0  # given an abuse reason, blocked or held
    stopped: int = 0  # held or blocked for any reason

    def add(self, abuse: bool, stopped: bool) -> None:
        self.rows += 1
        self.abuse += abuse
        self.stopped += stopped


def pct(n: int, total: int) -> str:
    return f"{100 * n / total:5.1f} % ({n}/{total})" if total else "n/a"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--misses", type=int, default=0)
    parser.add_argument("--alarms", type=int, default=0)
    args = parser.parse_args(argv)
    guard = Guard.default()
    with args.csv.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = list(csv.DictReader(handle))
    tallies: dict[tuple[int, int], Tally] = {}
    misses: list[str] = []
    alarms: list[str] = []
    empty = 0
    for row in rows:
        text = readable(row["Tweet"])
        if not text:
            empty += 1
            continue
        abusive, hate = int(row["Abusive"]), int(row["HS"])
        verdict = guard.check_outbound(text, channel="facebook")
        by_abuse = any(r.removeprefix(REVIEW_MARK) == "abusive" for r in verdict.reasons)
        tallies.setdefault((abusive, hate), Tally()).add(by_abuse, verdict.verdict != "pass")
        if abusive and not by_abuse:
            misses.append(text)
        elif not abusive and by_abuse:
            alarms.append(f"{list(verdict.reasons)} {text}")

    def total(abusive: int, hate: int | None = None) -> Tally:
        out = Tally()
        for (a, h), t in tallies.items():
            if a == abusive and (hate is None or h == hate):
                out.rows += t.rows
                out.abuse += t.abuse
                out.stopped += t.stopped
        return out

    print(f"{len(rows)} tweets from {args.csv.name} ({empty} empty once the placeholders were "
          "removed, left out); guard as facebook reply text")
    print(f"{'':34}{'abuse reason':>24}{'held or blocked (any)':>26}")
    for label, abusive, hate in (("abusive (Abusive=1)", 1, None),
                                 ("  of which hate speech (HS=1)", 1, 1),
                                 ("  of which not hate speech", 1, 0),
                                 ("clean (Abusive=0): false alarms", 0, None),
                                 ("  of which hate speech (HS=1)", 0, 1),
                                 ("  of which neither", 0, 0)):
        t = total(abusive, hate)
        print(f"{label:34}{pct(t.abuse, t.rows):>24}{pct(t.stopped, t.rows):>26}")
    for title, lines, n in (("abusive, let through", misses, args.misses),
                            ("clean, flagged as abuse", alarms, args.alarms)):
        if n:
            print(f"\n{title} (first {min(n, len(lines))} of {len(lines)}):")
            for line in lines[:n]:
                print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
