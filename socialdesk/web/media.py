"""GET /media/NAME: broadcast images, public (Instagram fetches them to publish), only the
stored files of the desk's media folder and only names of the form the desk gives them."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from socialdesk.app.broadcast_media import media_file
from socialdesk.web.deps import desk_of

router = APIRouter(include_in_schema=False)


@router.get("/media/{name}")
def media(request: Request, name: str) -> FileResponse:
    path = media_file(desk_of(request).settings, name)
    if path is None:
        raise HTTPException(status_code=404, detail="no such image")
    return FileResponse(path, media_type="image/jpeg",
                        headers={"Cache-Control": "public, max-age=86400"})
