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


def any_search(gates: Sequence[Gated], text: str) -> bool:
    """Whether any of `gates` matches; the same test as `Gated.search`, written out inline
    because this runs for every pattern of every message."""
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
