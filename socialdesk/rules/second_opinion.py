"""A learned second opinion on a message: linear models over the normalized words, in pure Python.

The weights are trained offline (bench/train_second_opinion.py, scikit-learn, from the
labelled sets named in the file's provenance) and exported as one small gzip'd JSON file, so
scoring needs no scikit-learn or numpy: a message's features are its normalized words, their
adjacent pairs and the first letters of the longer words (a cheap stand-in for a stemmer);
each head's score per class is the intercept plus the features' weights, scaled by one over
the square root of how many known features the message has (the l2 normalisation the model
was trained with). Each opinion names the features that pushed its class up the most, so a
person can see why it decided.
"""

from __future__ import annotations

import gzip
import json
import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from sys import intern
from typing import Any, NamedTuple, TypeVar

from socialdesk.rules.normalize import tokens

FORMAT = 1
# Words at least this long also give their first PREFIX letters as a feature: "pencairan" and
# "dicairkan" stay apart, but "pencairan" and "pencairannya" meet.
PREFIX = 5
TOP_FEATURES = 3


V = TypeVar("V")


def features(words: Sequence[str]) -> list[str]:
    """The model's features of a normalized word list (training and scoring share this)."""
    out = ["w:" + w for w in words]
    out += ["b:" + a + " " + b for a, b in pairwise(words)]
    out += ["p:" + w[:PREFIX] for w in words if len(w) > PREFIX]
    return list(dict.fromkeys(out))


# Each feature's weights for every class of every head are packed into one integer, a field of
# FIELD_BITS bits per class holding round(weight * SCALE) + BIAS. Adding the integers of a
# message's features adds every class's weights at once (one big-integer addition per feature
# instead of one float addition per class and feature); the sums are unpacked once per message,
# less BIAS times the number of features. A field cannot overflow in a sum of at most CHUNK
# rows; a message with more known features is summed CHUNK rows at a time.
SCALE = 1000
BIAS_BITS = 21
BIAS = 1 << BIAS_BITS
# 32-bit fields: the sums unpack in one struct call (4 bytes a field), and a row is half the
# memory of a 64-bit one, which a message's few dozen rows are read from; the integer
# arithmetic, and so every score, is the same as with wider fields.
FIELD_BITS = 32
MASK = (1 << FIELD_BITS) - 1
CHUNK = 1 << (FIELD_BITS - BIAS_BITS - 1)


def _pack(row: Sequence[float]) -> int:
    packed = 0
    for i, weight in enumerate(row):
        q = round(weight * SCALE)
        if not -BIAS < q < BIAS:
            raise ValueError(f"model weight {weight} is out of range")
        packed |= (q + BIAS) << (i * FIELD_BITS)
    return packed


def _field(packed: int, column: int) -> float:
    return (((packed >> (column * FIELD_BITS)) & MASK) - BIAS) / SCALE


def _unpacked(total: int, width: int) -> tuple[int, ...]:
    """The `width` fields of a sum of packed rows (exact while it adds at most CHUNK rows)."""
    return struct.unpack(f"<{width}I", total.to_bytes(width * 4, "little"))


def weight_of(packed: int, column: int) -> float:
    """The weight in `column` of a packed feature row (SecondOpinion.words, pairs, prefixes)."""
    return _field(packed, column)


