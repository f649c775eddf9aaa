"""Take the README's picture of the share page: `voiceguide share` on 127.0.0.1, the page in
Debian's Chromium (headless) at a phone's size, a chapter tapped.

    .venv/bin/python scripts/screenshot_share.py [docs/share-page.png]

Needs a rendered audio_out/back-pain.mp3 (`make run`) and chromium (`make test` installs it).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "share-page.png"
    command = [sys.executable, "-m", "voiceguide", "share", "back-pain", "--host", "127.0.0.1", "--port", "0"]
    server = subprocess.Popen([*command, "--minutes", "5"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        page_url = next(line.strip() for line in server.stdout if line.startswith("http://"))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--mute-audio"])
            page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
            page.goto(page_url)
            expect(page.locator("#chapters .chapter")).not_to_have_count(0)
            page.locator("#chapters .chapter").nth(3).click()
            expect(page.locator("#instruction")).not_to_be_empty()
            expect(page.locator("#picture")).to_have_attribute("src", re.compile(r"chapter-3\."))
            page.wait_for_function("() => ((p) => p.complete && p.naturalWidth > 0)(document.querySelector('img'))")
            page.evaluate("() => window.scrollTo(0, 0)")  # the page's top: where it works, the title
            page.screenshot(path=str(target))
            browser.close()
    finally:
        server.terminate()
        server.wait(30)
    print(target)


if __name__ == "__main__":
    main()
