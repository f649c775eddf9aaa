"""Reading rendered audio back with the real tools: ffprobe for structure, ffmpeg to decode."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np


def probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            "-show_chapters",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def decode(path: Path, sample_rate: int = 44100) -> np.ndarray:
    """The file as float32 mono samples; ffmpeg's decoder drops the MP3 encoder delay itself."""
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(sample_rate),
            "-",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def onset_lag_s(
    track: np.ndarray,
    template: np.ndarray,
    expected_s: float,
    sample_rate: int,
    search_s: float = 0.1,
) -> float:
    """Where `template` best matches `track` near `expected_s`, minus `expected_s` (seconds)."""
    lo = max(0, round((expected_s - search_s) * sample_rate))
    hi = min(len(track), round((expected_s + search_s) * sample_rate) + len(template))
    window = track[lo:hi]
    n = 1 << (len(window) + len(template)).bit_length()
    corr = np.fft.irfft(np.fft.rfft(window, n) * np.conj(np.fft.rfft(template, n)), n)
    valid = corr[: len(window) - len(template) + 1]
    return (lo + int(np.argmax(valid))) / sample_rate - expected_s


def ebur128_loudness(path: Path) -> float:
    """The file's integrated loudness (LUFS) by ffmpeg's own EBU R 128 meter: a meter that is
    not voiceguide's, so a wrong K-weighting in voiceguide cannot pass by measuring itself."""
    result = subprocess.run(
        ["ffmpeg", "-nostats", "-v", "info", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    summary = result.stderr[result.stderr.rindex("Summary:") :]
    return float(summary.split("I:", 1)[1].split("LUFS", 1)[0])
