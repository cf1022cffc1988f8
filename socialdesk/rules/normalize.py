"""Indonesian social-media text -> plain lower-case words that rules can match.

The output keeps only letters, digits and single spaces: URLs, @mentions, emoji and invisible
marks go; hashtags keep their words; elongations fold; slang becomes formal Indonesian; one-typo
variants of the desk's key terms become the term. Pure and total: any str in, a str out.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

from socialdesk.rules.lexicon import Lexicon, load_lexicon

# Zero-width, bidi and soft-hyphen marks are deleted (not spaced) so "sa\u200bkti" stays one word.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)
_URL = re.compile(
    r"(?:https?://|www\.)\S*|\b[\w-]+(?:\.[\w-]+)*\.(?:ly|id|com|co|me|io|net|org|gl|gd|cc)/\S*",
    re.IGNORECASE,
)
# A bare host name ("sakti.kemenkeu.go.id") keeps its own labels as words ("sakti kemenkeu")
# but not its suffix, where "go" would read as the English verb. A host right after "@" is an
# e-mail domain and stays.
_HOST = re.compile(
    r"(?<![\w@.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:id|com|co|me|io|net|org|ly|gl|gd|cc)\b(?!\.\w)",
    re.IGNORECASE,
)
_HOST_HINT = re.compile(r"\.(?:id|com|co|me|io|net|org|ly|gl|gd|cc)\b", re.IGNORECASE)
_SUFFIX_LABELS = frozenset(
    {"www", "go", "co", "ac", "or", "id", "com", "me", "io", "net", "org", "ly", "gl", "gd", "cc"}
)
_MENTION = re.compile(r"(?<![\w.])@[\w.]+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_NON_WORD = re.compile(r"[\W_]+")
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_REDUPLICATED = re.compile(r"^([a-z]{3,})2$")
# "lempar2an", "kira2nya": the doubled word carries a suffix after the "2".
_REDUPLICATED_SUFFIX = re.compile(r"^([a-z]{3,})2(an|nya|kan|in)$")


def _host_words(match: re.Match[str]) -> str:
    labels = match.group(0).lower().split(".")
    return " " + " ".join(label for label in labels if label not in _SUFFIX_LABELS) + " "


def _split_hashtag(match: re.Match[str]) -> str:
    return " " + _CAMEL.sub(" ", match.group(1)) + " "


def _fold_elongation(token: str, known: frozenset[str]) -> str:
    doubled = _ELONGATED.sub(r"\1\1", token)
    if doubled in known:
        return doubled
    return _ELONGATED.sub(r"\1", token)


def _word(token: str, lex: Lexicon) -> str:
    if token in lex.terms:
        return lex.terms[token]
    if _ELONGATED.search(token):
        token = _fold_elongation(token, lex.known)
    redup = _REDUPLICATED.match(token)
    if redup:
        token = redup.group(1)
    else:
        redup = _REDUPLICATED_SUFFIX.match(token)
        if redup:
            token = redup.group(1) + redup.group(2)
    if token in lex.terms:
        return lex.terms[token]
    formal = lex.slang.get(token)
    if formal is not None:
        return formal
    typo = lex.typos.get(token)
    if typo is not None:
        return typo
    # The enclitic "-nya" hides the word the rules know ("sp2dnya", "periodenya").
    if len(token) > 5 and token.endswith("nya") and token not in lex.known:
        base = token[:-3]
        return lex.terms.get(base) or lex.slang.get(base) or lex.typos.get(base) or base
    return token


_active: list[Lexicon] = []


def _lexicon() -> Lexicon:
    if not _active:
        _active.append(load_lexicon())
    return _active[0]


def use_lexicon(directory: Path | None) -> None:
    """Normalise with the lexicon in `directory` (None: the packaged one) from now on.

    One lexicon per process: the desk is built from one settings file, and the word memo
    below is only valid for the lexicon it was filled with, so it is dropped too.
    """
    lexicon = load_lexicon(directory)
    _active[:] = [lexicon]
    _memo.clear()
    _formal_memo.clear()


_WORD = re.compile(r"[^\W_]+")
# Words repeat far more than messages do, so each distinct word is mapped once and remembered.
# The table is dropped whole when full: simpler than LRU, and refilling it is cheap.
_MEMO_LIMIT = 50_000
_memo: dict[str, tuple[str, ...]] = {}


def _strip(text: str) -> str:
    """The text before lower-casing: links, mentions and marks gone, hashtags split."""
    if not text.isascii():
        # ASCII is already NFKC and carries none of the invisible marks.
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    # Each substitution runs only when its tell-tale character is there at all.
    if "/" in text or "www." in text.lower():
        text = _URL.sub(" ", text)
    if "." in text and _HOST_HINT.search(text):
        text = _HOST.sub(_host_words, text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "#" in text:
        text = _HASHTAG.sub(_split_hashtag, text)
    return text


def clean(text: str) -> str:
    """Lower-case text stripped of links, mentions, emoji, marks and punctuation."""
    return _NON_WORD.sub(" ", _strip(text).lower()).strip()


def tokens(text: str) -> list[str]:
    """The normalized words of `text`, slang mapped, elongations folded, typos corrected."""
    memo = _memo
    out: list[str] = []
    for token in _WORD.findall(_strip(text).lower()):
        mapped = memo.get(token)
        if mapped is None:
            mapped = tuple(map(sys.intern, _word(token, _lexicon()).split()))
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[token] = mapped
        out.extend(mapped)
    return out


def normalize(text: str) -> str:
    return " ".join(tokens(text))


_SLANG_SPLIT = re.compile(r"([a-z0-9]+)")
# Replies repeat their sentences (templates, an agent's usual phrases): each distinct one is
# put in formal words once.
_formal_memo: dict[str, str] = {}


def formal_words(folded: str) -> str:
    """Lower-case `folded` with each slang word replaced by its formal form, everything else
    (punctuation, spacing, unknown words) kept where it was: "tdk dpt kami sampaikan, ya"
    becomes "tidak dapat kami sampaikan, ya". For patterns written in formal words."""
    done = _formal_memo.get(folded)
    if done is None:
        slang = _lexicon().slang
        parts = _SLANG_SPLIT.split(folded)
        # Odd places hold the words, even places what lies between them.
        parts[1::2] = [slang.get(w, w) for w in parts[1::2]]
        done = "".join(parts)
        if len(_formal_memo) >= _MEMO_LIMIT:
            _formal_memo.clear()
        _formal_memo[folded] = done
    return done
