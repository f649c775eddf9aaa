"""Speech length estimated from the text and the rate, for when no real clips exist yet."""

from __future__ import annotations

import re
from collections.abc import Callable

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_WORDS = re.compile(r"[a-z]+(?:'[a-z]+)?")

# Seconds at 100 words per minute, fitted by least squares to espeak-ng's English voice on
# the built-in routine's phrases at 130, 170 and 220 wpm (trimmed clips); all scale as 1/rate.
SYLLABLE_S = 0.345
CLAUSE_PAUSE_S = 0.44
SENTENCE_PAUSE_S = 0.79
ONSET_S = 0.21
MARGIN = 1.05
"""Err a little long: a cue sheet that runs slightly over is better than one that overlaps."""
MIN_LENGTH_S = 0.25
# Bare counts ("77") run faster than prose: fitted the same way on 1 to 100.
COUNT_ONSET_S = 0.25
COUNT_SYLLABLE_S = 0.14
COUNT_WORD_S = 0.30


def number_words(n: int) -> str:
    """English words for 0 <= n < 1,000,000, as a voice reads digits."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + number_words(rest))
    rest = n % 1000
    return number_words(n // 1000) + " thousand" + ("" if rest == 0 else " " + number_words(rest))


def syllables(text: str) -> int:
    """A rough syllable count: vowel groups per word, silent final e dropped."""
    spelled = re.sub(r"\d+", lambda m: " " + number_words(int(m.group()[:6])) + " ", text.lower())
    total = 0
    for word in _WORDS.findall(spelled):
        count = len(_VOWEL_GROUPS.findall(word))
        if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
            count -= 1
        total += max(1, count)
    return total


def estimate_speech_length(rate_wpm: int) -> Callable[[str], float]:
    """A `text -> seconds` function that guesses how long a voice takes at this rate."""
    scale = 100 / rate_wpm

    def length(text: str) -> float:
        if text.isdigit():
            words = number_words(int(text[:6])).replace("-", " ").split()
            at_100 = COUNT_ONSET_S + syllables(text) * COUNT_SYLLABLE_S + len(words) * COUNT_WORD_S
            return round(at_100 * scale, 3)
        clauses = len(re.findall(r"[,;:]\s+\S", text))
        sentences = len(re.findall(r"[.!?]\s+\S", text))
        at_100 = ONSET_S + syllables(text) * SYLLABLE_S + clauses * CLAUSE_PAUSE_S + sentences * SENTENCE_PAUSE_S
        return round(max(MIN_LENGTH_S, at_100 * scale * MARGIN), 3)

    return length
