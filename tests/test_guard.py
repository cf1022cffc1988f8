from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from socialdesk.core import resources
from socialdesk.rules import guard as guard_module
from socialdesk.rules.assess import Triage
from socialdesk.rules.guard import Guard, GuardConfigError, check_outbound
from socialdesk.rules.types import ACTIONS, Verdict

GUARD = Guard.default()
RULES_ONLY = Guard.load(model_path=None)

DISALLOWED = [
    ("Menurut PMK 62/2023 Kakak boleh mempertanggungjawabkan TUP sebagian dulu.", "interpretation"),
    ("Artinya Bapak/Ibu boleh membayar uang harian penuh untuk fullboard.", "interpretation"),
    ("Berdasarkan pasal 11 PMK 188/2021 maka Anda tidak perlu membuat SPM tersendiri.",
     "interpretation"),
    ("Pasal 7 itu maksudnya uang muka 30% untuk usaha kecil ya Kak.", "interpretation"),
    ("Gaji ke-13 tahun depan akan naik 8% ya Kak.", "unregulated_policy"),
    ("Tukin akan dipotong mulai tahun depan, Kak.", "unregulated_policy"),
    ("Mulai 2027 UP pasti dihapus dan diganti KKP.", "unregulated_policy"),
    ("Berikut nota dinas internal Dirjen yang Kakak minta.", "excluded_info"),
    ("Temuan audit Itjen atas KPPN Medan: ada 3 kelemahan.", "excluded_info"),
    ("SAKTI memakai Oracle, IP server 10.12.0.5 port 1521.", "excluded_info"),
    ("Password admin server sementara kami kirim via DM.", "excluded_info"),
    ("Baik Kak, NIK 3374064508870003 sudah kami cek.", "pii:nik"),
    ("Dana ke rek Mandiri 1430012345678 sudah masuk.", "pii:account_number"),
    ("Hubungi Pak Budi di 0812-3456-7890 ya.", "pii:phone"),
    ("Kirim ke budi.santoso@gmail.com ya Kak.", "pii:email"),
    ("NIP 199003152014122001 sudah aktif.", "pii:nip"),
    ("Cek info di https://bit.ly/cekbansos ya Kak.", "link_not_allowed"),
    ("Lihat kemenkeu.go.id.evil.com/login", "link_not_allowed"),
    ("Chat kami di wa.me/6281234567890", "link_not_allowed"),
    ("Dasar goblok, baca dulu aturannya.", "abusive"),
]


@pytest.mark.parametrize(("text", "reason"), DISALLOWED)
def test_it_blocks_every_disallowed_reply(text: str, reason: str) -> None:
    for channel in ("instagram", "facebook", "youtube", "twitter"):
        verdict = GUARD.check_outbound(text, channel=channel)
        assert not verdict.ok
        assert reason in verdict.reasons


def test_it_passes_links_to_official_domains_except_on_x() -> None:
    text = "Info lengkap di https://djpb.kemenkeu.go.id/portal dan jdih.kemenkeu.go.id ya Kak."
    assert GUARD.check_outbound(text, channel="instagram") == Verdict("pass")
    assert GUARD.check_outbound("WhatsApp 0878-7711-4090 ya Kak", channel="facebook").ok
    on_x = GUARD.check_outbound(text, channel="twitter")
    assert on_x.reasons == ("link_on_x",)
    assert GUARD.check_outbound(text, channel="x").reasons == ("link_on_x",)


def test_it_lets_the_centres_own_contacts_through() -> None:
    text = "Hubungi call center 14090 atau WhatsApp +62 878-7711-4090 ya Kak."
    assert GUARD.check_outbound(text, channel="twitter").ok


