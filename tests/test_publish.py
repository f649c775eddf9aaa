"""`voiceguide publish`: a folder of plain files served by a plain web server (Python's
http.server, which knows nothing of byte ranges), read by feedparser, and the page in a real
browser (Debian's Chromium) that keeps it and plays it after the server is gone."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_render import SHORT
from test_share import BROWSER_WAIT_MS, CHROMIUM, PODCAST, bare, launch_player_browser, read_until

from conftest import needs_audio_tools

pytestmark = needs_audio_tools


def voiceguide(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voiceguide", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "XDG_DATA_HOME": str(cwd / "data")},
    )


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    """`python -m http.server` on a free port of 127.0.0.1, serving tmp_path/site."""
    site = tmp_path / "site"
    site.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(site), "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True).start()
    said = read_until(lines, lambda seen: any("Serving HTTP" in line for line in seen), timeout=60)
    port = re.search(r"port (\d+)", said[-1])
    assert port is not None, said
    try:
        yield process, f"http://127.0.0.1:{port.group(1)}/", site
    finally:
        process.kill()
        process.wait(30)


def test_publish_writes_a_folder_a_plain_host_serves_with_a_feed_apps_read(tmp_path: Path) -> None:
    import feedparser

    (tmp_path / "short.yaml").write_text(SHORT)
    base = "https://praxis.example/ruecken/"
    done = voiceguide(tmp_path, "publish", "short.yaml", "out", "--base-url", base.rstrip("/"))
    assert done.returncode == 0, done.stderr
    assert base in done.stdout.splitlines() and f"{base}feed.xml" in done.stdout.splitlines()
    out = tmp_path / "out"
    for name in ("index.html", "page.js", "page.css", "words.js", "sw.js", "tracks.json", "feed.xml", "cover.jpg"):
        assert (out / name).stat().st_size > 0, name
    site = json.loads((out / "site.json").read_text())
    assert site == {"mode": "published", "feed": "feed.xml", "listed": True, "generator": "voiceguide"}
    manifest = json.loads((out / "manifest.webmanifest").read_text())
    assert manifest["name"] == "Short test routine" and manifest["start_url"] == "./"
    for icon in manifest["icons"]:  # drawn from the cover, the size they say
        from PIL import Image

        with Image.open(out / icon["src"]) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"] and image.format == "PNG"
    assert '<link rel="manifest" href="manifest.webmanifest">' in (out / "index.html").read_text()
    # Every file the page lists is in the folder, under the name its address gives.
    (track,) = json.loads((out / "tracks.json").read_text())
    listed = [track["audio"], track["transcript"], track["cover"], *(c["picture"] for c in track["chapters"])]
    for address in filter(None, listed):
        assert (out / bare(address)).is_file(), address
    # The feed: absolute addresses under the base, chapters with pictures, the transcript.
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    (entry,) = feed.entries
    assert entry.enclosures[0].href == base + "tracks/short.mp3"
    root = ET.fromstring((out / "feed.xml").read_bytes())
    chapters_url = root.find(f"channel/item/{PODCAST}chapters").get("url")
    transcript_url = root.find(f"channel/item/{PODCAST}transcript").get("url")
    assert chapters_url == base + "tracks/short.chapters.json" and transcript_url == base + "tracks/short.mp3.vtt"
    chapters = json.loads((out / "tracks" / "short.chapters.json").read_text())["chapters"]
    pictures = [c["img"] for c in chapters if "img" in c]
    assert len(pictures) == 5 and all(p.startswith(base + "tracks/short.chapter-") for p in pictures)
    for picture in pictures:
        assert (out / bare(picture.removeprefix(base))).is_file()
    # Published again: current, nothing rendered, same files.
    again = voiceguide(tmp_path, "publish", "short.yaml", "out", "--base-url", base)
    assert again.returncode == 0 and "rendered" not in again.stderr, again.stderr
    hidden = voiceguide(tmp_path, "publish", "short.yaml", "out", "--base-url", base, "--unlisted")
    assert hidden.returncode == 2 and "published without --unlisted before" in hidden.stderr


def test_publish_keeps_an_unlisted_folder_secret_and_refuses_what_is_not_its_own(tmp_path: Path) -> None:
    (tmp_path / "short.yaml").write_text(SHORT)
    done = voiceguide(tmp_path, "publish", "short.yaml", "out", "--base-url", "https://h.example/x/", "--unlisted")
    assert done.returncode == 0, done.stderr
    (secret,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    assert len(secret.name) >= 22 and f"https://h.example/x/{secret.name}/" in done.stdout.splitlines()
    assert (secret / "tracks" / "short.mp3").is_file()
    assert "short" not in (tmp_path / "out" / "index.html").read_text()  # the folder above lists nothing
    again = voiceguide(tmp_path, "publish", "short.yaml", "out", "--base-url", "https://h.example/x/", "--unlisted")
    assert again.returncode == 0 and f"https://h.example/x/{secret.name}/" in again.stdout.splitlines()
    # Listed over unlisted, or the other way: refused (the listed files would stay findable).
    listed = voiceguide(tmp_path, "publish", "short.yaml", "out", "--base-url", "https://h.example/x/")
    assert listed.returncode == 2 and "published with --unlisted before" in listed.stderr
    assert not (tmp_path / "out" / "tracks").exists()
    # Somebody's folder, even with a site.json of its own: not written into. A base address
    # that is no address: said.
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    (tmp_path / "mine" / "site.json").write_text('{"mode": "published"}')
    refused = voiceguide(tmp_path, "publish", "short.yaml", "mine", "--base-url", "https://h.example/")
    assert refused.returncode == 2 and refused.stderr.strip().splitlines() == [
        "voiceguide: error: mine: has files in it, and voiceguide did not publish it there; give a new or empty folder"
    ]
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt", "site.json"]
    for wrong in ("h.example/x/", "ftp://h.example/", "https://h.example/?a=1"):
        refused = voiceguide(tmp_path, "publish", "short.yaml", "new", "--base-url", wrong)
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert f"--base-url {wrong}: give the whole address" in refused.stderr
    assert not (tmp_path / "new").exists()


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="needs chromium (make test)")
def test_the_published_page_keeps_itself_and_plays_and_seeks_with_the_server_gone(web_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_WAIT_MS)
    server, base, site = web_server
    (tmp_path / "short.yaml").write_text(SHORT)
    done = voiceguide(tmp_path, "publish", "short.yaml", str(site), "--base-url", base)
    assert done.returncode == 0, done.stderr
    (track,) = json.loads((site / "tracks.json").read_text())
    chapters = track["chapters"]
    with sync_playwright() as playwright:
        browser = launch_player_browser(playwright)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            page = context.new_page()
            page.set_default_timeout(BROWSER_WAIT_MS)
            page.goto(base + "index.html")
            expect(page.locator("#offline")).to_have_text("Saved on this phone: plays without the network.")
            # The server is gone: the page, the track and its pictures come from the phone.
            server.kill()
            server.wait(30)
            with pytest.raises(OSError):
                urllib.request.urlopen(base, timeout=5)
            answered: list[tuple[str, int, bool]] = []
            page.on("response", lambda r: answered.append((r.url, r.status, r.from_service_worker)))
            page.goto(base + "#chapter=3")  # a link to the third chapter starts there
            expect(page.locator("#title")).to_have_text("Short test routine")
            expect(page.locator("#offline")).to_have_text("Saved on this phone: plays without the network.")
            expect(page.locator("#chapters .chapter")).to_have_count(len(chapters))
            expect(page.locator("#chapters .chapter").nth(2)).to_have_class("chapter current")
            assert abs(page.locator("#audio").evaluate("a => a.currentTime") - chapters[2]["start"]) < 0.01
            links = page.locator("#apps a").evaluate_all("(links) => links.map((a) => a.href)")
            assert f"pktc://subscribe/{base.removeprefix('http://')}feed.xml" in links  # listed: any app may fetch it
            page.goto(base + "#t=0:02")  # the same page, another moment
            expect(page.locator("#position")).to_have_text("0:02")
            page.locator("#audio").evaluate("a => { a.muted = true; }")
            page.locator("#play").click()
            expect(page.locator("#play")).to_have_text("Pause")
            expect(page.locator("#position")).not_to_have_text(re.compile(r"^0:0[0-2]$"))  # from 0:02 on
            # Seek: the fifth chapter, its picture, and the sound plays on from there.
            fifth = chapters[4]
            page.locator("#chapters .chapter").nth(4).click()
            expect(page.locator("#chapters .chapter").nth(4)).to_have_class("chapter current")
            expect(page.locator("#picture")).to_have_attribute("src", fifth["picture"])
            page.wait_for_function("() => document.getElementById('picture').naturalWidth > 0")
            start = fifth["start"]
            playing_on = "(t) => ((a) => !a.paused && a.currentTime > t + 1)(document.querySelector('audio'))"
            page.wait_for_function(playing_on, arg=start)
            # What the page got came from its service worker: the MP3 in byte ranges.
            audio = [(status, sw) for url, status, sw in answered if bare(url).endswith("/tracks/short.mp3")]
            assert audio and all(sw for _, sw in audio) and 206 in {status for status, _ in audio}, audio
            pictures = [sw for url, _, sw in answered if bare(url) == base + bare(fifth["picture"])]
            assert pictures and all(pictures), answered
            page.screenshot(path=str(tmp_path / "published-offline.png"))
        finally:
            browser.close()


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="needs chromium (make test)")
def test_two_folders_published_on_one_host_keep_their_own_copies(web_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A practice's site with one folder per patient: opening the second must not drop the
    first's copy from the phone (one cache for the whole host did)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_WAIT_MS)
    server, base, site = web_server
    (tmp_path / "short.yaml").write_text(SHORT)
    for name in ("knee", "back"):
        done = voiceguide(tmp_path, "publish", "short.yaml", str(site / name), "--base-url", f"{base}{name}/")
        assert done.returncode == 0, done.stderr
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--mute-audio"], timeout=BROWSER_WAIT_MS)
        try:
            page = browser.new_context().new_page()
            page.set_default_timeout(BROWSER_WAIT_MS)
            for name in ("knee", "back"):
                page.goto(f"{base}{name}/index.html")
                expect(page.locator("#offline")).to_have_text("Saved on this phone: plays without the network.")
            server.kill()
            server.wait(30)
            page.goto(f"{base}knee/")  # the first, with no server: still kept whole
            expect(page.locator("#offline")).to_have_text("Saved on this phone: plays without the network.")
            expect(page.locator("#title")).to_have_text("Short test routine")
            page.wait_for_function("() => document.getElementById('audio').readyState >= 1")
        finally:
            browser.close()
