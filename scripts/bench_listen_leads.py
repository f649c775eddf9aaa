"""How `play --listen` takes a command said after another word ("please pause", "okay, next"),
and a remark that starts the same way ("okay, thanks", "hold on"), which it must not obey.

The recorded corpus (tests/data/listen) holds each command said alone; people often put a
word before it. This says each phrase with espeak-ng's voices and Piper's, in quiet near the
microphone (peak -6 dBFS), through the listener's own ears (voiceguide.live.hearing.Ears),
and counts what it obeys. Two halves, like the corpus: the rule for led-in commands
(hearing.LEAD_WORDS, the one word Whisper may write before a command without making it
something else) was tried on `tune`; `held-out` has other voices and other phrases (its lead
words are in LEAD_WORDS, a list of common fillers, not tuned), and is what
it is judged on.

    .venv/bin/python scripts/bench_listen_leads.py [--half tune|held-out|both] [--voices N]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `voiceguide` runs, so verdicts are play's (tests/conftest.py)

from voiceguide.live.hearing import Recogniser
from voiceguide.speech.base import SpeechEngine
from voiceguide.speech.registry import make_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from listen_corpus import obeyed_in_quiet, synthesised

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
            "alright, again": "again",
            "now stop": "stop",
            "okay, continue": "continue",
            "please stop": "stop",
            "alright, pause": "pause",
        },
        remarks=[
            "don't stop",
            "what's next",
            "okay",
            "thank you",
            "bus stop",
            "coffee pause",
            "full stop",
            "once more",
        ],
    ),
    "held-out": Half(
        voices=[
            ("espeak", "gmw/en-gb-scotland+f2"),
            ("espeak", "gmw/en-us+f5"),
            ("espeak", "gmw/en-gb-x-gbcwmd+m7"),
            ("espeak", "gmw/en-gb-x-gbclan+f4"),
            ("piper", "en_US-joe-medium"),
        ],
        commands={
            "right, stop": "stop",
            "um, pause": "pause",
            "hey, next": "next",
            "so, go back": "go back",
            "and again": "again",
            "yes, continue": "continue",
            "well, stop": "stop",
            "oh, pause": "pause",
            "yeah, next": "next",
            "no, continue": "continue",
            "hmm, go back": "go back",
            "ok stop": "stop",
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
            "you're next",
            "tea pause",
            "come back",
            "that's it",
        ],
    ),
}
"""Voices and phrases of each half. The held-out voices are none of the tuning half's, save
Piper's (the one Piper voice here), and its lead words none of the tuning half's phrases';
its remarks include words that end in a command's word after another ("tea pause", "you're
next"), which must not be obeyed."""


def run(half: str, recognise: Recogniser, speakers: dict[str, SpeechEngine], voices: int) -> Iterator[str]:
    spec = dataclasses.replace(HALVES[half], voices=HALVES[half].voices[:voices])
    right = wrong = missed = remarks_obeyed = 0
    notes: list[str] = []
    for engine, voice in spec.voices:
        if engine not in speakers:
            speakers[engine] = make_engine(engine)
        for text, command in spec.commands.items():
            got = obeyed_in_quiet(synthesised(speakers[engine], text, voice, LEVEL_DBFS), recognise)[0]
            if got[:1] == [command]:
                right += 1
            elif got:
                wrong += 1
                notes.append(f"missed: {text!r} by {voice}, obeyed as {got[0]!r}")
            else:
                missed += 1
                notes.append(f"missed: {text!r} by {voice}")
        for text in spec.remarks:
            got = obeyed_in_quiet(synthesised(speakers[engine], text, voice, LEVEL_DBFS), recognise)[0]
            if got:
                remarks_obeyed += 1
                notes.append(f"remark {text!r} by {voice} obeyed as {got[0]!r}")
    told = right + wrong + missed
    count = len(spec.voices) * len(spec.remarks)
    yield f"{half}: led-in commands obeyed {right} of {told} ({100 * right / told:.0f} %), as another command {wrong}"
    yield f"{half}: remarks obeyed as a command {remarks_obeyed} of {count}"
    yield from (f"  {note}" for note in notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=["tune", "held-out", "both"], default="both")
    parser.add_argument("--voices", type=int, default=99, help="only the first N (at least 1) voices of each half")
    args = parser.parse_args()
    if args.voices < 1:
        parser.error("--voices must be at least 1")
    recognise = Recogniser()
    speakers: dict[str, SpeechEngine] = {}
    try:
        for half in ["tune", "held-out"] if args.half == "both" else [args.half]:
            for line in run(half, recognise, speakers, args.voices):
                print(line, flush=True)
    finally:
        for speaker in speakers.values():
            speaker.close()


if __name__ == "__main__":
    main()
