"""Lexical similarity of a message to the catalog's own item names, the fallback of the classifier.

Each item is described by the distinctive words of its name and its module's name; a word's
weight is its rarity across items (inverse document frequency), so "SIKP" counts and "layanan"
does not. The similarity is the weighted share of the item's words that the message contains.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from socialdesk.core.catalog import Catalog
from socialdesk.rules.normalize import tokens

# Words that every other item name carries; they say nothing about which item is meant.
STOPWORDS = frozenset(
    [
    "layanan", "informasi", "konsultasi", "pengelolaan", "dan", "di", "pada", "dalam", "untuk",
    "yang", "atau", "serta", "ke", "dari", "data", "bantuan", "teknis", "lainnya", "lain",
    "permintaan", "termasuk", "mengenai", "terkait", "dengan", "sesuai", "melalui", "atas",
    "oleh", "bidang", "lingkup", "djpb", "modul", "aplikasi", "sistem", "pelaksanaan", "kantor",
    "merupakan", "pegawai", "pejabat", "direktorat", "penyediaan", "pemenuhan", "the", "of",
    "and", "rangka", "tata", "cara", "lingkungan", "baru",
    ]
)
MIN_SIMILARITY = 0.55
MIN_RARITY = 2.0


@dataclass(frozen=True, slots=True)
class NameIndex:
    postings: dict[str, tuple[tuple[str, float], ...]]
    totals: dict[str, float]
    rank: dict[str, int]
    """Catalog position of each item: the earlier item wins a tie."""

    @classmethod
    def build(cls, catalog: Catalog) -> NameIndex:
        described: dict[str, set[str]] = {}
        for item in catalog.items.values():
            text = item.name + " " + (item.module_name or "")
            words = {w for w in tokens(text) if len(w) >= 3 and w not in STOPWORDS
                     and not w.isdigit()}
            if words:
                described[item.id] = words
        frequency: dict[str, int] = defaultdict(int)
        for words in described.values():
            for word in words:
                frequency[word] += 1
        count = len(described)
        idf = {w: math.log(count / n) for w, n in frequency.items()}
        postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        totals: dict[str, float] = {}
        for item_id, words in described.items():
            totals[item_id] = sum(idf[w] for w in words)
            for word in words:
                postings[word].append((item_id, idf[word]))
        return cls(postings={k: tuple(v) for k, v in postings.items()}, totals=totals,
                   rank={item_id: index for index, item_id in enumerate(totals)})

    def best(self, words: Sequence[str]) -> tuple[str, float] | None:
        """The most similar item and its similarity in 0..1, if similar enough."""
        gained: dict[str, float] = defaultdict(float)
        rare: dict[str, bool] = defaultdict(bool)
        # Sorted words and catalog order make ties and float sums come out the same in every
        # process (set order changes with hash randomisation).
        for word in sorted(set(words)):
            for item_id, weight in self.postings.get(word, ()):
                gained[item_id] += weight
                if weight >= MIN_RARITY:
                    rare[item_id] = True
        best: tuple[str, float] | None = None
        for item_id in sorted(gained, key=self.rank.__getitem__):
            weight = gained[item_id]
            total = self.totals[item_id]
            similarity = weight / total if total else 0.0
            if rare[item_id] and similarity >= MIN_SIMILARITY and (
                best is None or similarity > best[1]
            ):
                best = (item_id, similarity)
        return best
