"""Finds which rules fire on a list of normalized words, with all phrases precompiled.

Phrases of every rule sit in one dictionary keyed by the phrase itself; a message is scanned
once, so the cost does not grow with the number of rules. A run of words is extended only
while it is still the beginning of some phrase (`partials`). Prefix phrases ("perbaik*") are
bucketed by their first four letters. What a single word fires depends on the word alone, so
it is worked out once per distinct word and remembered. The rules' patterns are read together
(socialdesk.rules.prefilter.Topics): one pass over the words finds the few worth running.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import reduce
from itertools import compress
from operator import or_

from socialdesk.rules.prefilter import Gated, Topics, gate
from socialdesk.rules.ruleset import Rule

WORDS, WITH, NOT = 0, 1, 2
_BUCKET = 4
_MEMO_LIMIT = 50_000
Hits = tuple[tuple[int, int], ...]
# A node of the phrase tree: the hits of the phrase that ends there, as bits (see Matcher), and
# the nodes of its next words.
Node = tuple[int, dict[str, "Node"]]


@dataclass(frozen=True, slots=True)
class Matcher:
    """What a message's words hit is one integer: bit `i` says that a phrase of rule `i`'s
    `words` occurs, bit `R + i` one of its `with`, bit `2R + i` one of its `not` (R rules).
    A word's bits are worked out once and remembered; a text's are the union of its words'
    and of the longer phrases found by walking a tree of them word by word."""

    rules: tuple[Rule, ...]
    phrases: dict[str, tuple[tuple[int, int], ...]]
    prefixes: dict[str, tuple[tuple[str, int, int], ...]]
    short_prefixes: tuple[tuple[str, int, int], ...]
    with_patterns: tuple[int, ...]
    starters: frozenset[str]
    longest: int
    partials: frozenset[str] = frozenset()
    """every proper beginning ("a", "a b") of every phrase of two or more words"""
    pattern_gates: tuple[tuple[int, tuple[Gated, ...]], ...] = ()
    pattern_plan: tuple[tuple[int, tuple[Gated, ...], bool, bool], ...] = ()
    """each pattern rule's index, gates, and whether it has a `with` and a `not`"""
    _single: dict[str, int] = field(default_factory=dict, init=False, repr=False,
                                    compare=False)
    """the bits of each word seen"""
    _tree: dict[str, Node] = field(init=False, repr=False, compare=False)
    """the phrases of two or more words, by their first word"""
    _patterns: Topics[int] = field(init=False, repr=False, compare=False)
    """the pattern gates by rule index, read together"""
    _all: int = field(init=False, repr=False, compare=False)
    """one bit per rule"""
    _with: int = field(init=False, repr=False, compare=False)
    """the rules that have a `with`"""
    _tried: int = field(init=False, repr=False, compare=False)
    """the rules that have patterns"""

    def __post_init__(self) -> None:
        count = len(self.rules)
        tree: dict[str, Node] = {}
        for phrase, hits in self.phrases.items():
            parts = phrase.split(" ")
            if len(parts) < 2:
                continue
            level = tree
            for part in parts[:-1]:
                level = level.setdefault(part, (0, {}))[1]
            bits, following = level.get(parts[-1], (0, {}))
            level[parts[-1]] = (bits | _as_bits(hits, count), following)
        object.__setattr__(self, "_tree", tree)
        object.__setattr__(self, "_patterns", Topics(dict(self.pattern_gates)))
        object.__setattr__(self, "_all", (1 << count) - 1)
        object.__setattr__(self, "_with", sum(
            1 << i for i, rule in enumerate(self.rules) if rule.with_))
        object.__setattr__(self, "_tried", sum(1 << i for i, _ in self.pattern_gates))

    @classmethod
    def build(cls, rules: Sequence[Rule]) -> Matcher:
        phrases: dict[str, list[tuple[int, int]]] = defaultdict(list)
        prefixes: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        short: list[tuple[str, int, int]] = []
        longest = 1
        starters: set[str] = set()
        partials: set[str] = set()
        for index, rule in enumerate(rules):
            for slot, group in ((WORDS, rule.words), (WITH, rule.with_), (NOT, rule.not_)):
                for phrase in group:
                    if phrase.endswith("*"):
                        stem = phrase[:-1]
                        if len(stem) >= _BUCKET:
                            prefixes[stem[:_BUCKET]].append((stem, index, slot))
                        else:
                            short.append((stem, index, slot))
                    else:
                        phrases[phrase].append((index, slot))
                        if " " in phrase:
                            parts = phrase.split(" ")
                            starters.add(parts[0])
                            partials.update(" ".join(parts[:n]) for n in range(1, len(parts)))
                        longest = max(longest, phrase.count(" ") + 1)
        gates = tuple(
            (i, tuple(gate(p) for p in rule.patterns))
            for i, rule in enumerate(rules) if rule.patterns
        )
        return cls(
            rules=tuple(rules),
            phrases={k: tuple(v) for k, v in phrases.items()},
            prefixes={k: tuple(v) for k, v in prefixes.items()},
            short_prefixes=tuple(short),
            starters=frozenset(starters),
            with_patterns=tuple(i for i, rule in enumerate(rules) if rule.patterns),
            longest=longest,
            partials=frozenset(partials),
            pattern_gates=gates,
            pattern_plan=tuple(
                (i, g, bool(rules[i].with_), bool(rules[i].not_)) for i, g in gates
            ),
        )

    def _single_word(self, word: str) -> Hits:
        found: list[tuple[int, int]] = list(self.phrases.get(word, ()))
        for stem, index, slot in self.prefixes.get(word[:_BUCKET], ()):
            if word.startswith(stem):
                found.append((index, slot))
        for stem, index, slot in self.short_prefixes:
            if word.startswith(stem):
                found.append((index, slot))
        return tuple(found)

    def _bits(self, words: Sequence[str]) -> int:
        """The bits of the phrases that occur in `words` (which hold no spaces, as
        `tokens` gives them)."""
        single = self._single
        new = set(words).difference(single)
        if new:
            if len(single) + len(new) > _MEMO_LIMIT:
                single.clear()
                new = set(words)
                if len(new) > _MEMO_LIMIT:  # more words than the table holds: kept aside
                    single = {}
            count = len(self.rules)
            for word in new:
                single[word] = _as_bits(self._single_word(word), count)
        found: int = reduce(or_, map(single.__getitem__, words), 0)
        tree = self._tree
        if tree.keys().isdisjoint(words):
            return found
        end = len(words)
        # Only the few words that begin a phrase are walked from; map and compress find them
        # without an interpreted step per word.
        starts = list(map(tree.get, words))
        for i in compress(range(end), starts):
            start = starts[i]
            assert start is not None  # compress keeps the words that begin a phrase
            following, j = start[1], i + 1
            while following and j < end:
                node = following.get(words[j])
                if node is None:
                    break
                found |= node[0]
                following, j = node[1], j + 1
        return found

    def hits(self, words: Sequence[str]) -> set[tuple[int, int]]:
        """(rule index, slot) pairs whose phrases occur in `words`."""
        found, count = self._bits(words), len(self.rules)
        return {(i % count, i // count) for i in range(3 * count) if found >> i & 1}

    def fired(self, words: Sequence[str], text: str) -> list[Rule]:
        """Rules whose `words` or `patterns` match, whose `with` (if any) matches, and no `not`.
        `text` is the words joined by spaces."""
        found, count, every = self._bits(words), len(self.rules), self._all
        said = found & every
        # A rule with a `with` that none of its phrases meets, or with a `not` that one does,
        # cannot fire.
        barred = (self._with & ~(found >> count)) | ((found >> 2 * count) & every)
        firing = said & ~barred
        # A pattern of a rule that fires already, or could not fire anyway, is not run.
        tried = self._tried & ~said & ~barred
        if tried:
            # In a text of letters, digits and spaces (the words joined, as the classifier
            # gives it), the runs of word characters are the pieces between the spaces.
            # Those are the words themselves (already interned, their hashes known).
            runs = frozenset(words) if text.replace(" ", "").isalnum() else None
            for index in self._patterns.found(text, lambda i: bool(tried >> i & 1), runs):
                firing |= 1 << index
        out: list[Rule] = []
        rules = self.rules
        while firing:
            low = firing & -firing
            firing ^= low
            out.append(rules[low.bit_length() - 1])
        return out


def _as_bits(hits: Hits, count: int) -> int:
    """(rule index, slot) pairs as the bits described in Matcher."""
    bits = 0
    for index, slot in hits:
        bits |= 1 << (slot * count + index)
    return bits
