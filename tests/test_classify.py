from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.core.catalog import Catalog, load_catalog
from socialdesk.rules.assess import Triage
from socialdesk.rules.classify import Classifier
from socialdesk.rules.decide import decide
from socialdesk.rules.guard import Guard
from socialdesk.rules.normalize import tokens


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


# Second round: invented phrasings per refusal family, written without looking at any labelled
# set: subtle asks for confirmation, reassurance under audit, leaks, forecasts, other people's
# data and internal files.
REFUSAL_VARIANTS = [
    ('min tolong konfirmasi apakah PMK baru itu berarti BPP ga perlu SK lagi?',
     'interpretation_request'),
    ('secara aturan aman kan kalau UP dipakai dulu buat bayar honor panitia?',
     'interpretation_request'),
    ('kalau lembur dibayar LS ke rekening pribadi, nanti jadi temuan BPK ga?',
     'interpretation_request'),
    ('menurut kakak, pegawai yang tugas belajar masih berhak tukin penuh sesuai PP ga?',
     'interpretation_request'),
    ("di perdirjen disebut 'dapat', itu maksudnya wajib atau pilihan?",
     'interpretation_request'),
    ("frasa 'paling lambat 5 hari kerja' di pasal 12 itu dihitung sejak kapan artinya?",
     'interpretation_request'),
    ('kami dan inspektorat beda penafsiran soal batas TUP, mohon penegasan dari admin',
     'interpretation_request'),
    ('apa boleh dana BOS dipakai buat bayar gaji guru honorer menurut juknis terbaru?',
     'interpretation_request'),
    ('berdasarkan SBM 2026 narasumber eselon III boleh dapat honor 2 kali sehari ga?',
     'interpretation_request'),
    ('does the new PMK mean we can pay vendors before the goods arrive? need an official answer',
     'interpretation_request'),
    ('PPNPN itu dianggap pegawai menurut aturan THR atau bukan min?',
     'interpretation_request'),
    ('tolong ditegaskan, sesuai ketentuan perjadin boleh pakai kelas bisnis ga?',
     'interpretation_request'),
    ('kira-kira tahun depan gaji PNS naik berapa persen min?',
     'unregulated_policy'),
    ('bocorin dong min, tukin DJPb tahun depan jadi naik ga?',
     'unregulated_policy'),
    ('min kapan aturan tentang PPPK paruh waktu keluar? kami masih bingung',
     'unregulated_policy'),
    ('katanya uang makan mau dinaikkan jadi 50rb, kapan mulai berlakunya?',
     'unregulated_policy'),
    ('tahun depan dana desa tiap desa dapat berapa min? naik ga?',
     'unregulated_policy'),
    ('apakah honorer yang ga lolos nanti digaji pakai APBN min?',
     'unregulated_policy'),
    ('min ada rencana SAKTI diganti aplikasi baru ga tahun depan?',
     'unregulated_policy'),
    ('pensiun PNS jadi diubah ke sistem iuran? kapan mulai?',
     'unregulated_policy'),
    ('DAK fisik 2027 buat kabupaten kami kira2 berapa min?',
     'unregulated_policy'),
    ('THR tahun depan masih full 100 persen atau dipotong min?',
     'unregulated_policy'),
    ('kapan kepastian kenaikan tunjangan guru diumumkan?',
     'unregulated_policy'),
    ('min minta file SOP internal penanganan retur SP2D dong, buat belajar',
     'excluded_info_request'),
    ('kak boleh minta data pegawai lain di KPPN kami? nomor HP sama alamatnya',
     'excluded_info_request'),
    ('tolong kasih user dan password SAKTI bendahara lain, dia lagi cuti',
     'excluded_info_request'),
    ('min bagi dong notulensi rapat pimpinan soal pemotongan anggaran',
     'excluded_info_request'),
    ('ada rekaman rapat internal kemarin ga min? mau saya lihat',
     'excluded_info_request'),
    ('minta daftar nama debitur UMi di desa kami lengkap dengan NIK nya',
     'excluded_info_request'),
    ('tolong kirimkan data penerima bansos per penerima beserta nomor rekening',
     'excluded_info_request'),
    ('berapa gaji kepala KPPN Medan min? penasaran',
     'excluded_info_request'),
    ('min IP server SPAN berapa? sama firewall nya pakai apa',
     'excluded_info_request'),
    ('bisa minta slip gaji rekan kerja saya min? dia minta tolong',
     'excluded_info_request'),
    ('min nama petugas yang melaporkan satker kami siapa ya?',
     'excluded_info_request'),
    ('min kalau honor tim dibayar ke ketua lalu dibagi, sah ga secara hukum?',
     'interpretation_request'),
    ('apakah dengan terbitnya PER baru, SPM gaji susulan tidak perlu lampiran SKPP lagi?',
     'interpretation_request'),
    ('admin mohon pencerahan, pasal 5 ayat 2 itu maksudnya gimana sih?',
     'interpretation_request'),
    ('klo menurut admin, aturan perjadin ngebolehin pake mobil pribadi ga?',
     'interpretation_request'),
    ('jadi sesuai PMK 62 bendahara ga boleh pegang uang tunai lebih dari 50jt kan?',
     'interpretation_request'),
    ('pegawai PPPK berhak dapat uang makan gak min menurut aturan yang berlaku?',
     'interpretation_request'),
    ('min tolong dipastikan, secara regulasi kami boleh bayar uang muka 30 persen?',
     'interpretation_request'),
    ('is it legal under the regulation to pay the vendor in advance?',
     'interpretation_request'),
    ('Does the new PMK mean BLU may keep its surplus?',
     'interpretation_request'),
    ('according to the rules, are contract staff entitled to THR?',
     'interpretation_request'),
    ('biar ga jadi temuan, pembayaran kayak gini aman kan menurut aturan?',
     'interpretation_request'),
    ('min gaji ke-13 tahun depan masih ada kan?',
     'unregulated_policy'),
    ('apa bener uang makan ASN mau naik jadi 60 ribu?',
     'unregulated_policy'),
    ('kapan tukin Kemenkeu dinaikkan lagi min?',
     'unregulated_policy'),
    ('min PPPK paruh waktu nanti bakal diangkat jadi PPPK penuh ga?',
     'unregulated_policy'),
    ('rencananya TPP daerah mau dihapus ya min? serius?',
     'unregulated_policy'),
    ('kebijakan WFA buat ASN kapan diberlakukan min?',
     'unregulated_policy'),
    ('min tahun depan UP satker dinaikkan ga batasnya?',
     'unregulated_policy'),
    ('bocoran dong min, THR 2027 cair tanggal berapa?',
     'unregulated_policy'),
    ('kira2 formasi CPNS DJPb tahun depan ada berapa?',
     'unregulated_policy'),
    ('ada kabar pensiunan dapat gaji ke-13 full tahun depan ga min?',
     'unregulated_policy'),
    ('min share file nota dinas soal pemotongan anggaran dong',
     'excluded_info_request'),
    ('berapa sih gaji dan tunjangan dirjen perbendaharaan sebulan?',
     'excluded_info_request'),
    ('tolong kasih nomor HP pribadi kepala KPPN kami, urgent',
     'excluded_info_request'),
    ('min cek dong SP2D ke CV tetangga saya udah cair belum, nilainya berapa',
     'excluded_info_request'),
    ('minta data NIK dan nomor rekening semua penerima UMi di kecamatan kami',
     'excluded_info_request'),
    ('min server SAKTI itu pakai database apa? versi berapa?',
     'excluded_info_request'),
    ('min boleh minta password admin OMSPAN pemda kami? admin lama sudah pindah',
     'excluded_info_request'),
    ('ada laporan hasil audit itjen ke KPPN kami ga min? pengen baca',
     'excluded_info_request'),
    ('bisa kirim biodata lengkap pegawai yang melayani saya kemarin?',
     'excluded_info_request'),
    ('siapa sih yang ngadu soal satker kami? kasih tahu namanya dong',
     'excluded_info_request'),
    ('Mohon penjelasan resmi apakah ketentuan Pasal 40 PMK 62/2023 dapat diartikan bahwa UP '
     'boleh digunakan untuk belanja modal.',
     'interpretation_request'),
    ('kak kalau kontrak tahun jamak gini boleh ga dibayar di muka? takut salah aturan',
     'interpretation_request'),
    ('min gimana tafsiran aturan soal honor tim pengadaan, boleh dobel ga?',
     'interpretation_request'),
    ('jadi kalau baca PMK itu, PPK boleh merangkap bendahara kan min? konfirmasi aja',
     'interpretation_request'),
    ('apakah perjalanan dinas ke luar kota kurang dari 8 jam tetap berhak uang harian '
     'berdasarkan SBM?',
     'interpretation_request'),
    ('mohon kepastian hukum, apakah SPM bisa ditandatangani plt kpa sesuai ketentuan?',
     'interpretation_request'),
    ('dalam PSAP, aset yang nilainya di bawah kapitalisasi termasuk aset tetap ga sih?',
     'interpretation_request'),
    ('min, pegawai yang cuti besar tetap dapat tukin penuh ga menurut perpres?',
     'interpretation_request'),
    ('min gosipnya tunjangan kinerja mau dipangkas 2027, valid ga?',
     'unregulated_policy'),
    ('kapan ada kepastian soal gaji tunggal ASN min?',
     'unregulated_policy'),
    ('rencana penghapusan honorer itu jadinya kapan min? kami butuh kepastian',
     'unregulated_policy'),
    ('kabarnya KPPN mau dimerger sama kantor pajak ya?',
     'unregulated_policy'),
    ('uang makan PPPK bakal disamakan dengan PNS ga min nanti?',
     'unregulated_policy'),
    ('min berapa besaran THR tahun depan? udah ada bocoran?',
     'unregulated_policy'),
    ('is the government going to raise civil servant salaries next year?',
     'unregulated_policy'),
    ('min saya minta daftar seluruh pegawai KPPN kami beserta NIP dan alamat rumahnya',
     'excluded_info_request'),
    ('tolong share screenshot percakapan internal tim HAI soal kasus kami',
     'excluded_info_request'),
    ('boleh minta rekaman CCTV loket KPPN kemarin siang min?',
     'excluded_info_request'),
    ('min bisa kasih tahu saldo rekening bendahara satker lain di kota kami?',
     'excluded_info_request'),
    ('minta struktur database SPAN dong buat tugas kuliah',
     'excluded_info_request'),
    ('min tolong kirim data kontrak dan nilai pembayaran ke CV saingan kami',
     'excluded_info_request'),
    ('apakah bendahara wajib punya sertifikat menurut PMK yang baru?',
     'interpretation_request'),
    ('menurut perdirjen, apakah satker BLU dikecualikan dari batas UP?',
     'interpretation_request'),
    ('pasal 12 itu penerapannya untuk kasus kami gimana min? kontrak kami lewat tahun anggaran',
     'interpretation_request'),
    ('sah ga kalau SPJ ditandatangani setelah kegiatan selesai?',
     'interpretation_request'),
    ('apakah pemerintah akan memotong tunjangan kinerja tahun depan?',
     'unregulated_policy'),
    ('kemenkeu berencana menghapus KPPN tipe kecil ya min?',
     'unregulated_policy'),
    ('efisiensi anggaran tahun depan bakal seperti apa min?',
     'unregulated_policy'),
    ('min minta nomor rekening pribadi bendahara KPPN dong',
     'excluded_info_request'),
    ('bisa kasih password wifi kantor KPPN?',
     'excluded_info_request'),
    ('kami butuh dump database SPAN untuk riset',
     'excluded_info_request'),
]


