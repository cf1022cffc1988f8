from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.rules.pii import find_pii, mask, pii_kinds

POSITIVE = [
    ("NIK saya 3374064508870003 mohon dicek", "nik", "NIK saya [NIK] mohon dicek"),
    ("ktp: 3201-0212-0785-0009", "nik", "ktp: [NIK]"),
    ("no KTP 3172 0161 0590 0004 ya", "nik", "no KTP [NIK] ya"),
    ("cek 3374064508870003 udh", "nik", "cek [NIK] udh"),
    ("ke rek Mandiri 1430012345678 udh", "account_number", "ke rek Mandiri [REKENING] udh"),
    ("rekening saya BRI 3456-01-023456-53-2 a.n. Budi", "account_number", None),
    ("BNI 0987654321 diblokir", "account_number", "BNI [REKENING] diblokir"),
    ("rek 3374064508870003", "account_number", "rek [REKENING]"),
    ("no.rek: 1430.0123.45678", "account_number", "no.rek: [REKENING]"),
    ("NPWP 01.234.567.8-912.000 ditolak", "npwp", "NPWP [NPWP] ditolak"),
    ("npwp kami 012345678912000", "npwp", "npwp kami [NPWP]"),
    ("npwp baru 3374064508870003", "npwp", "npwp baru [NPWP]"),
    ("hub 0813-4567-8921 ya", "phone", "hub [TELEPON] ya"),
    ("telp 0812 3456 7890", "phone", "telp [TELEPON]"),
    ("WA +62 812-3456-7890", "phone", "WA [TELEPON]"),
    ("62 812.3456.7890 min", "phone", "[TELEPON] min"),
    ("kantor (021) 3449230", "phone", "kantor [TELEPON]"),
    # Round 6: another country's number in international form, a bare house number.
    ("We will call you on +670 7723 1184 today", "phone", "We will call you on [TELEPON] today"),
    ("Pak Sutrisno di Jl. Kenanga 12 Blora, kami catat", "address", None),
    ("alamat Dusun Krajan RT 02 RW 01 Desa Sidomulyo, mohon", "address", None),
    ("email ke budi.santoso@gmail.com ya", "email", "email ke [EMAIL] ya"),
    ("SP2D no 250211301004587 blm cair", "sp2d_number", "SP2D no [SP2D] blm cair"),
    ("cek 260011301000123 min", "sp2d_number", "cek [SP2D] min"),
    ("NIP 199003152014122001 uang makan", "nip", "NIP [NIP] uang makan"),
    ("nip 19900315 201412 2 001", "nip", "nip [NIP]"),
    ("nip 19900315.201412.2.001", "nip", "nip [NIP]"),
    ("saya 198509122010012015", "nip", "saya [NIP]"),
    ("alamat Jl. Melati No. 12 RT 03/RW 05 Kel. Sukajadi Bandung. Tagihan", "address",
     "alamat [ALAMAT]. Tagihan"),
    # Digits spread with spaced separators, underscores or long dashes are still one number.
    ("hp 0812 - 3456 - 7890 ya", "phone", "hp [TELEPON] ya"),
    ("wa 0812_3456_7890", "phone", "wa [TELEPON]"),
    ("rek BCA 123\u2013456\u20137890", "account_number", "rek BCA [REKENING]"),
    ("nik: 3 2 0 1 0 2 1 2 0 7 8 5 0 0 0 9", "nik", "nik: [NIK]"),
    ("rek BRI 1234 . 5678 . 9012", "account_number", "rek BRI [REKENING]"),
    # A PPPK's NIP has 21 where a civil servant's hiring month stands.
    ("gaji blm masuk, NIP 199509252023212015", "nip", "gaji blm masuk, NIP [NIP]"),
    # Digits read aloud, a word each, alone or mixed with written digits, in either language.
    ("mohon hubungi saya di nol delapan satu tiga dua dua empat lima enam tujuh delapan "
     "sembilan", "phone", "mohon hubungi saya di [TELEPON]"),
    ("wa 0813 tujuh tujuh enam lima, dua dua nol satu ya", "phone", "wa [TELEPON] ya"),
    ("call me at zero eight one two three four five six seven eight nine", "phone",
     "call me at [TELEPON]"),
    ("rek BRI satu dua tiga empat lima enam tujuh delapan sembilan nol", "account_number",
     "rek BRI [REKENING]"),
    ("nik tiga tiga tujuh empat nol enam empat lima nol delapan delapan tujuh nol nol nol tiga",
     "nik", "nik [NIK]"),
]

