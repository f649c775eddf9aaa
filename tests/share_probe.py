"""Run a `voiceguide share ...` command line as a user would, and check it from a phone's side.

    python tests/share_probe.py "voiceguide share back-pain"

The command runs until it prints its page's address; the page and the feed are fetched with
a real HTTP client; then Ctrl-C (SIGINT) stops it. Prints a JSON report on stdout. Every
wait is bounded. tests/test_readme.py runs this inside a private network namespace (only
loopback), so the address `share` chooses is 127.0.0.1 and no packet leaves the machine.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import urllib.request

ADDRESS_WAIT_S = 300
"""Long enough for `share` to render a missing track first."""


def main() -> None:
    command = sys.argv[1]
    process = subprocess.Popen(["bash", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    errors: list[str] = []
    assert process.stdout is not None and process.stderr is not None
    readers = [
        threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True),  # type: ignore[union-attr]
        threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True),  # type: ignore[arg-type]
    ]
    for reader in readers:
        reader.start()
    report: dict[str, object] = {}
    try:
        while "page" not in report:
            line = lines.get(timeout=ADDRESS_WAIT_S).strip()
            if line.startswith("http://"):
                report["page"] = line
        page = str(report["page"])
        with urllib.request.urlopen(page, timeout=30) as response:
            report["page_status"] = response.status
            report["page_is_html"] = b"<html" in response.read().lower()
        with urllib.request.urlopen(page + "feed.xml", timeout=30) as response:
            report["feed_status"] = response.status
            report["feed_episodes"] = response.read().count(b"<item>")
    except queue.Empty:
        report["error"] = f"no address printed within {ADDRESS_WAIT_S} s"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for reader in readers:
            reader.join(10)
        report["returncode"] = process.returncode
        report["stderr"] = "".join(errors)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