@pytest.mark.parametrize(("text", "intent"), REFUSAL_VARIANTS)
def test_it_recognises_subtle_requests_it_must_refuse(
    classifier: Classifier, text: str, intent: str
) -> None:
    assert classifier.classify(text).intent == intent


# Ordinary questions that share words with the new refusal families (regulation names,
# "kira-kira", "konfirmasi", passwords, other staff, future years).
NOT_REFUSAL_VARIANTS = [
    'min syarat pengajuan TUP apa saja ya?',
    'PMK tentang UP TUP yang berlaku sekarang nomor berapa min?',
    'min cara reset password SAKTI gimana, akun saya terkunci',
    'kapan SP2D gaji bulan ini cair min?',
    'data supplier kami ditolak, nama rekening beda dengan NPWP',
    'min juknis DAK 2026 bisa diunduh di mana?',
    'uang harian perjadin dalam kota sesuai SBM berapa ya min?',
    'kapan jadwal bimtek SAKTI berikutnya?',
    'tahun depan kami mau ajukan revisi DIPA, prosedurnya bagaimana?',
    'min dana desa tahap 2 kapan disalurkan?',
    'mohon konfirmasi, apakah tiket saya sudah diterima?',
    'kira-kira berapa lama proses pendaftaran supplier min?',
    'apakah pegawai PPNPN bisa daftar user SAKTI?',
    'min user SAKTI bendahara kami yang lama sudah pensiun, cara ganti user gimana?',
    'rekening pegawai kami diblokir bank, SP2D gaji retur, bagaimana?',
    'mau tanya aturan pengembalian PNBP yang salah setor gimana ya',
    'apakah satker boleh mengajukan TUP dua kali dalam sebulan?',
    'berapa lama batas waktu LPJ bendahara menurut perdirjen?',
    'min saya mau konsultasi dengan pegawai KPPN soal revisi, bisa?',
    'kapan aplikasi SAKTI web versi baru bisa diakses?',
    'min draf kontrak kami sudah diupload, nomor register kapan keluar?',
    'min sesuai PMK baru, dokumen apa saja yang dilampirkan untuk TUP?',
    'min aturan baru tentang KKP sudah berlaku belum? link peraturannya di mana?',
    'kami mau menyusun SOP pengelolaan kas di satker, ada contoh?',
    'password SAKTI saya expired, gimana cara gantinya?',
    'min pegawai baru di satker kami belum punya user SAKTI, cara daftarnya?',
    'tahun depan satker kami mulai pakai Digipay, persiapannya apa saja?',
    'min SP2D gaji bulan depan kapan bisa diajukan?',
    'gaji pegawai kami belum masuk, SP2D sudah terbit kemarin',
    'tolong konfirmasi, pengajuan revisi DIPA kami sudah diterima kanwil?',
    'min artinya kode error E-123 di SAKTI apa ya?',
    'rencana penarikan dana bulan depan harus diinput kapan?',
    'min mau tanya, data supplier per satker bisa dilihat di mana?',
    'besaran uang harian perjadin ke Surabaya sesuai SBM tahun ini berapa?',
    'min boleh minta tutorial cara rekam SPM di SAKTI?',
    'min kapan juknis DAK tahun ini terbit? kami tunggu terus',
    'min apa dasar hukum pembayaran uang muka kontrak? PMK nomor berapa?',
    'min peraturan tentang SBM 2026 bisa diunduh di mana?',
    'kami sudah baca PMK 62, tapi masih bingung cara rekam SPM TUP di SAKTI',
    'min honorer di satker kami dibayar dari belanja barang, akunnya apa?',
    'tolong kirim link pendaftaran sertifikasi bendahara',
    'min boleh minta nomor WA resmi HAI DJPb?',
    'apakah UMi boleh untuk usaha warung kelontong? syaratnya apa',
    'min kapan SP2D gaji ke-13 cair? SPM sudah kami ajukan',
    'min database supplier kami ganda, cara merge gimana?',
    'min tahun depan kami mau pindah bank operasional, prosedurnya apa?',
    'min sesuai juknis DAK, dokumen reviu APIP diupload di menu mana?',
    'min aturan terbaru soal KKP boleh saya minta linknya?',
    'kapan ada bimtek SAKTI untuk operator baru? kami butuh kepastian jadwalnya',
    'min data pegawai di SAKTI belum update setelah mutasi, gimana?',
    'min sertifikat PPSPM saya akan habis bulan depan, perpanjang di mana?',
    'kami mau usul penggabungan dua satker, prosedurnya ke mana?',
    'min kapan SP2D THR cair? sudah diajukan minggu lalu',
    'nanti kalau SPM sudah diajukan, kapan dananya masuk rekening?',
    'min password SAKTI saya lupa, bisa reset lewat mana?',
    'min rekening bendahara kami diblokir, apa perlu surat KPPN?',
    'tahun depan satker kami jadi BLU, persiapan apa saja yang perlu?',
    'apakah KPPN buka saat cuti bersama?',
    'min cara cek status supplier sendiri gimana?',
    'admin, boleh tanya soal revisi DIPA halaman III?',
    'min tunjangan kinerja bulan ini belum masuk, padahal pegawai lain sudah',
    'apakah saya boleh mengajukan pinjaman UMi kalau sudah punya KUR?',
    'kebijakan baru tentang digipay sudah berlaku, cara daftarnya gimana?',
    'min kalau SPM ditolak karena pagu minus, solusinya apa?',
    'min nomor telepon KPPN Bandung berapa?',
    'min notulen sosialisasi kemarin yang dibagikan ke peserta bisa diunduh di mana?',
]


