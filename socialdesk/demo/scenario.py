"""The built-in demo scenario: a working day and evening at HAI-DJPb on four simulated
accounts. Written for the demo; the people, numbers and tickets are made up (the NIK,
account and phone numbers only look valid)."""

from __future__ import annotations

import base64
import random
from datetime import timedelta

from socialdesk.connectors.sandbox_network import (
    Scenario,
    ScenarioAccount,
    ScenarioFault,
    ScenarioMessage,
)

ACCOUNTS = (
    ScenarioAccount("demo-x", "x", "haiDJPb"),
    ScenarioAccount("demo-ig", "instagram", "hai.djpb"),
    ScenarioAccount("demo-fb", "facebook", "hai.djpb"),
    ScenarioAccount("demo-yt", "youtube", "HAI-DJPB"),
)

# (account, stream, kind, author, minutes after 08:00 WIB, text)
SCRIPT: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("demo-x", "mentions", "mention", "bendahara_rina", 2,
     "@haiDJPb selamat pagi min, semangat pelayanannya hari ini"),
    ("demo-x", "mentions", "mention", "satker_kupang", 9,
     "@haiDJPb min, SP2D kami tanggal 3 kok belum cair ya? nomor SPM 00123/2026 mohon dicek"),
    ("demo-ig", "comments", "comment", "dewi.ppk", 14,
     "Kak, aplikasi SAKTI modul komitmen error terus pas rekam kontrak, muncul 'data "
     "supplier tidak valid'. Gimana solusinya?"),
    ("demo-fb", "comments", "comment", "Agus Setiawan", 21,
     "Mohon info cara daftar supplier baru di SAKTI untuk vendor perorangan"),
    ("demo-yt", "comments", "comment", "Operator Satker Bantul", 27,
     "Terima kasih tutorialnya min, sangat membantu untuk revisi DIPA"),
    ("demo-x", "dms", "dm", "pak_hendra_bpp", 33,
     "Halo min, saya mau tanya status tiket HAI-2026-004512, sudah seminggu belum ada kabar"),
    ("demo-ig", "comments", "comment", "fajar_keuangan", 38,
     "Min tolong cek rekening saya BRI 0123-01-000456-50-7 a.n. Fajar Nugraha, gaji belum "
     "masuk. NIK 3174052308900012"),
    ("demo-fb", "dms", "dm", "Siti Rahmawati", 44,
     "Selamat pagi, bagaimana cara reset password SPAN? Akun saya terkunci sejak kemarin"),
    ("demo-x", "mentions", "mention", "kppn_watch", 51,
     "@haiDJPb menurut PMK 62/2023 pasal 47, boleh nggak tagihan langsung dibayar tanpa "
     "BAST? Tolong tafsirkan min"),
    ("demo-yt", "comments", "comment", "Rudi Hartono", 58,
     "Kapan tunjangan kinerja naik lagi? Katanya tahun depan ada kebijakan baru ya?"),
    ("demo-ig", "mentions", "mention", "berita.keuangan.id", 63,
     "Rapat koordinasi pelaksanaan anggaran bersama @hai.djpb hari ini di Jakarta"),
    ("demo-fb", "comments", "comment", "Bambang Wijaya", 70,
     "Pelayanan KPPN lambat sekali!! Sudah 3 hari SPM ditolak tanpa alasan jelas. Kecewa."),
    ("demo-x", "mentions", "mention", "slot_gacor_88", 74,
     "@haiDJPb JP maxwin hari ini!! daftar sekarang bonus 100% link di bio"),
    ("demo-x", "dms", "dm", "bendahara_rina", 81,
     "Min, kemarin sudah saya kirim ADK revisi DIPA lewat portal, tiketnya HAI-2026-004390"),
    ("demo-ig", "dms", "dm", "nur.aini.ppspm", 88,
     "Kak mau tanya, tanda tangan elektronik di SAKTI untuk PPSPM kok gagal terus ya"),
    ("demo-fb", "comments", "reply", "Agus Setiawan", 95,
     "Sudah saya coba tapi NPWP vendornya ditolak sistem, gimana ya?"),
    ("demo-yt", "comments", "comment", "Lina Marlina", 102,
     "Min boleh minta data realisasi belanja per satker se-Jawa Timur yang belum dipublikasi?"),
    ("demo-x", "mentions", "mention", "anon_marah", 110,
     "@haiDJPb dasar pegawai makan gaji buta, kerja ga becus semua"),
    ("demo-ig", "comments", "comment", "yusuf.bendahara", 118,
     "Halo min, SP2D LS gaji bulan ini nomornya 260071302000123 sudah terbit belum?"),
    ("demo-fb", "dms", "dm", "Dedi Kurniawan", 125,
     "Pak, nomor HP saya 0812-3456-7890, tolong telepon saya soal retur SP2D"),
    ("demo-x", "mentions", "mention", "satker_kupang", 133,
     "@haiDJPb terima kasih min, SP2D sudah cair barusan"),
    ("demo-yt", "comments", "comment", "Kreator Tutorial", 140,
     "Subscribe channel saya juga ya kak, konten keuangan setiap hari"),
    ("demo-ig", "comments", "comment", "maya.spm", 147,
     "Apakah ada rencana DJPb menghapus kewajiban upload kontrak di SAKTI tahun depan?"),
    ("demo-fb", "comments", "comment", "Putri Lestari", 155,
     "Min, cara cetak Kartu Kredit Pemerintah limit di aplikasi gimana ya?"),
    ("demo-x", "dms", "dm", "pak_hendra_bpp", 162,
     "Min, tiket HAI-2026-004512 gimana? Mohon segera, sudah ditagih vendor"),
    ("demo-ig", "mentions", "mention", "komunitas.bendahara", 170,
     "Temu bendahara bareng @hai.djpb hari ini, seru banget!"),
    ("demo-fb", "comments", "comment", "Hendro Saputro", 178,
     "Tolong jelaskan maksud pasal 10 Perdirjen PER-1/PB/2026, apakah berlaku juga untuk BLU?"),
    ("demo-yt", "comments", "reply", "Operator Satker Bantul", 186,
     "Min, kalau revisi DIPA halaman III juga pakai cara yang sama?"),
    ("demo-x", "mentions", "mention", "info_treasury", 194,
     "@haiDJPb min, jadwal pengajuan SPM akhir tahun anggaran sudah keluar belum?"),
    ("demo-ig", "comments", "comment", "rizky_ppk", 201,
     "Selamat siang kak, MonSAKTI nggak bisa dibuka dari tadi pagi, ada gangguan?"),
    ("demo-fb", "dms", "dm", "Siti Rahmawati", 209,
     "Terima kasih, akun SPAN saya sudah bisa dipakai lagi"),
    ("demo-yt", "comments", "comment", "Ahmad Fauzi", 216,
     "Bagaimana cara mengajukan Uang Persediaan (UP) tunai untuk satker baru?"),
    ("demo-x", "mentions", "mention", "warga_kepo", 224,
     "@haiDJPb min bocorin dong isi memo internal soal mutasi pegawai KPPN"),
    ("demo-ig", "comments", "comment", "bendahara.desa", 232,
     "Kak, saya transfer dari rekening BNI 1234567890 tapi belum masuk ke kas negara, "
     "NTPN belum keluar"),
    ("demo-fb", "comments", "comment", "Promo Pinjol Cepat", 240,
     "Butuh dana cepat? Pinjaman tanpa jaminan cair 5 menit, WA 0857-1111-2222"),
    ("demo-x", "dms", "dm", "bendahara_rina", 251,
     "Halo"),
    ("demo-yt", "comments", "comment", "Sri Wahyuni", 262,
     "Videonya jelas sekali, terima kasih HAI-DJPB"),
    ("demo-ig", "dms", "dm", "nur.aini.ppspm", 275,
     "Sertifikat elektronik saya sudah kedaluwarsa kak, perpanjangnya lewat mana?"),
    ("demo-fb", "comments", "comment", "Bambang Wijaya", 290,
     "Sudah ditelpon KPPN, masalah selesai. Terima kasih responnya."),
    ("demo-x", "mentions", "mention", "satker_sorong", 310,
     "@haiDJPb siang min, konfirmasi setoran penerimaan negara di MPN G3 gagal terus"),
    ("demo-x", "mentions", "mention", "pegawai_resah", 495,
     "@haiDJPb malam min, kenapa gaji ke-13 belum cair? ada info?"),
    ("demo-ig", "comments", "comment", "dinda.keu", 530,
     "Kak, malam-malam gini masih ada yang bales nggak? Mau tanya soal LPJ bendahara"),
    ("demo-fb", "dms", "dm", "Yohanes Manek", 575,
     "Selamat malam, saya dari satker di NTT, akun SAKTI operator kami belum aktif. "
     "NIK 5371021507850003"),
    ("demo-yt", "comments", "comment", "Dimas Pratama", 610,
     "Min kapan ada video tutorial rekonsiliasi di SAKTI?"),
    ("demo-x", "dms", "dm", "warga_kepo", 660,
     "Min kasih tau dong besaran anggaran rahasia untuk operasi khusus"),
    ("demo-ig", "comments", "comment", "judi.online.vip", 720,
     "Situs slot paling gacor, depo 10rb WD jutaan, cek bio!"),
    ("demo-fb", "comments", "comment", "Rina Kartika", 780,
     "Selamat malam, apakah besok Jumat layanan HAI-DJPb tetap buka?"),
)


