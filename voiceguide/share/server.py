"""The share server (aiohttp): the page, the feed and the tracks, behind a secret token.

Every address starts with the token; any other is 404. Only names this module knows are
answered (the page's three files, the track list, the feed, the covers, and for each track
its MP3, transcript, chapters and cover), so no request names a file on disk: there is
nothing to list and no path to climb out of. GET and HEAD only (anything else is 405), and
nothing is ever written. Files go out with Range (206), ETag and Last-Modified, as players
seeking in a long MP3 expect (aiohttp's FileResponse).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from aiohttp import web

from voiceguide.cover import draw_cover
from voiceguide.errors import Interrupted
from voiceguide.share.feed import FEED_TITLE, podcast_feed
from voiceguide.share.library import TRACK_SUFFIX, Track, find_tracks, read_track

TOKEN_BYTES = 24
"""192 bits of randomness in every address."""
PAGE_FILES = {
    "": ("index.html", "text/html; charset=utf-8"),
    "page.js": ("page.js", "text/javascript; charset=utf-8"),
    "page.css": ("page.css", "text/css; charset=utf-8"),
}
SECURITY_HEADERS = {
    # The page and its script come from here, and nothing else is fetched.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; media-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    # The token is in the address: never send it on in a Referer.
    "Referrer-Policy": "no-referrer",
}
ACCESS_LOG_FORMAT = '%a "%r" %s %b'
SHUTDOWN_S = 1.0
"""On stopping, how long requests in progress (a phone streaming a track) may take to end."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass
class Library:
    """The tracks as they are now: looked at again for each list, so a track rendered while
    the server runs is shared too."""

    folder: Path
    names: list[str] | None = None

    def tracks(self) -> list[Track]:
        return find_tracks(self.folder, self.names)

    def track(self, name: str) -> Track | None:
        """One track by name, reading only its own file (a player asks many times while it
        seeks); None unless it is one of the shared tracks."""
        if self.names is not None and name not in self.names:
            return None
        return read_track(self.folder / f"{name}{TRACK_SUFFIX}", self.folder.resolve())


def make_app(library: Library, *, token: str, base: str) -> web.Application:
    """The application; `base` is the address every link in the feed starts with."""
    return _app(_Handler(library, token, base))


def _app(handler: _Handler) -> web.Application:
    app = web.Application(middlewares=[_security_headers])
    app.router.add_get("/{path:.*}", handler.answer)  # HEAD too; other methods get 405
    return app


@web.middleware
async def _security_headers(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as e:
        response = e
    response.headers.update(SECURITY_HEADERS)
    if isinstance(response, web.HTTPException):
        raise response
    return response


class _Handler:
    def __init__(self, library: Library, token: str, base: str) -> None:
        self.library = library
        self.token = token
        self.base = base

    async def answer(self, request: web.Request) -> web.StreamResponse:
        token, slash, rest = request.match_info["path"].partition("/")
        if not secrets.compare_digest(token.encode(), self.token.encode()):
            raise web.HTTPNotFound()
        if not slash:  # /TOKEN: the page's links are relative to /TOKEN/
            raise web.HTTPMovedPermanently(f"/{self.token}/")
        if rest in PAGE_FILES:
            name, kind = PAGE_FILES[rest]
            body = (resources.files("voiceguide.share") / "page" / name).read_bytes()
            return web.Response(body=body, headers={"Content-Type": kind, "Cache-Control": "no-cache"})
        if rest == "tracks.json":
            return web.json_response(
                [_listing(t) for t in self.library.tracks()], headers={"Cache-Control": "no-cache"}
            )
        if rest == "feed.xml":
            body = podcast_feed(self.library.tracks(), base=self.base)
            return web.Response(body=body, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
        if rest == "cover.jpg":
            titles = [t.title for t in self.library.tracks()]
            return web.Response(body=draw_cover(FEED_TITLE, titles), content_type="image/jpeg")
        if rest.startswith("tracks/"):
            return self._track_file(rest.removeprefix("tracks/"))
        raise web.HTTPNotFound()

    def _track_file(self, file: str) -> web.StreamResponse:
        for suffix, answer in (
            (".mp3.vtt", self._transcript),
            (".mp3", self._audio),
            (".chapters.json", self._chapters),
            (".jpg", self._cover),
        ):
            if file.endswith(suffix):
                track = self.library.track(file.removesuffix(suffix))
                if track is not None:
                    return answer(track)
                break
        raise web.HTTPNotFound()

    @staticmethod
    def _audio(track: Track) -> web.StreamResponse:
        return web.FileResponse(track.path, headers={"Content-Type": "audio/mpeg"})

    @staticmethod
    def _transcript(track: Track) -> web.StreamResponse:
        if track.transcript is None:
            raise web.HTTPNotFound()
        return web.FileResponse(track.transcript, headers={"Content-Type": "text/vtt; charset=utf-8"})

    @staticmethod
    def _chapters(track: Track) -> web.StreamResponse:
        return web.Response(text=track.chapters_json(), content_type="application/json+chapters")

    @staticmethod
    def _cover(track: Track) -> web.StreamResponse:
        if track.cover is not None:
            return web.Response(body=track.cover, content_type=track.cover_type)
        body = draw_cover(track.title, [c.title for c in track.chapters])
        return web.Response(body=body, content_type="image/jpeg")


def _listing(track: Track) -> dict[str, object]:
    """What the page needs of a track; its addresses are relative to the page."""
    return {
        "title": track.title,
        "duration": round(track.duration_s, 3),
        "audio": f"tracks/{track.name}.mp3",
        "transcript": f"tracks/{track.name}.mp3.vtt" if track.transcript else None,
        "cover": f"tracks/{track.name}.jpg",
        "size": track.size,
        "chapters": [{"start": round(c.start_s, 3), "title": c.title} for c in track.chapters],
    }


async def serve(
    library: Library,
    *,
    token: str,
    host: str,
    port: int,
    minutes: float,
    on_ready: Callable[[str], None],
) -> None:
    """Serve until `minutes` pass (or the task is cancelled, or Ctrl-C, which raises
    `Interrupted` once the server has stopped). `on_ready` gets the base address
    (http://HOST:PORT/TOKEN/) once the server listens.

    Ctrl-C is taken by the event loop itself while it serves: raised at an arbitrary moment,
    it could land inside a socket write, where asyncio reports it as a failed write and
    serves on."""
    access = logging.getLogger("aiohttp.access")
    if not access.handlers:
        log = logging.StreamHandler(sys.stderr)
        log.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(log)
        access.setLevel(logging.INFO)
        access.propagate = False
    handler = _Handler(library, token, base="")
    runner = web.AppRunner(
        _app(handler), access_log=access, access_log_format=ACCESS_LOG_FORMAT, shutdown_timeout=SHUTDOWN_S
    )
    await runner.setup()
    loop = asyncio.get_running_loop()
    interrupted = asyncio.Event()
    previous = signal.getsignal(signal.SIGINT)
    loop.add_signal_handler(signal.SIGINT, interrupted.set)
    try:
        await web.TCPSite(runner, host, port).start()
        bound_port = runner.addresses[0][1]  # the one chosen, if `port` was 0
        shown = f"[{host}]" if ":" in host else host
        handler.base = f"http://{shown}:{bound_port}/{token}/"
        on_ready(handler.base)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(interrupted.wait(), timeout=minutes * 60)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, previous)
        await runner.cleanup()
    if interrupted.is_set():
        raise Interrupted