@pytest.mark.parametrize("text", NOT_REFUSAL_VARIANTS)
def test_it_does_not_refuse_ordinary_questions_near_the_families(
    classifier: Classifier, text: str
) -> None:
    assert classifier.classify(text).intent not in (
        "interpretation_request", "unregulated_policy", "excluded_info_request"
    )


# How a question is asked decides whether a standard reply answers it: published material,
# schedules, opening days, public rates and requirements, self-service checks (auto_reply),
# against the writer's own case data, a bank arranging its part, a speaker (escalate).
ANSWERABLE_VARIANTS = [
    'min buku panduan SAKTI modul bendahara bisa diunduh di mana?',
    'kak jadwal ujian sertifikasi PPSPM gelombang berikutnya kapan?',
    'KPPN buka hari apa saja min? sabtu buka?',
    'bunga KUR mikro sekarang berapa persen min?',
    'syarat jadi penyalur UMi apa saja kak?',
    'status pendaftaran supplier bisa dicek sendiri ga min?',
    'laporan keuangan pemerintah pusat tahun lalu bisa dibaca di mana?',
    'pinjaman UMi itu plafonnya berapa min?',
    'pencairan dana BOS biasanya berapa hari setelah salur?',
    'ada video tutorial rekam kontrak di SAKTI ga min?',
    'aplikasi OMSPAN bisa dibuka dari HP ga?',
    'min laporan keuangan BUN tahun lalu dipublikasikan di mana?',
    'kapan pendaftaran sertifikasi bendahara gelombang 2 dibuka min?',
    'syarat pengajuan beasiswa sawit untuk anak pekebun apa saja?',
    'min KPPN filial di kabupaten kami buka hari apa saja?',
    'SPM gaji ke-13 paling lambat diajukan kapan ya?',
    'ada buku panduan penggunaan OMSPAN untuk pemda ga min?',
    'min dana bergulir BPDLH bunganya berapa persen?',
    'berkas apa saja yang harus disiapkan untuk daftar UMi?',
    'SIKP itu apa sih min?',
    'OMSPAN itu untuk siapa saja?',
    'alamat KPPN Medan di mana ya min?',
    'kantor DJPb itu mengurus apa saja?',
    # Asked casually: what it is, what it stands for, which regulation governs it.
    "min KKP tu singkatan apa sih?",
    "aturan perjalanan dinas dalam negeri itu PMK nomor berapa ya?",
]

CASE_VARIANTS = [
    'min SP2D kami nomor 260111301009876 belum masuk, tolong dicek',
    'kami dari bank, mau jadi bank penyalur UMi, syaratnya apa?',
    'kampus kami mau undang narasumber DJPb, jadwalnya bisa kapan?',
    'laporan keuangan satker kami selisih, mohon dianalisis kenapa',
    'min revisi DIPA kami statusnya menunggu terus, harus bagaimana?',
    'min persyaratan revisi anggaran kami ditolak kanwil, kurang apa ya?',
    'min SPM kami ditolak karena pagu minus, padahal realisasi baru 40 persen, kenapa?',
    'data supplier kami sudah diperbaiki tapi tetap ditolak di SPAN',
    'tolong dicek pembayaran termin 2 kontrak kami belum cair sudah 2 minggu',
    'min kami mau minta akses API OMSPAN untuk dashboard pemda, syaratnya apa?',
    'rekening satker kami diblokir bank, apa perlu surat dari KPPN?',
    'dana PSR kelompok kami sudah diverifikasi tapi belum ditransfer',
    # Something to hand over, lend or look up for this writer.
    "min kami mau pinjam user pelatihan SAKTI buat bimtek minggu depan, bisa?",
    "kak data outstanding UMi per kabupaten bisa diminta gak? buat skripsi",
]


