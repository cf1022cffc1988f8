"""Cheap substring tests in front of regular expressions that rarely match.

Most rule patterns scan every position of a message only to fail. Before that scan, `Gated`
checks literal strings that any match must contain (read off the parsed pattern itself, so
they can never disagree with it): when one of them is missing, the pattern cannot match and
is not run. A pattern whose literals cannot be told safely (case-insensitive parts, back
references, a Python without the parser) is simply always run.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from functools import reduce
from operator import or_
from typing import Any, Generic, TypeVar

with warnings.catch_warnings():
    # The module is deprecated as a public name only; re itself still uses it.
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import sre_constants as _c
        import sre_parse as _p
    except ImportError:  # pragma: no cover - a future Python without the parser
        _p = None  # type: ignore[assignment]

Factor = frozenset[str]
# Alternations that would multiply into more strings than this are cut at that point.
_MAX_STRINGS = 32
# Literals of one character are in nearly every message: testing them costs more than it saves.
_MIN_LENGTH = 2
# The most selective few factors decide almost everything; more only add tests.
_MAX_FACTORS = 3


Needs = tuple[tuple[str, ...], ...]
K = TypeVar("K", bound=Hashable)


class Gated:
    """A compiled pattern behind its required literals: `needs` holds groups of strings, and
    the text must contain at least one string of every group for the pattern to be tried.

    The literals are read off the pattern on its second use, not when it is built: reading
    them costs more than one plain search, and a command that checks one text (`classify
    TEXT`) uses each pattern once. Its first use runs the pattern ungated, which finds the
    same thing. Two threads reading them at once both store the same tuple.
    """

    __slots__ = ("_needs", "_used", "pattern")

    def __init__(self, pattern: re.Pattern[str], needs: Needs | None = None) -> None:
        self.pattern = pattern
        self._needs = needs
        self._used = False

    def __repr__(self) -> str:
        return f"Gated({self.pattern.pattern!r}, needs={self._needs!r})"

    @property
    def needs(self) -> Needs:
        needs = self._needs
        if needs is None:
            needs = self._needs = required_literals(self.pattern)
        return needs

    def gate_now(self) -> Needs:
        """The literals to test before this use: none on the first, `needs` from then on."""
        if self._needs is None and not self._used:
            self._used = True
            return ()
        return self.needs

    def search(self, text: str) -> re.Match[str] | None:
        needs = self._needs
        for group in self.gate_now() if needs is None else needs:
            for literal in group:
                if literal in text:
                    break
            else:
                return None
        return self.pattern.search(text)


def gate(pattern: re.Pattern[str]) -> Gated:
    return Gated(pattern)


class Family:
    """Gated patterns whose literals are looked for together, word by word.

    Testing each literal of each gate with `in` scans the text once per literal: a few
    hundred scans per message for the rules and the guard. Most literals are made of word
    characters only, and such a literal occurs in a text exactly when it occurs inside one of
    the text's words (its runs of word characters). So a family works out once per distinct
    word which of its literals the word holds (words repeat far more than texts do) and reads
    a text as its set of words.

    Each group of each gate is one bit of an integer: a word's entry is the bits of the groups
    it holds a literal of, a text's the union of its words' entries, and a gate is tried when
    all its bits are set (a gate with no groups, always). A literal with other characters
    ("dengan kata lain", " berlaku ", "a.n.") sets its bits where a word holds its longest run
    of word characters, which any occurrence has inside a word of the text (one with no word
    character at all, always): such a bit may be set without the literal being there, so a
    gate that needs one is tried only once its literals are tested on the text as
    `Gated.search` tests them. The gates tried are exactly those `Gated.search` would try: the
    same patterns run, and they alone decide. Only the gates whose first group's bit is set
    are looked at: a few of them in a text, where its bits are a few dozen.
    """

    __slots__ = ("_always", "_assumed", "_firsts", "_full", "_gate_of", "_index", "_inexact",
                 "_memo", "_owners", "_short", "gates")

    def __init__(self, gates: Sequence[Gated]) -> None:
        self.gates = tuple(gates)
        # The bits of each literal; those of a literal with other characters go to its
        # longest run of word characters ("" when it has none).
        owners: dict[str, int] = {}
        full: list[int] = []
        # The groups of each gate that hold a literal with other characters.
        inexact: list[Needs] = []
        # The bit of each gate's first group, and the gate it stands for.
        firsts = 0
        gate_of: dict[int, int] = {}
        bit = 0
        for index, g in enumerate(self.gates):
            mask = 0
            loose: list[tuple[str, ...]] = []
            for group in g.needs:
                mask |= 1 << bit
                for literal in group:
                    runs = _WORD_RUN.findall(literal)
                    piece = max(runs, key=len) if runs else ""
                    owners[piece] = owners.get(piece, 0) | 1 << bit
                if any(not _WORD_RUN.fullmatch(literal) for literal in group):
                    loose.append(group)
                bit += 1
            if mask:
                first = mask & -mask
                firsts |= first
                gate_of[first] = index
            full.append(mask)
            inexact.append(tuple(loose))
        self._full = tuple(full)
        self._inexact = tuple(inexact)
        self._firsts = firsts
        self._gate_of = gate_of
        self._always = tuple(i for i, mask in enumerate(full) if not mask)
        self._assumed = owners.pop("", 0)
        self._owners = owners
        # Pieces of three or more characters are indexed by their rarest three; the rest are
        # tested on each new word as they are.
        index_: dict[str, list[str]] = {}
        short: list[str] = []
        for piece in sorted(owners):
            if len(piece) < 3:
                short.append(piece)
            else:
                index_.setdefault(_rarest_trigram(piece), []).append(piece)
        self._index = {k: tuple(v) for k, v in index_.items()}
        self._short = tuple(short)
        # Per distinct word: the bits of the pieces inside it.
        self._memo: dict[str, int] = {}

    def _word(self, word: str) -> int:
        """The gate bits of the pieces inside `word`."""
        owners = self._owners
        bits = 0
        for piece in self._short:
            if piece in word:
                bits |= owners[piece]
        index = self._index
        if len(word) >= 3:
            for trigram in index.keys() & {word[i:i + 3] for i in range(len(word) - 2)}:
                for piece in index[trigram]:
                    if piece in word:
                        bits |= owners[piece]
        return bits

    def passing(self, text: str, words: frozenset[str] | None = None) -> list[int]:
        """Indices (ascending) of the gates whose literals all occur in `text`. `words`, when
        the caller has them, are the distinct runs of word characters in `text`."""
        if words is None:
            words = _words(text)
        memo = self._memo
        new: AbstractSet[str] = words.difference(memo)
        if new:
            if len(memo) + len(new) > _MEMO_LIMIT:
                memo.clear()
                new = words
                if len(words) > _MEMO_LIMIT:  # more words than the table holds: kept aside
                    memo = {}
            for word in new:
                memo[word] = self._word(word)
        found = reduce(or_, map(memo.__getitem__, words), self._assumed)
        out: list[int] = []
        full, gate_of, inexact = self._full, self._gate_of, self._inexact
        # Lowest bit first: the gates come out in their order.
        candidates = found & self._firsts
        while candidates:
            first = candidates & -candidates
            candidates ^= first
            index = gate_of[first]
            if found & full[index] == full[index] and (
                    not inexact[index] or _all_held(inexact[index], text)):
                out.append(index)
        if self._always:
            out = sorted({*out, *self._always})
        return out

    def any_search(self, text: str) -> bool:
        gates = self.gates
        return any(gates[i].pattern.search(text) is not None for i in self.passing(text))


def _all_held(needs: Needs, text: str) -> bool:
    """Whether `text` holds a literal of every group of `needs`."""
    for group in needs:
        for literal in group:
            if literal in text:
                break
        else:
            return False
    return True


class Topics(Generic[K]):
    """Gated patterns filed under topics (the guard's "interpretation", "excluded_info", ...;
    the matcher's rules), asked together which topics have a pattern that matches: one family
    reads the text's words once for every topic. Like a tuple given to `any_search`, the gates
    are tested one by one on their first use and become a family on their second."""

    __slots__ = ("_family", "_topic_of", "_used", "topics")

    def __init__(self, topics: Mapping[K, Sequence[Gated]]) -> None:
        self.topics = {topic: tuple(gates) for topic, gates in topics.items()}
        self._family: Family | None = None
        self._topic_of: tuple[K, ...] = ()
        self._used = False

    def found(self, text: str, wanted: Callable[[K], bool] | None = None,
              words: frozenset[str] | None = None) -> list[K]:
        """The topics (in their order) of which some pattern matches `text`; with `wanted`,
        only among the topics it accepts (the others' patterns are not run). `words`, when
        the caller has them, are the distinct runs of word characters in `text`."""
        family = self._family
        if family is None:
            if not self._used:
                self._used = True
                return [t for t, gates in self.topics.items()
                        if (wanted is None or wanted(t)) and search_each(gates, text)]
            family = self._family = Family(
                [g for gates in self.topics.values() for g in gates])
            self._topic_of = tuple(t for t, gates in self.topics.items() for _ in gates)
        topic_of, gates = self._topic_of, family.gates
        out: list[K] = []
        # The gates sit topic after topic, so a topic found is the last one in `out`.
        for i in family.passing(text, words):
            topic = topic_of[i]
            if (out and out[-1] == topic) or (wanted is not None and not wanted(topic)):
                continue
            if gates[i].pattern.search(text) is not None:
                out.append(topic)
        return out


_MEMO_LIMIT = 50_000
_WORD_RUN = re.compile(r"\w+")
# Letters from the most to the least common in Indonesian text (others count as rare): a
# piece is indexed under its three rarest letters in a row, so fewer words hold them.
_COMMON = "aenirtsumkgldbhpoycjwfvzxq"
_RARITY = {ch: rank for rank, ch in enumerate(_COMMON)}


def _rarest_trigram(piece: str) -> str:
    trigrams = [piece[i:i + 3] for i in range(len(piece) - 2)]
    return max(trigrams, key=lambda t: (sum(_RARITY.get(ch, len(_COMMON)) for ch in t), t))


# The words of the text last asked about: the guard reads one text for several topics.
_last_words: tuple[str, frozenset[str]] = ("", frozenset())


def _words(text: str) -> frozenset[str]:
    """The distinct runs of word characters in `text`."""
    global _last_words
    last = _last_words
    if last[0] is text:
        return last[1]
    words = frozenset(_WORD_RUN.findall(text))
    _last_words = (text, words)
    return words


# Families for the gate tuples callers pass to `any_search`, keyed by the tuple's identity (the
# tuple is kept, so its id cannot be reused). A tuple becomes a family on its second use, as
# a gate reads its literals on its second use; until then, and for lists or past the limit,
# the gates are tested one by one.
_FAMILY_LIMIT = 256
_families: dict[int, tuple[Sequence[Gated], Family | None]] = {}


def any_search(gates: Sequence[Gated], text: str) -> bool:
    """Whether any of `gates` matches; the same test as `Gated.search` on each."""
    if type(gates) is tuple:
        entry = _families.get(id(gates))
        if entry is not None and entry[0] is gates:
            family = entry[1]
            if family is None:
                family = Family(gates)
                _families[id(gates)] = (gates, family)
            return family.any_search(text)
        if len(_families) < _FAMILY_LIMIT:
            _families[id(gates)] = (gates, None)
    return search_each(gates, text)


def search_each(gates: Sequence[Gated], text: str) -> bool:
    """Whether any of `gates` matches, testing each gate's literals in turn."""
    for g in gates:
        needs = g._needs
        if needs is None:
            needs = g.gate_now()
        for group in needs:
            for literal in group:
                if literal in text:
                    break
            else:
                break
        else:
            if g.pattern.search(text) is not None:
                return True
    return False


def required_literals(pattern: re.Pattern[str]) -> Needs:
    """Groups of literal strings such that every match of `pattern` contains one string of
    each group; empty when nothing safe can be said."""
    if _p is None or pattern.flags & re.IGNORECASE or not isinstance(pattern.pattern, str):
        return ()
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
    except Exception:  # pragma: no cover - re compiled it, so the parser reads it too
        return ()
    factors = [f for f in _factors(_seq(parsed)) if min(map(len, f)) >= _MIN_LENGTH]
    chosen = sorted(set(factors), key=_selectivity)[:_MAX_FACTORS]
    ordered = sorted(chosen, key=_test_order)
    return tuple(tuple(sorted(f, key=lambda s: (-len(s), s))) for f in ordered)


def _selectivity(factor: Factor) -> tuple[int, int, tuple[str, ...]]:
    # Longer literals are rarer; fewer alternatives are cheaper to test.
    return (-min(map(len, factor)), len(factor), tuple(sorted(factor)))


def _test_order(factor: Factor) -> tuple[float, tuple[str, ...]]:
    """Cheap, likely-failing groups first: each literal costs one substring search, and a
    literal's chance to occur by accident roughly halves with every extra letter."""
    chance = min(0.95, sum(0.5 ** (len(s) - 1) for s in factor))
    return (len(factor) / (1.0 - chance), tuple(sorted(factor)))


def _minimal(strings: Iterable[str]) -> Factor:
    """Drop strings that contain another member: wherever they occur, so does the shorter."""
    ordered = sorted(set(strings), key=len)
    kept: list[str] = []
    for s in ordered:
        if not any(k in s for k in kept):
            kept.append(s)
    return frozenset(kept)


def _exact(items: list[Any]) -> set[str] | None:
    """The finite set of strings a node sequence matches, if it is made of literals only."""
    out = {""}
    for op, arg in items:
        if op is _c.LITERAL:
            out = {s + chr(arg) for s in out}
            continue
        if op is _c.AT:
            continue
        if op is _c.SUBPATTERN and not _case_changed(arg):
            inner = _exact(_seq(arg[-1]))
        elif op is _c.BRANCH:
            inner = set()
            for alt in arg[1]:
                got = _exact(_seq(alt))
                if got is None:
                    return None
                inner |= got
        else:
            return None
        if inner is None or len(out) * len(inner) > _MAX_STRINGS:
            return None
        out = {a + b for a in out for b in inner}
    return out


def _seq(node: Any) -> list[Any]:
    return list(getattr(node, "data", node))


def _case_changed(arg: Any) -> bool:
    add, drop = arg[1], arg[2]
    return bool((add | drop) & _c.SRE_FLAG_IGNORECASE)


def _factors(items: list[Any]) -> list[Factor]:
    """Conjunction of factors (sets of strings, one of which occurs) for a node sequence."""
    found: list[Factor] = []
    run: set[str] = {""}

    def flush() -> None:
        nonlocal run
        if run and all(run):
            found.append(_minimal(run))
        run = {""}

    for op, arg in items:
        if op is _c.AT or op in (_c.ASSERT, _c.ASSERT_NOT):
            # Zero width: the literals on both sides stay next to each other in the text.
            continue
        exact = _exact([(op, arg)])
        if exact is not None and len(run) * len(exact) <= _MAX_STRINGS:
            run = {a + b for a in run for b in exact}
            continue
        flush()
        found.extend(_node_factors(op, arg))
    flush()
    return found


def _node_factors(op: Any, arg: Any) -> list[Factor]:
    if op is _c.SUBPATTERN:
        return [] if _case_changed(arg) else _factors(_seq(arg[-1]))
    if op is _c.ATOMIC_GROUP:
        return _factors(_seq(arg))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _high, body = arg
        return _factors(_seq(body)) if low >= 1 else []
    if op is _c.BRANCH:
        union: set[str] = set()
        for alt in arg[1]:
            options = [f for f in _factors(_seq(alt)) if min(map(len, f)) >= _MIN_LENGTH]
            if not options:
                return []
            best: Factor = min(options, key=_selectivity)
            union |= best
        return [_minimal(union)]
    return []
