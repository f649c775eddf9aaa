"""What the pictures cost, in ratios against baselines run in the same process.

- A warm render of the built-in routine (every clip cached) with its chapter pictures,
  against the same routine with its pictures taken out, interleaved.
- Drawing the ten chapter pictures alone, against that render.
- `voiceguide card` (plan, lay out, PDF and PNG), against that render.
- The peak memory of a process making the card, against one planning the routine (what
  `voiceguide show` does), each a fresh interpreter.

Machines here are noisy, so each timing is the median of a few runs.

    .venv/bin/python scripts/bench_pictures.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from voiceguide.app.voicing import plan_timeline
from voiceguide.limits import PICTURE_PIXELS
from voiceguide.pictures.cache import Image
from voiceguide.pictures.card import CardLink, card_files, card_svg
from voiceguide.pictures.draw import chapter_pictures
from voiceguide.render.cover import cover_jpeg
from voiceguide.render.pipeline import render
from voiceguide.render.provenance import RenderSettings
from voiceguide.routine.loader import load_routine
from voiceguide.timeline.options import CompileOptions


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_memory(statement: str) -> int:
    """Peak resident memory (bytes) of a fresh interpreter that loads the built-in routine and
    runs `statement` (VmHWM, which starts afresh at exec)."""
    code = (
        "from voiceguide.routine.loader import load_routine\n"
        "from voiceguide.app.voicing import plan_timeline\n"
        "from voiceguide.timeline.options import CompileOptions\n"
        "from voiceguide.pictures.card import CardLink, card_files, card_svg\n"
        "r, o = load_routine('back-pain'), CompileOptions()\n"
        f"{statement}\n"
        "print([line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')][0])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(result.stdout.split()[-1]) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    routine = load_routine("back-pain")
    plain = routine.model_copy(update={"sections": [s.model_copy(update={"picture": None}) for s in routine.sections]})
    options = CompileOptions()
    settings = RenderSettings(options)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "bench.mp3"
        render(routine, output=out, overwrite=True, settings=settings)  # warms the clip cache
        pictured, bare = [], []
        for _ in range(repeats):  # interleaved, so a slow spell of the machine hits both
            pictured.append(median_time(lambda: render(routine, output=out, overwrite=True, settings=settings), 1))
            bare.append(median_time(lambda: render(plain, output=out, overwrite=True, settings=settings), 1))
        timeline = plan_timeline(routine, options=options)
        ids = [c.id for c in timeline.chapters]
        cover = Image(cover_jpeg(routine, size=PICTURE_PIXELS), "image/jpeg")
        drawing = median_time(lambda: chapter_pictures(routine, ids, otherwise=cover), repeats)

        def card() -> None:
            card_files(
                card_svg(
                    routine, plan_timeline(routine, options=options), profile="standard", link=CardLink("http://a/")
                )
            )

        carding = median_time(card, repeats)
    render_pictured, render_bare = statistics.median(pictured), statistics.median(bare)
    card_memory = peak_memory(
        "card_files(card_svg(r, plan_timeline(r, options=o), profile='standard', link=CardLink('http://a/')))"
    )
    plan_memory = peak_memory("plan_timeline(r, options=o)")
    print(
        json.dumps(
            {
                "warm render with pictures, s": round(render_pictured, 3),
                "warm render without pictures, s": round(render_bare, 3),
                "render with / without pictures": round(render_pictured / render_bare, 3),
                "drawing the 10 chapter pictures, s": round(drawing, 3),
                "drawing / warm render": round(drawing / render_pictured, 3),
                "card (plan + layout + PDF + PNG), s": round(carding, 3),
                "card / warm render": round(carding / render_pictured, 3),
                "peak memory making the card, MB": round(card_memory / 1e6, 1),
                "card / planning alone, peak memory": round(card_memory / plan_memory, 2),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