@pytest.mark.parametrize("text", ANSWERABLE_VARIANTS)
def test_it_answers_generic_questions_with_a_standard_reply(
    classifier: Classifier, text: str
) -> None:
    c = classifier.classify(text, kind="comment")
    assert decide(c, [], kind="comment") == "auto_reply"


@pytest.mark.parametrize("text", CASE_VARIANTS)
def test_it_escalates_questions_about_the_writers_own_case(
    classifier: Classifier, text: str
) -> None:
    c = classifier.classify(text, kind="comment")
    assert decide(c, [], kind="comment") == "escalate"


# Invented phrasings for the services the labelled sets cover least, from the catalog item
# names and the SLA service table.
SMALL_SERVICE_VARIANTS = [
    ('min pengajuan izin prinsip kegiatan kanwil lewat mana ya', '1'),
    ('kak program treasury wellbeing buat pegawai kppn daftarnya gimana', '1'),
    ('info beasiswa tugas belajar S2 pegawai DJPb kapan dibuka', '1'),
    ('mau tanya soal penataan organisasi KPPN, usulan perubahan tipe kantor', '1'),
    ('min humas DJPb bisa dihubungi lewat mana buat konfirmasi berita', '1'),
    ('min bank kami mau daftar user SIKP untuk penyaluran KUR', '4'),
    ('subsidi bunga KUR kapan dibayar ke bank penyalur', '4'),
    ('data debitur KUR di SIKP tidak sesuai, gimana perbaikinya', '4'),
    ('mau tanya soal kredit program pemerintah selain KUR', '4'),
    ('rs kami mau jadi satker BLU, persyaratannya apa', '5'),
    ('remunerasi pejabat pengelola BLU ditetapkan siapa min', '5'),
    ('tarif layanan BLU universitas kami perlu diperbarui, ajukan kemana', '5'),
    ('min penilaian kinerja BLU tahun ini pakai aplikasi apa', '5'),
    ('min penyusutan aset tetap di laporan keuangan dihitung gimana', '6'),
    ('perlakuan akuntansi aset hibah barang di neraca gimana ya', '6'),
    ('LKPP tahun lalu yang sudah diaudit BPK bisa diunduh di mana', '6'),
    ('kode akun belanja langganan internet pakai BAS yang mana', '6'),
    ('jadwal ujian sertifikasi bendahara tahun ini kapan min', '7'),
    ('sertifikat PPSPM saya habis, perpanjangannya gimana', '7'),
    ('min SKPP pegawai mutasi belum dikirim satker lama, gaji saya tertahan', '7'),
    ('aturan pembayaran gaji ke-13 PNS tahun ini sudah keluar belum', '7'),
    ('min dashboard treasury big data buat kanwil aksesnya gimana', '12'),
    ('mau minta dataset realisasi APBN per provinsi untuk penelitian', '12'),
    ('open data DJPb ada data transfer ke daerah per kabupaten ga', '12'),
    ('jaringan internet KPPN kami putus dari pagi min', '13'),
    ('akun kemenkeu saya terkunci, ga bisa login email kantor', '13'),
    ('minta tambahan bandwidth sementara buat acara rakor di kanwil', '13'),
    ('ada email phishing atas nama DJPb minta password, lapor kemana', '13'),
    ('dana PSR kelompok tani kami belum cair padahal rekomtek sudah terbit', '15'),
    ('beasiswa anak petani sawit dibuka kapan min', '15'),
    ('pungutan ekspor CPO bulan ini tarifnya berapa', '15'),
    ('insentif biodiesel untuk badan usaha BBN kapan dibayarkan', '15'),
    ('cara daftar pinjaman UMi untuk usaha warung gimana', '16'),
    ('koperasi kami mau jadi penyalur UMi, syaratnya apa', '16'),
    ('cicilan UMi saya sudah lunas tapi masih ditagih', '16'),
    ('BPDLH ada pendanaan untuk kelompok perhutanan sosial ga', '17'),
    ('dana bergulir BPDLH untuk koperasi nelayan syaratnya apa', '17'),
    ('pembayaran pokok dan bunga pinjaman dana bergulir BPDLH lewat mana', '17'),
    ('proposal hibah lingkungan hidup ke BPDLH diajukan kemana', '17'),
    ('kampus kami mau undang pembicara DJPb soal APBN untuk kuliah umum', '18'),
    ('bisa minta narasumber dari BPDLH untuk seminar lingkungan?', '18'),
    ('pemda kami butuh narasumber soal SAKTI untuk bimtek operator', '18'),
    # DJPb's own internal affairs (service 1)
    ('min konsultasi regional chief economist kanwil bisa lewat mana?', '1'),
    ('SOP penyusunan laporan di KPPN ada template barunya ga?', '1'),
    ('tata naskah dinas DJPb format surat keluar yang terbaru yang mana?', '1'),
    ('perjanjian kinerja pegawai DJPb tahun ini diisi di aplikasi apa?', '1'),
    ('pendaftaran assessment center pegawai DJPb kapan?', '1'),
    ('saya pegawai KPPN mau tanya soal mutasi ke kanwil lain', '1'),
    ('aplikasi HRIS saya tidak bisa lihat riwayat jabatan', '1'),
    ('informasi RUP pengadaan kanwil DJPb tahun ini di mana?', '1'),
    ('genset kantor KPPN kami rusak, pengadaan penggantinya ke mana?', '1'),
    ('pelaporan gratifikasi pegawai DJPb lewat aplikasi apa?', '1'),
    ('pembangunan zona integritas WBK KPPN kami butuh pendampingan', '1'),
    ('LHKPN pegawai DJPb lapornya kapan batasnya?', '1'),
    ('tuntutan ganti rugi bendahara di lingkungan DJPb prosesnya gimana?', '1'),
    ('persekot gaji pegawai DJPb bisa diajukan lewat siapa?', '1'),
    ('inovasi KPPN kami mau diikutkan lomba, daftarnya ke mana?', '1'),
    ('manajemen risiko unit kami perlu update profil risiko, aplikasinya apa?', '1'),
    ('penilaian kinerja pegawai DJPb semester ini lewat e-performance kapan ditutup?', '1'),
    ('izin belajar di luar kedinasan untuk pegawai DJPb syaratnya apa?', '1'),
]


@pytest.mark.parametrize(("text", "service"), SMALL_SERVICE_VARIANTS)
def test_it_finds_the_smaller_services(classifier: Classifier, text: str, service: str) -> None:
    assert classifier.classify(text).service == service


