from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.catalog import Catalog, load_catalog
from socialdesk.rules.classify import Classifier


@lru_cache(maxsize=1)
def _shared() -> Classifier:
    return Classifier.default()


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return _shared()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


# Invented messages, one or more per service, in the way users write on social media.
SERVICE_TABLE = [
    ("min user operator sakti sy ga bisa login, katanya akun terkunci", "8", "8.1.a"),
    ("kak pandu sakti buat latihan operator baru mintanya kemana ya", "8", "8.1.e"),
    ("admin jurnal gak kebentuk, peta jurnal akun baru di sakti blm ada", "8", "8.4.e"),
    ("min menu di monsakti ga muncul buat role operator, akses menu nya gmn", "9", "9.3"),
    ("kak vendor kami ditolak di SPAN krn data supplier beda nama rekening", "10", "10.3.f"),
    ("min sp2d salah cetak mau di void di span ga bisa", "10", "10.3.a"),
    ("admin cara daftar user omspan utk pemda gmn ya", "11", "11.1"),
    ("mau tanya uang harian perjadin luar kota dibayar lumpsum ya min", "2", "2.9"),
    ("kartu kredit pemerintah satker kami limitnya kurang, ajukan kemana", "2", "2.15"),
    ("min sp2d pengganti utk dana retur krn rekening pegawai dormant gmn", "3", "3.12"),
    ("kode billing mpn kok ga bisa dibayar di bank ya", "3", "3.14"),
    ("min kur bunga rendah ditolak bank krn ada di sikp, maksudnya apa", "4", "4.6"),
    ("rs kami blu, usulan tarif layanan baru diajukan kemana kak", "5", "5.2"),
    ("belanja sewa server masuk bagan akun standar yang mana min", "6", "6.2"),
    ("sertifikasi ppspm saya mau habis, ujian ulang dimana", "7", "7.10"),
    ("gimana cara akses open data treasury big data min", "12", "12.1"),
    ("jaringan kantor kppn kami down dr pagi, vpn putus terus", "13", "13.1.b"),
    ("min KPPN kami mau minta broadcast pengumuman ke satker mitra", "14", None),
    ("aplikasi smart psr ga bisa login min", "15", "15.19"),
    ("kak warung sy mau pinjam modal UMi, syaratnya apa aja", "16", "16.9"),
    ("koperasi kami mau ajukan dana bergulir bpdlh, lewat mana", "17", "17.11"),
    ("kampus mau undang narasumber dari direktorat pelaksanaan anggaran", "18", "18.2"),
    ("ada oknum kppn minta uang pelicin biar spm cepat, ini pungli", "19", "19.1"),
    ("mau tanya soal inpassing jabatan fungsional pegawai djpb", "1", "1.21"),
]


@pytest.mark.parametrize(("text", "service", "item"), SERVICE_TABLE)
def test_it_finds_the_service_and_item(
    classifier: Classifier, text: str, service: str, item: str | None
) -> None:
    c = classifier.classify(text)
    assert (c.service, c.item) == (service, item)
    assert c.rules, "fired rules explain the result"
    assert 0.0 < c.confidence <= 1.0


INTENT_TABLE = [
    ("min sakti error terus pas simpan spp, muncul gagal", "problem"),
    ("bagaimana prosedur pengajuan tup ke kppn ya min", "question"),
    ("pelayanan macam apa ini, petugas loket kasar dan membentak", "complaint"),
    ("min gimana status tiket HAI-2026-000123 ya", "ticket_status"),
    ("tiket saya 20250101-0042 belum ada kabar min", "ticket_status"),
    ("menurut PMK ini pasal 5, boleh tidak kami bayar dimuka?", "interpretation_request"),
    ("katanya tunjangan kinerja tahun depan naik ya min? kapan berlaku", "unregulated_policy"),
    ("min bisa minta nota dinas internal soal pemotongan anggaran?", "excluded_info_request"),
    ("boleh minta nomor hp pribadi kepala kppn kota kami min", "excluded_info_request"),
    ("terima kasih banyak min, sangat membantu", "thanks"),
    ("halo kak, selamat pagi", "greeting"),
    ("slot gacor maxwin hari ini, depo 10rb cek bio", "spam"),
    ("mau spt tahunan di coretax kok gagal terus", "off_topic"),
    ("admin tolol, kerja ga becus", "abuse"),
]


