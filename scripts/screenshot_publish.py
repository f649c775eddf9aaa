"""Take the README's picture of the published page kept on the phone: `voiceguide publish
back-pain` into a scratch folder, Python's http.server on 127.0.0.1, the page opened in
Debian's Chromium (headless) at a phone's size until it says it is saved, the server
stopped, and the page opened again at its second point set.

    .venv/bin/python scripts/screenshot_publish.py [docs/published-offline.png]

Needs chromium (`make test` installs it).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parent.parent
SAVED = "Saved on this phone: plays without the network."
WAIT_MS = 60_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "published-offline.png"
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site"
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        publish = [sys.executable, "-m", "voiceguide", "publish", "back-pain", str(site), "--base-url", base]
        subprocess.run(publish, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, timeout=600)
        serve = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(site), str(port)]
        server = subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--mute-audio"])
                page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
                page.set_default_timeout(WAIT_MS)
                _open_when_served(page, base + "index.html")
                expect(page.locator("#offline")).to_have_text(SAVED)
                server.kill()
                server.wait(30)
                page.goto(base + "#chapter=3")
                expect(page.locator("#offline")).to_have_text(SAVED)
                expect(page.locator("#chapters .chapter").nth(2)).to_have_class("chapter current")
                page.wait_for_function("() => document.getElementById('picture').naturalWidth > 0")
                page.screenshot(path=str(target))
                browser.close()
        finally:
            server.kill()
            server.wait(30)
    print(target)


def _open_when_served(page: Page, address: str) -> None:
    """Open `address` once the server answers (it has just started)."""
    for _ in range(600):
        try:
            urllib.request.urlopen(address, timeout=5).close()
            break
        except OSError:
            page.wait_for_timeout(100)
    page.goto(address)


if __name__ == "__main__":
    main()
