from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.core import resources
from socialdesk.rules import guard as guard_module
from socialdesk.rules.assess import Triage
from socialdesk.rules.guard import Guard, GuardConfigError, check_outbound
from socialdesk.rules.types import ACTIONS, Verdict

GUARD = Guard.default()

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
    assert GUARD.check_outbound(text, channel="instagram") == Verdict(True, ())
    assert GUARD.check_outbound("WhatsApp wa.me/6287877114090", channel="facebook").ok
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


def test_it_blocks_empty_and_invisible_replies() -> None:
    for text in ("", "   ", "\u200b\u200d\u2060", "\n\t"):
        assert GUARD.check_outbound(text, channel="facebook") == Verdict(False, ("empty",))


def test_it_gives_unknown_channels_the_strictest_rules() -> None:
    assert "link_on_x" in GUARD.check_outbound("djpb.kemenkeu.go.id", channel="mastodon").reasons


def test_it_fails_closed_when_something_breaks_inside(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(guard_module, "find_pii", broken)
    assert GUARD.check_outbound("Halo Kak", channel="instagram") == Verdict(False, ("guard_error",))
    not_text: object = None
    assert GUARD.check_outbound(not_text, channel="x") == Verdict(False, ("guard_error",))  # type: ignore[arg-type]


def test_it_fails_closed_when_its_rules_cannot_load(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    guard_module._default_guard.cache_clear()
    monkeypatch.setattr(guard_module, "default_path", lambda *_a, **_k: tmp_path / "missing.yaml")
    try:
        assert check_outbound("Halo Kak", channel="instagram") == Verdict(False, ("guard_error",))
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
    ("min SAKTI error pas rekam SPP, gmn ya?", []),
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
    assert verdict.ok == (verdict.reasons == ())
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
