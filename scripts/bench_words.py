"""What saying numbers as words costs a compile, in a ratio against a baseline in the same
process: the built-in routine compiled with each speech event's spoken words (numbers agreeing
with their nouns, in the routine's language), against the same compile with the words left as
written. The first compile of a run (nothing cached) and later ones are reported apart.

    .venv/bin/python scripts/bench_words.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from voiceguide.routine import language
from voiceguide.routine.loader import load_routine
from voiceguide.routine.numbers import number_words, spoken
from voiceguide.timeline.compiler import compile_routine
from voiceguide.timeline.estimate import estimate_speech_length
from voiceguide.timeline.options import CompileOptions


def compile_once(source: str) -> float:
    routine = load_routine(source)
    start = time.perf_counter()
    compile_routine(routine, options=CompileOptions(), speech_length=estimate_speech_length(170))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20)
    repeats = parser.parse_args().repeats
    real = language.numbers_spoken
    spoken.cache_clear()
    number_words.cache_clear()
    cold = compile_once("back-pain")
    words, plain = [], []
    for _ in range(repeats):  # interleaved, so a slow spell of the machine hits both
        words.append(compile_once("back-pain"))
        language.numbers_spoken = lambda text, code: text  # type: ignore[assignment]
        try:
            plain.append(compile_once("back-pain"))
        finally:
            language.numbers_spoken = real
    with_words, without = statistics.median(words), statistics.median(plain)
    print(
        json.dumps(
            {
                "first compile, nothing cached, s": round(cold, 3),
                "compile with spoken words, s": round(with_words, 4),
                "compile with words as written, s": round(without, 4),
                "with / without": round(with_words / without, 3),
                "first / later": round(cold / with_words, 2),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