@pytest.mark.parametrize(("text", "intent"), INTENT_TABLE)
def test_it_finds_the_intent(classifier: Classifier, text: str, intent: str) -> None:
    assert classifier.classify(text).intent == intent


def test_it_names_the_rules_that_fired(classifier: Classifier) -> None:
    c = classifier.classify("min retur sp2d, rekening penerima sudah ditutup")
    assert "cash.retur" in c.rules


def test_it_marks_faq_items_and_agent_topics(classifier: Classifier) -> None:
    assert any(r.startswith("faq:") for r in classifier.classify("syarat daftar umi apa").rules)
    media = classifier.classify("saya wartawan, mau wawancara soal realisasi apbn")
    assert any(r.startswith("agent:") for r in media.rules)


def test_it_leaves_ticket_status_and_thanks_without_a_service(classifier: Classifier) -> None:
    assert classifier.classify("min tiket HAI-2026-000777 soal retur sp2d gmn").service is None
    assert classifier.classify("makasih min, user sakti sudah beres").service is None


def test_it_returns_no_service_below_the_threshold(classifier: Classifier) -> None:
    c = classifier.classify("cuaca hari ini cerah sekali")
    assert c.service is None and c.item is None


def test_it_falls_back_to_catalog_item_names(classifier: Classifier) -> None:
    c = classifier.classify("mohon info manajemen keberlangsungan bisnis")
    assert c.item == "1.9"
    assert "name:1.9" in c.rules


def _write(tmp_path: Path, body: str) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "broken.yaml").write_text(body, encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("rules:\n  - id: x.one\n    item: '99.9'\n    words: [a]\n", "item '99.9'"),
        ("rules:\n  - id: x.two\n    intent: shouting\n    words: [a]\n", "intent 'shouting'"),
        ("rules:\n  - id: x.three\n    service: '8'\n", "needs 'words' or 'patterns'"),
        ("rules:\n  - id: x.four\n    service: '8'\n    patterns: ['(']\n", "bad pattern"),
        ("rules:\n  - id: x.five\n    service: '8'\n    words: [a]\n    wieght: 2\n",
         "unknown key"),
        ("rules:\n  - id: x.six\n    service: '8'\n    words: [a]\n    weight: 0\n", "weight"),
    ],
)
def test_it_rejects_bad_rule_files_naming_file_and_rule(
    tmp_path: Path, catalog: Catalog, body: str, message: str
) -> None:
    directory = _write(tmp_path, body)
    with pytest.raises(ValueError) as err:
        Classifier.load(directory, catalog)
    assert "broken.yaml" in str(err.value)
    assert "x." in str(err.value)
    assert message in str(err.value)


def test_it_rejects_invalid_yaml_and_duplicate_ids(tmp_path: Path, catalog: Catalog) -> None:
    directory = _write(tmp_path, "rules: [\n")
    with pytest.raises(ValueError, match=r"broken\.yaml"):
        Classifier.load(directory, catalog)
    rule = "  - id: dup.one\n    service: '8'\n    words: [a]\n"
    (directory / "broken.yaml").write_text("rules:\n" + rule, encoding="utf-8")
    (directory / "second.yaml").write_text("rules:\n" + rule, encoding="utf-8")
    with pytest.raises(ValueError, match=r"second\.yaml: rule dup\.one"):
        Classifier.load(directory, catalog)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=400))
def test_it_never_raises_on_arbitrary_unicode(text: str) -> None:
    c = _shared().classify(text)
    assert 0.0 <= c.confidence <= 1.0


def test_it_classifies_a_50k_text_with_marks_and_emoji(classifier: Classifier) -> None:
    text = ("sakti \u200b\u202e👨‍👩‍👧 error " * 3000)[:50_000]
    assert classifier.classify(text).service == "8"


