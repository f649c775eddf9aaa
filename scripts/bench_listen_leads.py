"""How `play --listen` takes a command said after another word ("please pause", "okay, next"),
and a remark that starts the same way ("okay, thanks", "hold on"), which it must not obey.

The recorded corpus (tests/data/listen) holds each command said alone; people often put a
word before it. This says each phrase with espeak-ng's voices and Piper's, in quiet near the
microphone (peak -6 dBFS), through the listener's own ears (voiceguide.live.hearing.Ears, as
tests/test_listen.py's `heard_offline`), and counts what it obeys. Two halves, like the
corpus: the rule for led-in commands (hearing.judge, `agreed`) was worked out on `tune`;
`held-out` has other voices and other lead words, and is what it is judged on.

    .venv/bin/python scripts/bench_listen_leads.py [--half tune|held-out|both]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from voiceguide.live.hearing import FRAME, RATE, Ears, Recogniser, Verdict  # noqa: E402
from voiceguide.speech.base import SpeechEngine, VoiceSettings  # noqa: E402
from voiceguide.speech.registry import make_engine  # noqa: E402

LEVEL_DBFS = -6.0


@dataclass(frozen=True)
class Half:
    voices: list[tuple[str, str]]
    """(engine, voice)"""
    commands: dict[str, str]
    """A phrase, and the command in it."""
    remarks: list[str]
    """Phrases that are no command."""


HALVES = {
    "tune": Half(
        voices=[
            ("espeak", "gmw/en-us"),
            ("espeak", "gmw/en-us+f3"),
            ("espeak", "gmw/en-gb-x-rp"),
            ("piper", "en_US-joe-medium"),
        ],
        commands={
            "please pause": "pause",
            "okay next": "next",
            "just go back": "go back",
            "start again": "again",
            "now stop": "stop",
            "okay, continue": "continue",
            "please stop": "stop",
            "alright, pause": "pause",
        },
        remarks=["don't stop", "what's next", "okay", "thank you"],
    ),
    "held-out": Half(
        voices=[
            ("espeak", "gmw/en-029"),
            ("espeak", "gmw/en-gb-scotland+f2"),
            ("espeak", "gmw/en-us+f5"),
            ("espeak", "gmw/en-gb-x-gbcwmd+m7"),
            ("espeak", "gmw/en-us+klatt"),
            ("piper", "en_US-joe-medium"),
        ],
        commands={
            "right, stop": "stop",
            "um, pause": "pause",
            "hey, next": "next",
            "so, go back": "go back",
            "and again": "again",
            "then continue": "continue",
            "ok stop": "stop",
            "now pause": "pause",
            "yes, next": "next",
            "please continue": "continue",
            "okay go back": "go back",
            "just stop": "stop",
        },
        remarks=[
            "please don't",
            "okay thanks",
            "not yet",
            "hold on",
            "that's good",
            "oh no",
            "right there",
            "go on",
            "much better",
            "it hurts",
            "I'm fine",
            "keep going",
        ],
    ),
}
"""Voices and phrases of each half; a voice may be in both halves with other phrases."""


def obeyed(pcm: np.ndarray, ears: Ears) -> list[str]:
    """The commands the listener obeys in `pcm` (int16, 16 kHz), said in quiet."""
    quiet = np.zeros(RATE, dtype="<i2")  # the listener has been listening a while
    pcm = np.concatenate([quiet, pcm, quiet])
    silence = np.zeros(FRAME, "<i2")
    heard = (ears.hear(pcm[i : i + FRAME], silence) for i in range(0, pcm.size - FRAME, FRAME))
    return [v.words for v in heard if isinstance(v, Verdict) and v.command is not None]


def said(text: str, engine: str, voice: str, speakers: dict[str, SpeechEngine]) -> np.ndarray:
    """`text` in that voice, 16 kHz int16, its peak at LEVEL_DBFS, a quarter second of quiet around it."""
    speaker = speakers.setdefault(engine, make_engine(engine))
    clip = speaker.synthesize(text, VoiceSettings(voice, 160, 1.0))
    samples = soxr.resample(clip.samples.astype(np.float32) / 32768, clip.sample_rate, RATE)
    samples = samples / np.max(np.abs(samples)) * 10 ** (LEVEL_DBFS / 20)
    quiet = np.zeros(RATE // 4, dtype=np.float32)
    return (np.concatenate([quiet, samples, quiet]) * 32767).astype("<i2")


def run(half: str, recognise: Recogniser, speakers: dict[str, SpeechEngine]) -> Iterator[str]:
    spec = HALVES[half]
    right = wrong = missed = remarks_obeyed = 0
    misses: list[str] = []
    for engine, voice in spec.voices:
        for text, command in spec.commands.items():
            got = obeyed(said(text, engine, voice, speakers), Ears(recognise))
            if got[:1] == [command]:
                right += 1
            elif got:
                wrong += 1
                misses.append(f"{text!r} by {voice} as {got[0]!r}")
            else:
                missed += 1
                misses.append(f"{text!r} by {voice}")
        for text in spec.remarks:
            got = obeyed(said(text, engine, voice, speakers), Ears(recognise))
            if got:
                remarks_obeyed += 1
                misses.append(f"remark {text!r} by {voice} obeyed as {got[0]!r}")
    told = right + wrong + missed
    count = len(spec.voices) * len(spec.remarks)
    yield f"{half}: led-in commands obeyed {right} of {told} ({100 * right / told:.0f} %), as another command {wrong}"
    yield f"{half}: remarks obeyed as a command {remarks_obeyed} of {count}"
    yield from (f"  {m}" for m in misses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=["tune", "held-out", "both"], default="both")
    args = parser.parse_args()
    recognise = Recogniser()
    speakers: dict[str, SpeechEngine] = {}
    try:
        for half in ["tune", "held-out"] if args.half == "both" else [args.half]:
            for line in run(half, recognise, speakers):
                print(line, flush=True)
    finally:
        for speaker in speakers.values():
            speaker.close()


if __name__ == "__main__":
    main()
