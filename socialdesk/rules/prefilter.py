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
from collections.abc import Iterable, Sequence
from typing import Any

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
    a text as its set of words. A literal with other characters ("dengan kata lain",
    " berlaku ", "a.n.") is indexed by its longest run of word characters, which any
    occurrence has inside a word of the text; only when a word holds that run is the literal
    itself tested with `in`. The gates whose every group then holds a literal found are
    exactly the gates `Gated.search` would try: the same patterns run, and they alone decide.
    """

    __slots__ = ("_always", "_check", "_full", "_index", "_literals_of", "_memo", "_owners",
                 "_short", "gates")

    def __init__(self, gates: Sequence[Gated]) -> None:
        self.gates = tuple(gates)
        needs = [g.needs for g in self.gates]
        # Bit `b` of a gate's mask is its group `b`; a gate is tried once all its bits are set.
        self._full = tuple((1 << len(n)) - 1 for n in needs)
        self._always = tuple(i for i, n in enumerate(needs) if not n)
        owners: dict[str, dict[int, int]] = {}
        for index, groups in enumerate(needs):
            for bit, group in enumerate(groups):
                for literal in group:
                    mask = owners.setdefault(literal, {})
                    mask[index] = mask.get(index, 0) | 1 << bit
        self._owners = {lit: tuple(sorted(m.items())) for lit, m in owners.items()}
        # A piece is a run of word characters to look for inside a word: a literal of word
        # characters is its own piece, another literal is checked where its longest run is.
        pieces: dict[str, list[str]] = {}
        check: list[str] = []
        for literal in sorted(owners):
            runs = _WORD_RUN.findall(literal)
            if not runs:
                check.append(literal)
            else:
                pieces.setdefault(max(runs, key=len), []).append(literal)
        self._check = tuple(check)
        # Pieces of three or more characters are indexed by their rarest three; the rest are
        # tested on each new word as they are.
        index_: dict[str, list[str]] = {}
        short: list[str] = []
        for piece in pieces:
            if len(piece) < 3:
                short.append(piece)
            else:
                index_.setdefault(_rarest_trigram(piece), []).append(piece)
        self._index = {k: tuple(v) for k, v in index_.items()}
        self._short = tuple(short)
        self._literals_of = {p: tuple(v) for p, v in pieces.items()}
        self._memo: dict[str, tuple[tuple[tuple[int, int], ...], tuple[str, ...]]] = {}

    def _word(self, word: str) -> tuple[tuple[tuple[int, int], ...], tuple[str, ...]]:
        """What `word` holds: the gate bits of the word literals inside it, and the other
        literals to test on the whole text."""
        held = [p for p in self._short if p in word]
        index = self._index
        if len(word) >= 3:
            for trigram in index.keys() & {word[i:i + 3] for i in range(len(word) - 2)}:
                held.extend(p for p in index[trigram] if p in word)
        merged: dict[int, int] = {}
        others: list[str] = []
        owners = self._owners
        for piece in held:
            for literal in self._literals_of[piece]:
                if literal == piece:
                    for i, bits in owners[literal]:
                        merged[i] = merged.get(i, 0) | bits
                else:
                    others.append(literal)
        found = (tuple(sorted(merged.items())), tuple(others))
        memo = self._memo
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[word] = found
        return found

    def passing(self, text: str) -> list[int]:
        """Indices (ascending) of the gates whose literals all occur in `text`."""
        memo, full = self._memo, self._full
        got: dict[int, int] = {}
        others: list[str] = list(self._check)
        for word in _words(text):
            held = memo.get(word)
            if held is None:
                held = self._word(word)
            for i, bits in held[0]:
                got[i] = got.get(i, 0) | bits
            if held[1]:
                others.extend(held[1])
        if others:
            owners = self._owners
            for literal in set(others):
                if literal in text:
                    for i, bits in owners[literal]:
                        got[i] = got.get(i, 0) | bits
        out = [i for i, bits in got.items() if bits == full[i]]
        if self._always:
            out.extend(self._always)
            out = sorted(set(out))
        else:
            out.sort()
        return out

    def any_search(self, text: str) -> bool:
        gates = self.gates
        return any(gates[i].pattern.search(text) is not None for i in self.passing(text))


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
