"""The abuse lexicon finds its words inside Indonesian affixes and in their new spellings,
and leaves ordinary words that only look like an affixed entry alone."""

from __future__ import annotations

import pytest

from socialdesk.rules.abuse import AbuseLexicon
from socialdesk.rules.guard import Guard


@pytest.fixture(scope="module")
def lexicon() -> AbuseLexicon:
    found = Guard.default().abuse
    assert found is not None
    return found


@pytest.mark.parametrize(("text", "word"), [
    ("dasar bangsatnya", "bangsat"),
    ("jangan dibegoin terus", "bego"),
    ("kampretlah", "kampret"),
    ("goblokmu itu", "goblok"),
    ("ketololan kalian", "tolol"),
    ("dasar brengsek", "brengsek"),
    ("b4ngs4dnya", "bangsad"),
    ("edan kowe", "edan"),
    # Two suffixes stacked on the stem.
    ("kebiadabannya sudah keterlaluan", "biadab"),
])
def test_it_finds_abuse_inside_affixes_and_new_spellings(lexicon: AbuseLexicon, text: str,
                                                         word: str) -> None:
    assert word in lexicon.find(text)


@pytest.mark.parametrize("text", [
    "beli pempek di Palembang", "isi celengan anak", "kesialan bertubi-tubi",
    "ayam penyet", "asuransi kesehatan", "keterangan pembangunan", "sesuai ketentuan",
    "tanpa pembatasan", "kudeta", "kecamatan", "pemerintahan", "tahun anggaran",
])
def test_it_leaves_ordinary_words_that_only_look_affixed(lexicon: AbuseLexicon,
                                                         text: str) -> None:
    assert lexicon.find(text) == []


def test_short_entries_are_not_looked_for_inside_other_words() -> None:
    lexicon = AbuseLexicon.from_entries(["asu", "tai", "bego"])
    assert lexicon.find("asuransi pantai") == []
    assert lexicon.find("dibegoin") == ["bego"]


def test_a_skipped_word_is_never_abuse_however_affixed() -> None:
    lexicon = AbuseLexicon.from_entries(["celeng", "bego"], skip=["celengan"])
    assert lexicon.find("celengan") == []
    assert lexicon.find("celengnya") == ["celeng"]


@pytest.fixture(scope="module")
def guard() -> Guard:
    # The rules' abuse families alone; the learned second opinion, which also holds text not
    # written like a desk reply, has its own tests (test_guard_opinion.py).
    return Guard.load(model_path=None)


@pytest.mark.parametrize("text", [
    "Terima kasih Kak, kami ikut senang. Cinta monyet memang lucu.",
    "Seekor monyet di kebun binatang itu viral, Kak.",
    "Produk ini mengandung daging babi, Kak, mohon cek labelnya.",
    "Ayam penyet dan pempek memang enak, Kak.",
    # Round 5: a mole, the animal beside other animals, its produce, a species name.
    "Ciri yang Kakak sebut, tahi lalat di dagu, tidak kami catat di data mana pun.",
    "Kami bukan dokter hewan, Kak: bawang memang berbahaya bagi anjing dan kucing.",
    "Sertifikat halal memastikan produk tidak mengandung enzim babi, Kak.",
    "Buku Homo Deus bisa Kakak pinjam di perpustakaan kami.",
])
def test_an_animal_as_an_animal_is_no_abuse(guard: Guard, text: str) -> None:
    assert guard.check_outbound(text, channel="facebook").verdict == "pass"


@pytest.mark.parametrize("text", [
    "Dasar monyet, baca dulu dong.",
    "Pergi lo bangkai.",
    "Kalian semua penjilat.",
    "Persib kunyuk!!!!",
    "Bodo amat Kak.",
    "Admin ini kacrut banget.",
])
def test_abuse_aimed_at_someone_blocks(guard: Guard, text: str) -> None:
    verdict = guard.check_outbound(text, channel="facebook")
    assert verdict.verdict == "block" and "abusive" in verdict.reasons
