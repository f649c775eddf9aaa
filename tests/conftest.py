"""Shared test set-up: an isolated clip cache, stable terminal settings, golden-file regeneration."""

from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

# numpy's OpenBLAS on one thread, as `voiceguide` runs it (its __main__), before numpy loads:
# the listener's scores move with the thread count (on one recording Whisper's "speech" was
# 0.71 with a thread a core and under `SPEECH`, 0.7, with one, where play had not obeyed), so
# only then does a recording replayed here give the verdicts play gave.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest
from sound_server import SoundServer, available

DATA = Path(__file__).parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        help="Rewrite the golden cue sheets from the current compiler (then read the diff).",
    )


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One clip cache for the whole run: real speech is made once, then reused."""
    return tmp_path_factory.mktemp("clip-cache")


@pytest.fixture(scope="session")
def no_own_voices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty voices folder: the developer's own Piper voices play no part in the tests."""
    return tmp_path_factory.mktemp("voices")


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, shared_cache: Path, no_own_voices: Path) -> None:
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(shared_cache))
    monkeypatch.setenv("VOICEGUIDE_VOICES_DIR", str(no_own_voices))
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")


def _has(*commands: str) -> bool:
    return all(shutil.which(c) for c in commands)


needs_audio_tools = pytest.mark.skipif(
    not _has("ffmpeg", "ffprobe", "espeak-ng") and not os.environ.get("CI"),
    reason="needs espeak-ng and ffmpeg (scripts/bootstrap.sh installs them)",
)


needs_sound_server = pytest.mark.skipif(
    not available() and not os.environ.get("CI"),
    reason="needs pulseaudio, pulseaudio-utils and alsa-utils (make test installs them)",
)


@pytest.fixture(scope="session")
def sound_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoundServer]:
    """One private PulseAudio server for the run (see sound_server.py)."""
    server = SoundServer(tmp_path_factory.mktemp("pulse"))
    try:
        yield server
    finally:
        server.close()


def read_line(stream, timeout: float) -> str:  # type: ignore[no-untyped-def]
    """One line from a child's pipe, or fail after `timeout` seconds (never hang)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"no line within {timeout} s") from None
