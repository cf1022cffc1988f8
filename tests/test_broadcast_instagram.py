"""Broadcasts to Instagram: the image copied into the desk's media folder, served at
/media/NAME, published through a media container at [broadcast] public_media_url."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from socialdesk.app import broadcasts
from socialdesk.app.broadcast_media import media_dir
from socialdesk.app.users import add_user
from socialdesk.app.views import InvalidRequest
from socialdesk.core.settings import BroadcastSettings
from socialdesk.desk import outbox, publish
from socialdesk.web.app import create_app
from tests.desk_helpers import START, Rig, make_rig

TEXT = "Layanan HAI-DJPb tutup pada 25 Desember 2026 dan buka kembali 28 Desember 2026."
PUBLIC = "https://desk.example.go.id/media"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4


def _rig(engine: Engine, tmp_path: Path, public: str) -> Rig:
    rig = make_rig(engine, tmp_path, now=START + timedelta(minutes=30))
    rig.desk.settings = replace(rig.desk.settings, state_dir=tmp_path / "state",
                                broadcast=BroadcastSettings(public))
    for name, role in (("andi", "agent"), ("sari", "supervisor")):
        add_user(rig.desk, name, "kata-sandi-panjang", role=role, actor="admin")
    return rig


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    return _rig(engine, tmp_path, PUBLIC)


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "libur-natal.jpg"
    path.write_bytes(JPEG)
    return path


def _run(rig: Rig) -> None:
    for _ in range(3):
        publish.run_once(rig.desk)
        outbox.run_once(rig.desk)


def test_it_publishes_to_three_accounts_instagram_through_a_container(rig: Rig,
                                                                      image: Path) -> None:
    drafted = broadcasts.draft(rig.desk, text=TEXT, accounts=("sb-x", "sb-ig", "sb-fb"),
                               actor="andi", image=str(image))
    name = drafted.broadcast.image
    assert name is not None and (media_dir(rig.desk.settings) / name).read_bytes() == JPEG
    broadcasts.approve(rig.desk, drafted.broadcast.id, actor="sari")
    _run(rig)
    sends = [(s.account, s.action, s.target_id) for s in rig.network.replies()]
    container = next(s for s in rig.network.replies() if s.action == "container")
    assert (container.account, container.target_id) == ("sb-ig", f"{PUBLIC}/{name}")
    assert ("sb-ig", "post", container.platform_id) in sends
    assert sorted(a for a, action, _ in sends if action == "post") == ["sb-fb", "sb-ig", "sb-x"]
    view = broadcasts.get(rig.desk, drafted.broadcast.id)
    assert view.state == "published" and all(t.state == "sent" for t in view.targets)


def test_without_a_public_media_address_approval_says_why_instagram_cannot_publish(
        engine: Engine, tmp_path: Path, image: Path) -> None:
    rig = _rig(engine, tmp_path, "")
    (fit,) = broadcasts.check(rig.desk, TEXT, ("sb-ig",), image=str(image))
    assert any("public_media_url" in p for p in fit.problems)
    with pytest.raises(InvalidRequest, match="public_media_url"):
        broadcasts.draft(rig.desk, text=TEXT, accounts=("sb-ig",), actor="andi",
                         image=str(image))


def test_a_setting_removed_after_approval_fails_only_the_instagram_target(
        rig: Rig, image: Path) -> None:
    drafted = broadcasts.draft(rig.desk, text=TEXT, accounts=("sb-ig", "sb-fb"), actor="andi",
                               image=str(image))
    broadcasts.approve(rig.desk, drafted.broadcast.id, actor="sari")
    rig.desk.settings = replace(rig.desk.settings, broadcast=BroadcastSettings(""))
    _run(rig)
    view = broadcasts.get(rig.desk, drafted.broadcast.id)
    ig = next(t for t in view.targets if t.account == "sb-ig")
    assert ig.state == "failed" and "public_media_url" in (ig.error or "")
    assert [s.account for s in rig.network.replies() if s.action == "post"] == ["sb-fb"]


def test_only_a_jpeg_is_taken(rig: Rig, tmp_path: Path) -> None:
    png = tmp_path / "x.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(InvalidRequest, match="not a JPEG"):
        broadcasts.draft(rig.desk, text=TEXT, accounts=("sb-ig",), actor="andi",
                         image=str(png))


def test_the_console_serves_stored_images_and_nothing_else(rig: Rig, image: Path,
                                                           tmp_path: Path) -> None:
    drafted = broadcasts.draft(rig.desk, text=TEXT, accounts=("sb-ig",), actor="andi",
                               image=str(image))
    (tmp_path / "state" / "socialdesk.toml").write_text("secret = 1")
    with TestClient(create_app(rig.desk)) as client:
        got = client.get(f"/media/{drafted.broadcast.image}")  # no sign-in: Instagram
        assert got.status_code == 200 and got.content == JPEG
        assert got.headers["content-type"] == "image/jpeg"
        for name in ("..%2Fsocialdesk.toml", "socialdesk.toml", "0" * 32 + ".jpg",
                     f".{drafted.broadcast.image}.part"):
            assert client.get(f"/media/{name}").status_code == 404
