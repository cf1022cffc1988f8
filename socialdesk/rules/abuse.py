"""Abusive words from a lexicon, found through the disguises people use for them.

The lexicon (defaults/lexicon/profanity-id.tsv: word, category, region, severity, aliases) lists
Indonesian and regional abusive words with their known spellings. A word list matched as is
misses "anj1ng", "a*jing", "b3g0" and "anjiiing", so each word of the text is also read with
look-alike digits and symbols turned back into letters and with runs of one letter squeezed;
a masked letter ("*") may stand for any letter. Words of four letters or more are also found
inside their Indonesian and Javanese affixes ("bangsatnya", "dibegoin", "kampretlah",
"goblokmu"). Entries that are ordinary words in another sense ("bui", "biang", "miskin") are
skipped through the guard's `abuse_skip` list, which also names ordinary words that only look
like an affixed one ("celengan" is a piggy bank, not a boar).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "@": "a", "$": "s", "!": "i", "|": "l"})
# A word as the writer spelled it: letters with look-alike digits or masks inside.
_TOKEN = re.compile(r"[a-z0-9@$*!|]*[a-z*][a-z0-9@$*!|]*")
_RUNS = re.compile(r"(.)\1+")
# Words already read, as the writer spelled them: most words of most texts are common ones,
# and reading one (look-alikes, squeezing, masks) costs far more than looking it up. Bounded
# so that a stream of unique junk cannot grow it without end.
_CACHE_MAX = 50_000
# Affixes a word of abuse takes in speech: "bangsat-nya", "di-bego-in", "goblok-mu", "ke-tolol-an".
_SUFFIXES = ("nya", "lah", "kah", "mu", "lu", "in", "an", "kan", "ne", "e", "deh", "sih", "tuh",
             # stacked: "kebiadabannya", "dibegoinnya"
             "annya", "kannya", "innya")
_PREFIXES = ("di", "ke", "nge", "ng", "se", "pe", "ter")
# Only stems this long are looked for inside affixes: shorter ones ("asu", "tai") sit inside
# too many ordinary words.
_STEM_MIN = 4


class LexiconError(ValueError):
    """The abuse lexicon is unreadable; the message names the file."""


def squeeze(word: str) -> str:
    """One letter for each run of the same letter: "anjiiing" -> "anjing"."""
    return _RUNS.sub(r"\1", word)


def _plain(token: str) -> str:
    # Digits alone are numbers, not disguises: "2025" stays a number.
    if token.isdigit():
        return token
    # Marks after a word end the sentence ("kunyuk!!!"); inside a word they stand for letters.
    token = token.rstrip("!|") or token
    # "bego2" is "bego-bego" written the short way: the 2 doubles the word, it is no letter.
    return token.rstrip("2").translate(_LEET) if token[-1] == "2" else token.translate(_LEET)


@dataclass(frozen=True)
class AbuseLexicon:
    """Single words and word pairs, each also kept squeezed."""

    words: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    squeezed: frozenset[str]
    # Whole words never taken for abuse, however they are spelled or affixed.
    skip: frozenset[str] = frozenset()
    # token as written -> (the lexicon word it is or None, its plain form, starts a pair)
    _read: dict[str, tuple[str | None, str, bool]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False)
    _firsts: frozenset[str] = field(
        default=frozenset(), init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_firsts", frozenset(first for first, _ in self.pairs))

    @classmethod
    def from_entries(cls, entries: Iterable[str], skip: Iterable[str] = ()) -> AbuseLexicon:
        skipped = {s.casefold() for s in skip}
        words: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        for entry in entries:
            parts = entry.casefold().replace("-", " ").split()
            if not parts or " ".join(parts) in skipped:
                continue
            if len(parts) == 1:
                words.add(_plain(parts[0]))
            else:
                # Longer phrases are matched on their first two words, which carry the insult.
                pairs.add((_plain(parts[0]), _plain(parts[1])))
                words.add(_plain("".join(parts)))
        words -= skipped
        # A squeezed form shorter than three letters ("xxx" -> "x") would match noise.
        squeezed = frozenset(s for w in words if len(s := squeeze(w)) >= 3)
        return cls(frozenset(words), frozenset(pairs), squeezed, frozenset(skipped))

    @classmethod
    def load(cls, path: Path, skip: Iterable[str] = (),
             extra: Iterable[str] = ()) -> AbuseLexicon:
        """`extra` are words of the guard's own (English insults) read the same way."""
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle, delimiter="\t"))
        except OSError as exc:
            raise LexiconError(f"{path}: cannot read the abuse lexicon: {exc}") from None
        entries: list[str] = []
        for row in rows:
            word = (row.get("word") or "").strip()
            if not word:
                raise LexiconError(f"{path}: a row without a word")
            entries.append(word)
            entries.extend(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
        return cls.from_entries([*entries, *extra], skip)

    def find(self, folded: str) -> list[str]:
        """The lexicon words in `folded` (case-folded text), as the lexicon spells them."""
        tokens = [self._reading(t) for t in _TOKEN.findall(folded)]
        found: list[str] = []
        for i, (hit, plain, first) in enumerate(tokens):
            if hit is None and first and i + 1 < len(tokens):
                following = tokens[i + 1][1]
                if (plain, following) in self.pairs:
                    hit = f"{plain} {following}"
            if hit is not None:
                found.append(hit)
        return found

    def _reading(self, token: str) -> tuple[str | None, str, bool]:
        read = self._read.get(token)
        if read is None:
            plain = _plain(token)
            read = (self._word(plain), plain, plain in self._firsts)
            if len(self._read) < _CACHE_MAX:
                self._read[token] = read
        return read

    def _word(self, token: str) -> str | None:
        if token in self.skip:
            return None
        if token in self.words:
            return token
        if "*" in token:
            return self._masked(token)
        short = squeeze(token)
        if short != token and short in self.squeezed:
            return short
        return self._affixed(token) or (self._affixed(short) if short != token else None)

    def _affixed(self, token: str) -> str | None:
        """The lexicon word inside a prefix and/or a suffix ("dibegoin" -> "bego")."""
        if len(token) <= _STEM_MIN:
            return None
        heads = [token] + [token[len(p):] for p in _PREFIXES if token.startswith(p)]
        stems = [s for head in heads for s in
                 ([head] if head != token else []) + [head[:-len(x)] for x in _SUFFIXES
                                                      if head.endswith(x)]]
        if any(stem in self.skip for stem in stems):
            return None  # an ordinary word with an affix ("penyetnya" is no "nyet")
        for stem in stems:
            if len(stem) < _STEM_MIN:
                continue
            if stem in self.words:
                return stem
            short = squeeze(stem)
            if len(short) >= _STEM_MIN and short in self.squeezed:
                return short
        return None

    def _masked(self, token: str) -> str | None:
        # "a*jing", "k*nt*l": each mask stands for one or more letters; short masks of
        # ordinary words ("s*") are too vague to call.
        letters = token.replace("*", "")
        if len(letters) < 3:
            return None
        shape = re.compile("".join("[a-z]+" if c == "*" else re.escape(c) for c in token))
        return next((w for w in sorted(self.words) if shape.fullmatch(w)), None)
