"""Round-4 families of the content guard, on replies written for these tests (none is taken
from a labelled set): each disallowed one must be blocked, each proper one must pass."""

from __future__ import annotations

import pytest

from socialdesk.rules.guard import Guard


@pytest.fixture(scope="module")
def guard() -> Guard:
    # The rules' families alone: the learned second opinion has tests of its own
    # (tests/test_guard_opinion.py) and holds the Javanese reply below for review.
    return Guard.load(model_path=None)


BLOCKED = [
    # interpretation: a conclusion leading to an entitlement or an exemption
    ("interpretation", "Iya Kak, honor itu di bawah batas SBM, jadi KPA bebas menentukan "
                       "besarannya sendiri tanpa perlu izin Kanwil."),
    ("interpretation", "Intinya pegawai yang tugas belajar tetap berhak uang makan ya Kak."),
    ("interpretation", "Jadi untuk narasumber dari kampus tidak kena potongan PPh Kak."),
    ("interpretation", "Perjalanannya lewat 8 jam, jadi Kakak bisa mengklaim uang harian."),
    ("interpretation", "Pagunya di bawah batas itu, jadi satker Kakak aman dari teguran."),
    ("interpretation", "Penegasan dari kami: lembur hari Sabtu boleh dibayarkan."),
    ("interpretation", "Manut PMK anyar, pegawe PPNPN ora perlu absen sidik jari Kak."),
    ("interpretation", "Numutkeun aturan éta, satker Akang teu kedah ngirimkeun laporan deui."),
    ("interpretation", "Manuruik aturan tu, pegawai kontrak buliah dapek uang lembur Kak."),
    ("interpretation", "Under the regulation your unit doesn't need a second signature."),
    ("interpretation", "Rapat di hotel masih diperbolehkan sesuai SE terakhir ya Kak."),
    # unregulated policy: relief foretold, hedged forecasts, regional forecasts, drafts
    ("unregulated_policy", "Tenang aja Kak, bakal ada keringanan denda PNBP kok akhir tahun."),
    ("unregulated_policy", "Sepertinya uang makan bakal naik mulai semester depan Kak."),
    ("unregulated_policy", "Kabarnya tunjangan PPNPN diperpanjang sampai Desember, Kak."),
    ("unregulated_policy", "Taun payun honor operator badé naék Kak, sabar heula."),
    ("unregulated_policy", "Aturannya dereng medal, nanging tukin bakal mundhak Kak."),
    ("unregulated_policy", "The directorate is planning to abolish paper SPMs altogether."),
    ("unregulated_policy", "There are plans to replace the payroll system next quarter."),
    ("unregulated_policy", "Rancangan PMK penggantinya sudah di tangan biro hukum Kak."),
    ("unregulated_policy", "Ada rencana pemangkasan honor tim untuk efisiensi, tunggu ya."),
    # excluded information: a named third party's money, minutes, figures released later
    ("excluded_info", "Vendor atas nama Ibu Sulastri sudah menerima pembayaran tadi pagi."),
    ("excluded_info", "CV Sumber Rejeki masih punya tagihan yang belum lunas Kak."),
    ("excluded_info", "Teman Kakak, Pak Budi, belum menerima gaji karena rekeningnya diblokir."),
    ("excluded_info", "Risalah rapat pimpinan kemarin menyebut tiga KPPN akan digabung."),
    ("excluded_info", "Penyerapan kita baru 41,2%, angka resminya baru dirilis akhir bulan."),
    # abuse without a listed word
    ("abusive", "Capek juga ngeladenin pertanyaan yang sama terus, Kak."),
    ("abusive", "Aduh, orangnya kok lemot banget ya, Kak."),
    ("abusive", "Jangan buang-buang waktu admin dengan pertanyaan begini."),
    ("abusive", "If you can't read a simple manual, this job isn't for you."),
    ("abusive", "Coba sedikit berusaha membaca pengumuman dulu, Kak."),
    ("abusive", "Sudah tiga kali kami jelaskan, Kakak belum juga paham."),
    ("abusive", "Please check the FAQ before you post another question."),
    ("abusive", "Kami bukan tukang jawab, jangan dikit-dikit nanya."),
]

PASSED = [
    "Mohon maaf Kak, kami tidak dapat memberikan penafsiran atas peraturan. Kakak dapat "
    "membaca langsung PMK terkait di JDIH Kemenkeu atau berkonsultasi dengan KPPN mitra kerja.",
    "Untuk pertanyaan itu, Kakak dapat berkoordinasi dengan KPPN mitra kerja atau unit "
    "penerbit peraturan ya.",
    "Tampilan aplikasi memang dapat berubah seiring pembaruan, Kak. Terima kasih masukannya.",
    "Betul Kak, akun Kakak sudah aktif kembali. Silakan login ulang ya.",
    "Mohon maaf, aplikasi sedang lemot karena pemeliharaan. Silakan coba lagi setelah pukul 14.00.",
    "Kami akan segera memproses pengaduan Kakak dan menghubungi KPPN terkait.",
    "Data realisasi anggaran resmi dapat Kakak lihat di laman djpb.kemenkeu.go.id.",
    "Silakan simpan dulu sebagai draft, lalu kirim ADK ke KPPN setelah disetujui PPK.",
    "Untuk tagihan perusahaan Kakak sendiri, silakan kirimkan nomor kontrak lewat DM ya.",
    "Kami catat masukan Kakak dan akan kami teruskan ke unit terkait. Terima kasih.",
    "Thanks for asking! The current procedure is on the official site; please read it there.",
    "Sugeng siang Kak, tata caranipun sampun dipunatur wonten ing PMK; teks resminipun saged "
    "dipunwaos wonten ing JDIH. Kami boten saged maringi tafsiran.",
]


@pytest.mark.parametrize(("kind", "text"), BLOCKED)
def test_round4_families_block_disallowed_replies_in_new_words(guard: Guard, kind: str,
                                                                text: str) -> None:
    verdict = guard.check_outbound(text, channel="facebook")
    assert verdict.verdict == "block", (kind, verdict)
    assert kind in verdict.reasons


@pytest.mark.parametrize("text", PASSED)
def test_round4_families_let_proper_replies_through(guard: Guard, text: str) -> None:
    assert guard.check_outbound(text, channel="facebook").verdict == "pass"