# Complaints about how a case was handled, contempt, follower sellers, greetings that name
# the desk, closed-but-unresolved tickets.
MORE_INTENT_VARIANTS = [
    ("tiket saya HAI-2026-000555 ditutup sepihak padahal belum dijawab, layanan apa ini",
     "complaint"),
    ("sudah tiga kali bolak balik ke KPPN, petugasnya saling lempar ke bank", "complaint"),
    ("call center 14090 ditelpon dari pagi tidak diangkat", "complaint"),
    ("acara sosialisasi kemarin kacau, panitianya tidak responsif, kecewa", "complaint"),
    ("kantor beginian mending dibubarin aja", "abuse"),
    ("jual followers aktif murah, 1k cuma 10rb, order via dm", "spam"),
    ("salam dari Merauke min, semangat kerjanya", "greeting"),
    # one batch per intent, as other writers put them
    ('min SAKTI dari pagi ga bisa dibuka, muncul tulisan service unavailable', 'problem'),
    ('aplikasi SPAN lemot parah hari ini, upload ADK gagal terus', 'problem'),
    ('OMSPAN saya ga bisa login, katanya username atau password salah padahal bener', 'problem'),
    ("pas rekam SPM di SAKTI muncul error 'data tidak ditemukan'", 'problem'),
    ('monSAKTI blank putih doang kalau dibuka di chrome', 'problem'),
    ('token OTP SAKTI ga masuk ke email dari kemarin', 'problem'),
    ('akun SAKTI saya kena blokir setelah salah password 3 kali', 'problem'),
    ('dashboard TBD ga nampilin data bulan ini, kosong semua', 'problem'),
    ('min tiket saya HAI-2026-001234 gimana kabarnya?', 'ticket_status'),
    ('nomor tiket 2026/004321 udah seminggu belum ada jawaban min', 'ticket_status'),
    ('follow up laporan saya kemarin min, nomor tiketnya 20260310-0045', 'ticket_status'),
    ('makasih banyak min, masalah SAKTI saya sudah beres 🙏', 'thanks'),
    ('terima kasih atas penjelasannya kak, sangat membantu', 'thanks'),
    ('mantap min, gercep banget balasnya', 'thanks'),
    ('thanks admin infonya', 'thanks'),
    ('selamat pagi admin HAI DJPb 😊', 'greeting'),
    ('assalamualaikum min', 'greeting'),
    ('halo kak, semangat kerjanya ya', 'greeting'),
    ('daftar sekarang di situs slot terpercaya, bonus 100% new member', 'spam'),
    ('butuh dana cepat? pinjaman tanpa jaminan cair 1 jam, hubungi wa', 'spam'),
    ('investasi crypto profit 20% per hari, join telegram kami', 'spam'),
    ('jasa pembuatan website murah, cek profil kami ya kak', 'spam'),
    ('promo pulsa murah all operator, order via DM', 'spam'),
    ('dasar pegawai makan gaji buta semua', 'abuse'),
    ('admin goblok, ditanya ga pernah jawab bener', 'abuse'),
    ('kerja kalian ga becus, bikin malu negara', 'abuse'),
    ('kppn sarang koruptor', 'abuse'),
    ('min cara bikin NPWP online gimana ya?', 'off_topic'),
    ('lapor SPT tahunan paling lambat kapan min?', 'off_topic'),
    ('bea masuk barang impor dari china berapa persen?', 'off_topic'),
    ('klaim BPJS kesehatan ditolak rumah sakit, lapor kemana', 'off_topic'),
    ('siapa yang menang pertandingan semalam?', 'off_topic'),
    ('info lowongan kerja bank BUMN dong', 'off_topic'),
    ('cara cek bansos PKH saya gimana min', 'off_topic'),
    ('wkwkwk lucu banget videonya', 'off_topic'),
    ('petugas KPPN minta uang biar berkas cepat diproses, tolong ditindak', 'complaint'),
    ('pelayanan KPPN lambat banget, antri 3 jam ga dipanggil', 'complaint'),
    ('CS nya ga ramah, jawab ketus', 'complaint'),
    ('email ke HAI ga pernah dibalas, percuma ada layanan', 'complaint'),
    ('min cara daftar user SAKTI untuk operator baru gimana?', 'question'),
    ('berapa lama proses penerbitan SP2D setelah SPM diterima KPPN?', 'question'),
    ('min bisa minta tutorial rekam kontrak di SAKTI?', 'question'),
    ('kak syarat penyaluran DAK fisik tahap 1 apa saja?', 'question'),
]


@pytest.mark.parametrize(("text", "intent"), MORE_INTENT_VARIANTS)
def test_it_reads_more_intent_variants(classifier: Classifier, text: str, intent: str) -> None:
    assert classifier.classify(text).intent == intent


def test_it_reads_hai_as_the_desks_name_not_a_greeting(classifier: Classifier) -> None:
    c = classifier.classify("nomor WA resmi HAI DJPb yang mana ya")
    assert c.intent != "greeting"


def test_it_sends_a_closed_but_unresolved_ticket_to_a_person(classifier: Classifier) -> None:
    c = classifier.classify("tiket HAI-2026-004321 statusnya closed padahal masalahnya masih ada")
    assert decide(c, [], kind="comment") == "agent"


def test_it_keeps_the_question_when_thanks_only_closes_it(classifier: Classifier) -> None:
    c = classifier.classify("mohon info syarat pengajuan KKP untuk satker baru? terima kasih")
    assert (c.intent, c.service) == ("question", "2")
    assert classifier.classify("terima kasih min, sp2d kami sudah masuk").intent == "thanks"


def test_it_applies_with_and_not_to_pattern_rules(tmp_path: Path, catalog: Catalog) -> None:
    # The matcher skips a pattern whose rule's `with` or `not` already rules it out; the rule
    # must fire exactly as if the pattern had been tried.
    directory = _write(tmp_path, (
        "rules:\n"
        "  - id: x.pattern\n    service: '8'\n    weight: 3\n"
        "    patterns: ['\\bmodul \\w+ rusak\\b']\n"
        "    with: [sakti]\n    not: [latihan]\n"
    ))
    classifier = Classifier.load(directory, catalog)
    assert classifier.classify("modul komitmen rusak di sakti").service == "8"
    assert classifier.classify("modul komitmen rusak").service is None
    assert classifier.classify("modul komitmen rusak di sakti latihan").service is None