NEGATIVE = [
    "tiket HAI-2026-000123 belum dijawab",
    "tiket 20250305-0117 gmn min",
    "nomor tiket 2502180093 ya",
    "tiket 250307000321 udah 4 hari",
    "follow up tiket #HAI-25031800219",
    "tiket HAI25030400112 udh diproses?",
    "dana Rp 1.500.000 belum masuk",
    "nilai kontrak Rp1.250.000.000,00",
    "kontrak 2,1M termin 1",
    "kode satker 527010 akun 521219",
    "DIPA-015.01.1.123456/2024 revisi",
    "sesuai PMK 62/2023 dan PER-58/PB/2013",
    "tanggal 12-03-2024 jam 10.30",
    "call center 14090 atau WA +62 878-7711-4090",
    "jalan nasional di Kab. X tahun 2024",
    "a.n. CV Berkah Abadi",
    "pagu 40jt realisasi 60%",
    "biaya Rp 1.250.000 - 2.000.000 per orang",
    "layanan 08.00 - 16.00 WIB",
    "email ke hai.djpb@kemenkeu.go.id udh seminggu",
    # Numbers in words that are no identifier: a few digits, amounts, steps, the call centre.
    "tahap satu, dua, tiga sudah cair",
    "dana dua puluh lima juta lima ratus ribu belum masuk",
    "telpon satu empat nol sembilan nol aja",
]


@pytest.mark.parametrize(("text", "kind", "masked"), POSITIVE)
def test_it_finds_each_kind_in_its_usual_spellings(text: str, kind: str,
                                                   masked: str | None) -> None:
    assert kind in pii_kinds(text)
    if masked is not None:
        assert mask(text) == masked


@pytest.mark.parametrize("text", NEGATIVE)
def test_it_leaves_desk_numbers_alone(text: str) -> None:
    assert find_pii(text) == []
    assert mask(text) == text


def test_a_road_in_a_sentence_does_not_swallow_the_number_after_it() -> None:
    # "jalan" is also "going on": the NIK after it stays a NIK, not a house number.
    assert pii_kinds("kontrakku masih jalan. NIK 7271031208950003") == ["nik"]


def test_it_tells_a_16_digit_number_by_the_word_before_it() -> None:
    number = "3374064508870003"
    assert pii_kinds(f"NIK {number}") == ["nik"]
    assert pii_kinds(f"no rek {number}") == ["account_number"]
    assert pii_kinds(f"NPWP {number}") == ["npwp"]


def test_it_reports_a_full_name_only_beside_another_identifier() -> None:
    assert pii_kinds("Saya Siti Rahmawati, mau tanya soal tukin") == []
    assert pii_kinds("Saya Siti Rahmawati, NIP 198509122010012015") == ["name_full", "nip"]
    assert mask("rekening BRI 3456-01-023456-53-2 a.n. Suparman Hadi.") == (
        "rekening BRI [REKENING] a.n. [NAMA]."
    )


def test_a_capitalised_name_just_before_an_identifiers_label_is_a_full_name() -> None:
    assert mask("Ketua: Bambang Sutrisno, NIK 3509121201750004") == "Ketua: [NAMA], NIK [NIK]"
    assert mask("utk dr. Kadek Ayu Pradnyani NIP 198611022014122001") == "utk dr. [NAMA] NIP [NIP]"
    assert mask("ketua kelompok Darmawan Siregar HP 0813-7765-2201") == (
        "ketua kelompok [NAMA] HP [TELEPON]")
    # A company is not a person, and a title before the name is not part of it.
    assert mask("a.n. CV Maju Jaya rek BNI 0987654321") == "a.n. CV Maju Jaya rek BNI [REKENING]"
    assert mask("Pak Budi Santoso NIP 198611022014122001") == "Pak [NAMA] NIP [NIP]"
    assert mask("satker Kemenag Kab Gowa NIP 198611022014122001") == (
        "satker Kemenag Kab Gowa NIP [NIP]")


