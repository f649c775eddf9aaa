"""Numbers as a voice should say them, in the routine's language and region.

A bare number is said in its counting form ("eins", "un", "uno", "um"). Before a noun it
agrees with it, as the noun's gender asks: "vingt et une secondes", "veintiún segundos",
"ventun secondi", "vinte e uma vezes", "eine Minute", "één seconde". num2words has no
gender, so each language's pack makes its counting form agree (`Numbers.agree`). The noun is one
of those a routine's numbers count (seconds, minutes, hours, times, breaths, points,
repetitions), whether voiceguide wrote the sentence or the author did; before any other
word a number is left as digits, for the voice to read as it would (`guesses` finds them).

The whole language code reaches num2words: pt-BR counts "dezesseis", pt "dezasseis";
fr-BE and fr-CH say "septante".
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from voiceguide.languages import base_language, pack_for, region_for
from voiceguide.languages.pack import Gender, Numbers


@cache
def _num2words_code(language: str) -> str | None:
    """num2words' name for the language (with its region, where that changes the words), or
    None if num2words does not know it."""
    from num2words import CONVERTER_CLASSES

    regional = region_for(language).numbers
    if regional:
        return regional
    base = base_language(language)
    return base if base in CONVERTER_CLASSES else None


@cache
def number_words(n: int, language: str, gender: Gender | None = None, noun: str = "") -> str | None:
    """`n` in words in `language`: the counting form, or the form that goes before `noun`, of
    `gender`. None if num2words does not know the language."""
    code = _num2words_code(language)
    if code is None:
        return None
    from num2words import num2words

    words = _rules(language).spelled(str(num2words(n, lang=code)))
    regional = region_for(language).spelled
    if regional is not None:
        words = regional(words)
    if gender is None:
        return words
    agree = _rules(language).agree
    return agree(words, gender, noun) if agree else words


def _rules(language: str) -> Numbers:
    pack = pack_for(language)
    return pack.numbers if pack else Numbers()


_NUMBER = re.compile(r"(?<![\d.,])\d{1,6}(?![\d]|[.,]\d)")
_NEXT_WORD = re.compile(r"\s+(\w+)")
_PREVIOUS_WORD = re.compile(r"(\w+)\s+$")


def _numbers(text: str) -> list[tuple[re.Match[str], str | None]]:
    """Each whole number in the text, with the word right after it (None if none follows)."""
    found = []
    for match in _NUMBER.finditer(text):
        after = _NEXT_WORD.match(text, match.end())
        found.append((match, after.group(1) if after and not after.group(1).isdigit() else None))
    return found


@lru_cache(maxsize=8192)
def spoken(text: str, language: str) -> str:
    """The text as a voice should read it: each whole number as words in `language`, agreeing
    with a known noun after it; before an unknown word, left as digits (the voice reads them)
    in a language whose numbers change with the noun. Languages num2words does not know keep
    their digits."""
    rules = _rules(language)
    nouns = rules.genders
    out, at = [], 0
    for match, word in _numbers(text):
        n = int(match.group())
        gender = nouns.get(word.casefold()) if word is not None else None
        if word is None or not _may_be_noun(word, language):
            said = number_words(n, language)
        elif gender is not None:
            said = number_words(n, language, gender, word.casefold())
        elif _changes_with_noun(n, language):
            said = None  # "21 Knospen": which form is right is not known here
        else:
            said = number_words(n, language)
        before = _PREVIOUS_WORD.search(text, 0, match.start())
        case = rules.governed.get(before.group(1).casefold()) if before else None
        if case is not None and said is not None:
            said = case(said, gender)  # "z dziesięciu"
        out += [text[at : match.start()], said if said is not None else match.group()]
        at = match.end()
        if said is not None and said.endswith("'"):  # elided: "un'ora"
            at = len(text) - len(text[at:].lstrip(" "))
    return "".join([*out, text[at:]])


def _changes_with_noun(n: int, language: str) -> bool:
    """Whether `n`'s words before some noun differ from its counting form in this language."""
    rules = _rules(language)
    if rules.declined:
        return True
    if rules.agree is None:
        return False
    return any(number_words(n, language, g) != number_words(n, language) for g in ("m", "f", "n"))


def guesses(text: str, language: str) -> list[str]:
    """The numbers in an author's text that stay digits because the word after them is not a
    noun voiceguide knows ("21 Knospen"): `validate` names them."""
    nouns = _rules(language).genders
    return [
        f"{match.group()} {word}"
        for match, word in _numbers(text)
        if word is not None
        and _may_be_noun(word, language)
        and word.casefold() not in nouns
        and _changes_with_noun(int(match.group()), language)
    ]


def _may_be_noun(word: str, language: str) -> bool:
    """Whether a number's next word may be the noun it counts: not a preposition or "and", and
    in German, where every noun is written with a capital, not a word in lower case."""
    rules = _rules(language)
    if word.casefold() in rules.not_counted:
        return False
    return not (rules.capitalised_nouns and word[:1].islower())
