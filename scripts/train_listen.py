"""Train the probe that tells `play --listen` which command it heard (voiceguide/live/commands.npz).

On the tuning half of the recorded corpus only (tests/data/listen; the held-out half is what
scripts/bench_listen.py judges it on): every utterance the listener's own ears
(voiceguide.live.hearing.Ears: the echo canceller, the voice detector and the judge's echo
checks) hand to the recogniser, in the scenes the bench says the tuning half's takes in (in a
pause, over the voice and over a loud speaker, at two levels), labelled with the command said
in it or "other" (the corpus's words that are no command, and what the canceller leaves of
the voice before or after a word); the same for each take said slower and lower, and quicker
and higher, at other levels (`VARIANTS`); and every utterance its own voice makes it hand
over in --hours of the built-in routine echoed by the tuning rooms, all "other". Each becomes
Whisper's encoder's reading of its own frames (hearing.pooled), and hearing.Probe.fit a
multinomial logistic regression on them. First each voice's takes, as recorded, are judged
by a probe trained on the other voices (how `SURE` was chosen); with --check, nothing is
written. About 30 minutes on 2 cores.

    .venv/bin/python scripts/train_listen.py            # writes voiceguide/live/commands.npz
    .venv/bin/python scripts/train_listen.py --check
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `voiceguide` runs (tests/conftest.py)

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_listen as bench  # noqa: E402

from voiceguide.live.hearing import (  # noqa: E402
    CLASSES,
    COMMANDS,
    END_FRAMES,
    FRAME,
    KEPT_AFTER_FRAMES,
    OBEYED,
    OTHER,
    PROBE,
    RATE,
    SURE,
    SURE_WRITTEN,
    Ears,
    Heard,
    Probe,
    Whisper,
    decide,
    pooled,
)

import listen_corpus as corpus  # noqa: E402

_whisper: Whisper | None = None

VARIANTS = ((0.9, -13.0), (1.12, -26.0))
"""Each take of the tuning half is also said slower and lower (speed and pitch times 0.9) at
-13 dBFS, and quicker and higher (1.12) at -26 dBFS, each in a room of its own, in a pause and
over the ducked voice: seven voices were few, and a word said quietly over the voice is where
the probe was least sure (the bench's levels stay -6 and -20: the variants are never judged)."""
VARIANT_SCENES = ((False, True, False), (True, True, False))


class Recording:
    """A recogniser that hears nothing and keeps what it was given: the utterance, and the
    frame being heard when it was handed over (`frame`, set by whoever feeds `Ears`)."""

    def __init__(self) -> None:
        self.frame = 0
        self.given: list[tuple[int, np.ndarray, str]] = []

    def __call__(self, pcm: np.ndarray, said: str = "") -> Heard:
        self.given.append((self.frame, pcm.copy(), said))
        return Heard(None, 0.0)


@dataclass(frozen=True)
class Row:
    """One utterance: whose (a voice, or its own voice's room), what was said in it, and what
    Whisper made of it."""

    voice: str
    label: str
    """A command, or `OTHER`."""
    features: np.ndarray
    """What the probe reads (`pooled`)."""
    written: str
    speech: float
    said: str
    """What voiceguide's voice was saying meanwhile."""
    varied: bool = False
    """Said as one of `VARIANTS`: trained on, never judged by `check`."""
    scene: str = ""
    """Where it was said, as the bench names it ("-20 dB over the voice")."""


def row(voice: str, label: str, pcm: np.ndarray, said: str, varied: bool = False, scene: str = "") -> Row:
    global _whisper
    _whisper = _whisper or Whisper()
    encoded = _whisper.encode(pcm)
    features = pooled(_whisper.rows(encoded), pcm.size)
    return Row(voice, label, features, *_whisper.write(encoded), said, varied, scene)


def varied(take: corpus.Take, factor: float) -> corpus.Take:
    """`take` played `factor` times as fast (its pitch raised as much)."""
    n = round(take.samples.size / factor)
    samples = np.interp(np.arange(n) * factor, np.arange(take.samples.size), take.samples).astype(np.float32)
    return dataclasses.replace(take, take=f"{take.take} x{factor}", samples=samples)


def scene_utterances(job: tuple[corpus.Take, float, bool, bool, bool, bool]) -> list[Row]:
    """Each utterance handed over in one scene, as bench_listen says it."""
    take, level_db, over_voice, duck, loud, is_variant = job
    scene = corpus.scene(
        take,
        level_db=level_db,
        over_voice=over_voice,
        seed=bench.seed_of(take.voice, take.take, take.words, level_db),
        loud=loud,
    )
    recording = Recording()
    ears = Ears(recording)

    def hear(near: np.ndarray, far: np.ndarray, said: str) -> object:
        answer = ears.hear(near, far, said)
        recording.frame += 1
        return answer

    corpus.listen(scene, hear, duck_db=bench.DUCK_DB if duck else None)
    found = []
    for frame, pcm, said in recording.given:
        # `Ears` ends an utterance after END_FRAMES of silence and keeps KEPT_AFTER_FRAMES of
        # them (one cut short at LONGEST_S is never handed over: the judge turns it down first)
        end = (frame + 1 - (END_FRAMES - KEPT_AFTER_FRAMES)) * FRAME
        overlap = min(end, scene.end) - max(end - pcm.size, scene.start)
        if overlap <= 0:
            label = OTHER
        elif overlap >= (scene.end - scene.start) / 2:
            label = take.words if take.words in COMMANDS else OTHER
        else:
            continue  # a piece of the word: neither it nor something else
        where = f"{level_db:.0f} dB {bench.WHERE[over_voice, duck, loud]}"
        found.append(row(take.voice, label, pcm, said, is_variant, where))
    return found


def own_voice_utterances(job: tuple[Path, Path, int, float]) -> list[Row]:
    recording = Recording()
    bench.own_voice(job, recording)
    return [row(f"room {job[2]}", OTHER, pcm, said) for _, pcm, said in recording.given]


def check(rows: list[Row]) -> None:
    """Each voice (and each room) judged by a probe trained on the others, with the decoder's
    words as `decide` weighs them, at several bars: how `SURE` and `SURE_WRITTEN` were chosen."""
    x = np.array([r.features for r in rows])
    voices = np.array([r.voice for r in rows])
    chances = np.zeros((len(rows), len(CLASSES)))
    for voice in sorted(set(voices)):
        out = voices == voice
        probe = Probe.fit(x[~out], [r.label for r, o in zip(rows, out, strict=True) if not o])
        chances[out] = probe(x[out])
    for sure, written in ((0.8, 0.8), (0.9, 0.5), (SURE, SURE_WRITTEN), (SURE, SURE), (0.99, 0.5)):
        counts: Counter[str | tuple[str, str]] = Counter()
        obeyed_each = [False] * len(rows)
        for i, (r, row_chances) in enumerate(zip(rows, chances, strict=True)):
            if r.varied:
                continue
            best = int(np.argmax(row_chances))
            words = CLASSES[best] if CLASSES[best] != OTHER else None
            heard = Heard(words, float(row_chances[best]), r.written, r.speech)
            obeyed = words if decide(heard, r.said, sure=sure, sure_written=written) == OBEYED else None
            obeyed_each[i] = obeyed == r.label
            kind = "command" if r.label != OTHER else "other"
            counts[kind] += 1
            counts[kind, "right"] += obeyed == r.label
            counts[kind, "wrong"] += obeyed is not None and obeyed != r.label
        if (sure, written) == (SURE, SURE_WRITTEN):
            for where in sorted({r.scene for r in rows if r.scene and not r.varied}):
                of = [i for i, r in enumerate(rows) if r.scene == where and r.label != OTHER and not r.varied]
                print(f"  {where}: {sum(obeyed_each[i] for i in of)}/{len(of)} commands obeyed")
        print(
            f"SURE {sure}, SURE_WRITTEN {written}: commands {counts['command', 'right']}/{counts['command']} "
            f"obeyed, {counts['command', 'wrong']} as another; "
            f"other {counts['other', 'wrong']}/{counts['other']} obeyed as a command"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=2.0, help="hours of its own voice in the tuning rooms")
    parser.add_argument(
        "--check", action="store_true", help="only judge each voice by a probe trained on the others; write nothing"
    )
    parser.add_argument("--out", type=Path, default=PROBE)
    parser.add_argument("--takes", type=int, help="only every Nth take (a quick look)")
    parser.add_argument("--no-variants", action="store_true", help="only the takes as recorded (no `VARIANTS`)")
    args = parser.parse_args()
    takes = corpus.takes("tune")[:: args.takes or 1]
    jobs = [
        (t, level, over, duck, loud, False)
        for t in takes
        for level in corpus.LEVELS_DB
        for over, duck, loud in bench.SCENES
        if t.words in COMMANDS or duck
    ]
    if not args.no_variants:
        jobs += [
            (varied(t, factor), level, over, duck, loud, True)
            for t in takes
            for factor, level in VARIANTS
            for over, duck, loud in VARIANT_SCENES
        ]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="voiceguide-train-listen-") as folder, ProcessPoolExecutor(2) as pool:
        rows = [row for found in pool.map(scene_utterances, jobs, chunksize=8) for row in found]
        if args.hours > 0:
            track, plan = bench.render(Path(folder))
            length = corpus.read_track(track).size / RATE
            passes, left = int(args.hours * 3600 // length), args.hours * 3600 % length
            own = [(track, plan, k, length) for k in range(passes)] + (
                [(track, plan, passes, left)] if left > 1 else []
            )
            rows += [row for found in pool.map(own_voice_utterances, own) for row in found]
    print(
        f"{len(rows)} utterances ({sum(r.varied for r in rows)} of variants) in {time.monotonic() - started:.0f} s:"
        f" {Counter(r.label for r in rows)}"
    )
    check(rows)
    if args.check:
        return
    Probe.fit(np.array([r.features for r in rows]), [r.label for r in rows]).save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
