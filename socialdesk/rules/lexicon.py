"""Word lists behind the normalizer: general Indonesian slang plus the desk's own vocabulary.

Two files in config/lexicon/: the MIT-licensed IndoCollex informal->formal list (tab separated,
header row) and domain.yaml (slang overrides, protected domain terms, typo-tolerant terms).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialdesk.core.resources import LEXICON, default_path
from socialdesk.core.yamlread import safe_load

GENERAL_FILE = "indocollex-informal-formal.tsv"
DOMAIN_FILE = "domain.yaml"

_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Lexicon:
    slang: Mapping[str, str]
    """informal word -> formal word(s), single-space separated"""
    terms: Mapping[str, str]
    """domain words that pass through unchanged (to their canonical form)"""
    typos: Mapping[str, str]
    """one-edit misspelling -> domain term"""
    known: frozenset[str]
    """real words: never treated as a typo, kept when an elongation folds to them"""


def _plain(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower()).strip()


def edits1(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    subs = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return (deletes | swaps | subs | inserts) - {word}


def _read_general(path: Path) -> dict[str, str]:
    pairs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[1:], start=2):
        parts = line.split("\t")
        if len(parts) != 2:
            raise ValueError(f"{path}:{number}: expected 'informal<TAB>formal'")
        informal, formal = _plain(parts[0]), _plain(parts[1])
        if informal and formal and " " not in informal:
            pairs[informal] = formal
    return pairs


def _mapping(data: Mapping[str, Any], key: str, path: Path) -> dict[str, str]:
    value = data.get(key) or {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{path}: {key!r} must be a mapping of word -> word")
    return {_plain(str(k)): _plain(str(v)) for k, v in value.items()}


def _words(data: Mapping[str, Any], key: str, path: Path) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise ValueError(f"{path}: {key!r} must be a list of words")
    return [_plain(str(v)) for v in value]


def build_lexicon(
    general: Mapping[str, str], slang: Mapping[str, str], terms: Mapping[str, str],
    fuzzy: Iterable[str], not_typo: Iterable[str],
) -> Lexicon:
    merged = {k: v for k, v in general.items() if k not in terms}
    merged.update(slang)
    known = set(not_typo) | set(terms) | set(terms.values())
    for informal, formal in merged.items():
        known.add(informal)
        known.update(formal.split())
    typos: dict[str, str] = {}
    for term in fuzzy:
        for variant in edits1(term):
            if variant not in known and variant not in typos:
                typos[variant] = term
    return Lexicon(slang=merged, terms=dict(terms), typos=typos, known=frozenset(known))


def load_lexicon(directory: Path | None = None) -> Lexicon:
    directory = default_path(LEXICON) if directory is None else directory
    general = _read_general(directory / GENERAL_FILE)
    domain_path = directory / DOMAIN_FILE
    data = safe_load(domain_path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{domain_path}: top level must be a mapping")
    return build_lexicon(
        general,
        _mapping(data, "slang", domain_path),
        _mapping(data, "terms", domain_path),
        _words(data, "fuzzy", domain_path),
        _words(data, "not_typo", domain_path),
    )