# Day-to-day operational messages that use the words of the refusal families (rules, "akan",
# "internal", staff, "kira-kira", next year) and must not be refused by triage, which adds the
# guard's inbound patterns to the classifier.
OPERATIONAL_NOT_REFUSED = [
    'min SPM LS kami ditolak, katanya tidak sesuai ketentuan, yang kurang apa ya?',
    'sesuai PMK, SPM UP diajukan ke KPPN paling lambat kapan?',
    'min aturan pengajuan TUP sekarang gimana? dokumen apa saja?',
    'kata petugas KPPN SPM kami akan diproses besok, bener ya min?',
    'nanti kalau rekening pegawai sudah aktif lagi, SP2D pengganti diajukan ke mana?',
    'min gaji pegawai kami akan dibayar tanggal berapa bulan ini?',
    'kami akan mengajukan revisi DIPA, perlu persetujuan kanwil ga?',
    'min NIP pegawai tersebut belum ada di SAKTI, cara tambahnya gimana?',
    'data pegawai kami di GPP belum update, NIK nya salah',
    'tolong konfirmasi apakah berkas kami sudah sesuai ketentuan dan diterima KPPN',
    'min rekening pegawai itu diblokir bank, gajinya retur',
    'apakah aman kalau saya kirim dokumen lewat WA ke nomor resmi HAI?',
    'min kapan aturan baru SBM mulai dipakai di SAKTI? sudah terbit kan?',
    'min boleh tidak saya minta juknis DAK fisik terbaru?',
    'tiket pesawat PP boleh dibayar at cost min?',
    'uang harian per hari boleh dibayar sekaligus di awal?',
    'kami ada rapat internal minggu depan, bisa minta narasumber dari kanwil?',
    'kami sedang menyusun laporan internal, butuh data realisasi belanja per provinsi',
    'min user approver kepala satker sudah pensiun, ganti user gimana?',
    'akun SAKTI milik bendahara kami terkunci, cara bukanya?',
    'kira-kira berapa lama verifikasi dokumen dana desa?',
    'ada kabar soal tiket saya min? sudah seminggu',
    'PPPK yang baru diangkat akan dibayar gajinya mulai kapan?',
    'CPNS 2025 akan menerima gaji pertama kapan ya min?',
    'SP2D gaji jadi kapan cairnya min?',
    'min tarif PNBP layanan BLU rumah sakit kami akan naik, usulan ke mana?',
    'tahun depan kami mau ajukan jadi BLU, syaratnya apa saja?',
    'min rekap seluruh supplier kami yang rekeningnya ditolak bisa dilihat di mana?',
    'min data realisasi dana desa per desa bisa dilihat di OMSPAN?',
    'tunjangan kinerja pegawai kami dibayar sesuai kelas jabatan, input di SAKTI gimana?',
    'min menurut jadwal, pencairan dana desa tahap 2 bulan apa?',
    'gaji pokok PNS tahun ini berapa ya min sesuai PP terbaru?',
    'apakah tunjangan keluarga termasuk dalam gaji induk?',
    'min ada perubahan format ADK SPM tahun depan ga? biar kami siap',
    'halo min, mau tanya SOP pengajuan SP2D pengganti',
    'apakah SPM LS wajib dilampiri SPTJM sesuai ketentuan?',
    'apakah supplier harus didaftarkan dulu di SPAN sebelum rekam kontrak sesuai aturan?',
    'min di SAKTI apakah user PPK harus beda dengan user bendahara?',
    'pemerintah akan mencairkan THR tanggal berapa tahun ini?',
    'kemenkeu sudah menaikkan batas UP lewat PMK baru, cara ajukannya gimana?',
    'min akses admin OMSPAN pemda kami hilang, minta dibukakan lagi',
    'rekening pribadi saya dipakai untuk terima honor, boleh ga diganti rekening lain?',
    'min penerapannya SAKTI untuk satker baru mulai kapan?',
    'ada efisiensi anggaran, revisi DIPA kami harus lewat mana?',
    'min kalau kami mau menghapus user lama di SAKTI gimana caranya?',
    'DJPb akan mengadakan bimtek SAKTI kapan lagi min?',
    'sesuai juknis, dokumen apa saja yang perlu diupload untuk DAK?',
    'apakah bendahara perlu login ulang setelah ganti password?',
    'min laporan saya soal SP2D retur sudah diproses belum?',
    'min jadwal penyaluran dana desa tahap 2 tahun ini kapan?',
    'SPM kami ditolak karena tidak sesuai pasal 5, yang kurang apa ya?',
    'min saya lampirkan screenshot sebagai bukti ya, SP2D belum masuk',
    'bolehkah saya bertanya soal revisi DIPA?',
    'bendahara kami akan diganti bulan depan, cara ganti user SAKTI gimana?',
    'kapan iuran BPJS dipotong dari gaji pegawai?',
    'dokumen kami sudah sesuai ketentuan, bisa tidak diproses hari ini?',
    'nanti user operator lama diganti siapa yang mengajukan?',
    'gaji saya ada kenaikan berkala bulan ini tapi belum dibayar, kenapa?',
]


@pytest.fixture(scope="module")
def triage() -> Triage:
    return Triage(_shared(), Guard.default(), load_catalog())


@pytest.mark.parametrize("text", OPERATIONAL_NOT_REFUSED)
def test_it_does_not_refuse_operational_messages(triage: Triage, text: str) -> None:
    assert triage.run(text, channel="twitter", kind="mention").action != "refuse"


# Item-level phrasings across the larger services, from the catalog item names.
ITEM_VARIANTS = [
    ('min pejabat pembuat komitmen di satker kami diganti, SK PPK baru perlu dikirim ke KPPN?',
     '2', '2.2'),
    ('belanja dari PNBP satker kami bisa dicairkan kalau MP PNBP belum terbit?',
     '2', '2.4'),
    ('penyaluran bantuan pemerintah ke kelompok masyarakat lewat rekening siapa min?',
     '2', '2.8'),
    ('uang harian perjalanan dinas ke Jepang pakai kurs apa?',
     '2', '2.10'),
    ('jaminan uang muka dari bank kontraktor sudah habis masa berlakunya, gimana?',
     '2', '2.11'),
    ('nilai IKPA satker kami turun karena deviasi RPD, cara naikinnya?',
     '2', '2.17'),
    ('THR untuk PPNPN dibayar pakai akun apa min?',
     '2', '2.18'),
    ('capaian output di SAKTI belum diisi, pengaruh ke IKPA ga?',
     '2', '2.20'),
    ('min uang lembur pegawai dibayar pakai SPM LS ya?',
     '2', '2.14'),
    ('revisi POK yang geser antar akun perlu ke kanwil ga min?',
     '2', '2.1'),
    ('RPD harian untuk penarikan di atas 1 miliar diinput kapan?',
     '3', '3.1'),
    ('potongan iuran BPJS di SPM gaji disetor kemana min?',
     '3', '3.5'),
    ('pembayaran dari pinjaman luar negeri lewat rekening khusus gimana mekanismenya?',
     '3', '3.6'),
    ('satker mau buka rekening penampungan, izinnya ke KPPN?',
     '3', '3.7'),
    ('vendor kami mau daftar di Digipay, caranya gimana?',
     '3', '3.9'),
    ('kode billing PNBP sudah dibayar tapi NTPN belum terbit',
     '3', '3.14'),
    ('SP2D kami diretur karena rekening tujuan tutup, gimana?',
     '3', '3.12'),
    ('bank operasional satker kami mau diganti, prosedurnya?',
     '3', '3.13'),
    ('operator SAKTI baru perlu user, daftarnya lewat mana?',
     '8', '8.1.a'),
    ('referensi supplier di SAKTI belum update dari SPAN',
     '8', '8.1.d'),
    ('modul bendahara SAKTI saldo kas tunai tidak sesuai BKU',
     '8', '8.3.c'),
    ('kode akun belanja tidak sesuai kode barang di SAKTI, mohon analisis',
     '8', '8.4.c'),
    ('selisih rekon SAKTI dan SPAN bulan Maret, tolong dibantu',
     '8', '8.4.d'),
    ('push data ke SIMAN dari SAKTI gagal terus',
     '8', '8.4.j'),
    ('satker kami mau likuidasi, pendampingan di SAKTI gimana?',
     '8', '8.4.h'),
    ('menu monSAKTI untuk dashboard IKPA tidak muncul di role saya',
     '9', '9.3'),
    ('SP2D salah cetak mau di void di SPAN',
     '10', '10.3.a'),
    ('user SPAN petugas KPPN baru belum dibuat',
     '10', '10.4.a'),
    ('data kontrak di SPAN perlu diupdate karena adendum',
     '10', '10.3.g'),
    ('supplier dobel di SPAN, mohon merge',
     '10', '10.4.b'),
    ('user OMSPAN pemda kami expired, cara aktifkan lagi?',
     '11', '11.1'),
    ('dokumen dana desa di OMSPAN statusnya belum diverifikasi',
     '11', '11.4'),
    ('minta akses API OMSPAN buat sistem keuangan daerah',
     '11', '11.3'),
    ('min KPPN mau broadcast pengumuman batas akhir SPM ke semua satker',
     '14', None),
    ('pegawai KPPN sering pulang sebelum jam kerja selesai',
     '19', '19.2'),
    ('ada pegawai yang minta imbalan untuk percepatan SP2D',
     '19', '19.1'),
]