def test_it_counts_length_as_each_platform_does() -> None:
    assert GUARD.weighted_length("a" * 10, "twitter") == 10
    assert GUARD.weighted_length("日本", "twitter") == 4
    assert GUARD.weighted_length("👨‍👩‍👧🇮🇩👍🏽", "twitter") == 6
    assert GUARD.weighted_length("lihat https://example.com/" + "x" * 100, "twitter") == 6 + 23
    assert GUARD.weighted_length("日本", "instagram") == 2
    assert GUARD.check_outbound("a" * 280, channel="twitter").ok
    assert GUARD.check_outbound("a" * 281, channel="twitter").reasons == ("too_long",)
    assert GUARD.check_outbound("😀" * 141, channel="twitter").reasons == ("too_long",)
    assert GUARD.check_outbound("a" * 2200, channel="instagram").ok
    assert GUARD.check_outbound("a" * 2201, channel="instagram").reasons == ("too_long",)
    assert GUARD.check_outbound("a" * 8001, channel="facebook").reasons == ("too_long",)
    assert GUARD.check_outbound("a" * 10000, channel="youtube").ok


def _x_weight_one_by_one(text: str) -> int:
    """twitter-text's weighting read code point by code point, as its rules state it."""
    def emoji_start(cp: int) -> bool:
        return 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF

    total, i = 0, 0
    while i < len(text):
        cp = ord(text[i])
        i += 1
        if emoji_start(cp):
            if 0x1F1E6 <= cp <= 0x1F1FF and i < len(text) and 0x1F1E6 <= ord(text[i]) <= 0x1F1FF:
                i += 1
            while i < len(text) and (ord(text[i]) in (0x200D, 0xFE0F, 0x20E3)
                                     or 0x1F3FB <= ord(text[i]) <= 0x1F3FF
                                     or 0xE0020 <= ord(text[i]) <= 0xE007F):
                if (ord(text[i]) == 0x200D and i + 1 < len(text)
                        and emoji_start(ord(text[i + 1]))):
                    i += 1
                i += 1
            total += 2
        elif (cp <= 0x10FF or 0x2000 <= cp <= 0x200D or 0x2010 <= cp <= 0x201F
              or 0x2032 <= cp <= 0x2037):
            total += 1
        else:
            total += 2
    return total


_X_ALPHABET = [chr(c) for c in (
    *range(32, 127), 0xE9, 0x10FF, 0x1100, 0x2000, 0x200D, 0x200E, 0x2010, 0x201F, 0x2020,
    0x2032, 0x2037, 0x2038, 0x20E3, 0xFE0F, 0x2600, 0x27BF, 0x27C0, 0x2B00, 0x2BFF, 0x3042,
    0x1F1E6, 0x1F1EE, 0x1F1FF, 0x1F3FB, 0x1F3FF, 0x1F600, 0x1F64F, 0x1FAFF, 0x1FB00, 0xE0020,
    0xE007F, 0x1F468, 0x1F469)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_X_ALPHABET), max_size=40).map("".join))
def test_x_weighting_skips_light_runs_yet_weighs_as_code_point_by_code_point(text: str) -> None:
    text = unicodedata.normalize("NFC", text)
    # A link weighs 23 whatever its length ("0.ly" is one); the reference weighs characters.
    assume(not GUARD.links(text))
    assert GUARD.weighted_length(text, "twitter") == _x_weight_one_by_one(text)


def test_it_blocks_empty_and_invisible_replies() -> None:
    for text in ("", "   ", "\u200b\u200d\u2060", "\n\t"):
        assert GUARD.check_outbound(text, channel="facebook") == Verdict("block", ("empty",))


def test_it_refuses_a_channel_it_does_not_know_rather_than_guessing_its_limits() -> None:
    assert GUARD.check_outbound("Halo Kak", channel="mastodon") == Verdict(
        "block", ("unknown_channel",))
    assert GUARD.check_outbound("Halo Kak", channel="X").passed


