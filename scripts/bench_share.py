"""Benchmark `voiceguide share` under attack, in ratios against the same requests unattacked.

In one run: `voiceguide share` serves a rendered track on 127.0.0.1. A real client fetches
the page and a stretch of the track (a phone seeking) a number of times; that is the
baseline. Then, from this process, N connections are opened that each send half a request
line and wait (a "slowloris"), and are held; the real client asks again meanwhile. Reported:
the median and worst time of a real request, both ways, their ratio, how many of the held
connections the server closed by the end, and the server's file handles. Only loopback.

    .venv/bin/python scripts/bench_share.py [--held 2000] [--requests 20] [--file-limit 1024]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TARGET_WORST_S = 1.0


def timed_get(url: str, headers: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
        response.read()
        assert response.status in (200, 206)
    return time.perf_counter() - start


def real_requests(page: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        times.append(timed_get(page))
        times.append(timed_get(page + "tracks/bench.mp3", {"Range": "bytes=10000-59999"}))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--held", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--file-limit", type=int, help="the server's open-file limit (default: this shell's)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    server_limit = (args.file_limit, args.file_limit) if args.file_limit else (soft, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.held + 256)), hard))
    work = Path(tempfile.mkdtemp(prefix="voiceguide-bench-share-"))
    folder = work / "audio_out"
    folder.mkdir()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=60", "-b:a", "64k", str(folder / "bench.mp3")],
        check=True,
    )
    command = [sys.executable, "-m", "voiceguide", "share", "--host", "127.0.0.1", "--port", "0", "--minutes", "10"]
    server = subprocess.Popen(
        command,
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "XDG_DATA_HOME": str(work / "data")},
        # The file limit a user's shell gives it (this process raised its own to hold the sockets).
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, server_limit),
    )
    held: list[socket.socket] = []
    try:
        assert server.stdout is not None
        page = next(line.strip() for line in server.stdout if line.startswith("http://"))
        host, port = page.split("/")[2].split(":")
        quiet = real_requests(page, args.requests)
        start = time.perf_counter()
        for _ in range(args.held):
            s = socket.create_connection((host, int(port)), timeout=10)
            s.sendall(b"GET /TeNc-")
            held.append(s)
        opened_s = time.perf_counter() - start
        attacked = real_requests(page, args.requests)
        server_files = len(os.listdir(f"/proc/{server.pid}/fd"))
        closed = 0
        for s in held:
            s.setblocking(False)
            try:
                closed += s.recv(1) == b""
            except BlockingIOError:
                pass
            except ConnectionResetError:
                closed += 1
    finally:
        for s in held:
            s.close()
        server.send_signal(signal.SIGINT)
        server.wait(30)
    results = {
        "held_connections": args.held,
        "seconds_to_open_them": opened_s,
        "real_request_median_quiet_s": statistics.median(quiet),
        "real_request_median_attacked_s": statistics.median(attacked),
        "real_request_worst_attacked_s": max(attacked),
        "attacked / quiet (median)": statistics.median(attacked) / statistics.median(quiet),
        "held_closed_by_server_at_end": closed,
        "server_open_files_while_attacked": server_files,
    }
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in results.items()}, indent=2))
    worst = float(results["real_request_worst_attacked_s"])
    print(f"{'PASS' if worst <= TARGET_WORST_S else 'MISS'}  worst real request under attack: {worst:.3f} s")


if __name__ == "__main__":
    main()
