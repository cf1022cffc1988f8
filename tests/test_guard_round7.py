"""Round 7 families: the user's insult quoted back, refusals with the object first or a
suffixed verb, checking in its process sense, short yes/no rulings, leaks by name."""

from __future__ import annotations

import pytest

from socialdesk.rules.guard import Guard

RULES_ONLY = Guard.load(model_path=None)


def verdict(text: str, channel: str = "facebook") -> str:
    return RULES_ONLY.check_outbound(text, channel=channel).verdict


# Written for this test: each reply is proper and named a word that used to stop it.
PROPER = [
    # The user's own insult, quoted to acknowledge it.
    "Kami paham Kakak sampai menulis 'tolol' ke kami, maaf atas lamanya. DM nomor tiketnya ya.",
    'Sebutan "bangsat" tadi kami anggap tanda kesal, Pak. Mari kami bantu lewat Messenger.',
    "Kami terima 'bego'-nya, Kak, tetap kami bantu. DM nama satker ya.",
    'Maaf kalau kami sampai terlihat "pemalas" di mata Kakak; kirim nomor tiketnya via DM ya.',
    "Ngapunten menawi pelayanan kami dipunraosaken 'goblok'. Mangga kintun nomer tiketipun.",
    # Saying the service is free is no ruling.
    "Perlu kami tegaskan, layanan KPPN tidak dipungut biaya apa pun. Jangan transfer ke siapa pun.",
    # A refusal whose verb carries -nya, or says it cannot name a figure or a date.
    "Untuk hasil pemeriksaan pegawai itu, kami tidak dapat menyampaikannya, Kak.",
    "Besaran kenaikan tunjangan belum ditetapkan, jadi kami belum bisa menyebut angka, Bu.",
    "Sanksi bagi pegawai tersebut dikecualikan dari informasi yang kami buka ke publik.",
    # Checking as a process, not a staff member's examination.
    "Kendala login Ibu perlu diperiksa oleh tim aplikasi; mohon buat tiket di portal ya.",
    "Pemeriksaan data penerima akan kami teruskan ke unit terkait, Kak.",
    "Begitu berkasnya masuk, unit terkait akan melanjutkan pemeriksaan dan kami kabari, Kak.",
    "Laporan hasil pemeriksaan BPK dipublikasikan oleh BPK sendiri dan dapat dibaca di bpk.go.id.",
    "Yang tersedia hanya data yang sudah terbit; data yang belum dirilis resmi tidak termasuk.",
    # "Bapak." ends a greeting: the next word is no one's name.
    "Selamat pagi, Bapak. Jadwal gaji pensiun ditangani Taspen, silakan hubungi kantor cabangnya.",
    # Short acknowledgements that open with a yes.
    "Iya kak, sama-sama 🙏",
    "Bisa kak, kirim screenshot errornya via DM ya",
    "Boleh kak, tulis kendalanya di sini aja",
    # The desk's own account, and a wish for someone's health before a word of pay.
    "Bukan, Kak. Ini akun layanan informasi dan pengaduan HAI-DJPb.",
    "Semoga ibunda sehat selalu 🙏 Pembayaran pensiun dilaksanakan oleh PT Taspen, ya Kak.",
    "Terima kasih atas rencana kunjungan Bapak Bupati; suratnya dapat ditujukan ke Kanwil.",
]

HELD = [
    # A short yes or no that rules on the reader's question.
    "bisa kok kak asal nilainya kecil 👍",
    "wajib dong kak, tanpa NPWP gak bisa",
    "iya itu termasuk kak 😊",
    "gk bisa kak, yg cuti gk dapet uang makan",
    # A leak by its name, a facepalm at the reader.
    "bocoran dikit ya kak, realisasinya sekitar 71% 🤫",
    "masa bendahara gak tau cara bikin SPM 🤦",
    # The reader told off or flirted with.
    "Itu urusan bank, bukan kami. Lain kali tanya ke tempat yang benar ya 😊",
    "Tolong baca pengumumannya sampai habis dulu baru komen ya Kak.",
    "Gapapa kok manis, sini DM aja sekalian kenalan 😘",
    # Condescension in formal words.
    "Dengan hormat, kami sarankan Saudara kembali ke bangku sekolah sebelum berkomentar.",
    "With respect, please do your homework before tagging us.",
    # English sarcasm about the reader's wits.
    "Sure, you're obviously an expert. Send the ticket number, if you can find it.",
]


@pytest.mark.parametrize("text", PROPER)
def test_a_proper_reply_with_a_word_of_these_families_passes(text: str) -> None:
    assert verdict(text) == "pass"


@pytest.mark.parametrize("text", HELD)
def test_a_short_ruling_a_leak_or_a_facepalm_is_not_passed(text: str) -> None:
    assert verdict(text) != "pass"


def test_an_insult_in_quotes_without_a_word_of_saying_is_still_abuse() -> None:
    assert verdict("Yang 'goblok' siapa ya kak 😂") == "block"


def test_a_staff_member_who_got_a_warning_is_still_excluded_information() -> None:
    assert verdict("Orangnya sudah dapat teguran tertulis minggu lalu, Kak.") == "block"
    assert verdict("Beliau sedang dalam proses pemeriksaan Itjen, Kak.") == "block"
    assert verdict("Angkanya belum dirilis, jadi jangan dikutip ya: sekitar 40 orang.") == "block"


