"""Make the spoken-command corpus in tests/data/listen/: every command (and a few words that
are none) said by every synthetic voice this machine has, for the listener's tests and for
scripts/bench_listen.py.

Voices are split into two halves by voice, never by take: `tune` (the thresholds in
voiceguide/live/hearing.py are chosen on it) and `held-out` (judged on, never tuned on), so
a figure from the held-out half is for voices the listener has not met. Each voice says each
command twice, once slow and low, once fast and high; the words that are not commands once.
The room, the level, the noise and the voice talking over them are added when the corpus is
read (seeded, so every run hears the same sound).

Voices already in the corpus are kept to the sample (Piper samples each take anew, and the
tests say fixed takes); only voices not yet in it are synthesised. --fresh makes every voice
and the minute of the routine again.

Files (committed; a few MB of FLAC):
  takes.flac  every take end to end, 16 kHz mono 16-bit, each trimmed to its sound
  takes.json  where each take lies: words, voice, half, first sample, length
  voice.flac  a minute of the built-in routine as its default voice says it (Piper), the
              sound a command is said over
  voice.json  what the voice says when in that minute: [start s, end s, words]

    apt-get install flite festival festvox-kdlpc16k   # the voices beside espeak-ng and Piper
    .venv/bin/python scripts/make_listen_corpus.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
import soxr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tests"))

from voiceguide.live.hearing import COMMANDS, RATE  # noqa: E402

from listen_corpus import render_builtin  # noqa: E402

OUT = ROOT / "tests" / "data" / "listen"
NOT_COMMANDS = ("okay", "hello", "stay", "shop", "that hurts", "breathe out", "one more", "thank you")
"""Words a person lying on the floor may say that must not be taken for a command."""

# (engine, voice, half). Each half has espeak-ng's formant voices, flite's (and festival's)
# diphone and clunit voices, and the held-out half Piper's neural voice, which sounds most like
# a person. The last four tuning voices came later (the probe had seven voices to learn from):
# accents and a speaker no held-out voice here or in scripts/bench_listen_leads.py shares
# (en-029+f4 shares its +f4 variant, not its accent, with that bench's en-gb-x-gbclan+f4).
# festival's "us-slt-hts" is not among them: it is the speaker of flite's held-out "slt".
# festival's takes in the corpus were made before the script set its speed (both at the
# voice's own pace, their pitches apart): `--remake "festival ked_diphone"` makes them anew.
VOICES = (
    ("espeak", "en-us", "tune"),
    ("espeak", "en-us+f3", "tune"),
    ("espeak", "en-gb+m3", "tune"),
    ("espeak", "en-029", "tune"),
    ("espeak", "en-us+klatt", "tune"),
    ("flite", "kal16", "tune"),
    ("flite", "awb", "tune"),
    ("espeak", "en-us-nyc+m4", "tune"),
    ("espeak", "en-029+f4", "tune"),
    ("espeak", "en-us+klatt4", "tune"),
    ("festival", "ked_diphone", "tune"),
    ("espeak", "en-gb-scotland+f2", "held-out"),
    ("espeak", "en-gb-x-rp+m1", "held-out"),
    ("espeak", "en-us+f5", "held-out"),
    ("espeak", "en-gb-x-gbcwmd+m7", "held-out"),
    ("flite", "slt", "held-out"),
    ("flite", "rms", "held-out"),
    ("piper", "en_US-joe-medium", "held-out"),
)
TAKES = (("slow", 0.85, 0.93), ("fast", 1.15, 1.07))
"""(name, speed, pitch) of each take of a command: slow and low, fast and high."""


def espeak(text: str, voice: str, speed: float, pitch: float, work: Path) -> np.ndarray:
    out = work / "say.wav"
    wpm, pitch_level = round(160 * speed), round(50 * pitch)
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch_level), "-w", str(out), text], check=True)
    return read_wav(out)


def flite(text: str, voice: str, speed: float, pitch: float, work: Path) -> np.ndarray:
    out = work / "say.wav"
    subprocess.run(
        ["flite", "-voice", voice, "--setf", f"duration_stretch={1 / speed:.2f}", "-t", text, "-o", str(out)],
        check=True,
    )
    return shift_pitch(read_wav(out), pitch)


def festival(text: str, voice: str, speed: float, pitch: float, work: Path) -> np.ndarray:
    out = work / "say.wav"
    # one form (-eval reads no more), the voice's own stretch (ked's 1.1) scaled by the take's
    stretch = f"(* {1 / speed:.3f} (Parameter.get 'Duration_Stretch))"
    setup = f"(begin (voice_{voice}) (Parameter.set 'Duration_Stretch {stretch}))"
    subprocess.run(["text2wave", "-eval", setup, "-o", str(out)], input=text, text=True, check=True)
    return shift_pitch(read_wav(out), pitch)


SYNTHESISERS = {"espeak": espeak, "flite": flite, "festival": festival}


def piper(texts: list[str], speed: float, pitch: float) -> dict[str, np.ndarray]:
    from voiceguide.speech.base import VoiceSettings
    from voiceguide.speech.registry import make_engine

    engine = make_engine("piper")
    try:
        settings = VoiceSettings("en_US-joe-medium", round(160 * speed), 1.0)
        return {
            t: shift_pitch(soxr.resample(c.samples.astype(np.float32) / 32768, c.sample_rate, RATE), pitch)
            for t, c in engine.synthesize_many(texts, settings)
        }
    finally:
        engine.close()


def shift_pitch(x: np.ndarray, factor: float) -> np.ndarray:
    """Higher (factor > 1) and a little quicker, as a tape sped up: the voices with no pitch setting."""
    return soxr.resample(x, RATE * factor, RATE).astype(np.float32)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
        return soxr.resample(x, w.getframerate(), RATE).astype(np.float32)


def trimmed(x: np.ndarray) -> np.ndarray:
    """The take from 50 ms before its first sound to 50 ms after its last, peak at -1 dBFS."""
    loud = np.flatnonzero(np.abs(x) > 0.02 * np.max(np.abs(x)))
    pad = RATE // 20
    x = x[max(0, loud[0] - pad) : loud[-1] + pad]
    return x / np.max(np.abs(x)) * 10 ** (-1 / 20)


def write_flac(samples: np.ndarray, path: Path) -> None:
    pcm = np.clip(np.round(samples * 32768), -32768, 32767).astype("<i2")  # as read: kept takes stay exact
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "s16le",
            "-ar",
            str(RATE),
            "-ac",
            "1",
            "-i",
            "-",
            "-compression_level",
            "12",
            str(path),
        ],
        input=pcm.tobytes(),
        check=True,
    )


PIECE_S = (20, 80)


def voice_piece(work: Path) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """A minute of the built-in routine as `make run` says it (its instructions and a count),
    and what it says when."""
    track, said_all = render_builtin(work)
    lo, hi = PIECE_S
    said = [(round(a - lo, 3), round(b - lo, 3), w) for a, b, w in said_all if b > lo and a < hi]
    return read_wav(track)[RATE * lo : RATE * hi], said


def kept() -> dict[tuple[str, str, str], np.ndarray]:
    """The takes already in the corpus, by (voice, take, words): none if there is no corpus."""
    if not (OUT / "takes.json").exists():
        return {}
    from listen_corpus import takes as corpus_takes

    return {(t.voice, t.take, t.words): t.samples for t in corpus_takes()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="synthesise every voice again, and the routine's minute")
    parser.add_argument("--remake", nargs="+", default=[], metavar="VOICE", help='synthesise these again ("flite slt")')
    args = parser.parse_args()
    fresh = args.fresh
    OUT.mkdir(parents=True, exist_ok=True)
    words = [*COMMANDS, *NOT_COMMANDS]
    old = {} if fresh else {key: x for key, x in kept().items() if key[0] not in args.remake}
    takes: list[np.ndarray] = []
    index = []
    with tempfile.TemporaryDirectory(prefix="voiceguide-corpus-") as folder:
        work = Path(folder)
        for engine, voice, half in VOICES:
            name = f"{engine} {voice}"
            made = 0
            for take, speed, pitch in TAKES:
                said = [w for w in words if w in COMMANDS or take == "slow"]
                clips = {w: old[name, take, w] for w in said if (name, take, w) in old}
                missing = [w for w in said if w not in clips]
                if missing and engine == "piper":
                    clips |= {w: trimmed(x) for w, x in piper(missing, speed, pitch).items()}
                elif missing:
                    clips |= {w: trimmed(SYNTHESISERS[engine](w, voice, speed, pitch, work)) for w in missing}
                made += len(missing)
                for w in said:
                    x = clips[w]
                    index.append(
                        {
                            "words": w,
                            "voice": name,
                            "take": take,
                            "half": half,
                            "start": sum(t.size for t in takes),
                            "length": x.size,
                        }
                    )
                    takes.append(x)
            print(f"{name}: {made} takes made, the rest kept", file=sys.stderr)
        write_flac(np.concatenate(takes), OUT / "takes.flac")
        if fresh or not all((OUT / f).exists() for f in ("voice.flac", "voice.json")):
            piece, piece_said = voice_piece(work)
            write_flac(piece, OUT / "voice.flac")
            (OUT / "voice.json").write_text(json.dumps(piece_said, indent=0) + "\n")
    (OUT / "takes.json").write_text(json.dumps({"rate": RATE, "takes": index}, indent=0) + "\n")
    size = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(index)} takes, {size / 1e6:.1f} MB in {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
