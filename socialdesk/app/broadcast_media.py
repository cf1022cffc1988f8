"""A broadcast's image: copied into the state directory's media/ folder under a name made
from its content, served by the console at GET /media/NAME, and given to Instagram at
`[broadcast] public_media_url`/NAME by the publisher (Instagram fetches the picture itself)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from socialdesk.app.views import InvalidRequest
from socialdesk.core.settings import Settings

# Instagram's content publishing takes JPEG images of at most 8 MB.
MAX_BYTES = 8 * 1024 * 1024
JPEG_MAGIC = b"\xff\xd8\xff"
# The only names the folder holds and the console serves: no path, no dot files.
NAME = re.compile(r"[0-9a-f]{32}\.jpg")


def media_dir(settings: Settings) -> Path:
    return settings.state_dir / "media"


def store_image(settings: Settings, source: str | Path) -> str:
    """Copy the image at `source` into the media folder; returns its name there."""
    path = Path(source).expanduser()
    if NAME.fullmatch(str(source)) and (media_dir(settings) / str(source)).is_file():
        return str(source)  # already stored (a draft checked again at approval)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidRequest(f"cannot read the image {str(path)!r}: {exc.strerror}") from None
    if not data.startswith(JPEG_MAGIC):
        raise InvalidRequest(f"{path.name} is not a JPEG image (Instagram publishes JPEG)")
    if len(data) > MAX_BYTES:
        raise InvalidRequest(f"{path.name} is {len(data) // 1024} KB; Instagram takes at "
                             f"most {MAX_BYTES // (1024 * 1024)} MB")
    name = hashlib.sha256(data).hexdigest()[:32] + ".jpg"
    folder = media_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        partial = folder / f".{name}.part"
        partial.write_bytes(data)
        partial.replace(target)  # never a half-written file at the public name
    return name


def media_file(settings: Settings, name: str) -> Path | None:
    """The stored file of `name`, or None for any other name (the console's /media route)."""
    if not NAME.fullmatch(name):
        return None
    path = media_dir(settings) / name
    return path if path.is_file() else None


__all__ = ["MAX_BYTES", "media_dir", "media_file", "store_image"]