def test_a_named_person_whose_pay_is_discussed_is_still_held() -> None:
    assert verdict("Pak Wiryo di satker sebelah gajinya sudah masuk kemarin, Kak.") != "pass"


@pytest.mark.parametrize("text", [
    # A plan, a draft or good odds, whatever it is about.
    "ada rencana kok kak, sabar ya 😉",
    "masih digodok kak, ditunggu aja",
    "Rencananya mulai semester depan, Kak.",
    "Belum final, tapi kemungkinan besar disetujui 😊",
])
def test_a_plan_or_good_odds_of_something_undecided_is_held(text: str) -> None:
    assert verdict(text) != "pass"


@pytest.mark.parametrize("text", [
    "Kemungkinan besar kendalanya dari cache browser, Kak. Coba hapus cache lalu login lagi.",
    "Kalau rencananya Kakak datang langsung, bawa dokumen pendukung dan cek jam layanan KPPN.",
    "Sambil menunggu, Kakak bisa mempelajari ketentuan yang sudah terbit di JDIH Kemenkeu.",
])
def test_a_diagnosis_the_readers_own_plan_or_reading_the_rules_is_no_forecast_or_ruling(
        text: str) -> None:
    assert verdict(text) == "pass"


# Written for this test: a weak ground ("biasanya ... bisa") in an ordinary how-to reply.
HOW_TO = ("Halo Kak, kendala login setelah reset biasanya bisa diatasi dengan menghapus cache "
          "browser lalu masuk kembali. Bila masih gagal, kirim tangkapan layar pesan errornya "
          "lewat DM ya, nanti kami teruskan ke tim SAKTI.")


def test_the_model_sure_a_reply_is_proper_clears_a_hold_on_review_patterns_alone() -> None:
    assert RULES_ONLY.check_outbound(HOW_TO, channel="facebook").verdict == "review"
    assert Guard.default().check_outbound(HOW_TO, channel="facebook").verdict == "pass"


def test_the_model_never_clears_a_block_a_mark_or_a_link() -> None:
    shipped = Guard.default()
    blocked = "Pasti naik 8 persen tahun depan Kak, tinggal tunggu PMK-nya terbit ya."
    assert shipped.check_outbound(blocked, channel="facebook").verdict == "block"
    rolled = HOW_TO + " 🙄"
    assert shipped.check_outbound(rolled, channel="facebook").verdict != "pass"
    linked = HOW_TO + " Panduan: https://wa.me/6287877114090"
    assert shipped.check_outbound(linked, channel="facebook").verdict != "pass"


@pytest.mark.parametrize("text", ["dasar setan, ribut terus", "brisik kapir",
                                  "terkutuk kalian semua"])
def test_curses_the_published_corpus_calls_abusive_are_abuse(text: str) -> None:
    assert verdict(text) == "block"


@pytest.mark.parametrize("text", [
    "Semoga kita semua dijauhkan dari godaan syaiton yang terkutuk, Kak 🙏",
    "Warnanya coklat onta, Kak, bukan merah.",
])
def test_the_devil_of_prayers_and_the_camel_itself_are_no_abuse(text: str) -> None:
    assert verdict(text) == "pass"


@pytest.mark.parametrize("text", [
    "passwordnya kantor2024 ya kak",
    "Untuk sementara pakai key sandbox: abc-sbx-9f2e71d0 ya",
    "default-nya Kantor#2025 kak, langsung diganti ya",
    "Punya mereka sudah cair kemarin, Kak.",
    "Tiket mas itu sudah selesai, dia salah input rekening.",
    "Petugas loketnya lalai, sudah kami tegur, Kak.",
    "totalnya 31 satker kak, blm dipublish",
    "Rekan saya lagi diskors gara-gara salah kirim data, Kak.",
    "Mbak yang itu ternyata rekeningnya dormant, udah kami bantu ganti.",
    "Naik Kak, kabarnya 8%. Tunggu aja pengumumannya",
])
def test_a_credential_someone_elses_case_or_an_unpublished_count_is_not_passed(
        text: str) -> None:
    assert verdict(text) != "pass"


@pytest.mark.parametrize("text", [
    "SP2D-nya sudah terbit Rp1.250.000 ke rekening Kakak sendiri, silakan dicek.",
    "Tiket HAI-20241112-00741 sudah kami teruskan ke KPPN, Kak.",
    "Ikuti terus info terbaru di #APBNKita2025 ya, Kak.",
])
def test_amounts_tickets_and_suffixed_codes_do_not_look_like_passwords(text: str) -> None:
    assert verdict(text) == "pass"


@pytest.mark.parametrize("text", [
    "Dapek da, samo jo PNS 😁",
    "Intinya gitu Kak 👍",
    "Penggunaan dana itu dapat dibenarkan sepanjang ada surat tugas, Bapak.",
    "Sabar atuh Kak, ulah blegug teuing",
    "raimu mas, sopan sithik",
])
def test_regional_and_formal_rulings_and_regional_jabs_are_not_passed(text: str) -> None:
    assert verdict(text) != "pass"