# Invented variants, several per general pattern family, so each family stays pinned.
REFUSAL_FAMILIES = [
    # interpretation: what a rule means, whether it covers a case, whether something is lawful
    ("kak di juknis BOS disebut belanja modal, artinya laptop guru boleh dibeli ya?",
     "interpretation_request"),
    ("PMK perjadin itu berarti uang harian tetap dibayar walau fullboard?",
     "interpretation_request"),
    ("aturan batas UP itu berlaku juga untuk satker BLU tidak min?", "interpretation_request"),
    ("ketentuan SBM honor ini termasuk juga bagi pegawai honorer ga sih?",
     "interpretation_request"),
    ("pembayaran tanpa BAST kayak gini sah tidak min?", "interpretation_request"),
    ("sesuai aturan, bendahara merangkap PPK bolehkah?", "interpretation_request"),
    ("tolong jawab resmi ya min, jawaban admin mau saya jadikan dasar ke auditor",
     "interpretation_request"),
    ("mohon tafsirnya soal SE dirjen yang baru", "interpretation_request"),
    # unregulated policy: plans, rumours, future pay, pay that does not exist
    ("ada wacana uang makan PNS dinaikkan ya min?", "unregulated_policy"),
    ("dengar dengar KPPN kecil bakal dilebur, benar tidak?", "unregulated_policy"),
    ("min remunerasi dosen BLU kapan naik?", "unregulated_policy"),
    ("THR guru PPPK 2028 dapat berapa kak?", "unregulated_policy"),
    ("gaji ke-14 buat ASN ada ga min?", "unregulated_policy"),
    ("sistem SPAN nanti akan diganti aplikasi lain ya?", "unregulated_policy"),
    ("honor narasumber tahun depan ditambah tidak kak?", "unregulated_policy"),
    # excluded information: unpublished figures, leaks, other people's data, contacts, systems
    ("posisi kas negara hari ini berapa triliun min?", "excluded_info_request"),
    ("min bagi bocoran data realisasi yang belum dirilis dong", "excluded_info_request"),
    ("berapa anggaran rahasia buat operasi intelijen tahun ini?", "excluded_info_request"),
    ("minta list satker IKPA terendah lengkap dengan nama KPA nya min",
     "excluded_info_request"),
    ("saya kompetitor, tolong cek nilai kontrak yang dibayar ke rekanan itu",
     "excluded_info_request"),
    ("min boleh minta nomor wa kepala seksi bank KPPN kami?", "excluded_info_request"),
    ("server OMSPAN itu ip address nya berapa min? pakai database apa?",
     "excluded_info_request"),
    ("min share dong notulen rapat pimpinan kemarin", "excluded_info_request"),
    ("siapa pelapor pengaduan pungli di KPPN kami min?", "excluded_info_request"),
]


@pytest.mark.parametrize(("text", "intent"), REFUSAL_FAMILIES)
def test_it_recognises_requests_it_must_refuse(
    classifier: Classifier, text: str, intent: str
) -> None:
    assert classifier.classify(text).intent == intent


NOT_REFUSALS = [
    # ordinary questions that share words with the refusal families
    "rencana penarikan dana bulan depan diinput kapan min?",
    "sp2d gaji kami kapan cair min? sudah 3 hari",
    "min user sakti saya katanya terkunci, gimana?",
    "pendaftaran supplier CV kami ditolak, nama rekening tidak sesuai NPWP",
    "apakah data saya di SIKP dijamin rahasia min?",
    "berapa lama proses usulan tarif layanan BLU?",
    "juknis gaji ke-13 sudah keluar, SPM nya diajukan paling lambat kapan?",
    "gaji saya belum masuk padahal pegawai lain sudah, tolong dicek",
]


@pytest.mark.parametrize("text", NOT_REFUSALS)
def test_it_does_not_refuse_ordinary_questions(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text).intent not in (
        "interpretation_request", "unregulated_policy", "excluded_info_request"
    )


