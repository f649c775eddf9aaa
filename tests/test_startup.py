"""The start-up promise, held by what gets imported rather than by a stopwatch: `--help` and a
bad option answer before anything heavy loads, and a warm `play` starts its sound before
numpy, or even the command line, has loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voiceguide.speech.registry import ENGINES

from conftest import DATA, needs_audio_tools

HEAVY = (
    "numpy",
    "pydub",
    "yaml",
    "aiohttp",
    "PIL",
    "mutagen",
    "num2words",
    "onnxruntime",
    "piper",
    "voiceguide.routine.model",
)
"""What costs a noticeable part of a second to import, or more. (pydantic is not here: typer
itself loads it to run a command; voiceguide's own models, which build pydantic schemas, are.)"""

PROBE = """
import atexit, json, os, sys
from pathlib import Path
report = Path(sys.argv[1])
snapshots = {}

def save():
    snapshots["exit"] = sorted(sys.modules)
    report.write_text(json.dumps(snapshots))

atexit.register(save)
import voiceguide.live.feed as output

begin = output.begin

def begin_and_note(*args, **kwargs):  # the first sound of a run starts here
    snapshots.setdefault("sound starts", sorted(sys.modules))
    snapshots["begun"] = snapshots.get("begun", 0) + 1
    return begin(*args, **kwargs)

output.begin = begin_and_note
if "PROBE_BOOTS" in os.environ:  # note where a speech engine's worker is started ahead
    import voiceguide.speech.workers as workers

    start, synthesize_many = workers.WorkerEngine.start, workers.WorkerEngine.synthesize_many

    def start_and_note(self, preload=None):
        if preload is not None:
            snapshots.setdefault("voice boots", sorted(sys.modules))
            snapshots.setdefault("booted", []).append(id(self))
        return start(self, preload)

    def synthesize_and_note(self, texts, settings):
        snapshots.setdefault("speaks", id(self))
        return synthesize_many(self, texts, settings)

    workers.WorkerEngine.start = start_and_note
    workers.WorkerEngine.synthesize_many = synthesize_and_note
sys.argv = ["voiceguide", *sys.argv[2:]]
from voiceguide.__main__ import main
main()
"""
"""Runs the command line with `sys.argv[2:]`, and writes to `sys.argv[1]` which modules were
loaded when the sound started (if it did) and at exit; with PROBE_BOOTS set, also when a
speech engine was first booted ahead of its phrases, which engines were, and which spoke first."""


def modules(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[dict[str, list[str]], int]:
    """Which modules were loaded when `voiceguide ARGS` started its sound and when it ended."""
    report = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(report.read_text()), result.returncode


def heavy(loaded: list[str]) -> list[str]:
    return [name for name in HEAVY if name in loaded]


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("render", "--help"),
        ("play", "--help"),
        ("render", "back-pain", "--rate", "5"),
        ("play", "back-pain", "--profile", "nonsense"),
    ],
    ids=["help", "render-help", "play-help", "render-bad-rate", "play-bad-profile"],
)
def test_help_and_option_errors_load_nothing_heavy(tmp_path: Path, args: tuple[str, ...]) -> None:
    loaded, status = modules(tmp_path, *args)
    assert status == (0 if "--help" in args else 2)
    assert heavy(loaded["exit"]) == []


@needs_audio_tools
def test_a_warm_play_starts_its_sound_before_numpy_loads(tmp_path: Path) -> None:
    # The ALSA file device: no sound card needed, and no clock (this is about order, not time).
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text('pcm.!default { type file; slave.pcm { type null }; file "/dev/null" }\n')
    env = {"HOME": str(home), "VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
    routine = str(DATA / "cases" / "minimal.yaml")
    cold, status = modules(tmp_path, "play", routine, "--quiet", env=env)  # makes and remembers the lead-in
    # Cold: the start tone sounds before the command line loads, while the lead-in is made.
    assert status == 0 and cold["begun"] == 1, cold
    assert not {"typer", "voiceguide.cli", "voiceguide.routine.model"} & set(cold["sound starts"]), cold["sound starts"]
    warm, status = modules(tmp_path, "play", routine, "--quiet", env=env)
    assert status == 0
    assert heavy(warm["sound starts"]) == []  # the lead-in plays straight from its file...
    assert "numpy" in warm["exit"]  # ...while the rest loads
    # ...and before the command line itself loads (live/early.py), which then carries on in the
    # output it started: the sound starts once.
    assert not {"typer", "voiceguide.cli"} & set(warm["sound starts"]), warm["sound starts"]
    assert {"typer", "voiceguide.cli"} <= set(warm["exit"])
    assert warm["begun"] == 1, warm


@needs_audio_tools
@pytest.mark.skipif(not ENGINES["piper"].installed() and not os.environ.get("CI"), reason="needs piper-tts")
def test_a_cold_play_boots_its_voice_before_the_command_line_loads(tmp_path: Path) -> None:
    """No lead-in cached: Piper's worker loads its model (about half a second) while the command
    line and the routine load, and `play` speaks with that engine rather than booting another."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text('pcm.!default { type file; slave.pcm { type null }; file "/dev/null" }\n')
    env = {"HOME": str(home), "VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache"), "PROBE_BOOTS": "1"}
    cold, status = modules(tmp_path, "play", str(DATA / "cases" / "minimal.yaml"), "--quiet", env=env)
    assert status == 0 and cold["begun"] == 1
    assert not {"typer", "voiceguide.cli", "numpy"} & set(cold["voice boots"]), cold["voice boots"]
    assert len(cold["booted"]) == 1 and cold["speaks"] == cold["booted"][0]  # taken by `play`


class _Engine:
    closed = False

    def close(self) -> None:
        self.closed = True


def test_an_engine_booted_early_is_closed_unless_play_asks_for_that_same_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide.live import early

    for asked, taken in (((None, "auto"), True), (("joe", "auto"), False), ((None, "espeak-ng"), False)):
        engine = _Engine()
        monkeypatch.setattr(early, "_booted", (("back-pain", None, "auto"), engine))
        assert (early.take_engine("back-pain", *asked) is engine) == taken
        assert engine.closed != taken  # one not taken is closed; one taken is the caller's
        assert early.take_engine("back-pain", None, "auto") is None  # taken once
    engine = _Engine()
    monkeypatch.setattr(early, "_booted", (("back-pain", None, "auto"), engine))
    early.close_unused()  # the command failed before it played
    assert engine.closed


@needs_audio_tools
def test_a_warm_render_draws_no_picture_and_never_loads_cairosvg(tmp_path: Path) -> None:
    """A chapter picture is kept beside the speech clips: the render that drew it loads
    cairosvg, the next one takes the pictures from the cache and does not."""
    env = {"VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
    cold, status = modules(tmp_path, "render", "back-pain", "-o", str(tmp_path / "a.mp3"), env=env)
    assert status == 0 and "cairosvg" in cold["exit"]
    kept = list((tmp_path / "cache").glob("pictures-v*/*/*.png"))
    assert len(kept) == 8  # one per section and side: the chapters 1-8 of the MP3 show them
    warm, status = modules(tmp_path, "render", "back-pain", "-o", str(tmp_path / "b.mp3"), env=env)
    assert status == 0 and "cairosvg" not in warm["exit"]
    from mutagen.id3 import ID3

    pictures = [
        [f.data for f in ID3(tmp_path / name).getall("CHAP")[3].sub_frames.getall("APIC")]
        for name in ("a.mp3", "b.mp3")
    ]
    assert pictures[0] == pictures[1] and pictures[0]  # the same picture, from the cache