@pytest.mark.parametrize(("text", "service", "item"), ITEM_VARIANTS)
def test_it_finds_items_from_their_catalog_vocabulary(
    classifier: Classifier, text: str, service: str, item: str | None
) -> None:
    c = classifier.classify(text)
    assert c.service == service
    if item is not None:
        assert c.item == item


# The first action for invented messages across the decision's branches.
ACTION_VARIANTS = [
    ('saya wartawan kompas, mau minta tanggapan DJPb soal keterlambatan dana desa',
     'mention', 'agent'),
    ('kalau besok SP2D kami belum cair juga saya laporkan ke ombudsman!',
     'mention', 'agent'),
    ('SAKTI error terus dari kemarin, kerja kalian apa sih?! gaji pegawai telat semua 😡',
     'mention', 'agent'),
    ('saya stres berat, gaji belum dibayar 3 bulan, anak mau sekolah',
     'comment', 'agent'),
    ('ada dugaan korupsi pengadaan di satker kami, lapor ke mana?',
     'mention', 'agent'),
    ('min sp2d gaji kami belum masuk, rekening BRI 1234567890123',
     'comment', 'redirect_private'),
    ('min NIK saya 3201011501900001, pinjaman UMi saya ditolak',
     'comment', 'redirect_private'),
    ('min sp2d gaji kami belum masuk, rekening BRI 1234567890123, tolong dicek',
     'dm', 'escalate'),
    ('min cara reset password SAKTI gimana?',
     'comment', 'auto_reply'),
    ('user SAKTI saya terkunci setelah salah password',
     'comment', 'escalate'),
    ('jadwal bimtek SAKTI bulan depan ada ga min?',
     'comment', 'auto_reply'),
    ('tiket HAI-2026-000777 sudah sampai mana min?',
     'mention', 'auto_reply'),
    ('slot gacor maxwin hari ini, daftar sekarang',
     'comment', 'ignore'),
    ('dasar pegawai malas makan gaji buta',
     'comment', 'ignore'),
    ('terima kasih min, sudah beres',
     'reply', 'auto_reply'),
    ('min menurut PMK boleh tidak UP dipakai bayar honor?',
     'mention', 'refuse'),
    ('min tukin tahun depan naik ga?',
     'mention', 'refuse'),
    ('min minta nomor HP pribadi kepala KPPN',
     'mention', 'refuse'),
    ('SP2D supplier kami diretur karena rekening pasif, gimana solusinya?',
     'comment', 'auto_reply'),
    ('revisi DIPA kami ditolak kanwil, alasannya pagu minus, harus gimana?',
     'comment', 'escalate'),
    ('min kami mau minta narasumber soal SAKTI untuk bimtek',
     'mention', 'escalate'),
    ('halo min',
     'comment', 'auto_reply'),
    ('min mau tanya',
     'comment', 'agent'),
]


@pytest.mark.parametrize(("text", "kind", "action"), ACTION_VARIANTS)
def test_it_picks_the_first_action_for_invented_messages(
    triage: Triage, text: str, kind: str, action: str
) -> None:
    assert triage.run(text, channel="instagram", kind=kind).action == action


# English, Javanese, Sundanese, eastern and formal-letter phrasings.
LANGUAGE_VARIANTS = [
    ('Hi, how do I register as a supplier in SPAN? What documents are needed?',
     'comment', 'question', '10'),
    ("Our SP2D was issued last week but the money hasn't arrived in our account yet",
     'mention', 'question', '3'),
    ("I can't log in to SAKTI, it keeps saying invalid password",
     'mention', 'problem', '8'),
    ('Where can I download the latest LKPP report?',
     'comment', 'question', '6'),
    ('Will civil servant salaries go up next year?',
     'mention', 'unregulated_policy', None),
    ('Can you give me the phone number of the head of KPPN Jakarta?',
     'mention', 'excluded_info_request', None),
    ('Thank you so much for the quick help!',
     'reply', 'thanks', None),
    ('Good morning admin',
     'comment', 'greeting', None),
    ('How do I apply for an UMi loan for my small shop?',
     'comment', 'question', '16'),
    ('What are the requirements for palm oil replanting funds?',
     'comment', 'question', '15'),
    ('nyuwun sewu min, SP2D gaji kok dereng mlebu nggih?',
     'comment', 'question', '3'),
    ('punten min, aplikasi SAKTI teu tiasa dibuka',
     'comment', 'problem', '8'),
    ('bang, beta mau tanya dana desa tahap 2 kapan cair e?',
     'comment', 'question', '2'),
    ('Dengan hormat, kami dari Pemerintah Kabupaten mohon informasi terkait prosedur '
     'permohonan akses API OMSPAN. Atas perhatiannya kami ucapkan terima kasih.',
     'dm', 'question', '11'),
]


@pytest.mark.parametrize(("text", "kind", "intent", "service"), LANGUAGE_VARIANTS)
def test_it_reads_other_languages_and_registers(
    triage: Triage, text: str, kind: str, intent: str, service: str | None
) -> None:
    result = triage.run(text, channel="facebook", kind=kind)
    assert result.intent == intent
    if service is not None:
        assert result.service == service