# The broadcast's picture (Instagram publishes only media): a 32x32 JPEG in the desk's blue.
BROADCAST_IMAGE = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AAB"
    "AAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFla"
    "AAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAA"
    "AChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1"
    "AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBh"
    "cmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAc"
    "AEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDABQODxIPDRQSEBIXFRQYHjIhHhwcHj0sLiQySUBM"
    "S0dARkVQWnNiUFVtVkVGZIhlbXd7gYKBTmCNl4x9lnN+gXz/2wBDARUXFx4aHjshITt8U0ZTfHx8fHx8fHx8fHx8"
    "fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHz/wAARCAAgACADASIAAhEBAxEB/8QAFQABAQAA"
    "AAAAAAAAAAAAAAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAAAAT/xAAUEQEA"
    "AAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCOArSgAAAAAP/Z"
)


def demo_scenario(seed: int = 0) -> Scenario:
    """The demo day. `seed` moves each message by up to two minutes, keeping their order,
    so repeated demos differ a little without changing the story."""
    rng = random.Random(seed)
    messages = []
    for index, (account, stream, kind, author, minutes, text) in enumerate(SCRIPT, 1):
        jitter = rng.uniform(0, 2) if seed else 0.0
        thread = _thread(index, account, kind)
        messages.append(ScenarioMessage(
            account=account, stream=stream, kind=kind, author_handle=author, text=text,
            offset=timedelta(minutes=minutes + jitter), platform_id=f"{account}-{index:04d}",
            conversation_id=thread or f"{account}-{index:04d}", in_reply_to=thread or None,
        ))
    # One broken item of its own on Instagram at 10:15: the page around it is kept and the
    # skip is shown, at any speed, and no real message is lost to it.
    messages.append(ScenarioMessage(
        account="demo-ig", stream="comments", kind="comment", author_handle="broken.item",
        text="", offset=timedelta(minutes=135), platform_id="demo-ig-broken", malformed=True))
    messages.sort(key=lambda m: m.offset)
    faults = (
        ScenarioFault("demo-x", "rate_limit", stream="mentions", count=1, retry_after=90),
    )
    return Scenario(ACCOUNTS, tuple(messages), faults)


def _thread(index: int, account: str, kind: str) -> str:
    """A `reply` answers the same author's earlier comment on that account."""
    if kind != "reply":
        return ""
    author = SCRIPT[index - 1][3]
    for earlier in range(index - 1, 0, -1):
        row = SCRIPT[earlier - 1]
        if row[0] == account and row[3] == author and row[2] == "comment":
            return f"{account}-{earlier:04d}"
    return ""
