"""The share server (aiohttp): the page, the feed and the tracks, behind a secret token.

Every address starts with the token; any other is 404. Only names this module knows are
answered (the page's three files, the track list, the feed, the covers, and for each track
its MP3, transcript, chapters and cover), so no request names a path on disk: there is
nothing to list and no path to climb out of. GET and HEAD only (anything else is 405), and
nothing is ever written. Files go out from the handle that was checked (see library.py),
with Range (206, or 416 for a range outside the file), ETag and Last-Modified, as players
seeking in a long MP3 expect.

Against clients that hold connections open (a "slowloris", or one that asks for a track and
never reads it): a connection must send a whole request within `REQUEST_WAIT_S` of opening,
each carries one request, a response its client has read nothing of for `STALL_LIMIT_S` is
closed, and connections are capped (by the process's file limit). At the cap, a new one
displaces the oldest that has not yet asked for anything, or else the one whose client has
read nothing for longest, so a real client always gets in.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import errno
import functools
import hashlib
import logging
import os
import re
import resource
import secrets
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from voiceguide.errors import Interrupted, UsageError, printable
from voiceguide.languages import page_words_script
from voiceguide.share.feed import feed_title, podcast_feed
from voiceguide.share.library import (
    CHAPTERS_SUFFIX,
    COVER_SUFFIX,
    FILE_SUFFIXES,
    PICTURE_SUFFIX,
    TRACK_SUFFIX,
    TRANSCRIPT_SUFFIX,
    Library,
    OpenFile,
    picture_suffix,
)
from voiceguide.share.network import share_address

PAGE_FILES = {
    "": ("index.html", "text/html; charset=utf-8"),
    "page.js": ("page.js", "text/javascript; charset=utf-8"),
    "page.css": ("page.css", "text/css; charset=utf-8"),
}
SITE = {"mode": "share", "feed": "feed.xml", "listed": False}
"""site.json: the page works here while sharing runs, and offers the feed to keep the tracks."""
SECURITY_HEADERS = {
    # The page and its script come from here, and nothing else is fetched.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; media-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    # The token is in the address: never send it on in a Referer.
    "Referrer-Policy": "no-referrer",
}
SHUTDOWN_S = 1.0
"""On stopping, how long requests in progress (a phone streaming a track) may take to end."""
REQUEST_WAIT_S = 10.0
"""A connection that has not sent a whole request this long after opening is closed."""
STALL_LIMIT_S = 600.0
"""A response whose client has taken nothing for this long is closed. A phone's player stops
reading while its buffer is full, or the patient has paused (at 64 kb/s Chrome can read
nothing for over two minutes in ordinary playback); it asks again, with a Range, when it
needs more. Ten minutes frees what a gone client holds; at the cap, the longest unread goes
first anyway."""
SWEEP_S = 10.0
"""How often open connections are looked at for a client that has stopped reading."""
MAX_CONNECTIONS = 512
RESERVED_FILES = 64
"""File handles kept free of connections: the tracks being served, logs, the runtime's own."""
CHUNK = 1 << 16
"""Bytes read and sent at a time from a track."""


def connection_limit() -> int:
    """How many connections may be open at once, within the process's file limit: each may
    hold a track open too, and the event loop accepts as many again in one go (the listen
    backlog) before the gate can close those it turns away."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(4, min(MAX_CONNECTIONS, (soft - RESERVED_FILES) // 3))


def raise_file_limit() -> None:
    """Let the process open as many files as the system allows it (the soft limit is often
    1024 while the hard one is far higher): more room for connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, 65536), hard))


@dataclass
class _Connection:
    asked: bool = False
    """Whether it has sent a whole request."""
    stalled_since: float | None = None
    """When its client stopped taking what is sent, if it has: the transport's buffer filled
    (asyncio paused writing), or the sweep found bytes waiting that had not gone down."""
    waiting: int = 0
    """Bytes waiting to be sent at the last sweep."""