class Opinion(NamedTuple):
    """One head's decision: the class and its probability. `because` names the features that
    argued for the class the most; it is worked out only when asked (most opinions are not
    needed past the probability). A named tuple: one is made per head and message."""

    label: str
    probability: float
    known: Known | None = None
    column: int = 0

    @property
    def because(self) -> tuple[str, ...]:
        return self.because_without(frozenset())

    def because_without(self, plain: frozenset[str]) -> tuple[str, ...]:
        """`because`, passing over the words and prefixes in `plain` (forms of address and
        small words that say nothing to the person reading the reason); word pairs are kept,
        since "jadi boleh" tells what "jadi" alone does not."""
        if self.known is None:
            return ()
        # A weight is above 0 when its field is above BIAS, and weights rank as their fields
        # do (one field, one weight): the fields are ranked as they are, unconverted.
        shift = self.column * FIELD_BITS
        found = self.known.found()
        pushing = [(field, i) for i, (row, kind, key) in enumerate(found)
                   if (field := (row >> shift) & MASK) > BIAS
                   and not (kind != "b:" and key in plain)]
        pushing.sort(reverse=True)
        if len(pushing) > TOP_FEATURES:
            # The ranking is by weight, then name: only the features that tie with or beat
            # the last one kept can be among the first, and only theirs are named.
            last = pushing[TOP_FEATURES - 1][0]
            pushing = [pair for pair in pushing if pair[0] >= last]
        named = sorted(((field, _name(*found[i][1:])) for field, i in pushing), reverse=True)
        return tuple(name for _, name in named[:TOP_FEATURES])

    def describe(self, head: str) -> str:
        words = ", ".join(f.split(":", 1)[1] for f in self.because)
        return f"model:{head}={self.label} {self.probability:.2f} ({words})"


@dataclass(frozen=True, slots=True)
class Head:
    """One multinomial logistic regression: its classes and intercepts, and where its weights
    sit in the packed rows the heads share (fields `start` to `start + len(classes)`)."""

    classes: tuple[str, ...]
    intercept: tuple[float, ...]
    start: int

    def opinion(self, fields: Sequence[int], offset: int, scale: float,
                known: Known) -> Opinion:
        """The head's class from the summed fields of a message's rows (`offset`: BIAS times
        the number of rows summed; `scale`: one over the square root of that number)."""
        start = self.start
        # Each field becomes its weight sum and then its score in one step: the same float
        # operations as a list of all sums first, without building it.
        scores = [b + scale * ((f - offset) / SCALE) for b, f in
                  zip(self.intercept, fields[start:start + len(self.intercept)], strict=True)]
        top = max(scores)
        best = scores.index(top)
        probability = 1.0 / sum(map(math.exp, [s - top for s in scores]))
        return Opinion(self.classes[best], probability, known, start + best)


@dataclass(frozen=True, slots=True)
class SecondOpinion:
    """All heads over one table: a feature's packed row holds every head's weights side by
    side, so a message costs one pass over its features whatever the number of heads."""

    heads: Mapping[str, Head]
    rows: Mapping[str, int]
    shifts: tuple[int, ...]
    provenance: Mapping[str, Any]
    # The same rows by kind, keyed without the "w:"/"b:"/"p:" names: a message's features are
    # looked up without building their names (the names are built only to explain a change).
    words: Mapping[str, int] = field(default_factory=dict)
    pairs: Mapping[tuple[str, str], int] = field(default_factory=dict)
    prefixes: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SecondOpinion:
        if data.get("format") != FORMAT:
            raise ValueError(f"model format {data.get('format')!r} is not {FORMAT}")
        heads: dict[str, Head] = {}
        parts: list[tuple[int, Mapping[str, Sequence[float]]]] = []
        width = 0
        for name, head in data["heads"].items():
            classes = tuple(str(c) for c in head["classes"])
            if any(len(row) != len(classes) for row in head["weights"].values()):
                raise ValueError(f"model head {name!r}: a weight row has the wrong length")
            heads[name] = Head(classes, tuple(float(b) for b in head["intercept"]), width)
            parts.append((len(classes), head["weights"]))
            width += len(classes)
        table: dict[str, list[float]] = {}
        offset = 0
        for size, weights in parts:
            for feature, row in weights.items():
                table.setdefault(str(feature), [0.0] * width)[offset:offset + size] = row
            offset += size
        rows = {f: _pack(row) for f, row in table.items()}
        words = {intern(f[2:]): r for f, r in rows.items() if f.startswith("w:")}
        prefixes = {intern(f[2:]): r for f, r in rows.items() if f.startswith("p:")}
        pairs: dict[tuple[str, str], int] = {}
        for f, r in rows.items():
            if f.startswith("b:") and f.count(" ") == 1:
                a, b = f[2:].split(" ")
                pairs[(intern(a), intern(b))] = r
        return cls(heads=heads, rows=rows, shifts=tuple(range(0, width * FIELD_BITS, FIELD_BITS)),
                   provenance=dict(data.get("provenance", {})), words=words, pairs=pairs,
                   prefixes=prefixes)

    @classmethod
    def load(cls, path: Path) -> SecondOpinion:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            return cls.from_dict(json.load(f))

    def judge(self, text: str, words: Sequence[str] | None = None) -> dict[str, Opinion]:
        """Every head's opinion on `text` (NFKC-normalised or plain ASCII); `words`, when the
        caller has them already, are its normalized words."""
        if words is None:
            words = tokens(text)
        # The features of `features(words)`, each once, looked up by kind. A packed row is
        # never 0 (every field holds BIAS or more): unknown features drop out.
        rows = present(words, self.words, self.pairs, self.prefixes)
        n = len(rows)
        offset = n * BIAS
        width = len(self.shifts)
        if n <= CHUNK:
            fields = _unpacked(sum(rows), width)
        else:  # too many for one sum's fields: one sum per CHUNK rows
            parts = [_unpacked(sum(rows[i:i + CHUNK]), width) for i in range(0, n, CHUNK)]
            fields = tuple(map(sum, zip(*parts, strict=True)))
        scale = 1.0 / math.sqrt(n) if n else 0.0
        known = Known(words, self.words, self.pairs, self.prefixes)
        return {name: head.opinion(fields, offset, scale, known)
                for name, head in self.heads.items()}