OTHER_FAMILIES = [
    # complaints about staff: paid favours, absence, slow or careless handling
    ("petugas loket KPPN minta uang rokok biar SPM cepat diproses", "19", "19.1", "complaint"),
    ("ada oknum pegawai kanwil menawarkan jasa bantu urus revisi berbayar", "19", "19.1",
     "complaint"),
    ("pegawai KPPN yang pegang satker kami sering absen, susah ditemui", "19", "19.2",
     "complaint"),
    ("pelayanan di loket lambat sekali, petugasnya cuek", "19", "19.3", "complaint"),
    ("saya mau mengadukan petugas kppn yang tidak sopan", "19", "19.3", "complaint"),
    # spam families
    ("SELAMAT akun anda terpilih mendapat hadiah 10 juta, klaim sekarang", None, None, "spam"),
    ("pinjol legal acc cepat tanpa bi checking, wa admin", None, None, "spam"),
    ("airdrop usdt gratis, join grup sekarang", None, None, "spam"),
    ("link alternatif sbobet paling gacor hari ini", None, None, "spam"),
    # abuse without a request
    ("akun pencitraan doang, dasar badut", None, None, "abuse"),
    ("instansi tidak berguna, buang buang anggaran", None, None, "abuse"),
    # praise, and ticket numbers written as year and serial
    ("shoutout buat admin yang balas cepat tadi malam", None, None, "thanks"),
    ("salut sama pelayanan petugas KPPN kemarin, responsif sekali", None, None, "thanks"),
    ("tiket saya nomor 2026/001234 sudah sampai mana ya min", None, None, "ticket_status"),
    ("min aduan kemarin no 2025-000987 kok belum dibalas", None, None, "ticket_status"),
    # phishing in DJPb's name is a security report
    ("ada email palsu mengatasnamakan DJPb minta data login SAKTI", "13", "13.1.h", "problem"),
    # SPM drafting and the commitment module are SAKTI's
    ("pas validasi SPM muncul pesan supplier belum terdaftar di referensi", "8", "8.3.b", None),
    ("modul komitmen error waktu rekam kontrak baru", "8", "8.3.a", None),
    # domain vocabulary of the smaller services
    ("restitusi kelebihan bayar pungutan ekspor CPO prosesnya gimana", "15", "15.14", None),
    ("beasiswa sawit untuk anak pekebun syaratnya apa", "15", "15.26", None),
    ("mau undang narasumber dari PIP soal UMi", "18", "18.10", None),
    ("kerja sama penghimpunan dana dengan BPDLH hubungi siapa", "17", "17.7", None),
    ("ada data rasio keuangan pemerintah pusat 5 tahun?", "6", "6.6", None),
    ("dashboard treasury big data blank waktu buka dataset", "12", "12.8", "problem"),
    ("butuh dataset realisasi belanja untuk tesis", "12", "12.3", None),
    ("sisa pinjaman UMi saya berapa ya", "16", "16.7", None),
]


@pytest.mark.parametrize(("text", "service", "item", "intent"), OTHER_FAMILIES)
def test_it_generalises_over_invented_variants(
    classifier: Classifier, text: str, service: str | None, item: str | None,
    intent: str | None,
) -> None:
    c = classifier.classify(text)
    assert (c.service, c.item) == (service, item)
    if intent is not None:
        assert c.intent == intent


def test_it_keeps_a_follow_up_question_after_thanks(classifier: Classifier) -> None:
    c = classifier.classify("makasih min. satu lagi, uang harian luar negeri pakai kurs kapan?")
    assert (c.intent, c.service) == ("question", "2")


def test_it_reads_a_news_line_without_a_request_as_no_request(classifier: Classifier) -> None:
    c = classifier.classify("Rapat koordinasi pelaksanaan anggaran bersama DJPb hari ini")
    assert c.intent == "off_topic" and c.service is None


def test_it_reads_a_bare_plea_for_help_as_a_question(classifier: Classifier) -> None:
    c = classifier.classify("kak tolong dong urgent 🙏")
    assert c.intent == "question" and c.service is None