class ConnectionGate:
    """Caps the open connections. At the cap, a new connection displaces the oldest one that
    has not yet sent a whole request, or else the one whose client has taken nothing for
    longest; if every one is being read, the new one is closed at once. `close_stalled`
    closes responses nobody has read for `STALL_LIMIT_S`."""

    def __init__(
        self,
        limit: int,
        factory: Callable[[], asyncio.Protocol] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.factory = factory
        """Makes the protocol for each connection admitted (aiohttp's server)."""
        self.limit = limit
        self.clock = clock
        self._open: dict[asyncio.BaseTransport, _Connection] = {}
        """Open connections, oldest first."""

    def __call__(self) -> asyncio.Protocol:
        assert self.factory is not None
        return _GatedProtocol(self, self.factory())

    def admit(self, transport: asyncio.BaseTransport) -> bool:
        if len(self._open) >= self.limit:
            victim = self._displaceable()
            if victim is None:
                transport.abort()  # type: ignore[attr-defined]
                return False
            del self._open[victim]
            victim.abort()  # type: ignore[attr-defined]
        self._open[transport] = _Connection()
        return True

    def _displaceable(self) -> asyncio.BaseTransport | None:
        idle = next((t for t, c in self._open.items() if not c.asked), None)
        if idle is not None:
            return idle
        stalled = [(c.stalled_since, t) for t, c in self._open.items() if c.stalled_since is not None]
        return min(stalled, key=lambda pair: pair[0])[1] if stalled else None

    def asked(self, transport: asyncio.BaseTransport | None) -> None:
        if transport in self._open:
            self._open[transport].asked = True

    def stalled(self, transport: asyncio.BaseTransport) -> None:
        if transport in self._open:
            self._open[transport].stalled_since = self.clock()

    def flowing(self, transport: asyncio.BaseTransport) -> None:
        if transport in self._open:
            self._open[transport].stalled_since = None

    def gone(self, transport: asyncio.BaseTransport) -> None:
        self._open.pop(transport, None)

    def close_stalled(self) -> int:
        """Look at every connection: one with bytes waiting that have not gone down since the
        last look counts as stalled (below asyncio's high-water mark, or closing with its last
        bytes unsent, it is never paused); close each stalled for `STALL_LIMIT_S`. How many."""
        now = self.clock()
        for transport, connection in self._open.items():
            waiting = transport.get_write_buffer_size()  # type: ignore[attr-defined]
            if waiting == 0 or waiting < connection.waiting:
                connection.stalled_since = None  # all sent, or the client is reading
            elif connection.stalled_since is None and connection.waiting > 0:
                connection.stalled_since = now
            connection.waiting = waiting
        limit = now - STALL_LIMIT_S
        stale = [t for t, c in self._open.items() if c.stalled_since is not None and c.stalled_since <= limit]
        for transport in stale:
            del self._open[transport]
            transport.abort()  # type: ignore[attr-defined]
        return len(stale)

    async def keep_closing_stalled(self) -> None:
        """`close_stalled` every `SWEEP_S`, until cancelled."""
        while True:
            await asyncio.sleep(SWEEP_S)
            self.close_stalled()

    @property
    def open_connections(self) -> int:
        return len(self._open)


class _GatedProtocol(asyncio.Protocol):
    """aiohttp's protocol for one connection, behind the gate."""

    def __init__(self, gate: ConnectionGate, inner: asyncio.Protocol) -> None:
        self.gate = gate
        self.inner = inner
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.gate.admit(transport):
            self.transport = transport
            self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.transport is not None:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.transport is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.gate.gone(self.transport)
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self.transport is not None:
            self.gate.stalled(self.transport)
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.transport is not None:
            self.gate.flowing(self.transport)
            self.inner.resume_writing()


class _AccessLog(AbstractAccessLogger):
    """One line per request: who, what (the token left out), the status and bytes sent."""

    token = ""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = _masked(request.path, self.token)  # wherever it is: "//TOKEN/", "/TOKEN/../TOKEN/"
        shown = printable(path[:200])
        version = f"{request.version.major}.{request.version.minor}"
        self.logger.info(
            '%s "%s %s HTTP/%s" %s %s',
            request.remote,
            request.method,
            shown,
            version,
            response.status,
            response.body_length,
        )


def _app(handler: _Handler, gate: ConnectionGate) -> web.Application:
    @web.middleware
    async def one_request_each(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        gate.asked(request.transport)
        try:
            response = await handler(request)
        except web.HTTPException as e:
            response = e
        response.headers.update(SECURITY_HEADERS)
        response.force_close()  # one request per connection: an idle one cannot be kept
        if isinstance(response, web.HTTPException):
            raise response
        return response

    app = web.Application(middlewares=[one_request_each])
    app.router.add_get("/{path:[\\s\\S]*}", handler.answer)  # HEAD too; other methods get 405
    return app


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
        if rest == "words.js":
            headers = {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache"}
            return web.Response(text=page_words_script(), headers=headers)
        if rest == "site.json":  # the page's way to know it came from `share` (see publish.py)
            return web.json_response(SITE, headers={"Cache-Control": "no-cache"})
        if rest in PAGE_FILES:
            name, kind = PAGE_FILES[rest]
            body = (resources.files("voiceguide.share") / "page" / name).read_bytes()
            return web.Response(body=body, headers={"Content-Type": kind, "Cache-Control": "no-cache"})
        if rest == "tracks.json":
            tracks = await asyncio.to_thread(self.library.tracks)
            return web.json_response([t.listing() for t in tracks], headers={"Cache-Control": "no-cache"})
        if rest == "feed.xml":
            tracks = await asyncio.to_thread(self.library.tracks)
            body = podcast_feed(tracks, base=self.base)
            return web.Response(body=body, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
        if rest == "cover.jpg":
            tracks = await asyncio.to_thread(self.library.tracks)
            cover = await asyncio.to_thread(_drawn_cover, feed_title(tracks), tuple(t.title for t in tracks))
            return web.Response(body=cover, content_type="image/jpeg")
        if rest.startswith("tracks/"):
            return await self._track_file(request, rest.removeprefix("tracks/"))
        raise web.HTTPNotFound()

    async def _track_file(self, request: web.Request, file: str) -> web.StreamResponse:
        picture = PICTURE_SUFFIX.search(file)
        if picture is not None:
            return await self._chapter_picture(request, file[: picture.start()], int(picture.group(1)), file)
        suffix = next((s for s in FILE_SUFFIXES if file.endswith(s)), None)
        if suffix is None:
            raise web.HTTPNotFound()
        name = file.removesuffix(suffix)
        if suffix in (TRACK_SUFFIX, TRANSCRIPT_SUFFIX):
            kind = "audio/mpeg" if suffix == TRACK_SUFFIX else "text/vtt; charset=utf-8"
            with self.library.open(name, suffix) as opened:
                if opened is None:
                    raise web.HTTPNotFound()
                return await send_file(request, opened, kind)
        track = await asyncio.to_thread(self.library.track, name)
        if track is None:
            raise web.HTTPNotFound()
        if suffix == CHAPTERS_SUFFIX:
            return web.Response(text=track.chapters_json(base=self.base), content_type="application/json+chapters")
        assert suffix == COVER_SUFFIX
        if track.cover is not None:
            return web.Response(body=track.cover, content_type=track.cover_type)
        cover = await asyncio.to_thread(_drawn_cover, track.title, tuple(c.title for c in track.chapters))
        return web.Response(body=cover, content_type="image/jpeg")

    async def _chapter_picture(self, request: web.Request, name: str, index: int, file: str) -> web.Response:
        track = await asyncio.to_thread(self.library.track, name)
        if track is None or index >= len(track.chapters) or track.chapters[index].picture is None:
            raise web.HTTPNotFound()
        if not file.endswith(picture_suffix(index, track.chapters[index].picture_type)):
            raise web.HTTPNotFound()  # .jpg for a PNG: not its address
        chapter = track.chapters[index]
        assert chapter.picture is not None
        etag = f'"{hashlib.sha256(chapter.picture).hexdigest()[:32]}"'
        headers = {"ETag": etag, "Cache-Control": "no-cache"}  # asked again each time, sent again only if changed
        if etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        return web.Response(body=chapter.picture, content_type=chapter.picture_type, headers=headers)


@functools.lru_cache(maxsize=32)
def _drawn_cover(title: str, sections: tuple[str, ...]) -> bytes:
    """A cover drawn once per title and sections, not once per request."""
    from voiceguide.render.cover import draw_cover

    return draw_cover(title, list(sections))


_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")
"""ASCII digits only (\\d takes Arabic-Indic ones too)."""


class _Unsatisfiable(Exception):
    pass


BEYOND_ANY_FILE = 10**18


def _range_number(digits: str) -> int:
    """A Range number as its digits say, leading zeros and all; one with more digits than any
    file's size has is beyond the file (it was cut to its first 20 digits: a range past the end
    was served from elsewhere)."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else BEYOND_ANY_FILE


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range [start, end) a Range header asks for, or None to send the whole file (no
    header, or one this server does not take: several ranges, or not well formed, which RFC
    9110 lets a server ignore). Raises _Unsatisfiable for a range wholly outside the file, or
    an empty one (`bytes=-0`)."""
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        suffix = _range_number(last)
        if suffix == 0:
            raise _Unsatisfiable
        return max(0, size - suffix), size
    start = _range_number(first)
    if start >= size:
        raise _Unsatisfiable
    end = size + 1 if last == "" else _range_number(last) + 1
    if end <= start:
        return None  # last before first: not well formed
    return start, min(end, size)


async def send_file(request: web.Request, opened: OpenFile, content_type: str) -> web.StreamResponse:
    """Send an open file, whole or the range asked for, with its validators."""
    headers = {
        "Content-Type": content_type,
        "Accept-Ranges": "bytes",
        "ETag": opened.etag,
        "Last-Modified": email.utils.formatdate(opened.modified, usegmt=True),
        "Cache-Control": "no-cache",
    }
    if opened.etag in {tag.strip().removeprefix("W/") for tag in request.headers.get("If-None-Match", "").split(",")}:
        return web.Response(status=304, headers=headers)
    start, end, status = 0, opened.size, 200
    if_range = request.headers.get("If-Range")
    if if_range is None or if_range.strip() == opened.etag:
        try:
            wanted = byte_range(request.headers.get("Range"), opened.size)
        except _Unsatisfiable:
            return web.Response(status=416, headers={**headers, "Content-Range": f"bytes */{opened.size}"})
        if wanted is not None:
            (start, end), status = wanted, 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{opened.size}"
    response = web.StreamResponse(status=status, headers=headers)
    response.content_length = end - start
    await response.prepare(request)
    if request.method != "HEAD":
        offset = start
        while offset < end:
            chunk = os.pread(opened.fd, min(CHUNK, end - offset), offset)
            if not chunk:  # the file shrank under us: end short, the client sees it
                break
            await response.write(chunk)
            offset += len(chunk)
    await response.write_eof()
    return response


def _masked(text: str, token: str) -> str:
    return text.replace(token, "<token>") if token else text


class _OneLine(logging.Formatter):
    """aiohttp's own reports (a handler that failed) as one line, the token left out; what a
    client sent that is not HTTP (HTTP/9.9, bare line feeds, an 8 kB header) is not reported
    here at all: the access log's line for its 400 says it, once."""

    def __init__(self, token: str) -> None:
        super().__init__("%(message)s")
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            text += f": {type(error).__name__}: {error}"
        return "voiceguide: share: " + _masked(" ".join(text.split()), self.token)[:300]


def _not_http(record: logging.LogRecord) -> bool:
    """Keep a record unless it is about a request that was not HTTP, or a client that went away
    while it was sent a file (a player seeking drops one request for another): the client's
    doing, and the access log's line says it once."""
    from aiohttp.http_exceptions import HttpProcessingError

    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, HttpProcessingError | ConnectionError)


def _quiet_aiohttp(token: str) -> None:
    """aiohttp's loggers, each report one line without the token (they printed a traceback per
    malformed request, the request line and the token in it)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine(token))
    handler.addFilter(_not_http)
    for name in ("aiohttp.server", "aiohttp.web", "aiohttp.internal", "aiohttp.access"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False


def _access_logger() -> logging.Logger:
    access = logging.getLogger("voiceguide.share.access")
    if not access.handlers:
        log = logging.StreamHandler(sys.stderr)
        log.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(log)
        access.setLevel(logging.INFO)
        access.propagate = False
    return access


async def serve(
    library: Library,
    *,
    token: str,
    host: str,
    port: int,
    minutes: float,
    on_ready: Callable[[str], None],
    shown_host: str | None = None,
) -> None:
    """Serve until `minutes` pass (or the task is cancelled, or Ctrl-C, which raises
    `Interrupted` once the server has stopped). `on_ready` gets the base address
    (http://HOST:PORT/TOKEN/, with `shown_host` if given) once the server listens.

    Ctrl-C is taken by the event loop itself while it serves: raised at an arbitrary moment,
    it could land inside a socket write, where asyncio reports it as a failed write and
    serves on."""
    raise_file_limit()
    _quiet_aiohttp(token)
    handler = _Handler(library, token, base="")
    gate = ConnectionGate(connection_limit())
    runner = web.AppRunner(
        _app(handler, gate),
        access_log=_access_logger(),
        access_log_class=type("AccessLog", (_AccessLog,), {"token": token}),
        shutdown_timeout=SHUTDOWN_S,
        # A connection that has sent no whole request this long after opening is closed.
        keepalive_timeout=REQUEST_WAIT_S,
    )
    await runner.setup()
    gate.factory = runner.server
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(_quiet_when_out_of_handles)
    interrupted = asyncio.Event()
    previous = signal.getsignal(signal.SIGINT)
    loop.add_signal_handler(signal.SIGINT, interrupted.set)
    server: asyncio.Server | None = None
    sweeper = asyncio.create_task(gate.keep_closing_stalled())
    try:
        # The backlog is also how many connections asyncio accepts at a time: no more than the
        # gate can hold, so a burst of them never runs the process out of file handles.
        server = await loop.create_server(gate, host, port, backlog=gate.limit)
        bound_port = server.sockets[0].getsockname()[1]  # the one chosen, if `port` was 0
        shown = shown_host or host
        handler.base = share_address(shown, bound_port, token)
        on_ready(handler.base)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(interrupted.wait(), timeout=minutes * 60)
    finally:
        sweeper.cancel()
        loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, previous)
        if server is not None:
            server.close()
        await runner.cleanup()
        library.close()
    if interrupted.is_set():
        raise Interrupted


def _quiet_when_out_of_handles(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Running out of file handles under a flood of connections is handled (asyncio stops
    accepting for a second, and the gate sheds the idle): not a traceback on the user's
    terminal. Anything else is reported as asyncio would."""
    error = context.get("exception")
    if isinstance(error, OSError) and error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
        return
    loop.default_exception_handler(context)


def share_until_stopped(
    library: Library,
    *,
    host: str | None,
    port: int,
    minutes: float,
    on_ready: Callable[[str], None],
    on_no_network: Callable[[], None] = lambda: None,
) -> None:
    """`voiceguide share`: serve `library` on `host` (default: this computer's address on
    its network; `on_no_network` is told if there is none) until `minutes` pass or Ctrl-C.
    An address or port that cannot be used is a one-line UsageError."""
    from voiceguide.share.network import listen_address, saved_token

    address, shown = listen_address(host)
    if host is None and shown == "127.0.0.1":
        on_no_network()
    try:
        asyncio.run(
            serve(
                library,
                token=saved_token(),
                host=address,
                port=port,
                minutes=minutes,
                on_ready=on_ready,
                shown_host=shown,
            )
        )
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            raise UsageError(f"port {port} on {address} is taken or not allowed; choose another with --port") from None
        if e.errno in (errno.EADDRNOTAVAIL, errno.EINVAL):
            raise UsageError(f"{address} is not an address this computer can listen on; leave out --host") from None
        raise