def test_it_fails_closed_when_something_breaks_inside(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(guard_module, "find_pii", broken)
    failed = Verdict("block", ("guard_error",))
    assert GUARD.check_outbound("Halo Kak", channel="instagram") == failed
    not_text: object = None
    assert GUARD.check_outbound(not_text, channel="x") == failed  # type: ignore[arg-type]


def test_it_fails_closed_when_its_rules_cannot_load(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    guard_module._default_guard.cache_clear()
    monkeypatch.setattr(guard_module, "default_path", lambda *_a, **_k: tmp_path / "missing.yaml")
    try:
        assert check_outbound("Halo Kak", channel="instagram") == Verdict("block", ("guard_error",))
    finally:
        guard_module._default_guard.cache_clear()


def test_it_refuses_a_broken_config(tmp_path: Path) -> None:
    data = yaml.safe_load(resources.default_path(resources.GUARD).read_text(encoding="utf-8"))
    data["outbound"]["abusive"] = ["(unclosed"]
    path = tmp_path / "guard.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(GuardConfigError, match="abusive"):
        Guard.load(path)
    data["outbound"] = {"gossip": ["x"]}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(GuardConfigError, match="gossip"):
        Guard.load(path)


INBOUND = [
    ("min menurut PMK 62 tahun 2023, kalau PPK merangkap PPSPM itu sah ga?", ["interpretation"]),
    ("pasal 5 ayat 2 itu maksudnya apa ya kak", ["interpretation"]),
    ("kami beda penafsiran di kantor soal SBM ini, mohon penegasan", ["interpretation"]),
    ("min gaji ke-13 tahun depan naik ga?", ["unregulated_policy"]),
    ("katanya tukin mau dipotong tahun depan, bener ga min?", ["unregulated_policy"]),
    ("boleh minta nota dinas internal soal blokir anggaran?", ["excluded_info"]),
    ("min bisa kasih nomor hp pribadi kepala KPPN?", ["excluded_info"]),
    ("SAKTI pake database apa & IP server nya berapa?", ["excluded_info"]),
    # Round 2 families: a conclusion to confirm, a regional "that's what it means?", a rumour
    # about working arrangements, a relative's pay, another unit's score, a list of people.
    ("jadi dana hibah itu boleh dipakai buat honor panitia kan min?", ["interpretation"]),
    ("ambo baco aturan tu, baitu maksudnyo?", ["interpretation"]),
    ("kabarnya WFH pegawai kanwil mau dihapus ya min? kapan?", ["unregulated_policy"]),
    ("min tunjangan PPPK nanti disamain sama PNS?", ["unregulated_policy"]),
    ("kakak saya PNS di Bappeda, bisa dicek gajinya udah masuk?", ["excluded_info"]),
    ("nilai IKPA dinas tetangga kami berapa min?", ["excluded_info"]),
    ("daftar penerima bantuan di desa kami bisa dibagikan?", ["excluded_info"]),
    ("min SAKTI error pas rekam SPP, gmn ya?", []),
    ("jadi ga perlu jauh-jauh ke KPPN induk lagi ya min?", []),
    ("revisi DIPA tahun ini caranya gimana?", []),
    ("makasih min, dana udah masuk 🙏", []),
]


@pytest.mark.parametrize(("text", "reasons"), INBOUND)
def test_it_recognises_requests_the_desk_must_refuse(text: str, reasons: list[str]) -> None:
    assert GUARD.check_inbound(text) == reasons


@pytest.fixture(scope="module")
def triage() -> Triage:
    return Triage.default()


def test_it_refuses_what_the_guard_flags(triage: Triage) -> None:
    result = triage.run("kak pasal 5 ayat 2 PMK itu maksudnya apa? kami beda penafsiran",
                        channel="instagram", kind="comment")
    assert result.action == "refuse"
    assert result.intent == "interpretation_request"
    assert "guard:interpretation" in result.rules


def test_it_moves_public_personal_data_to_a_private_channel(triage: Triage) -> None:
    text = "@haiDJPb min tolong cek SP2D no 250211301004587 ke rek Mandiri 1430012345678"
    public = triage.run(text, channel="twitter", kind="mention")
    assert public.action == "redirect_private"
    assert public.pii == ("account_number", "sp2d_number")
    assert {"pii:account_number", "pii:sp2d_number"} <= set(public.rules)
    private = triage.run(text, channel="twitter", kind="dm")
    assert private.action != "redirect_private"
    asked = "menurut PMK 62/2023 boleh ga TUP diSPJkan sebagian? NIK sy 3374064508870003"
    refused = triage.run(asked, channel="facebook", kind="comment")
    assert refused.action == "redirect_private"


def test_it_reports_the_fulfilment_time_of_the_item(triage: Triage) -> None:
    result = triage.run("min SAKTI error 'ORA-00001' pas simpan SPP, udh ganti browser",
                        channel="twitter", kind="mention")
    assert result.service is not None
    assert result.fulfilment_hours == triage.catalog.hours_for(result.service, result.item)
    assert result.owner_unit == triage.catalog.owner_for(result.service, result.item)


FUZZ = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(["\u200b", "\u200f", "\u202e", "\u2066", "👩🏽‍💻", "🇮🇩", "https://",
                         "bit.ly/", ".go.id", "menurut PMK ", "boleh ga", "081234567890"]),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(FUZZ, st.sampled_from(["twitter", "x", "instagram", "facebook", "youtube", "??"]))
def test_it_always_returns_a_verdict(text: str, channel: str) -> None:
    verdict = GUARD.check_outbound(text, channel=channel)
    assert isinstance(verdict, Verdict)
    assert verdict.passed == (verdict.reasons == ())
    assert "guard_error" not in verdict.reasons
    assert all(isinstance(r, str) for r in GUARD.check_inbound(text))


@settings(max_examples=10, deadline=None)
@given(st.text(min_size=1, max_size=20))
def test_it_handles_very_long_texts(chunk: str) -> None:
    text = (chunk + " menurut PMK 62/2023 Kakak boleh ") * 300
    verdict = GUARD.check_outbound(text, channel="facebook")
    assert not verdict.ok
    assert "interpretation" in verdict.reasons


@settings(max_examples=60, deadline=None)
@given(FUZZ, st.sampled_from(["twitter", "instagram", "facebook", "youtube"]),
       st.sampled_from(["mention", "comment", "reply", "dm"]))
def test_it_triages_arbitrary_text(triage: Triage, text: str, channel: str, kind: str) -> None:
    result = triage.run(text, channel=channel, kind=kind)
    assert result.action in ACTIONS
    assert 0.0 <= result.confidence <= 1.0


# -- three verdicts, whole families, fewer false alarms -------------------------------------------

FAMILIES = [
    # interpretation: agreeing with the reader's reading, conditional readings, English
    ("Betul Kak, maksud ayat itu memang uang lembur boleh dibayar untuk hari libur.",
     "interpretation"),
    ("Kalau kontraknya di bawah 200 juta, maka nggak perlu jaminan pelaksanaan ya Kak.",
     "interpretation"),
    ("Yes, under the regulation contract staff are entitled to the meal allowance.",
     "interpretation"),
    # unregulated policy: rumours, plans and leaks about pay, systems and rules
    ("Kabarnya uang makan bakal naik jadi 50 ribu, tunggu aja ya Kak.", "unregulated_policy"),
    ("Rencananya SPAN akan diganti aplikasi baru, Kak.", "unregulated_policy"),
    ("The new allowance rates will come into effect next year, it was agreed internally.",
     "unregulated_policy"),
    # excluded information: discipline, unreleased figures, others' payments, credentials
    ("Petugas itu sudah kena sanksi penurunan pangkat, Kak.", "excluded_info"),
    ("Sisa kas per hari ini 12,5 triliun, tapi belum dirilis resmi ya.", "excluded_info"),
    ("Tagihan PT Maju Jaya juga sudah cair kemarin sebesar Rp300 juta.", "excluded_info"),
    ("Token API-nya: zx81-qq93-LM2k ya Kak.", "excluded_info"),
    # abuse: lexicon words in disguise, regional words, condescension without a listed word
    ("Dasar g0bl0k, udah dijelasin masih nanya.", "abusive"),
    ("Ah, jancuuuk, salah lagi.", "abusive"),
    ("Ya ampun, k*ntol, dari tadi.", "abusive"),
    ("Masa gitu aja nggak bisa sih Kak, belajar dulu sana.", "abusive"),
    ("Try using your brain before tagging us.", "abusive"),
    # Round 2 families that block outright: discipline of staff, a lecture.
    ("Staf yang Kakak laporkan sudah dinonaktifkan sementara oleh atasannya.", "excluded_info"),
    ("Informasinya sudah dijelaskan berkali-kali di pengumuman, Kak.", "abusive"),
    ("Did you even read the pinned post before asking?", "abusive"),
    ("Pakai user operator01 dan password Satker#2026 dulu ya Kak.", "excluded_info"),
    # Round 3 families: condescension without a listed word, discipline by its letters,
    # internal set-up, lists of people handed over.
    ("Itu karena operator Kakak yang nggak becus input datanya.", "abusive"),
    ("Hal semudah ini aja masih belum paham ya Kak?", "abusive"),
    ("Please read the manual before asking us again.", "abusive"),
    ("Kalau Kakak rajin baca pengumuman, gak bakal nanya hal ini.", "abusive"),
    ("Jawabannya kayak buat anak TK aja ya Kak.", "abusive"),
    ("Seperti sudah kami jelaskan berulang kali, formulirnya ada di laman.", "abusive"),
    ("Staf loket itu sudah kami beri SP2 minggu lalu, Kak.", "excluded_info"),
    ("Sambungkan VPN kantor dulu baru buka aplikasinya, Kak.", "excluded_info"),
    ("Login pakai akun kppn\\operator.span dulu ya Kak.", "excluded_info"),
    ("Nanti kami kirimkan daftar nama penerima bantuan di desa Kakak lewat DM.", "excluded_info"),
    # Two separate grounds of one topic: a reading and its "so"; a forecast and its date.
    ("Menurut kami boleh Kak, jadi pembayarannya sudah benar.", "interpretation"),
    ("Kabarnya SAKTI segera berlaku versi baru, tukin bakal naik juga tahun anggaran depan.",
     "unregulated_policy"),
    ("Tagihan CV Sumber Air memang ditolak, vendor yang Kakak tanyakan belum dibayar.",
     "excluded_info"),
    # Grounds of different topics corroborate too: a source named internal beside a forecast.
    ("Info internal Kak: tunjangan anak akan naik tahun depan.", "excluded_info"),
    ("Santai Kak, gaji ke-13 pasti cair awal Juni kayak biasa.", "unregulated_policy"),
    ("Kak, mikir dong sebelum komen.", "abusive"),
    ("Ribet amat sih Kak, tinggal klik doang.", "abusive"),
    ("The officer you complained about got a written warning last week.", "excluded_info"),
]


@pytest.mark.parametrize(("text", "reason"), FAMILIES)
def test_it_blocks_each_family_beyond_the_listed_phrases(text: str, reason: str) -> None:
    verdict = GUARD.check_outbound(text, channel="facebook")
    assert verdict.verdict == "block"
    assert reason in verdict.reasons


UNSURE = [
    ("Sesuai ketentuan yang berlaku, satker Kakak dapat mengajukan dispensasi ke KPPN.",
     "interpretation"),
    ("Tunjangan untuk PPNPN nanti akan menyesuaikan, Kak.", "unregulated_policy"),
    ("Bu Sari sudah kami bantu, SP2D-nya tinggal menunggu.", "excluded_info"),
    # Families with no listed phrase: a bare yes before a reading of pay, a hedged reading,
    # a verdict on the reader's case, a forecast, a third party's case, a lecture.
    ("Iya Kak, honor panitia tetap dibayarkan walaupun rapatnya daring.", "interpretation"),
    ("Secara umum pegawai yang cuti di luar tanggungan negara tidak menerima tukin, Kak.",
     "interpretation"),
    ("The current rules let your unit claim both days of the trip.",
     "interpretation"),
    ("Perkiraan kami uang lembur baru cair pekan depan seperti biasa, Kak.",
     "unregulated_policy"),
    # (A plan reported with its verb, "plans to replace", blocks since round 4.)
    ("We expect a new payroll system at some point.", "unregulated_policy"),
    ("Tagihan rekanan di satker 654321 ditolak karena rekeningnya salah, Kak.", "excluded_info"),
]


@pytest.mark.parametrize(("text", "topic"), UNSURE)
def test_text_it_cannot_place_is_held_for_review_not_passed(text: str, topic: str) -> None:
    verdict = RULES_ONLY.check_outbound(text, channel="facebook")
    assert verdict.verdict == "review"
    assert verdict.ok and not verdict.passed
    assert f"unsure:{topic}" in verdict.reasons
    # The learned second opinion may only make it stricter: held, or blocked when it is sure.
    desk = GUARD.check_outbound(text, channel="facebook")
    assert not desk.passed
    assert f"unsure:{topic}" in desk.reasons or topic in desk.reasons


PROPER = [
    "Halo Kak, silakan hubungi Call Center 14090 atau e-mail hai.djpb@kemenkeu.go.id ya.",
    "Bisa juga lewat WhatsApp +62 878-7711-4090 pada jam kerja, Kak.",
    "Peraturannya dapat Kakak baca di https://jdih.setneg.go.id ya.",
    "Mohon maaf Kak, informasi yang dikecualikan tidak dapat kami sampaikan di kanal ini.",
    "Mohon maaf, kredensial dan kunci API bersifat rahasia sehingga tidak dapat kami bagikan.",
    "Sorry, we cannot interpret the regulation for a specific case; please read it on jdih.",
    "Halo Kak, kami belum memiliki informasi resmi terkait kenaikan tunjangan.",
    "Terima kasih Kak, tiket HAI-2603-00123 sudah kami teruskan ke tim SPAN.",
    # Round 3: pointers to where a rule is published, refusals in other words, the desk's own
    # next steps, an amount that is no appraisal.
    "Ketentuan mengenai uang lembur diatur dalam PMK yang dapat Kakak telusuri di JDIH ya.",
    "Aturan lengkapnya ada di PMK SBM tahun berjalan, silakan konsultasi dengan KPPN ya Kak.",
    "Regulations on per diem are published on jdih.kemenkeu.go.id for anyone to read.",
    "Kami tidak bisa menyatakan boleh atau tidak untuk kegiatan Kakak, mohon konsultasi ke KPPN.",
    "Kami akan segera berkoordinasi dengan unit terkait soal gaji Kakak yang terlambat.",
    "Isi data supplier dan nilai kontrak, 4) simpan lalu minta persetujuan PPK.",
    "Sorry, we can't advise on how the rule applies to your unit; your KPPN can help.",
    "Sorry for the trouble! Our team is checking the outage and will post an update here.",
    "Tim kami akan menelusuri dan menindaklanjutinya sesuai waktu layanan yang berlaku.",
    "Usulan video tutorial SAKTI modul pelaporan akan kami sampaikan ke tim konten.",
]


@pytest.mark.parametrize("text", PROPER)
def test_official_contacts_go_id_and_refusals_that_name_their_category_pass(text: str) -> None:
    assert RULES_ONLY.check_outbound(text, channel="facebook") == Verdict("pass")
    # The learned second opinion may hold a proper reply now and then (under 1 % of proper
    # replies from writers it never saw), but none of these is ever blocked.
    assert GUARD.check_outbound(text, channel="facebook").verdict != "block"


def test_the_centres_whatsapp_link_is_blocked_unless_an_administrator_allows_it() -> None:
    text = "Chat kami di https://wa.me/6287877114090"
    assert GUARD.check_outbound(text, channel="facebook").reasons == ("link_not_allowed",)
    data = yaml.safe_load(resources.default_path(resources.GUARD).read_text(encoding="utf-8"))
    data["allowed_link_prefixes"] = ["wa.me/6287877114090"]
    allowing = Guard.from_mapping(data, base=resources.default_path(resources.GUARD).parent)
    # Allowed, yet no go.id site: a supervisor reads it before it goes out.
    assert allowing.check_outbound(text, channel="facebook") == Verdict("review", ("unsure:link",))
    other = "Chat kami di https://wa.me/6281234567890"
    assert allowing.check_outbound(other, channel="facebook").reasons == ("link_not_allowed",)


def test_a_masked_english_insult_is_abuse() -> None:
    assert "abusive" in GUARD.check_outbound("Stop it, you id*ot.", channel="instagram").reasons


def test_the_desks_own_next_steps_are_no_forecast() -> None:
    text = "Tim SAKTI akan memproses permintaan Kakak; kami akan menindaklanjutinya besok."
    assert GUARD.check_outbound(text, channel="facebook").passed


def test_a_refusal_does_not_cover_a_disclosure_in_the_next_clause() -> None:
    text = "Mohon maaf, data itu tidak dapat kami sampaikan, tapi katanya tukin bakal naik kok."
    verdict = GUARD.check_outbound(text, channel="facebook")
    assert verdict.verdict == "block" and "unregulated_policy" in verdict.reasons


def test_another_number_is_personal_data_even_beside_the_official_one() -> None:
    text = "Hubungi 14090 atau Pak Andi di 0812-7788-9900 ya."
    assert "pii:phone" in GUARD.check_outbound(text, channel="facebook").reasons


def test_a_bare_host_with_a_path_is_a_link_whatever_its_ending() -> None:
    verdict = GUARD.check_outbound("Isi formnya di forms.gle/AbC123 ya Kak.", channel="facebook")
    assert verdict == Verdict("block", ("link_not_allowed",))
    # Initials and degrees are no hosts.
    assert GUARD.check_outbound("Narasumber: Budi, S.Kom/M.Kom.", channel="facebook").passed


def test_one_ground_for_doubt_holds_and_the_same_words_read_twice_are_still_one() -> None:
    # Two review patterns match "ketentuan ... satker Kakak dapat": one piece of evidence.
    text = "Sesuai ketentuan yang berlaku, satker Kakak dapat mengajukan dispensasi ke KPPN."
    assert RULES_ONLY.check_outbound(text, channel="facebook").verdict == "review"
    data = yaml.safe_load(resources.default_path(resources.GUARD).read_text(encoding="utf-8"))
    data["block_after_doubts"] = 0
    never = Guard.from_mapping(data, base=resources.default_path(resources.GUARD).parent)
    text = "Menurut kami boleh Kak, jadi pembayarannya sudah benar."
    assert never.check_outbound(text, channel="facebook").verdict == "review"


def test_a_bare_domain_in_brackets_is_read_without_the_bracket() -> None:
    text = "Rilis resminya ada di situs Kemenkeu (https://www.kemenkeu.go.id)."
    assert GUARD.check_outbound(text, channel="facebook").passed


def test_the_guard_command_prints_the_verdict_and_fails_on_block(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from socialdesk.cli import main

    assert main(["guard", "We expect a new payroll system at some point.",
                 "--channel", "facebook"]) == 0
    assert '"verdict": "review"' in capsys.readouterr().out
    assert main(["guard", "Dasar g0bl0k", "--channel", "facebook"]) == 1
    assert '"verdict": "block"' in capsys.readouterr().out


def test_the_abuse_lexicon_skips_ordinary_words_and_reads_disguises() -> None:
    from socialdesk.rules.abuse import AbuseLexicon

    lexicon = AbuseLexicon.from_entries(["anjing", "bego", "setan"], skip=["setan"])
    assert lexicon.find("dasar anj1ng") == ["anjing"]
    assert lexicon.find("pegawainya bego2") == ["bego"]
    assert lexicon.find("anjiiing") == ["anjing"]
    assert lexicon.find("film setan tahun 2025") == []
