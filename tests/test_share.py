"""`voiceguide share`: a real server on 127.0.0.1, a real HTTP client, the feed parsed with
feedparser, the security rules, and the page in a real browser (Debian's Chromium)."""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import queue
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_render import SHORT, chapter_pictures_in

from audio_tools import probe
from conftest import needs_audio_tools

pytestmark = needs_audio_tools
PODCAST = "{https://podcastindex.org/namespace/1.0}"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_WAIT_MS = 60_000
"""The most a browser step may take on a loaded 2-core machine: a bound against hanging.
Playwright's own 5 s for an `expect` is a speed test there."""


@dataclass
class Sharing:
    process: subprocess.Popen[str]
    page: str
    feed: str
    folder: Path
    stdout: list[str]
    stderr: queue.Queue[str]

    @property
    def token(self) -> str:
        return urlsplit(self.page).path.strip("/")

    def raw(self, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """A request with the path sent exactly as given (no client-side clean-up)."""
        parts = urlsplit(self.page)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get(self, url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(url, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def launch_player_browser(playwright):  # type: ignore[no-untyped-def]
    """Debian's Chromium, headless, allowed to play sound without a tap (muted)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--autoplay-policy=no-user-gesture-required", "--mute-audio"],
        timeout=BROWSER_WAIT_MS,
    )


def bare(address: str) -> str:
    """A track file's address without its version (`?v=...`)."""
    return address.split("?v=")[0]


def _lines(stream, sink: queue.Queue[str]) -> None:  # type: ignore[no-untyped-def]
    for line in stream:
        sink.put(line.rstrip("\n"))


def start_sharing(
    work: Path, *args: str, data_home: Path
) -> tuple[subprocess.Popen[str], queue.Queue[str], queue.Queue[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "share", *args],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "XDG_DATA_HOME": str(data_home)},
    )
    out: queue.Queue[str] = queue.Queue()
    err: queue.Queue[str] = queue.Queue()
    for stream, sink in ((process.stdout, out), (process.stderr, err)):
        threading.Thread(target=_lines, args=(stream, sink), daemon=True).start()
    return process, out, err


def read_until(lines: queue.Queue[str], done, timeout: float = 180) -> list[str]:  # type: ignore[no-untyped-def]
    """Lines until `done(lines so far)` holds (bounded)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while not done(seen):
        left = deadline - time.monotonic()
        assert left > 0, f"gave up waiting; so far: {seen}"
        try:
            seen.append(lines.get(timeout=left))
        except queue.Empty:
            continue
    return seen


@pytest.fixture(scope="module")
def sharing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sharing]:
    work = tmp_path_factory.mktemp("share")
    routine = work / "short.yaml"
    routine.write_text(SHORT)
    process, out, err = start_sharing(
        work, str(routine), "--host", "127.0.0.1", "--port", "0", "--minutes", "20", data_home=work / "data"
    )
    try:
        # The two addresses, then the QR code (its last row is all upper half blocks).
        lines = read_until(out, lambda seen: bool(seen) and set(seen[-1]) == {"▀"})
        page, feed = [line for line in lines if line.startswith("http://")]
        read_until(err, lambda seen: any(s.startswith("Sharing 1 routine") for s in seen))
        yield Sharing(process, page, feed, work / "audio_out", lines, err)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(60)
    assert process.returncode == 130  # Ctrl-C ends sharing as it ends everything


def test_share_renders_what_is_missing_and_prints_two_addresses(sharing: Sharing) -> None:
    assert (sharing.folder / "short.mp3").is_file() and (sharing.folder / "short.mp3.vtt").is_file()
    assert sharing.feed == sharing.page + "feed.xml"
    assert len(sharing.token) >= 22  # at least 128 bits, URL-safe base64
    parts = urlsplit(sharing.page)
    assert parts.hostname == "127.0.0.1" and parts.port and parts.path == f"/{sharing.token}/"


def test_the_qr_code_printed_is_the_pages(sharing: Sharing) -> None:
    import io

    import segno

    expected = io.StringIO()
    segno.make(sharing.page, error="m").terminal(out=expected, compact=True, border=2)
    printed = "\n".join(sharing.stdout)
    assert expected.getvalue().strip() in printed


def test_the_page_and_its_files_are_served_with_safe_headers(sharing: Sharing) -> None:
    status, headers, body = sharing.get(sharing.page)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b'src="page.js"' in body and b"http" not in body.replace(b'name="viewport"', b"")
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer" and headers["x-content-type-options"] == "nosniff"
    for name, kind in (("page.js", "text/javascript"), ("page.css", "text/css"), ("words.js", "text/javascript")):
        status, headers, body = sharing.get(sharing.page + name)
        assert status == 200 and headers["content-type"].startswith(kind) and body
    # The page's words come from the language packs the live view's do: each language's, and a region's own.
    from voiceguide.languages import packs

    words = json.loads(sharing.get(sharing.page + "words.js")[2].decode().removeprefix("const WORDS = ").rstrip(";\n"))
    regions = {code for pack in packs().values() for code, region in pack.regions.items() if region.screen}
    assert (
        set(words) == set(packs()) | regions
        and "pt-br" in regions
        and words["de"]["play"] == "Abspielen"
        and words["de"]["left"] == "noch {n} s"
    )
    status, _, body = sharing.get(sharing.page + "tracks.json")
    (track,) = json.loads(body)
    assert track["title"] == "Short test routine" and bare(track["audio"]) == "tracks/short.mp3"
    assert track["chapters"][0]["title"] == "Introduction"
    pictures = [c["picture"] for c in track["chapters"]]
    assert [bare(p).rsplit(".", 1)[0] for p in pictures] == [f"tracks/short.chapter-{i}" for i in range(5)]
    assert all(p.endswith(f"?v={track['audio'].split('?v=')[1]}") for p in pictures)  # a new render, new addresses
    for picture in pictures:  # named as its type, so a plain web host serves it right too
        kind = {"png": "image/png", "jpg": "image/jpeg"}[bare(picture).rsplit(".", 1)[1]]
        assert sharing.get(sharing.page + picture)[1]["content-type"] == kind
        other = bare(picture)[:-3] + ("jpg" if kind == "image/png" else "png")
        assert sharing.get(sharing.page + other)[0] == 404
    assert sharing.get(sharing.page + "tracks/short.chapter-5.png")[0] == 404  # there are five
    site = json.loads(sharing.get(sharing.page + "site.json")[2])
    assert site == {"mode": "share", "feed": "feed.xml", "listed": False}


def test_a_track_whose_holds_tag_is_no_number_leaves_the_listing_readable(sharing: Sharing, tmp_path: Path) -> None:
    """A crafted holds tag (NaN and Infinity, which JSON cannot carry) put NaN into tracks.json:
    the page's JSON.parse failed and it listed nothing for any track."""
    from mutagen.id3 import ID3, TXXX

    from voiceguide.render.names import HOLDS_KEY
    from voiceguide.share.library import Library

    for crafted in ("[[NaN, 1], [Infinity, 2], [3, 4]]", "[[5, 1]]", "[" * 100_000, '[["a", 1]]'):
        shutil.copy(sharing.folder / "short.mp3", tmp_path / "crafted.mp3")
        shutil.copy(sharing.folder / "short.mp3", tmp_path / "good.mp3")
        tags = ID3(tmp_path / "crafted.mp3")
        tags.add(TXXX(encoding=3, desc=HOLDS_KEY, text=crafted))
        tags.save(tmp_path / "crafted.mp3")
        library = Library(tmp_path)
        try:
            listing = {t.name: t.listing() for t in library.tracks()}
        finally:
            library.close()
        json.dumps(listing, allow_nan=False)  # what a browser's JSON.parse takes
        assert listing["crafted"]["holds"] == [], crafted  # unreadable: no countdown, nothing else lost
        titles = [[c["title"] for c in listing[name]["chapters"]] for name in ("crafted", "good")]
        assert listing["good"]["holds"] and titles[0] == titles[1]


def test_malformed_requests_log_one_line_each_and_never_the_token(sharing: Sharing) -> None:
    """HTTP/9.9, bare line feeds and an 8 kB header printed a traceback each (the request line,
    token and all, in it), with no token needed; and only a leading token was masked."""
    parts = urlsplit(sharing.page)
    token = sharing.token
    sent = [
        f"GET /{token}/ HTTP/9.9\r\nHost: a\r\n\r\n",
        f"GET /{token}/x HTTP/1.1\nHost: a\n\n",
        f"GET /{token}/ HTTP/1.1\r\nHost: a\r\nX: {'a' * 9000}\r\n\r\n",
        f"GET //{token}/ HTTP/1.1\r\nHost: a\r\n\r\n",
        f"GET /{token}/../{token}/ HTTP/1.1\r\nHost: a\r\n\r\n",
    ]
    while not sharing.stderr.empty():  # what earlier tests logged
        sharing.stderr.get_nowait()
    for raw in sent:
        with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
            connection.sendall(raw.encode())
            connection.recv(65536)  # its answer: the request has been handled, and logged
    sharing.get(sharing.page + "tracks.json?done")  # a last one, to know the log has caught up
    logged = read_until(sharing.stderr, lambda seen: any("tracks.json" in line for line in seen), timeout=60)
    assert len(logged) == len(sent) + 1, logged  # one line each
    assert not any(token in line or "Traceback" in line for line in logged), logged
    assert [line.split('" ')[-1].split()[0] for line in logged[: len(sent)]] == ["400", "400", "400", "404", "404"]


def test_the_feed_has_every_episode_with_enclosure_chapters_and_transcript(sharing: Sharing) -> None:
    import feedparser

    status, headers, body = sharing.get(sharing.feed)
    assert status == 200 and headers["content-type"].startswith("application/rss+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.bozo_exception
    (entry,) = feed.entries
    mp3 = sharing.folder / "short.mp3"
    (enclosure,) = entry.enclosures
    assert enclosure.type == "audio/mpeg" and int(enclosure.length) == mp3.stat().st_size
    info = probe(mp3)
    assert abs(int(entry.itunes_duration) - float(info["format"]["duration"])) <= 1
    # The whole file, then a stretch of it by Range, as a phone seeking in it asks.
    status, headers, whole = sharing.get(enclosure.href)
    assert status == 200 and whole == mp3.read_bytes() and headers["content-type"] == "audio/mpeg"
    assert headers["accept-ranges"] == "bytes" and headers["etag"] and headers["last-modified"]
    status, headers, part = sharing.get(enclosure.href, {"Range": "bytes=1000-4999"})
    assert status == 206 and part == whole[1000:5000]
    assert headers["content-range"] == f"bytes 1000-4999/{len(whole)}"
    status, headers, _ = sharing.get(enclosure.href, {"If-None-Match": headers["etag"]})
    assert status == 304
    # podcast:chapters and podcast:transcript (read from the XML: feedparser skips them).
    item = ET.fromstring(body).find("channel/item")
    assert item is not None
    chapters_at = item.find(f"{PODCAST}chapters")
    transcript_at = item.find(f"{PODCAST}transcript")
    assert chapters_at is not None and chapters_at.get("type") == "application/json+chapters"
    assert transcript_at is not None and transcript_at.get("type") == "text/vtt"
    status, headers, chapters = sharing.get(chapters_at.get("url", ""))
    assert status == 200 and headers["content-type"].startswith("application/json+chapters")
    listed = json.loads(chapters)
    assert listed["version"] == "1.2.0"
    in_file = [(round(float(c["start_time"]), 3), c["tags"]["title"]) for c in info["chapters"]]
    assert [(c["startTime"], c["title"]) for c in listed["chapters"]] == in_file
    # Each chapter's picture, at an absolute address (the token in it), is the one in the MP3.
    for chapter, (_, kind, picture) in zip(listed["chapters"], chapter_pictures_in(mp3), strict=True):
        assert chapter["img"].startswith(sharing.page)
        status, headers, served = sharing.get(chapter["img"])
        assert status == 200 and headers["content-type"] == kind and served == picture
        assert sharing.get(chapter["img"], {"If-None-Match": headers["etag"]})[0] == 304
    status, headers, transcript = sharing.get(transcript_at.get("url", ""))
    assert status == 200 and headers["content-type"].startswith("text/vtt")
    assert transcript == (sharing.folder / "short.mp3.vtt").read_bytes()
    status, headers, cover = sharing.get(sharing.page + "tracks/short.jpg")
    assert status == 200 and headers["content-type"] == "image/jpeg" and cover[:2] == b"\xff\xd8"


def test_head_answers_without_a_body(sharing: Sharing) -> None:
    status, headers, body = sharing.raw("HEAD", f"/{sharing.token}/tracks/short.mp3")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == (sharing.folder / "short.mp3").stat().st_size


def test_a_wrong_or_missing_token_is_404(sharing: Sharing) -> None:
    wrong = sharing.token[:-1] + ("A" if sharing.token[-1] != "A" else "B")
    for path in (
        "/",
        f"/{wrong}/",
        f"/{wrong}/feed.xml",
        f"/{wrong}/tracks/short.mp3",
        "/feed.xml",
        "/tracks/short.mp3",
    ):
        status, _, body = sharing.raw("GET", path)
        assert status == 404, path
        assert b"short" not in body


def test_only_the_shared_files_are_served(sharing: Sharing, tmp_path: Path) -> None:
    token = sharing.token
    # A track whose file sits outside the folder, linked into it, is not one of its tracks.
    outside = tmp_path / "outside.mp3"
    shutil.copy(sharing.folder / "short.mp3", outside)
    link = sharing.folder / "linked.mp3"
    link.symlink_to(outside)
    try:
        attempts = [
            f"/{token}/tracks/",
            f"/{token}/tracks/linked.mp3",
            f"/{token}/tracks/../../../../etc/passwd",
            f"/{token}/tracks/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            f"/{token}/%2e%2e/%2e%2e/etc/passwd",
            f"/{token}/tracks/..%2f..%2f..%2fetc%2fpasswd",
            f"/{token}/tracks/%2fetc%2fpasswd",
            f"/{token}//etc/passwd",
            f"/{token}/tracks/short.yaml",
            f"/{token}/tracks/short.mp3.lrc",
            f"/{token}/index.html",
            f"/{token}/page/../server.py",
        ]
        for path in attempts:
            status, _, body = sharing.raw("GET", path)
            assert status == 404, path
            assert b"root:" not in body
        _, _, listing = sharing.get(sharing.page + "tracks.json")
        assert [bare(t["audio"]) for t in json.loads(listing)] == ["tracks/short.mp3"]
    finally:
        link.unlink()


def test_other_methods_are_405_and_nothing_is_written(sharing: Sharing) -> None:
    before = sorted((p.name, p.stat().st_mtime_ns) for p in sharing.folder.iterdir())
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for path in (f"/{sharing.token}/", f"/{sharing.token}/tracks/short.mp3", f"/{sharing.token}/new.mp3"):
            status, headers, _ = sharing.raw(method, path, {"Content-Length": "0"})
            assert status == 405, (method, path)
            assert set(headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    assert sorted((p.name, p.stat().st_mtime_ns) for p in sharing.folder.iterdir()) == before


def test_each_request_is_one_line_on_stderr_without_the_token(sharing: Sharing) -> None:
    sharing.get(sharing.feed)
    sharing.raw("GET", f"/{sharing.token}/tracks/x%0Ay.mp3")  # a line break in the path stays in its line
    done = '"GET /<token>/tracks/x\\x0ay.mp3 HTTP/1.1" 404'
    lines = read_until(sharing.stderr, lambda seen: any(done in s for s in seen), timeout=30)
    assert any('"GET /<token>/feed.xml HTTP/1.1" 200' in line for line in lines)
    assert all(line.count('"') == 2 for line in lines if "HTTP/1.1" in line)
    assert not any(sharing.token in line for line in lines)  # the secret is never written down


def test_it_listens_on_the_lan_address_and_stops_by_itself_after_its_minutes(tmp_path: Path) -> None:
    from voiceguide.share.network import lan_address

    routine = tmp_path / "short.yaml"
    routine.write_text(SHORT)
    # No --host: it picks this computer's address on its network (no request is sent to it
    # here; the tests talk to 127.0.0.1 only).
    process, out, err = start_sharing(
        tmp_path, str(routine), "--port", "0", "--minutes", "0.05", data_home=tmp_path / "d"
    )
    try:
        process.wait(240)  # rendering, then 3 s of sharing: bounded, not timed
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    page = next(
        line for line in read_until(out, lambda seen: bool(seen) and set(seen[-1]) == {"▀"}, 10) if "://" in line
    )
    assert urlsplit(page).hostname == lan_address() not in ("0.0.0.0", "", "::")
    lines = read_until(err, lambda seen: any(s.startswith("Stopped sharing after 0.05 minutes") for s in seen), 10)
    assert not any("Traceback" in line for line in lines)


def test_the_token_is_kept_so_a_subscription_keeps_working(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide.share.network import saved_token, token_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    first = saved_token()
    assert saved_token() == first and len(first) >= 32
    assert token_path().stat().st_mode & 0o077 == 0  # readable by you alone


def tiny_mp3(path: Path, title: str = "Tiny") -> Path:
    """A one-second MP3 made by ffmpeg, titled `title`."""
    command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
    subprocess.run([*command, "-metadata", f"title={title}", str(path)], check=True, timeout=60)
    return path


def share_error(tmp_path: Path, *args: str) -> list[str]:
    """`voiceguide share ARGS` that must fail at once as bad input: its stderr lines."""
    process = subprocess.run(
        [sys.executable, "-m", "voiceguide", "share", "--port", "0", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 2, process.stderr
    return process.stderr.strip().splitlines()


def test_nothing_to_share_is_one_line(tmp_path: Path) -> None:
    assert share_error(tmp_path, "--host", "127.0.0.1") == [
        "voiceguide: error: audio_out: no such folder; render a routine first (voiceguide render back-pain)"
    ]
    (tmp_path / "audio_out").mkdir()
    assert share_error(tmp_path, "--host", "127.0.0.1") == [
        "voiceguide: error: audio_out: no rendered routines to share; "
        "name one (voiceguide share back-pain) or render one first"
    ]


def test_a_host_that_cannot_be_listened_on_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "audio_out").mkdir()
    tiny_mp3(tmp_path / "audio_out" / "tiny.mp3")
    (line,) = share_error(tmp_path, "--host", "no.such.host.invalid")
    assert line.startswith("voiceguide: error: --host no.such.host.invalid: no such address or name here")
    for address in ("fe80::1", "192.0.2.1"):  # link-local without its interface; not this computer's
        (line,) = share_error(tmp_path, "--host", address)
        assert line == f"voiceguide: error: {address} is not an address this computer can listen on; leave out --host"


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="needs chromium (make test)")
def test_the_page_in_a_phone_sized_browser_plays_and_follows_chapters(sharing: Sharing, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_WAIT_MS)

    track = json.loads(sharing.get(sharing.page + "tracks.json")[2])[0]
    vtt = (sharing.folder / "short.mp3.vtt").read_text()
    cues = _cues(vtt)
    with sync_playwright() as playwright:
        browser = launch_player_browser(playwright)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            page.set_default_timeout(BROWSER_WAIT_MS)
            page.goto(sharing.page)
            expect(page.locator("#tracks .track")).to_have_count(1)
            expect(page.locator("#tracks .track")).to_contain_text("Short test routine")
            expect(page.locator("#title")).to_have_text("Short test routine")
            expect(page.locator("#chapters .chapter")).to_have_count(len(track["chapters"]))
            expect(page.locator("#instruction")).to_have_text(cues[0][1])
            page.locator("#audio").evaluate("a => { a.muted = true; }")
            page.locator("#play").click()
            # Playing: the clock moves on (the page runs under its own CSP, so no eval here).
            expect(page.locator("#position")).not_to_have_text("0:00", timeout=30_000)
            expect(page.locator("#play")).to_have_text("Pause")
            page.locator("#play").click()  # paused: what follows does not race the clock
            expect(page.locator("#play")).to_have_text("Play")
            # Tap the third chapter: the audio moves there and the instruction with it.
            third = track["chapters"][2]
            page.locator("#chapters .chapter").nth(2).click()
            # At a chapter's start the chapter's own first words show, not the last ones before it.
            said = next(text for start, text in cues if start >= third["start"] - 0.001)
            expect(page.locator("#instruction")).to_have_text(said)
            at = page.locator("#audio").evaluate("a => a.currentTime")
            assert abs(at - third["start"]) <= 0.01
            expect(page.locator("#chapters .chapter").nth(2)).to_have_class("chapter current")
            # The picture of where to press is that chapter's, drawn, large, above the instruction.
            picture = page.locator("#picture")
            expect(picture).to_be_visible()
            expect(picture).to_have_attribute("src", third["picture"])
            expect(picture).to_have_attribute("alt", f"Where to press: {third['title']}")
            page.wait_for_function("() => document.getElementById('picture').naturalWidth > 0")
            shown, said_box = picture.bounding_box(), page.locator("#instruction").bounding_box()
            assert shown and said_box and shown["y"] + shown["height"] <= said_box["y"] + 1
            assert shown["width"] >= 300  # most of a phone's width
            # The lock screen's title, and the chapter's picture as its artwork.
            metadata = "navigator.mediaSession.metadata"
            session = page.evaluate(f"() => ({{title: {metadata}.title, art: {metadata}.artwork[0].src}})")
            assert session["title"] == "Short test routine" and session["art"].endswith(third["picture"])
            page.screenshot(path=str(tmp_path / "share-page.png"), full_page=False)
            assert (tmp_path / "share-page.png").stat().st_size > 10_000
            href = page.locator("#download").get_attribute("href")
            assert bare(href) == "tracks/short.mp3"
            assert page.locator("#download").get_attribute("download") == "short.mp3"
        finally:
            browser.close()


def _cues(vtt: str) -> list[tuple[float, str]]:
    found = []
    for block in vtt.split("\n\n"):
        lines = block.strip().splitlines()
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        h, m, s = lines[timing].split("-->")[0].strip().split(":")
        found.append((int(h) * 3600 + int(m) * 60 + float(s), " ".join(lines[timing + 1 :]).strip()))
    return found


@pytest.fixture
def shared_folder(tmp_path: Path) -> Iterator[tuple[Path, Callable[..., Sharing]]]:
    """A folder of tiny tracks, and a way to share it (with any extra options and limits)."""
    folder = tmp_path / "audio_out"
    folder.mkdir()
    tiny_mp3(folder / "tiny.mp3")
    started: list[subprocess.Popen[str]] = []

    def share(*args: str, file_limit: int | None = None) -> Sharing:
        limit = None if file_limit is None else lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (file_limit,) * 2)
        process = subprocess.Popen(
            [sys.executable, "-m", "voiceguide", "share", "--port", "0", "--minutes", "10", *args],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")},
            preexec_fn=limit,
        )
        started.append(process)
        out: queue.Queue[str] = queue.Queue()
        err: queue.Queue[str] = queue.Queue()
        for stream, sink in ((process.stdout, out), (process.stderr, err)):
            threading.Thread(target=_lines, args=(stream, sink), daemon=True).start()
        lines = read_until(out, lambda seen: bool(seen) and set(seen[-1]) == {"▀"}, 60)
        page, feed = [line for line in lines if line.startswith("http://")]
        return Sharing(process, page, feed, folder, lines, err)

    try:
        yield folder, share
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                process.wait(30)


def drain(lines: queue.Queue[str]) -> list[str]:
    drained = []
    while True:
        try:
            drained.append(lines.get_nowait())
        except queue.Empty:
            return drained


@pytest.mark.slow  # waits out the server's limit for an unfinished request
def test_half_open_connections_cannot_lock_out_a_real_client(shared_folder) -> None:  # type: ignore[no-untyped-def]
    folder, share = shared_folder
    sharing = share("--host", "127.0.0.1", file_limit=256)  # room for 96 connections
    parts = urlsplit(sharing.page)
    held: list[socket.socket] = []
    try:
        for _ in range(1000):  # ten times what it can hold: half a request line each, then nothing
            s = socket.create_connection((parts.hostname, parts.port), timeout=60)
            s.sendall(b"GET /TeNc-")
            held.append(s)
        for attempt in range(3):  # a real client, while they are held
            status, _, body = sharing.get(sharing.page + "tracks/tiny.mp3")
            assert status == 200 and body == (folder / "tiny.mp3").read_bytes(), attempt
        # Each half-open connection is closed by the server, displaced or after its wait.
        for s in held:
            s.settimeout(60)
            with contextlib.suppress(ConnectionResetError):  # closed, the hard way
                assert s.recv(1) == b""
    finally:
        for s in held:
            s.close()
    log = drain(sharing.stderr)
    assert not any("Traceback" in line or "Too many open files" in line for line in log), log[:20]
    assert len(log) < 50, log[:50]  # a line per real request, not a flood


def big_mp3(path: Path) -> Path:
    """An MP3 of 12 MB, more than a connection's buffers hold (the kernel's send buffer grows to
    4 MB here): five minutes of noise at 320 kb/s."""
    command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "anoisesrc=duration=300:seed=1"]
    subprocess.run([*command, "-b:a", "320k", "-metadata", "title=Big", str(path)], check=True, timeout=120)
    return path


def fetch_when_let_in(sharing: Sharing, url: str, within_s: float = 60) -> tuple[int, bytes]:
    """GET `url`, trying again while the server turns the connection away, for up to `within_s`."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            status, _, body = sharing.get(url)
            return status, body
        except (ConnectionError, urllib.error.URLError, http.client.HTTPException):
            if time.monotonic() > deadline:
                raise


def answered_or_closed(sockets: list[socket.socket], within_s: float) -> None:
    """Wait until the server has sent something on each socket, or closed it."""
    waiting = set(sockets)
    deadline = time.monotonic() + within_s
    with selectors.DefaultSelector() as selector:
        for s in waiting:
            selector.register(s, selectors.EVENT_READ)
        while waiting:
            left = deadline - time.monotonic()
            assert left > 0, f"{len(waiting)} connections neither answered nor closed"
            for key, _ in selector.select(timeout=left):
                selector.unregister(key.fileobj)
                waiting.discard(key.fileobj)  # type: ignore[arg-type]


@pytest.mark.slow
def test_clients_that_ask_for_a_track_and_never_read_it_cannot_lock_out_a_real_one(shared_folder) -> None:  # type: ignore[no-untyped-def]
    folder, share = shared_folder
    big = big_mp3(folder / "big.mp3")
    sharing = share("--host", "127.0.0.1", file_limit=256)  # room for 64 connections
    parts = urlsplit(sharing.page)
    request = f"GET /{sharing.token}/tracks/big.mp3 HTTP/1.1\r\nHost: phone\r\n\r\n".encode()
    held: list[socket.socket] = []
    try:
        for _ in range(150):  # more than it can hold: each asks for the track, then reads nothing
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.settimeout(60)
            with contextlib.suppress(ConnectionError):  # turned away: the gate is full of readers
                s.connect((parts.hostname, parts.port))
                s.sendall(request)
            held.append(s)
        answered_or_closed(held, within_s=60)  # every one it kept has been sent its track's start
        for attempt in range(3):  # a real client, while they hold on
            status, body = fetch_when_let_in(sharing, sharing.page + "tracks/tiny.mp3")
            assert status == 200 and body == (folder / "tiny.mp3").read_bytes(), attempt
        status, body = fetch_when_let_in(sharing, sharing.page)
        assert status == 200 and b"<html" in body.lower()
    finally:
        for s in held:
            s.close()
    assert big.stat().st_size > 10_000_000
    log = drain(sharing.stderr)
    assert not any("Traceback" in line or "Too many open files" in line for line in log), log[:20]
    assert not any(sharing.token in line for line in log)


class _FakeTransport:
    def __init__(self) -> None:
        self.aborted = False
        self.waiting = 0

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return self.waiting


def test_the_gate_sheds_the_idle_then_the_longest_unread_and_closes_what_nobody_reads() -> None:
    from voiceguide.share.server import STALL_LIMIT_S, ConnectionGate

    now = [0.0]
    gate = ConnectionGate(limit=3, clock=lambda: now[0])
    a, b, c, d, e, f = (_FakeTransport() for _ in range(6))
    for t in (a, b, c):
        assert gate.admit(t)  # type: ignore[arg-type]
    gate.asked(a)  # type: ignore[arg-type]
    gate.asked(c)  # type: ignore[arg-type]
    assert gate.admit(d) and b.aborted  # type: ignore[arg-type]  # b had asked for nothing
    gate.asked(d)  # type: ignore[arg-type]
    assert not gate.admit(e) and e.aborted  # type: ignore[arg-type]  # all three are being read
    gate.stalled(c)  # type: ignore[arg-type]
    now[0] = 5.0
    gate.stalled(a)  # type: ignore[arg-type]
    gate.flowing(c)  # type: ignore[arg-type]  # c's client read again: a is now the slowest
    assert gate.admit(f) and a.aborted and not c.aborted  # type: ignore[arg-type]
    gate.asked(f)  # type: ignore[arg-type]
    d.waiting = 70_000  # past asyncio's high-water mark: paused
    gate.stalled(d)  # type: ignore[arg-type]
    now[0] = 5.0 + STALL_LIMIT_S - 1
    assert gate.close_stalled() == 0 and not d.aborted
    now[0] = 5.0 + STALL_LIMIT_S
    assert gate.close_stalled() == 1 and d.aborted and gate.open_connections == 2


def test_the_gate_finds_a_client_that_stopped_reading_below_the_high_water_mark() -> None:
    """asyncio pauses writing only past 64 KiB waiting: a response that ends with 30 kB unsent
    (its transport closing, waiting for the client) was never paused, and never shed."""
    from voiceguide.share.server import STALL_LIMIT_S, ConnectionGate

    now = [0.0]
    gate = ConnectionGate(limit=2, clock=lambda: now[0])
    reading, stuck, newcomer = _FakeTransport(), _FakeTransport(), _FakeTransport()
    for t in (reading, stuck):
        assert gate.admit(t)  # type: ignore[arg-type]
        gate.asked(t)  # type: ignore[arg-type]
    reading.waiting, stuck.waiting = 50_000, 30_000
    gate.close_stalled()  # first look: bytes waiting
    now[0] = 10.0
    reading.waiting = 20_000  # its client took some
    gate.close_stalled()  # second look: the stuck one has not gone down
    assert gate.admit(newcomer) and stuck.aborted and not reading.aborted  # type: ignore[arg-type]
    gate.asked(newcomer)  # type: ignore[arg-type]
    newcomer.waiting = 1_000
    gate.close_stalled()
    now[0] = 20.0
    gate.close_stalled()  # stalled since 20 s
    now[0] = 20.0 + STALL_LIMIT_S
    reading.waiting = 0  # all sent
    assert gate.close_stalled() == 1 and newcomer.aborted and not reading.aborted


def test_a_track_swapped_for_a_link_is_never_served_from_outside(shared_folder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder, share = shared_folder
    track = folder / "tiny.mp3"
    real = track.read_bytes()
    secret = tmp_path / "secret.mp3"
    secret.write_bytes(b"SECRET" * 1000)
    os.link(secret, folder / "hard.mp3")  # a hard link to a file outside: two names, not served
    sharing = share("--host", "127.0.0.1")
    assert sharing.get(sharing.page + "tracks/hard.mp3")[0] == 404
    # Swap the track for a symbolic link to the secret and back, as fast as can be, while
    # it is asked for: each answer is the track or a 404, never the secret.
    link, moved = folder / ".link", folder / ".real"
    link.symlink_to(secret)
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            os.rename(track, moved)
            os.symlink(secret, track)
            os.unlink(track)
            os.rename(moved, track)

    swapper = threading.Thread(target=swap, daemon=True)
    swapper.start()
    answers: dict[int, int] = {}
    try:
        for _ in range(400):
            status, _, body = sharing.get(sharing.page + "tracks/tiny.mp3")
            assert b"SECRET" not in body
            assert status == 404 or body == real, status
            answers[status] = answers.get(status, 0) + 1
    finally:
        stop.set()
        swapper.join(10)
    assert not swapper.is_alive()
    # How often a request fell between the swaps depends on the machine's speed, so that is
    # not asserted; with the track back in place, it is served whole.
    assert sharing.get(sharing.page + "tracks/tiny.mp3")[::2] == (200, real)
    print("answers while swapping:", answers)


def test_names_and_titles_of_any_kind_reach_the_phone(shared_folder) -> None:  # type: ignore[no-untyped-def]
    import feedparser

    folder, share = shared_folder
    names = ["a#b", "what?", "100%", "tab\there", "two\nlines", "é ü"]
    for name in names:
        tiny_mp3(folder / f"{name}.mp3", title=f"Title \x01\x0c{name}")  # control characters in the title
    sharing = share("--host", "127.0.0.1")
    _, _, listing = sharing.get(sharing.page + "tracks.json")
    listed = {bare(t["audio"]): t for t in json.loads(listing)}
    assert len(listed) == len(names) + 1
    for address in listed:
        status, _, body = sharing.get(sharing.page + address)
        assert status == 200 and body[:3] in (b"ID3", b"\xff\xfb"), address
    status, _, feed_body = sharing.get(sharing.feed)
    feed = feedparser.parse(feed_body)
    assert status == 200 and not feed.bozo, feed.get("bozo_exception")
    for entry in feed.entries:
        (enclosure,) = entry.enclosures
        assert sharing.get(enclosure.href)[0] == 200, enclosure.href


def test_ranges_outside_the_file_are_416(shared_folder) -> None:  # type: ignore[no-untyped-def]
    folder, share = shared_folder
    size = (folder / "tiny.mp3").stat().st_size
    sharing = share("--host", "127.0.0.1")
    url = sharing.page + "tracks/tiny.mp3"
    for asked in ("bytes=-0", f"bytes={size}-", f"bytes={size + 10}-{size + 20}"):
        status, headers, _ = sharing.get(url, {"Range": asked})
        assert status == 416 and headers["content-range"] == f"bytes */{size}", asked
        assert headers["x-content-type-options"] == "nosniff"
    status, _, _ = sharing.get(url, {"Range": "bytes=99999999999999999999999999-"})  # past any end
    assert status == 416
    status, headers, body = sharing.get(url, {"Range": "bytes=-100"})
    assert status == 206 and body == (folder / "tiny.mp3").read_bytes()[-100:]
    status, headers, body = sharing.get(url, {"Range": "bytes=0000000000000000000000000100-"})  # 100, not 0
    assert status == 206 and body == (folder / "tiny.mp3").read_bytes()[100:]
    for ignored in ("bytes=5-2", "bytes=0-1,4-5", "lines=1-2", "bytes=x-"):  # not taken: the whole file
        status, _, body = sharing.get(url, {"Range": ignored})
        assert status == 200 and len(body) == size, ignored
    from voiceguide.share.server import byte_range

    assert byte_range("bytes=\u0661\u0662-", size) is None  # ١٢ are digits, but not ASCII ones
    assert sharing.get(sharing.page + "tracks/tiny.chapter-1.png%0A")[0] == 404  # ("$" took a line feed)


def test_listening_everywhere_gives_the_phone_a_real_address(shared_folder) -> None:  # type: ignore[no-untyped-def]
    from voiceguide.share.network import lan_address

    _, share = shared_folder
    sharing = share("--host", "0.0.0.0")
    parts = urlsplit(sharing.page)
    assert parts.hostname == lan_address() != "0.0.0.0"
    status, _, _ = sharing.get(f"http://127.0.0.1:{parts.port}{parts.path}")  # every interface, loopback too
    assert status == 200


def _share_once(work: Path, *args: str) -> list[str]:
    """Share until the server is up, stop it with Ctrl-C, and return what it said on stderr."""
    process, out, err = start_sharing(work, *args, "--host", "127.0.0.1", "--port", "0", data_home=work / "data")
    try:
        lines = read_until(out, lambda seen: bool(seen) and set(seen[-1]) == {"▀"})
        assert lines[0].startswith("On this computer only (--host 127.0.0.1")  # not "your phone"
        said = read_until(err, lambda seen: any(s.startswith("Sharing ") for s in seen))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
    return said


def test_a_named_routines_track_made_from_another_routine_is_never_rendered_from_that_one(
    sharing: Sharing, tmp_path: Path
) -> None:
    """`share NAME`: the MP3 at NAME's place says it was made from another file: that file is
    not read (it was rendered and served); a track with tags voiceguide did not write is left
    out in one line, and the rest still shared."""
    from mutagen.id3 import ID3, TXXX

    from voiceguide.render.provenance import SETTINGS_KEY, SOURCE_KEY

    (tmp_path / "short.yaml").write_text(SHORT)
    (tmp_path / "other.yaml").write_text(SHORT.replace("Short test routine", "Other"))
    secret = tmp_path.parent / f"{tmp_path.name}-secret.yaml"
    secret.write_text(SHORT.replace("Done.", "The secret words."))
    (tmp_path / "audio_out").mkdir()
    for name, key, value in (("short", SOURCE_KEY, str(secret)), ("other", SETTINGS_KEY, '{"\x1b]0;x": 1}')):
        track = tmp_path / "audio_out" / f"{name}.mp3"
        shutil.copy(sharing.folder / "short.mp3", track)
        tags = ID3(track)
        tags.add(TXXX(encoding=3, desc=key, text=value))
        tags.save(track)
    before = (tmp_path / "audio_out" / "short.mp3").read_bytes()
    said = _share_once(tmp_path, "short.yaml", "other.yaml")
    assert any(f"was made from {secret}, not from short.yaml: shared as it is" in line for line in said), said
    assert (tmp_path / "audio_out" / "short.mp3").read_bytes() == before  # not rendered from the secret
    left_out = [line for line in said if "not shared: " in line]
    assert len(left_out) == 1 and "other.mp3" in left_out[0] and "\x1b" not in left_out[0], said  # no raw ESC
    assert said[-1].startswith("Sharing 1 routine"), said


def test_a_voice_file_recorded_in_a_track_is_a_voice_and_a_path_out_is_not() -> None:
    from voiceguide.render.provenance import RenderSettings
    from voiceguide.speech.registry import VoiceChoice
    from voiceguide.timeline.options import CompileOptions

    for voice, ok in (("/home/me/voices/de_DE-thorsten.onnx", True), ("gmw/de", True), ("../../x.onnx", False)):
        text = RenderSettings(CompileOptions(), VoiceChoice(voice=voice)).to_json()
        if ok:
            assert RenderSettings.from_json(text).choice.voice == voice
        else:
            with pytest.raises(ValueError, match="is not a voice's name or a voice file"):
                RenderSettings.from_json(text)


def test_a_track_whose_routine_changed_is_rendered_again_before_it_is_shared(tmp_path: Path) -> None:
    from mutagen.id3 import ID3

    from voiceguide.render.provenance import is_current, recorded

    routine = tmp_path / "short.yaml"
    routine.write_text(SHORT)
    track = tmp_path / "audio_out" / "short.mp3"
    made = subprocess.run(
        [sys.executable, "-m", "voiceguide", "render", str(routine), "--profile", "full", "--no-transcripts"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert is_current(track, source=str(routine)) is True
    first = ID3(track)["TXXX:voiceguide_fingerprint"]
    # Shared as it is while it is current.
    assert not [line for line in _share_once(tmp_path, str(routine)) if "rendered" in line]
    routine.write_text(SHORT.replace("Done.", "Well done, that is all."))
    assert is_current(track, source=str(routine)) is False
    # Named: rendered again, with the settings it was made with (the full profile, no transcripts).
    said = _share_once(tmp_path, str(routine))
    assert any(
        line.endswith("rendered again: the routine (or voiceguide) changed since it was rendered") for line in said
    )
    again = recorded(track)
    assert again is not None and again.settings.options.profile == "full" and not again.settings.transcripts
    assert is_current(track, source=str(routine)) is True and ID3(track)["TXXX:voiceguide_fingerprint"] != first
    # The whole folder: the same, for every track whose routine is still there.
    routine.write_text(SHORT.replace("Done.", "That is the end."))
    said = _share_once(tmp_path)
    assert any(line.endswith(f"rendered again: {routine} changed since it was rendered") for line in said), said
    assert is_current(track, source=str(routine)) is True


def test_no_tag_of_a_track_names_the_folder_its_routine_was_in(tmp_path: Path) -> None:
    """A track travels to the patient: "/home/praxis/Patienten/Müller/nacken.yaml" must not.
    It names its routine by file name; share finds it beside the track or where it runs, and
    a track from before, which names the whole path, keeps working."""
    from mutagen.id3 import ID3, TXXX

    from voiceguide.render.provenance import SOURCE_KEY, is_current

    work = tmp_path / "Patienten" / "Müller"
    work.mkdir(parents=True)
    routine = work / "nacken.yaml"
    routine.write_text(SHORT)
    made = subprocess.run(
        [sys.executable, "-m", "voiceguide", "render", str(routine)],  # named by its whole path
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    track = work / "audio_out" / "nacken.mp3"
    tags = ID3(track)
    said = tags.pprint()  # every frame, the chapters' own frames too
    assert "CHAP" in said and "Patienten" not in said and "Müller" not in said and str(tmp_path) not in said
    for text in ("Patienten", str(tmp_path)):
        assert text.encode() not in track.read_bytes() and text.encode("utf-16-le") not in track.read_bytes()
    assert str(tags[f"TXXX:{SOURCE_KEY}"]) == "nacken.yaml"
    # Shared from the routine's own folder: found, current, then rendered again.
    assert not [line for line in _share_once(work) if "nacken" in line]
    routine.write_text(SHORT.replace("Done.", "That is the end."))
    said_now = _share_once(work)
    assert any(line.endswith(f"rendered again: {routine} changed since it was rendered") for line in said_now)
    assert is_current(track, source=str(routine)) is True
    # The folder moved with its track: still its routine. Shared from elsewhere with the
    # routine nowhere near: said, and shared as it is.
    moved = tmp_path / "moved"
    shutil.copytree(work, moved)
    assert not [line for line in _share_once(moved) if "nacken" in line]
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(work / "audio_out", elsewhere / "audio_out")
    said_now = _share_once(elsewhere)
    assert any("shared as it is, not checked" in line and "which is in none of" in line for line in said_now), said_now
    # A track from before names the whole path: still found and checked.
    tags = ID3(track)
    tags.add(TXXX(encoding=3, desc=SOURCE_KEY, text=str(routine)))
    tags.save(track)
    routine.write_text(SHORT.replace("Done.", "The end, for today."))
    said_now = _share_once(work)
    assert any(line.endswith(f"rendered again: {routine} changed since it was rendered") for line in said_now)


def test_a_routine_of_the_same_name_elsewhere_is_not_taken_for_a_tracks_own(tmp_path: Path) -> None:
    """Tracks name their routine by file name: Müller's knee.yaml rendered from Schmidt's
    folder, which has a knee.yaml of its own, must not be rendered again from Schmidt's. A
    routine in a folder inside the one `share` runs in is found; any file name is a name."""
    from mutagen.id3 import ID3

    from voiceguide.render.provenance import FINGERPRINT_KEY, PLACE_KEY, recorded

    (tmp_path / "mueller").mkdir()
    (tmp_path / "schmidt" / "routines").mkdir(parents=True)
    (tmp_path / "mueller" / "knee.yaml").write_text(SHORT)
    (tmp_path / "schmidt" / "knee.yaml").write_text(SHORT.replace("Done.", "Schmidt's own words."))
    (tmp_path / "schmidt" / "routines" / "Rücken Übung.YAML").write_text(SHORT.replace("Done.", "Back."))
    schmidt = tmp_path / "schmidt"
    for routine in ("../mueller/knee.yaml", "routines/Rücken Übung.YAML"):
        made = subprocess.run(
            [sys.executable, "-m", "voiceguide", "render", routine, "--no-transcripts"],
            cwd=schmidt,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert made.returncode == 0, made.stderr
    knee, back = schmidt / "audio_out" / "knee.mp3", schmidt / "audio_out" / "Rücken Übung.mp3"
    before = str(ID3(knee)[f"TXXX:{FINGERPRINT_KEY}"])
    assert len(str(ID3(knee)[f"TXXX:{PLACE_KEY}"])) == 16 and "mueller" not in ID3(knee).pprint()
    made_back = recorded(back)
    assert made_back is not None and made_back.source == "Rücken Übung.YAML"  # a name like any other
    (schmidt / "routines" / "Rücken Übung.YAML").write_text(SHORT.replace("Done.", "Back again."))
    said = _share_once(schmidt)
    knee_said = [line for line in said if "knee.mp3" in line]
    assert len(knee_said) == 1 and "shared as it is, not checked" in knee_said[0], said
    assert "another routine" in knee_said[0]
    assert str(ID3(knee)[f"TXXX:{FINGERPRINT_KEY}"]) == before  # not rendered from Schmidt's
    assert any(line.endswith("Rücken Übung.YAML changed since it was rendered") for line in said), said


def _crafted_settings(settings: dict) -> list[tuple[str, str | None]]:  # type: ignore[type-arg]
    """(settings tag, source tag) of tracks someone else put in a shared folder."""

    def changed(path: tuple[str, ...], value: object) -> str:
        data = json.loads(json.dumps(settings))
        *where, key = path
        node = data
        for part in where:
            node = node[part]
        node[key] = value
        return json.dumps(data)

    return [
        (changed(("options", "rate_wpm"), 1e9), None),
        (changed(("bitrate_kbps",), -1), None),
        (changed(("channels",), 1000), None),
        (changed(("choice", "engine"), "exe"), None),
        (changed(("choice", "voice"), "../../x.onnx"), None),
        (changed(("options", "count_interval_s"), 1e-9), None),
        (changed(("options", "count_interval_s"), -5), None),
        (changed(("options", "speech_source"), "x" * 2_000_000), None),
        (changed(("options", "section_ids"), ["a"] * 5000), None),
        (changed(("options", "profile"), "exe"), None),
        (changed(("options", "evil"), 1), None),
        ("[" * 15_000 + "]" * 15_000, None),
        (json.dumps(settings), "../secret.yaml"),
        (changed(("options", "rate_wpm"), "fast"), None),
        (changed(("options", "rate_wpm"), True), None),
        (changed(("bitrate_kbps",), "64"), None),
        (changed(("bitrate_kbps",), 10**9), None),
        (changed(("transcripts",), "yes"), None),
        (changed(("choice", "volume"), 5), None),
        (changed(("choice", "voice"), "/etc/passwd"), None),
        (changed(("options", "pre_roll_s"), 1e9), None),
        (changed(("options", "get_ready_s"), -1), None),
        (changed(("options", "speech_gap_s"), 1e9), None),
        (changed(("options", "from_section"), "../x"), None),
        (changed(("options", "from_side"), "up"), None),
        (changed(("options", "count_ticks"), "yes"), None),
        (json.dumps(settings).replace("}", ', "x": NaN}', 1), None),
        ("{not json", None),
        ("[]", None),
        ('{"options": {}, "choice": {}, "bitrate_kbps": 64, "channels": 1}', None),
    ]


def test_share_leaves_out_tracks_with_crafted_tags_and_a_fifo_and_serves_the_rest(
    sharing: Sharing, tmp_path: Path
) -> None:
    """Tags are input from whoever put the file there: one bad file stopped all sharing (or
    gave a traceback), a FIFO hung it before it served anything, and a source outside the
    folder was read, rendered and served."""
    from mutagen.id3 import ID3, TXXX

    from voiceguide.render.provenance import SETTINGS_KEY, SOURCE_KEY, recorded

    work, folder = tmp_path / "work", tmp_path / "work" / "audio_out"
    folder.mkdir(parents=True)
    secret = tmp_path / "secret.yaml"
    secret.write_text(SHORT.replace("Done.", "The secret words."))
    good = folder / "good.mp3"
    shutil.copy(sharing.folder / "short.mp3", good)  # made from a routine elsewhere: shared as it is
    made = recorded(good)
    assert made is not None
    crafted = _crafted_settings(json.loads(made.settings.to_json()))
    left_out = len(crafted)
    # Sources not read, each track shared as it is: outside the folder, a FIFO, not a routine.
    os.mkfifo(folder / "fifo.yaml")
    (folder / "notes.txt").write_text("steps: []")
    as_is = [str(secret), str(folder / "fifo.yaml"), str(folder / "notes.txt")]
    crafted += [(made.settings.to_json(), source) for source in as_is]
    for i, (settings, source) in enumerate(crafted):
        track = folder / f"crafted-{i:02d}.mp3"
        shutil.copy(good, track)
        tags = ID3(track)
        tags.add(TXXX(encoding=3, desc=SETTINGS_KEY, text=settings))
        if source is not None:
            tags.add(TXXX(encoding=3, desc=SOURCE_KEY, text=source))
        tags.save(track)
    os.mkfifo(folder / "fifo.mp3")
    process, out, err = start_sharing(
        work, "--host", "127.0.0.1", "--port", "0", "--minutes", "5", data_home=tmp_path / "data"
    )
    try:
        lines = read_until(out, lambda seen: bool(seen) and set(seen[-1]) == {"▀"})
        page = next(line for line in lines if line.startswith("http://"))
        said = read_until(err, lambda seen: any(s.startswith("Sharing ") for s in seen))
        listed = json.loads(urllib.request.urlopen(page + "tracks.json", timeout=30).read())
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
    shared = {bare(t["audio"]) for t in listed}
    kept = {f"tracks/crafted-{i:02d}.mp3" for i in range(left_out, len(crafted))}
    assert shared == {"tracks/good.mp3"} | kept, "\n".join(said)
    for i in range(len(crafted)):  # each named in one line of its own
        named = [line for line in said if f"crafted-{i:02d}.mp3" in line]
        why = "not shared: " if i < left_out else "shared as it is, not checked"
        assert len(named) == 1 and why in named[0], (i, said)
    assert not any("Traceback" in line or "rendered again" in line for line in said), said
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("crafted")) == [
        f"crafted-{i:02d}.mp3" for i in range(len(crafted))
    ]  # nothing rendered from the secret, nothing written


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="needs chromium (make test)")
@pytest.mark.parametrize(("width", "height"), [(320, 568), (390, 844), (768, 1024)])
def test_the_page_keeps_the_time_picture_and_instruction_in_view_on_any_screen(
    sharing: Sharing, width: int, height: int
) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_WAIT_MS)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--mute-audio"], timeout=BROWSER_WAIT_MS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, is_mobile=width < 700, has_touch=True)
            page.set_default_timeout(BROWSER_WAIT_MS)
            page.goto(sharing.page)
            rows = page.locator("#chapters .chapter")
            expect(rows).to_have_count(5)
            page.wait_for_function("() => document.getElementById('picture').naturalWidth > 0")

            def box(selector: str) -> dict[str, float]:
                found = page.locator(selector).bounding_box()
                assert found is not None, selector
                return found

            def in_view_above_the_buttons(selector: str) -> None:
                b, footer = box(selector), box("footer")
                assert b["y"] >= -0.5 and b["y"] + b["height"] <= footer["y"] + 0.5, (selector, b, footer)
                assert b["x"] >= -0.5 and b["x"] + b["width"] <= width + 0.5, (selector, b)

            assert (
                page.evaluate("() => document.scrollingElement.scrollWidth") <= width
            )  # nothing wider than the screen
            for selector in ("#clock", "#picture", "#instruction"):
                in_view_above_the_buttons(selector)
            previous, play, following = box("#previous"), box("#play"), box("#next")
            assert previous["x"] + previous["width"] <= play["x"] and play["x"] + play["width"] <= following["x"]
            assert following["x"] + following["width"] <= width and play["height"] >= 44  # a thumb's target
            # Tap the last chapter, scrolled to: the time, picture and instruction are still there.
            rows.last.scroll_into_view_if_needed()
            rows.last.click()  # fails if anything covers the row where it is tapped
            expect(rows.last).to_have_class("chapter current")
            for selector in ("#clock", "#picture", "#instruction"):
                in_view_above_the_buttons(selector)
            # The list stays where it is as the instruction changes: a tap lands where it is aimed.
            top = "e => e.getBoundingClientRect().top + window.scrollY"
            before, said = rows.first.evaluate(top), page.locator("#instruction").text_content()
            page.locator("#previous").click()  # within 3 s of a chapter's start: the one before
            expect(rows.nth(3)).to_have_class("chapter current")
            assert page.locator("#instruction").text_content() != said
            assert rows.first.evaluate(top) == before
            page.locator("#next").click()
            expect(rows.nth(4)).to_have_class("chapter current")
            # A hold in progress is counted down beside the time.
            holds = json.loads(sharing.get(sharing.page + "tracks.json")[2])[0]["holds"]
            assert len(holds) == 3  # the counted hold on each hand, the timed hold on the feet
            start, end = holds[2]
            page.locator("#audio").evaluate("(a, t) => { a.currentTime = t; }", start + 1.5)
            expect(page.locator("#left")).to_have_text(f"{math.ceil(end - start - 1.5)} s left")
            page.locator("#audio").evaluate("(a, t) => { a.currentTime = t; }", end + 0.2)
            expect(page.locator("#left")).to_have_text("")
            # Next, from the top: each chapter gone to is brought into view, clear of the panel
            # above it and the buttons below.
            page.evaluate("() => window.scrollTo(0, 0)")
            page.locator("#chapters .chapter").first.click()
            expect(rows.first).to_have_class("chapter current")
            for i in range(1, 5):
                page.locator("#next").click()
                expect(rows.nth(i)).to_have_class("chapter current")
                row, panel, footer = rows.nth(i).bounding_box(), box("#now"), box("footer")
                assert row is not None and row["y"] >= panel["y"] + panel["height"] - 0.5, (i, row, panel)
                assert row["y"] + row["height"] <= footer["y"] + 0.5, (i, row, footer)
        finally:
            browser.close()


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="needs chromium (make test)")
def test_a_german_routine_reaches_the_phone_in_german(tmp_path: Path) -> None:
    """The newcomer's German routine: its page speaks German, its cover has every letter."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_WAIT_MS)

    from conftest import DATA

    routine = tmp_path / "knie.yaml"
    routine.write_text((DATA / "lang" / "de.yaml").read_text(encoding="utf-8").replace("Kurze Runde", "Knie lösen"))
    process, out, _ = start_sharing(
        tmp_path, str(routine), "--host", "127.0.0.1", "--port", "0", data_home=tmp_path / "data"
    )
    try:
        lines = read_until(out, lambda seen: bool(seen) and set(seen[-1]) == {"▀"})
        page_address = next(line for line in lines if line.startswith("http://"))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--mute-audio"], timeout=BROWSER_WAIT_MS
            )
            try:
                page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
                page.set_default_timeout(BROWSER_WAIT_MS)
                page.goto(page_address)
                expect(page.locator("#title")).to_have_text("Knie lösen")
                expect(page.locator("#play")).to_have_text("Abspielen")
                assert page.evaluate("() => document.documentElement.lang") == "de"
                expect(page.locator("#chapters .chapter").first).to_contain_text("Einleitung")
                # Where it works, and the two ways to keep it: the file, and a podcast app.
                expect(page.locator("#offline")).to_have_text(
                    "Diese Seite funktioniert nur in diesem Netzwerk, solange der Computer sie freigibt."
                )
                expect(page.locator("#keep-title")).to_have_text("Zum Anhören zu Hause:")
                expect(page.locator("#download")).to_have_text("Aufnahme auf diesem Handy speichern")
                assert page.locator("#download").get_attribute("download") == "knie.mp3"
                page.locator("#subscribe summary").click()
                expect(page.locator("#subscribe summary")).to_have_text("In einer Podcast-App abonnieren")
                feed_address = page_address + "feed.xml"
                expect(page.locator("#feed-address")).to_have_text(feed_address)
                links = page.locator("#apps a").evaluate_all("(links) => links.map((a) => a.href)")
                bare_feed = feed_address.removeprefix("http://")
                assert f"podcast://{bare_feed}" in links and f"itpc://{bare_feed}" in links
                assert not any(link.startswith(("pktc:", "overcast:")) for link in links)  # their servers fetch
                assert page.locator("#apps a").first.is_visible()
            finally:
                browser.close()
        cover = urllib.request.urlopen(page_address + "tracks/knie.jpg", timeout=30).read()
        assert cover[:3] == b"\xff\xd8\xff"  # the routine's own cover, drawn in DejaVu Sans (test_pictures)
        feed = ET.fromstring(urllib.request.urlopen(page_address + "feed.xml", timeout=30).read())
        assert feed.findtext("channel/language") == "de"
        assert feed.findtext("channel/title") == "voiceguide-Übungen"  # the album its tracks carry
        assert feed.findtext("channel/description") == "Angeleitete Übungen zum Mitmachen zu Hause."
        transcript = feed.find(f"channel/item/{PODCAST}transcript")
        assert transcript is not None and transcript.get("language") == "de"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)


def test_an_m4b_in_the_folder_is_said_not_to_be_shared(shared_folder) -> None:  # type: ignore[no-untyped-def]
    folder, share = shared_folder
    (folder / "book.m4b").write_bytes(b"not played here")
    sharing = share("--host", "127.0.0.1")
    said = read_until(sharing.stderr, lambda seen: any(s.startswith("Sharing ") for s in seen), 60)
    assert any(
        line.startswith("voiceguide: book.m4b is not shared: the page and podcast apps play MP3s") for line in said
    )
    listed = json.loads(sharing.get(sharing.page + "tracks.json")[2])
    assert [bare(t["audio"]) for t in listed] == ["tracks/tiny.mp3"]


def test_a_track_that_does_not_say_what_made_it_is_shared_with_a_word(tmp_path: Path) -> None:
    routine = tmp_path / "short.yaml"
    routine.write_text(SHORT)
    (tmp_path / "audio_out").mkdir()
    tiny_mp3(tmp_path / "audio_out" / "short.mp3")  # as an earlier voiceguide left it
    said = _share_once(tmp_path, str(routine))
    assert any(
        line.startswith("voiceguide: audio_out/short.mp3 does not say what made it (an earlier voiceguide rendered it)")
        and line.endswith(f"`voiceguide render {routine} --force` makes sure it is current")
        for line in said
    ), said