def test_it_returns_findings_in_order_without_overlap() -> None:
    text = "NIK 3374064508870003, hp 081298765432, mail a@b.co.id, rek BSI 7123456789"
    found = find_pii(text)
    assert [f.kind for f in found] == ["nik", "phone", "email", "account_number"]
    assert all(a.end <= b.start for a, b in pairwise(found))
    assert pii_kinds(text) == ["account_number", "email", "nik", "phone"]


def test_it_masks_every_finding_and_keeps_the_rest() -> None:
    text = "tolong min, NIK 3172016105900004, hub sy 081298765432 😭"
    assert mask(text) == "tolong min, NIK [NIK], hub sy [TELEPON] 😭"


def test_it_sees_a_number_split_by_zero_width_spaces() -> None:
    assert pii_kinds("hp 0812\u200b3456\u200b7890") == ["phone"]


NOISE = st.sampled_from(
    ["\u200b", "\u200d", "\u200f", "\u202e", "\ufeff", "👨‍👩‍👧", "🇮🇩", "0", "8", " ", "-", ".",
     "+62", "rek ", "NIK ", "@", "a.n. ", "Jl. ", "No. 1", "RT 1/RW 2", "Saya Budi Santoso"]
)
TEXTS = st.lists(st.one_of(st.text(max_size=30), NOISE), max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXTS)
def test_it_never_fails_on_arbitrary_text(text: str) -> None:
    found = find_pii(text)
    for f in found:
        assert 0 <= f.start < f.end <= len(text)
    masked = mask(text)
    labels = ("[NIK]", "[REKENING]", "[NPWP]", "[TELEPON]", "[EMAIL]", "[SP2D]", "[NIP]",
              "[ALAMAT]", "[NAMA]")
    assert sum(masked.count(label) for label in labels) >= len(found)
    spelled = any(w in text.lower() for w in (
        "nol", "kosong", "zero", "satu", "one", "dua", "two", "tiga", "three", "empat", "four",
        "lima", "five", "enam", "six", "tujuh", "seven", "lapan", "eight", "sembilan", "nine"))
    if not any(ch.isdigit() or ch == "@" for ch in text) and not spelled:
        assert found == []
        assert masked == text


@settings(max_examples=20, deadline=None)
@given(st.text(min_size=1, max_size=50))
def test_it_handles_very_long_texts(chunk: str) -> None:
    text = (chunk + " NIK 3374064508870003 ") * 400
    assert "nik" in pii_kinds(text)
    assert "3374064508870003" not in mask(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+62 812-3456-7890 hubungi sy", [("phone", 0, 17)]),
        ("telp (021) 5550 1234", [("phone", 5, 20)]),
        ("a+ (021) 5550 1234", [("phone", 3, 18)]),
        # The character just before the first digit still rules the number out.
        ("tiket#081234567890 ya", []),
        ("abc/081234567890", []),
    ],
)
def test_it_reads_the_signs_and_brackets_before_a_number(
    text: str, expected: list[tuple[str, int, int]]
) -> None:
    assert [(f.kind, f.start, f.end) for f in find_pii(text)] == expected


def test_a_foreign_suppliers_iban_is_an_account_number_grouped_or_run_together() -> None:
    # The standard example numbers of the IBAN registry (ISO 13616), valid check digits.
    for text, iban in (("Please pay to IBAN DE89 3704 0044 0532 0130 00, thanks.",
                        "DE89 3704 0044 0532 0130 00"),
                       ("our account GB82WEST12345698765432 at the London branch",
                        "GB82WEST12345698765432")):
        [found] = find_pii(text)
        assert found.kind == "account_number"
        assert text[found.start:found.end] == iban


def test_letters_and_digits_that_fail_the_iban_check_are_no_iban() -> None:
    assert find_pii("kode batch GB82WEST12345698765433 di aplikasi") == []


def test_an_rt_rw_in_a_hamlet_or_before_a_village_is_an_address() -> None:
    for text in ("kirim ke sekretariat kami, Dusun Mekarsari RT 03/RW 07, Kec. Cibatu",
                 "rumah saya RT 01/RW 02 Desa Sukamaju, mohon dibantu"):
        assert "address" in pii_kinds(text)
    # A ratio is no address.
    assert "address" not in pii_kinds("pengurus RT 05/RW 02 sudah rapat kemarin")
