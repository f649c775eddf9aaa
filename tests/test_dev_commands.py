"""The README's development commands, run: the benchmarks (once each, quickly), the golden
cue sheets' regeneration, and the share page's screenshot."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PIL import Image

from conftest import needs_audio_tools

ROOT = Path(__file__).parent.parent

pytestmark = pytest.mark.slow


@needs_audio_tools
def test_make_bench_runs_every_benchmark() -> None:
    result = subprocess.run(
        ["make", "-s", "bench", "REPEATS=1"], cwd=ROOT, capture_output=True, text=True, timeout=1200
    )
    # One table of every goal at the end; make bench fails exactly when one is missed (and
    # says which): a missed goal is read, not scrolled past.
    table = result.stdout[result.stdout.index("| goal | measured | goal | verdict |") :].splitlines()
    rows = [row for row in table[2:] if row.startswith("| ")]
    # The long routine's hours as measured (REPEATS=1 asks for about one).
    goals = [re.sub(r"a [0-9.]+-hour", "a N-hour", row.split(" | ")[0].removeprefix("| ")) for row in rows]
    assert goals == [
        "warm render / bare encode",
        "cold render / (Piper alone + warm render)",  # `make test` installs a Piper voice
        "peak memory, a N-hour routine / the built-in",
        "first sound cold",
        "first sound warm",
        "resume, default latency: worst",
        "resume, latency 200ms: worst",
    ], table
    missed = [row for row in rows if row.endswith("| **MISS** |")]
    assert all(row.endswith(("| PASS |", "| **MISS** |")) for row in rows), rows
    assert result.returncode == (2 if missed else 0), result.stderr[-3000:]
    if missed:
        assert f"{len(missed)} of {len(rows)} goals missed" in result.stderr
    reports = [json.loads(block) for block in re.findall(r"(?ms)^\{\n.*?^\}$", result.stdout)]
    assert len(reports) == 4, result.stdout
    render, play, pictures, words = reports
    assert render["warm / bare encode"] > 0 and render["peak_rss_mb"] > 0 and render["long_peak_rss_mb"] > 0
    assert 0.75 < render["long_track_h"] < 1.5
    assert play["first_sound_cold_s"] > 0 and play["first_sound_warm_s"] > 0
    assert play["first_word_cold_through_server_s"] > 0 and play["first_word_warm_through_server_s"] > 0
    assert play["resume_after_asked_latency_200ms"]["worst_s"] > 0
    assert "resume, latency 200ms: worst: " in result.stdout
    assert pictures["render with / without pictures"] > 0 and pictures["peak memory making the card, MB"] > 0
    assert words["with / without"] > 0


def test_the_listening_benchmark_runs_and_reports_both_halves(tmp_path: Path) -> None:
    """scripts/bench_listen.py on every 20th take of the corpus, without its own voice (that
    needs a render): it runs, and its table has both halves, with figures."""
    rows = tmp_path / "rows.json"
    result = subprocess.run(
        [sys.executable, "scripts/bench_listen.py", "--hours", "0", "--takes", "20", "--json", str(rows)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| tune | in a pause | -6 dB |" in result.stdout
    assert "| held-out | over the voice | -20 dB |" in result.stdout
    scenes = json.loads(rows.read_text())["rows"]
    assert {r["half"] for r in scenes} == {"tune", "held-out"}
    assert any(r["obeyed"] == r["words"] for r in scenes)  # it hears something


@needs_audio_tools
def test_the_lead_word_benchmark_runs_and_counts_what_was_obeyed() -> None:
    """scripts/bench_listen_leads.py with one voice (espeak-ng's US English): it runs, and says
    how many led-in commands and remarks were obeyed."""
    result = subprocess.run(
        [sys.executable, "scripts/bench_listen_leads.py", "--half", "tune", "--voices", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    obeyed = re.search(r"tune: led-in commands obeyed (\d+) of 8 ", result.stdout)
    assert obeyed is not None and int(obeyed.group(1)) > 0, result.stdout  # it hears something
    assert re.search(r"tune: remarks obeyed as a command \d+ of 8", result.stdout), (
        result.stdout
    )  # how many: the note's


def test_regen_golden_rewrites_nothing_on_a_clean_tree(tmp_path: Path) -> None:
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT / "tests", copy / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    golden = copy / "tests" / "data" / "golden"
    first, second = sorted(golden.iterdir())[:2]
    first.write_text("stale\n")  # a sheet gone stale, and one gone: both written again
    second.unlink()
    pytest_bin = Path(sys.executable).parent / "pytest"
    result = subprocess.run(
        [str(pytest_bin), "--regen-golden", "-q", "-p", "no:cacheprovider", "tests/test_golden.py"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    for expected in sorted((ROOT / "tests" / "data" / "golden").iterdir()):
        assert (golden / expected.name).read_text() == expected.read_text(), expected.name


@pytest.mark.skipif(not shutil.which("chromium") and not os.environ.get("CI"), reason="needs chromium")
def test_the_readme_pictures_are_drawn(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "docs_pictures.py"), "--folder", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    sizes = {name: Image.open(tmp_path / name).size for name in ("card.png", "chapter-picture.png", "views.png")}
    assert sizes["chapter-picture.png"] == (400, 400) and sizes["views.png"] == (1080, 800)
    assert sizes["card.png"][1] > sizes["card.png"][0]  # a page, upright


def screenshot_taken(script: str, shot: Path) -> None:
    """scripts/SCRIPT writes a phone-sized picture of a page to `shot`."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), str(shot)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with Image.open(shot) as image:
        assert image.size == (780, 1688)  # a 390x844 phone screen at twice the pixels
        assert len(image.convert("L").getcolors(256) or []) > 16  # a page drawn, not a blank


@pytest.mark.skipif(not shutil.which("chromium") and not os.environ.get("CI"), reason="needs chromium")
def test_the_published_page_screenshot_is_taken(tmp_path: Path) -> None:
    screenshot_taken("screenshot_publish.py", tmp_path / "published-offline.png")


def test_the_share_screenshot_is_taken(tmp_path: Path) -> None:
    screenshot_taken("screenshot_share.py", tmp_path / "share-page.png")


SOAK_PROBE = """
    import os, pathlib, time, pytest

    MARKS = pathlib.Path({marks!r})

    @pytest.fixture
    def server():  # as the sound-server fixtures do: cleans up after the test, or on Ctrl-C
        yield
        (MARKS / "cleaned").touch()

    def test_passes():
        pass

    def test_fails_in_round_two():
        (MARKS / f"round-{{len(list(MARKS.glob('round-*'))) + 1}}").touch()
        assert len(list(MARKS.glob("round-*"))) != 2

    def test_waits(server):
        (MARKS / "started").write_text(str(os.getpid()))
        time.sleep(300)
"""


def test_soak_names_each_rounds_failures(tmp_path: Path) -> None:
    """scripts/soak.sh (the README's `scripts/soak.sh 10`) on a test file of its own: it says
    which round failed, by test id, and how many passed."""
    probe = tmp_path / "test_soak_probe.py"
    probe.write_text(textwrap.dedent(SOAK_PROBE.format(marks=str(tmp_path))))
    result = subprocess.run(
        [ROOT / "scripts" / "soak.sh", "2", probe, "-k", "not waits"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("round 1: 2 passed"), lines
    assert lines[1].startswith("round 2: 1 failed, 1 passed"), lines
    assert lines[2].strip().startswith("FAILED ") and "test_fails_in_round_two" in lines[2], lines
    assert lines[3].startswith("1 of 2 rounds passed"), lines


@pytest.mark.parametrize(
    ("signum", "to_group"),
    [(signal.SIGTERM, False), (signal.SIGTERM, True), (signal.SIGINT, True)],
    ids=["SIGTERM to the script", "SIGTERM to its group (a CI's timeout)", "Ctrl-C (SIGINT to its group)"],
)
def test_soak_stopped_interrupts_the_round_as_ctrl_c_would(tmp_path: Path, signum: int, to_group: bool) -> None:
    """Stopped, scripts/soak.sh interrupts the round's pytest once, as Ctrl-C would, so the
    round's fixtures clean up (killed, or given a second SIGINT, they left a PulseAudio server
    and a player running), and exits 130."""
    probe = tmp_path / "test_soak_probe.py"
    probe.write_text(textwrap.dedent(SOAK_PROBE.format(marks=str(tmp_path))))
    running = subprocess.Popen(
        [ROOT / "scripts" / "soak.sh", "1", probe, "-k", "waits"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As from a terminal's shell: a SIGINT this test inherits ignored (a CI run from a
        # background job) would stay ignored, and a shell cannot trap what it starts ignoring.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    started = tmp_path / "started"
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert running.poll() is None, running.communicate()
            assert time.monotonic() < deadline, "the round's test never started"
            time.sleep(0.05)
        if to_group:
            os.killpg(running.pid, signum)
        else:
            running.send_signal(signum)
        out, err = running.communicate(timeout=120)
    finally:
        if running.poll() is None:
            running.kill()
        if started.exists():  # its pytest, in a process group of its own, if left running
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(started.read_text()), signal.SIGKILL)
    assert running.returncode == 130, out + err
    assert out.startswith("stopped (logs in "), out
    assert (tmp_path / "cleaned").exists(), "the round's fixture did not clean up"
