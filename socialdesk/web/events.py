"""Server-sent events for the queue: open queue pages are told when the queue changes.

One watcher per console process reads the queue's fingerprint (app.queue_signal) every
`every` seconds while at least one page listens, and wakes every listener when it changes;
each page then fetches its own rows (with its own filters) as it does when polling. The
watcher reads the database, not this process's memory, so changes made by the daemon or by
another console process reach every page. Pages whose stream fails fall back to polling.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import suppress

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from socialdesk.app.queue_signal import queue_fingerprint
from socialdesk.desk.context import Desk
from socialdesk.web.deps import page, signed_in

router = APIRouter(include_in_schema=False)
HEARTBEAT_SECONDS = 15.0  # a comment line, so proxies keep the stream and we see who left
RETRY_MS = 3000  # how soon a browser reconnects a dropped stream
# A stream ends after this long and the browser opens a new one: the session is checked
# again at the door, and no connection outlives a proxy's idea of a long request.
LIFETIME_SECONDS = 300.0


class QueueHub:
    """The process's one watcher of the queue, shared by every open stream."""

    def __init__(self, desk: Desk, every: float = 1.0, lifetime: float = LIFETIME_SECONDS,
                 fingerprint: Callable[[Desk], str] = queue_fingerprint) -> None:
        self.desk = desk
        self.every = every
        self.lifetime = lifetime
        self.version = 0
        self._fingerprint = fingerprint
        self._changed = asyncio.Condition()
        self._listeners = 0
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _watch(self) -> None:
        last = await anyio.to_thread.run_sync(self._fingerprint, self.desk)
        while self._listeners:
            await asyncio.sleep(self.every)
            try:
                now = await anyio.to_thread.run_sync(self._fingerprint, self.desk)
            except Exception:
                continue
            if now != last:
                last = now
                async with self._changed:
                    self.version += 1
                    self._changed.notify_all()

    def _watching(self) -> None:
        """The watcher runs (on this event loop) while anyone listens."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a server restarted in the same process (tests do)
            self._loop, self._changed, self._task = loop, asyncio.Condition(), None
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._watch())

    async def changes(self, seen: int, timeout: float) -> int:
        """The version after `seen`, or `seen` itself if nothing changed within `timeout`."""
        self._watching()
        async with self._changed:
            with suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._changed.wait_for(lambda: self.version != seen)
            return self.version

    async def stream(self, request: Request) -> AsyncIterator[str]:
        self._listeners += 1
        try:
            yield f"retry: {RETRY_MS}\n\n"
            seen = self.version
            ends = time.monotonic() + self.lifetime
            while (left := ends - time.monotonic()) > 0:
                version = await self.changes(seen, min(HEARTBEAT_SECONDS, left))
                if await request.is_disconnected():
                    return
                if version == seen:
                    # A session signed out or run out ends its stream too.
                    if await anyio.to_thread.run_sync(signed_in, request) is None:
                        return
                    yield ": still here\n\n"
                    continue
                seen = version
                yield f"event: queue\ndata: {version}\n\n"
        finally:
            self._listeners -= 1


def hub_of(request: Request) -> QueueHub:
    hub: QueueHub = request.app.state.queue_hub
    return hub


@router.get("/queue/events")
async def queue_events(request: Request) -> StreamingResponse:
    """`event: queue` whenever the queue changes; the page then fetches its rows."""
    # NeedLogin or 403 like every page; the session is read off the event loop.
    await anyio.to_thread.run_sync(page("agent"), request)
    return StreamingResponse(hub_of(request).stream(request), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