def feature_count(words: Sequence[str]) -> int:
    """len(features(words)), without building the features' names."""
    distinct = set(words)
    return (len(distinct) + len(set(pairwise(words)))
            + len({w[:PREFIX] for w in distinct if len(w) > PREFIX}))


def present(words: Sequence[str], by_word: Mapping[str, V],
            by_pair: Mapping[tuple[str, str], V], by_prefix: Mapping[str, V]) -> list[V]:
    """The values of `features(words)` found in tables keyed by kind (a word, two adjacent
    words, a long word's first PREFIX letters), each feature once; unknown ones drop out."""
    distinct = set(words)
    found = [v for v in map(by_word.get, distinct) if v is not None]
    found += [v for v in map(by_pair.get, set(pairwise(words))) if v is not None]
    found += [v for v in map(by_prefix.get, {w[:PREFIX] for w in distinct if len(w) > PREFIX})
              if v is not None]
    return found


class Known:
    """The features of a message that the model knows, each with its packed row and named as
    `features` names it; found on first use (only an opinion that is explained needs them),
    by kind as `present` finds them."""

    __slots__ = ("_found", "_pairs", "_prefixes", "_words", "_words_of")

    def __init__(self, words: Sequence[str], by_word: Mapping[str, int],
                 by_pair: Mapping[tuple[str, str], int], by_prefix: Mapping[str, int]) -> None:
        self._words = words
        self._words_of, self._pairs, self._prefixes = by_word, by_pair, by_prefix
        self._found: list[tuple[int, str, FeatureKey]] | None = None

    def found(self) -> list[tuple[int, str, FeatureKey]]:
        """Each known feature's row, kind ("w:", "b:", "p:") and word, pair or prefix: its
        name is built only when wanted (`_name`), since an opinion names three at most."""
        if self._found is None:
            words, by_word, by_pair, by_prefix = (
                self._words, self._words_of, self._pairs, self._prefixes)
            distinct = set(words)
            found: list[tuple[int, str, FeatureKey]] = [
                (r, "w:", w) for w in distinct if (r := by_word.get(w)) is not None]
            found += [(r, "b:", pair) for pair in set(pairwise(words))
                      if (r := by_pair.get(pair)) is not None]
            found += [(r, "p:", p) for p in {w[:PREFIX] for w in distinct if len(w) > PREFIX}
                      if (r := by_prefix.get(p)) is not None]
            self._found = found
        return self._found

    def rows(self) -> list[tuple[str, int]]:
        """Each known feature's name and row."""
        return [(_name(kind, key), row) for row, kind, key in self.found()]


# A feature without its kind: a word, a pair of words, or a prefix.
FeatureKey = str | tuple[str, str]


def _name(kind: str, key: FeatureKey) -> str:
    """A feature's name as `features` gives it."""
    return kind + (key if isinstance(key, str) else " ".join(key))
