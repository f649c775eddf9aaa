"""How well `play --listen` hears its commands, and how rarely it obeys its own voice.

Offline, through the code that listens live (voiceguide.live.hearing.Ears: the echo
canceller, the voice detector and the judge with Whisper), 10 ms at a time, on the
recorded corpus in tests/data/listen (scripts/make_listen_corpus.py):

- Commands said once each, by every voice of a half, at two levels (near the microphone and
  across the room), in a pause and over the routine's own voice coming back from a simulated
  room (6 dB under the level it plays at; and from a loud speaker, about as loud as it plays),
  with the voice turned down (ducked) the moment the listener hears someone start to speak,
  as it is live. A command counts when it is the first command obeyed after it is said;
  another command obeyed instead is a wrong one.
- Words that are not commands ("okay", "that hurts", ...): how many are obeyed as one.
- Its own voice: the whole built-in routine, echoed back by rooms of several sizes, delays
  and levels, for --hours of sound: every command obeyed there is a false command, and every
  duck a moment the voice dipped for nothing. The rooms, too, come in two halves.
- Latency: from the end of the word to the verdict. CPU: seconds of CPU per second of sound,
  in the listener alone (what `play --listen` costs) and with the simulated room around it.

The thresholds in hearing.py were chosen on the `tune` half; the `held-out` half (other
voices) is what the figures are judged on, and nothing is ever tuned on it.

    .venv/bin/python scripts/bench_listen.py                  # both halves, 10 hours of its voice
    .venv/bin/python scripts/bench_listen.py --hours 1 --half held-out
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `voiceguide` runs, so verdicts are play's (tests/conftest.py)

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from voiceguide.live.hearing import COMMANDS, FRAME, RATE, Ears, Heard, Recogniser, Speaking, Verdict  # noqa: E402

import listen_corpus as corpus  # noqa: E402

DUCK_DB = 18.0
"""How far the voice is turned down while someone speaks (voiceguide.live.output.DUCK_DB)."""
AFTER_S = 1.5
"""A verdict this long after the word's end still answers it."""
HELD_OUT_ROOMS = 1000
"""Its own voice is echoed by rooms 0, 1, 2... (their seeds) on the tuning half, and by rooms
1000, 1001... on the held-out half: rooms the thresholds were never chosen in."""


SCENES = ((False, True, False), (True, False, False), (True, True, False), (True, True, True))
"""Where a command is said (over the voice, the voice ducked, from a loud speaker): in a pause;
over the voice, not ducked, to measure what the duck alone is worth; over it, ducked; and over
a loud speaker, ducked."""
WHERE = {
    (False, True, False): "in a pause",
    (True, False, False): "over the voice, no duck",
    (True, True, False): "over the voice",
    (True, True, True): "over a loud speaker",
}

ECHO_BANDS = (
    ("over 3 dB under what plays", -np.inf, -3.0),
    ("within 3 dB of it", -3.0, 3.0),
    ("over 3 dB louder", 3.0, np.inf),
)
"""Its own voice's rooms, by how loud their echo comes back (direct path and tail: -6 to +7 dB
of what plays; of rooms 0-43 and 1000-1043, 6, 59 and 23 in these bands), for the ducks for
nothing in each. All are louder than the room the commands are said in over the voice
(`corpus.ECHO_DB`): its own voice is judged in louder rooms than a person's word."""

_recogniser: Recogniser | None = None


def recogniser() -> Recogniser:
    """One per process: its model takes a moment and about 100 MB to load."""
    global _recogniser
    _recogniser = _recogniser or Recogniser()
    return _recogniser


def seed_of(*parts: object) -> int:
    return zlib.crc32(repr(parts).encode())


def one_take(job: tuple[corpus.Take, float, bool, bool, bool]) -> dict:
    """Say one take in one scene; what the listener made of it."""
    take, level_db, over_voice, duck, loud = job
    seed = seed_of(take.voice, take.take, take.words, level_db)
    scene = corpus.scene(take, level_db=level_db, over_voice=over_voice, seed=seed, loud=loud)
    ears = Ears(recogniser())
    answers = corpus.listen(scene, ears.hear, duck_db=DUCK_DB if duck else None)
    start, end = scene.start // FRAME, scene.end // FRAME
    window = [(i, a) for i, a in answers if start <= i <= end + AFTER_S * RATE / FRAME]
    obeyed = [(i, a) for i, a in window if isinstance(a, Verdict) and a.command is not None]
    ducked = any(isinstance(a, Speaking) for _, a in window)
    first = obeyed[0] if obeyed else None
    return {
        "words": take.words,
        "voice": take.voice,
        "half": take.half,
        "level_db": level_db,
        "over_voice": over_voice,
        "duck": duck,
        "loud": loud,
        "obeyed": first[1].words if first else None,
        "latency_s": (first[0] + 1 - end) * FRAME / RATE if first else None,
        "ducked": ducked,
        "heard_as": [f"{a.words or '-'} ({a.why})" for _, a in window if isinstance(a, Verdict)],
        "measured": [a.measured for _, a in window if isinstance(a, Verdict)],
    }