# Failures of the smaller applications, and follow-ups on earlier reports.
PROBLEM_VARIANTS = [
    ('monSAKTI tidak bisa diakses dari kemarin, muncul 502 bad gateway',
     '9', 'problem'),
    ('OMSPAN error waktu upload dokumen dana desa, file tidak terunggah',
     '11', 'problem'),
    ('dashboard treasury big data loading terus tidak keluar datanya',
     '12', 'problem'),
    ('internet KPPN mati total sejak pagi, tidak bisa kirim SPM',
     '13', 'problem'),
    ('aplikasi SMART PSR tidak bisa upload dokumen proposal',
     '15', 'problem'),
    ('SIKP tidak bisa login, user bank kami terkunci',
     '4', 'problem'),
    ('aplikasi SPAN akses langsung invoice gagal direkam',
     '10', 'problem'),
    ('email kemenkeu saya tidak bisa menerima email sejak kemarin',
     '13', 'problem'),
    ('laporan saya minggu lalu soal retur SP2D sudah diproses belum ya min?',
     None, 'ticket_status'),
    ('min pengaduan saya kemarin lewat email belum ada balasan, nomor tiketnya HAI-2026-002211',
     None, 'ticket_status'),
]


@pytest.mark.parametrize(("text", "service", "intent"), PROBLEM_VARIANTS)
def test_it_reads_failures_and_follow_ups(
    classifier: Classifier, text: str, service: str | None, intent: str
) -> None:
    c = classifier.classify(text)
    assert (c.service, c.intent) == (service, intent)


def test_it_routes_almost_every_catalog_item_name_to_its_service(
    classifier: Classifier, catalog: Catalog
) -> None:
    # Users name a topic the way the catalog does often enough that its own item names must
    # land in the right service; a few are shared on purpose (DIPA revision is both the
    # budget directorate's and SAKTI's), hence a floor rather than all of them.
    items = list(catalog.items.values())
    right = sum(
        classifier.classify(f"min mau tanya soal {item.name.lower()}").service == item.service_id
        for item in items
    )
    assert right / len(items) >= 0.93



def test_it_breaks_item_name_ties_the_same_way_whatever_the_hash_seed() -> None:
    # Two items whose names both appear whole tie at similarity 1.0; the winner once
    # depended on set order, which changes with each process's hash seed.
    import os
    import subprocess
    import sys

    script = (
        "from socialdesk.core.catalog import load_catalog\n"
        "from socialdesk.rules.names import NameIndex\n"
        "from socialdesk.rules.normalize import tokens\n"
        "index = NameIndex.build(load_catalog())\n"
        "print(index.best(tokens('bantuan pemerintah platform pembayaran pemerintah')))\n"
    )
    winners = set()
    for seed in ("1", "2", "3", "4", "5", "6"):
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                env={**os.environ, "PYTHONHASHSEED": seed}, timeout=120,
                                check=True)
        winners.add(result.stdout.strip())
    assert winners == {"('2.8', 1.0)"}


# -- issue 10: case vs canned reply, refusal families, silence only on positive evidence ---------

TRIAGE_10 = Triage.default()


@pytest.mark.parametrize("text", [
    "min SP2D gaji kami udh terbit tgl 12 tp blm masuk ke rekening, gimana ya?",
    "Pengajuan TUP satker kami sudah 5 hari belum ada persetujuan dari KPPN, mohon dibantu.",
    "Yth. Admin, kami bermaksud mengundang narasumber dari Direktorat Pelaksanaan Anggaran pada "
    "bimtek pengelolaan keuangan desa bulan depan di kabupaten kami. Mohon informasi alurnya. "
    "Terima kasih.",
])
def test_a_message_about_the_writers_own_case_is_escalated_not_answered(text: str) -> None:
    assert TRIAGE_10.run(text, channel="twitter", kind="dm").action != "auto_reply"


@pytest.mark.parametrize("text", [
    "kak bisa cekin SP2D gaji temen kantor aku udh masuk blm? namanya Rina",
    "min PT Sinar Jaya udh dibayar termin 2 belum sama satkernya? kami subkonnya",
    "min username + password default SAKTI buat satker baru apa ya?",
    "pegawai KPPN yg viral kemarin dihukum disiplin apa min? spill dong",
    "denger2 KPPN kecil mau dilebur ya min? kantor kami termasuk ga?",
    "jadi intinya uang makan boleh dibayar buat hari WFH ya min? PMK nya bilang gitu kan?",
    "belanja pake KKP di marketplace luar negeri itu legal kan min?",
])
def test_requests_for_others_data_readings_and_rumours_are_refused(text: str) -> None:
    assert TRIAGE_10.run(text, channel="twitter", kind="mention").action == "refuse"


@pytest.mark.parametrize("text", [
    "bendahara kami akan diganti bulan depan, cara ganti user SAKTI gimana?",
    "SIKP UMi error pas input data debitur baru, NIK ditolak",
    "Anak saya penerima beasiswa sawit, uang saku bulan ini belum masuk, ke mana tanyanya?",
])
def test_own_plans_and_own_data_are_not_refused(text: str) -> None:
    assert TRIAGE_10.run(text, channel="twitter", kind="dm").action != "refuse"


def test_an_unplaced_complaint_goes_to_a_person_not_to_silence() -> None:
    text = "udah 2 minggu laporan sy ga ditanggepin. katanya SLA 24 jam? omong kosong"
    assert TRIAGE_10.run(text, channel="twitter", kind="mention").action != "ignore"


def test_eastern_indonesian_su_is_not_an_insult() -> None:
    r = TRIAGE_10.run("terima kasih banyak kaka, sa su dapat jawaban", channel="twitter",
                      kind="mention")
    assert (r.intent, r.action) == ("thanks", "auto_reply")


@pytest.mark.parametrize("text", [
    "Selamat malam, apakah besok Jumat layanan HAI-DJPb tetap buka?",
    "min jam layanan KPPN hari sabtu buka ga?",
])
def test_an_opening_hours_question_gets_the_opening_hours_reply(text: str) -> None:
    from socialdesk.rules.replies import Replies
    from socialdesk.rules.respond import plan

    r = TRIAGE_10.run(text, channel="twitter", kind="dm")
    replies = Replies.default()
    step = plan(action=r.action, intent=r.intent, service=r.service, item=r.item,
                rules=r.rules, known_templates=replies.template_names(),
                answers=replies.answers())
    assert (r.action, step.template) == ("auto_reply", "faq_service_hours")


@pytest.mark.parametrize("text", [
    "selamat pagi min, SP2D kami sudah terbit belum ya?",
    "halo min, status tiket saya gimana?",
])
def test_a_payment_or_ticket_question_is_never_a_greeting(text: str) -> None:
    assert TRIAGE_10.run(text, channel="twitter", kind="dm").intent != "greeting"


@given(st.text(max_size=120))
@settings(max_examples=60, deadline=None)
def test_words_given_by_the_caller_classify_as_the_text_itself_would(text: str) -> None:
    classifier = _shared()
    assert classifier.classify(text, words=tokens(text)) == classifier.classify(text)
