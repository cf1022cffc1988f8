"""Refusals in chat shorthand, with the refused thing put first, in English, or sending the
question to the unit that decides, name what they refuse without giving it out (round 5)."""

from __future__ import annotations

import pytest

from socialdesk.rules.guard import Guard
from socialdesk.rules.normalize import formal_words

RULES_ONLY = Guard.load(model_path=None)

# Written for this test; each names an excluded or unregulated topic only to refuse it.
REFUSALS = [
    "Maaf Kak, data pembayaran rekanan lain tdk dpt kami bagikan ya.",
    "Hasil pemeriksaan atas pegawai tersebut tidak kami sampaikan, Kak.",
    "Soal besaran tunjangan tahun depan belum ada yang bisa kami sampaikan, Kak.",
    "Whether your allowance will rise next year is not something we can comment on.",
    "We can't speak about future changes to the payroll system.",
    "Penerapan aturan itu pada kasus Bapak silakan ditanyakan ke unit kepegawaian Bapak.",
    # Regional negations, the desk in the third person, passives, its handling of posted data.
    "Mohon maaf Bapa, katong seng bisa kasi perkiraan soal kenaikan tunjangan taong depan.",
    "HAI-DJPb tidak memberikan perkiraan tentang gaji ke-13 yang belum ditetapkan, Bu.",
    "Rincian pembayaran rekanan lain berada di luar informasi yang dapat kami sampaikan.",
    "Menilai boleh tidaknya belanja itu termasuk penafsiran, jadi mohon maaf kami tidak bisa.",
    "Disciplinary outcomes for our staff can't be shared publicly, sorry.",
    "What the allowance rules mean for your case is something we can't determine here.",
    "Komentar Bapak yang memuat NIK sudah kami sembunyikan demi keamanan data Bapak.",
    "Ketentuan uang harian yang berlaku dapat Ibu baca pada PMK Standar Biaya Masukan.",
]


@pytest.mark.parametrize("text", REFUSALS)
def test_a_refusal_that_names_its_topic_passes(text: str) -> None:
    assert RULES_ONLY.check_outbound(text, channel="facebook").passed


@pytest.mark.parametrize("text", [
    # The same topics given out, not refused.
    "Data pembayaran rekanan lain: CV Maju dibayar 120 juta kemarin ya Kak.",
    "Besaran tunjangan tahun depan naik 10 persen, Kak, tunggu saja.",
    "Your allowance will rise next year, the new rule says so.",
])
def test_the_same_topic_given_out_is_still_stopped(text: str) -> None:
    assert not RULES_ONLY.check_outbound(text, channel="facebook").passed


def test_a_clause_that_concludes_is_not_taken_for_a_pointer_to_the_unit() -> None:
    text = "Jadi Bapak boleh mengambil cuti itu, silakan ditanyakan ke unit kepegawaian."
    assert not RULES_ONLY.check_outbound(text, channel="facebook").passed


def test_slang_is_read_in_formal_words_with_punctuation_kept() -> None:
    assert formal_words("tdk dpt kami sampaikan, ya.") == "tidak dapat kami sampaikan, ya."
    assert formal_words("kode 123 ok").split()[1] == "123"


@pytest.mark.parametrize("text", [
    # Written for this test: the reader blamed or brushed off, no listed word.
    "Sudah kami jelaskan, Pak. Mungkin Bapak yang belum membaca penjelasan kami dengan teliti.",
    "Masa hal begini aja harus ditanyakan ke admin, Kak?",
    "Kami ini bukan pembantu Bapak, silakan urus dokumennya.",
    "If the video bores you, feel free to unsubscribe.",
    "Sure, keep asking the same thing 🙄",
])
def test_the_fault_turned_back_on_the_reader_is_never_passed(text: str) -> None:
    verdict = RULES_ONLY.check_outbound(text, channel="facebook")
    assert not verdict.passed
    assert "abusive" in verdict.reasons or "unsure:abusive" in verdict.reasons


@pytest.mark.parametrize("text", [
    # Written for this test: a ticket answered by the unit, help offered slowly, reassurance.
    "Tiket Bapak sudah dijawab unit terkait kemarin sore, jawabannya kami kirim lewat DM.",
    "Tidak apa-apa, Bu, kami bantu pelan-pelan lewat DM ya.",
    "Tenang Kak, tidak ada pertanyaan yang bodoh di sini.",
    "Penetapan jadwal libur tahun depan belum diumumkan, jadi kami belum punya informasinya.",
])
def test_a_status_update_or_reassurance_is_no_lecture(text: str) -> None:
    assert RULES_ONLY.check_outbound(text, channel="facebook").passed


def test_the_lecture_itself_is_still_stopped() -> None:
    for text in ("Sudah dijawab di atas, baca dulu dong Kak.", "Pertanyaan bodoh, Kak."):
        assert not RULES_ONLY.check_outbound(text, channel="facebook").passed


@pytest.mark.parametrize("text", [
    # Written for this test: what the rule in force rests on, a declined forecast, data asked
    # for privately.
    "Jadwal pembayaran gaji ke-13 ditetapkan melalui PP dan PMK pelaksanaannya, Kak.",
    "Kami tidak bisa memprediksi tanggal penyalurannya, Bu; statusnya dapat dipantau di OMSPAN.",
    "Demi keamanan, mohon komentar ini dihapus, lalu kirimkan nomor SP2D lewat DM ya Kak.",
])
def test_pointers_declined_forecasts_and_private_requests_pass(text: str) -> None:
    assert RULES_ONLY.check_outbound(text, channel="facebook").passed


@pytest.mark.parametrize("text", [
    # The same shapes that read the rule onto the reader, or send data out.
    "Benar Kak, tafsiran Kakak sesuai dengan maksud Perdirjen itu.",
    "Berdasarkan PP tersebut, pegawai honorer tidak termasuk penerima THR, Kak.",
    "Daftar penerima bantuan di desa Ibu ada 40 orang, nanti kami kirim lewat DM.",
])
def test_a_reading_or_a_disclosure_in_the_same_shape_is_stopped(text: str) -> None:
    assert not RULES_ONLY.check_outbound(text, channel="facebook").passed