def own_voice(job: tuple[Path, Path, int, float], recognise: Callable[[np.ndarray, str], Heard] | None = None) -> dict:
    """The routine's track (WAV) echoed by room `k`, `seconds` of it: false commands and ducks
    (`recognise`: what hears each utterance, this process's `recogniser` if not given)."""
    track, plan, k, seconds = job
    far = corpus.read_track(track)[: round(seconds * RATE)]
    rng = np.random.default_rng(k)
    ir = corpus.impulse(
        gain=float(rng.uniform(0.25, 0.7)),
        delay_s=float(rng.uniform(0.005, 0.06)),
        decay_s=float(rng.uniform(0.03, 0.12)),
        seed=k,
    )
    noise = (rng.standard_normal(far.size) * 10 ** (corpus.NOISE_DBFS / 20)).astype(np.float32)
    loop = corpus.Loop(far, ir)
    events = json.loads(plan.read_text())
    starts = np.array([e[0] for e in events])
    ears = Ears(recognise or recogniser())
    delay = round(corpus.OUTPUT_DELAY_S * RATE)
    echo_db = 10 * np.log10(float(np.sum(ir.astype(np.float64) ** 2)))  # what the room returns of what plays
    obeyed, ducks, clipped = [], 0, 0
    hearing = 0.0
    """CPU seconds in the listener alone (`Ears.hear`), without the simulated room."""
    started = time.process_time()
    for i in range(far.size // FRAME):
        lo, hi = i * FRAME, (i + 1) * FRAME
        t = lo / RATE
        j = int(np.searchsorted(starts, t, side="right"))
        said = " ".join(w for a, b, w in events[max(0, j - 3) : j] if a <= t <= b)
        played, echo = loop.frame(lo, hi)
        near = corpus.frames(echo + noise[lo:hi])[0]
        clipped += int(np.max(np.abs(near.astype(np.int32)))) >= 32767
        ours = corpus.frames(played)[0]
        heard_from = time.process_time()
        answer = ears.hear(near, ours, said)
        hearing += time.process_time() - heard_from
        if isinstance(answer, Speaking):
            ducks += 1
            loop.turn(hi + delay, 10 ** (-DUCK_DB / 20))
        elif isinstance(answer, Verdict):
            loop.turn(hi + delay, 1.0)
            if answer.command is not None:
                obeyed.append((round(t, 2), answer.words, answer.measured))
    return {
        "seconds": far.size // FRAME * FRAME / RATE,
        "cpu_s": time.process_time() - started,
        "hearing_cpu_s": hearing,
        "obeyed": obeyed,
        "ducks": ducks,
        "echo_db": echo_db,
        "clipped_frames": clipped,
    }


def render(work: Path) -> tuple[Path, Path]:
    """The built-in routine as `make run` says it, and what it says when (a JSON file)."""
    track, said = corpus.render_builtin(work)
    plan = work / "plan.json"
    plan.write_text(json.dumps(said))
    return track, plan


def rate(rows: list[dict]) -> str:
    right = sum(r["obeyed"] == r["words"] for r in rows)
    return f"{right}/{len(rows)} = {100 * right / max(1, len(rows)):.0f} %"


def report(rows: list[dict], own: list[dict]) -> None:
    commands = [r for r in rows if r["words"] in COMMANDS]
    others = [r for r in rows if r["words"] not in COMMANDS]
    print("| half | where | level | obeyed the first time | wrong command | ducked | latency median / worst |")
    print("|---|---|---|---|---|---|---|")
    for half in ("tune", "held-out"):
        for over, duck, loud in SCENES:
            for level in corpus.LEVELS_DB:
                sel = [
                    r
                    for r in commands
                    if (r["half"], r["over_voice"], r["duck"], r.get("loud", False), r["level_db"])
                    == (half, over, duck, loud, level)
                ]
                if not sel:
                    continue
                wrong = sum(r["obeyed"] not in (None, r["words"]) for r in sel)
                lags = [r["latency_s"] for r in sel if r["latency_s"] is not None and r["obeyed"] == r["words"]]
                where = WHERE[over, duck, loud]
                lag = f"{np.median(lags):.2f} / {max(lags):.2f} s" if lags else "-"
                ducked = sum(r["ducked"] for r in sel)
                print(f"| {half} | {where} | {level:g} dB | {rate(sel)} | {wrong} | {ducked}/{len(sel)} | {lag} |")
    for half in ("tune", "held-out"):
        sel = [r for r in others if r["half"] == half]
        if sel:
            taken = [f"{r['words']}->{r['obeyed']}" for r in sel if r["obeyed"]]
            print(f"\nwords that are no command, {half}: {len(taken)} of {len(sel)} obeyed as one {taken}")
            for key, where in WHERE.items():
                here = [r for r in sel if (r["over_voice"], r["duck"], r.get("loud", False)) == key]
                if here:
                    print(f"  {where}: {sum(bool(r['obeyed']) for r in here)} of {len(here)}")
    if own:
        hours = sum(o["seconds"] for o in own) / 3600
        false = [x for o in own for x in o["obeyed"]]
        ducks = sum(o["ducks"] for o in own)
        seconds = sum(o["seconds"] for o in own)
        cpu = sum(o["cpu_s"] for o in own) / seconds
        hearing = sum(o["hearing_cpu_s"] for o in own) / seconds
        print(f"\nits own voice, {hours:.1f} hours of the built-in routine through {len(own)} rooms:")
        print(f"  commands obeyed: {len(false)} {[(t, words) for t, words, _ in false[:10]]}")
        print(f"  ducks for nothing: {ducks} ({ducks / hours:.1f} an hour)")
        for name, low, high in ECHO_BANDS:
            rooms = [o for o in own if low <= o["echo_db"] < high]
            if rooms:
                each = sorted(round(o["ducks"] / (o["seconds"] / 3600)) for o in rooms)
                clipping = sum(o["clipped_frames"] > 0 for o in rooms)
                print(f"    {len(rooms)} rooms whose echo is {name} ({clipping} clip the microphone):")
                print(f"      ducks an hour in each {each}")
        print(f"  CPU, the listener alone: {hearing:.3f} s per second of sound ({100 * hearing:.1f} % of one core)")
        print(f"  CPU, with the simulated room: {cpu:.3f} s per second of sound ({100 * cpu:.1f} % of one core)")
    misses = [r for r in commands if r["half"] == "held-out" and r["obeyed"] != r["words"] and r["duck"]]
    if misses:
        print("\nheld-out misses:")
        for r in misses:
            where = WHERE[r["over_voice"], r["duck"], r.get("loud", False)]
            print(
                f"  {r['words']!r} {r['voice']} {r['level_db']:g} dB {where}: "
                f"obeyed {r['obeyed']}, heard {r['heard_as']}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--half", choices=("tune", "held-out", "both"), default="both")
    parser.add_argument("--hours", type=float, default=10.0, help="hours of its own voice to listen to (0: none)")
    parser.add_argument("--json", type=Path, help="also write every row here")
    parser.add_argument("--takes", type=int, help="only every Nth take (a quick look)")
    args = parser.parse_args()
    takes = corpus.takes(None if args.half == "both" else args.half)[:: args.takes or 1]
    jobs = [
        (t, level, over, duck, loud)
        for t in takes
        for level in corpus.LEVELS_DB
        for over, duck, loud in SCENES
        if t.words in COMMANDS or duck  # words that are no command: wherever the voice is ducked
    ]
    with tempfile.TemporaryDirectory(prefix="voiceguide-bench-listen-") as folder, ProcessPoolExecutor(2) as pool:
        started = time.monotonic()
        rows = list(pool.map(one_take, jobs, chunksize=8))
        own: list[dict] = []
        if args.hours > 0:
            track, plan = render(Path(folder))
            length = corpus.read_track(track).size / RATE
            passes, left = int(args.hours * 3600 // length), args.hours * 3600 % length
            rooms = HELD_OUT_ROOMS if args.half != "tune" else 0
            own_jobs = [(track, plan, rooms + k, length) for k in range(passes)] + (
                [(track, plan, rooms + passes, left)] if left > 1 else []
            )
            own = list(pool.map(own_voice, own_jobs))
        print(
            f"({len(rows)} scenes and {sum(o['seconds'] for o in own) / 3600:.1f} h of its voice "
            f"in {time.monotonic() - started:.0f} s)\n"
        )
    report(rows, own)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "own": own}, indent=1))


if __name__ == "__main__":
    main()
