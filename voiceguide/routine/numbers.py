"""Numbers as a voice should say them, in the routine's language and region.

A bare number is said in its counting form ("eins", "un", "uno", "um"). Before a noun it
agrees with it, as the noun's gender asks: "vingt et une secondes", "veintiún segundos",
"ventun secondi", "vinte e uma vezes", "eine Minute", "één seconde". num2words has no
gender, so the agreement is made here, per language, on its counting form. The noun is one
of those a routine's numbers count (seconds, minutes, hours, times, breaths, points,
repetitions), whether voiceguide wrote the sentence or the author did; before any other
word a number is left as digits, for the voice to read as it would (`guesses` finds them).

The whole language code reaches num2words: pt-BR counts "dezesseis", pt "dezasseis";
fr-BE and fr-CH say "septante".
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Literal

Gender = Literal["m", "f", "n"]

NOUNS: dict[str, dict[str, Gender]] = {
    "de": {
        **dict.fromkeys(("sekunde", "sekunden", "minute", "minuten", "stunde", "stunden"), "f"),
        **dict.fromkeys(("wiederholung", "wiederholungen"), "f"),
        **dict.fromkeys(("atemzug", "atemzüge", "punkt", "punkte", "durchgang", "durchgänge"), "m"),
        **dict.fromkeys(("mal",), "n"),
    },
    "fr": {
        **dict.fromkeys(("seconde", "secondes", "minute", "minutes", "heure", "heures", "fois"), "f"),
        **dict.fromkeys(("respiration", "respirations", "répétition", "répétitions", "pression", "pressions"), "f"),
        **dict.fromkeys(("point", "points", "cycle", "cycles", "tapotement", "tapotements"), "m"),
    },
    "es": {
        **dict.fromkeys(("segundo", "segundos", "minuto", "minutos", "punto", "puntos", "ciclo", "ciclos"), "m"),
        **dict.fromkeys(("golpecito", "golpecitos", "toque", "toques"), "m"),
        **dict.fromkeys(("vez", "veces", "hora", "horas", "respiración", "respiraciones"), "f"),
        **dict.fromkeys(("repetición", "repeticiones", "presión", "presiones"), "f"),
    },
    "it": {
        **dict.fromkeys(("secondo", "secondi", "minuto", "minuti", "punto", "punti", "respiro", "respiri"), "m"),
        **dict.fromkeys(("ciclo", "cicli", "colpetto", "colpetti"), "m"),
        **dict.fromkeys(("volta", "volte", "ora", "ore", "ripetizione", "ripetizioni", "pressione"), "f"),
        **dict.fromkeys(("pressioni",), "f"),
    },
    "pt": {
        **dict.fromkeys(("segundo", "segundos", "minuto", "minutos", "ponto", "pontos", "ciclo", "ciclos"), "m"),
        **dict.fromkeys(("toque", "toques"), "m"),
        **dict.fromkeys(("vez", "vezes", "hora", "horas", "respiração", "respirações", "repetição"), "f"),
        **dict.fromkeys(("repetições", "pressão", "pressões"), "f"),
    },
    "nl": dict.fromkeys(("seconde", "seconden", "minuut", "minuten", "uur", "keer", "maal", "punt", "punten"), "n"),
    "en": {},
}
"""The nouns a number may count in a routine, by language, with their gender (Dutch and
English numbers do not change, but their nouns are known, so nothing is guessed)."""

_NOT_NOUNS = frozenset(
    (
        *("de", "del", "di", "da", "du", "des", "sur", "su", "sobre", "et", "e", "y", "a", "à", "al", "au"),
        *("en", "em", "in", "on", "of", "to", "and", "or", "ou", "o", "por", "para", "per", "pour", "con"),
        *("com", "avec", "van", "von", "zu", "und", "oder", "bis"),
    )
)
"""Words that follow a number without being counted by it ("3 of 10", "1 sur 21", "1 von 21"):
the number is said in its counting form."""

_REGIONS = {"pt-br": "pt_BR", "fr-be": "fr_BE", "fr-ch": "fr_CH"}
"""Regions whose numbers num2words says differently from the language's own."""


def base_language(code: str) -> str:
    """ "de" for "de-AT", "pt" for "pt-BR"."""
    return code.split("-")[0].casefold()


@cache
def _num2words_code(language: str) -> str | None:
    """num2words' name for the language (with its region, where that changes the words), or
    None if num2words does not know it."""
    from num2words import CONVERTER_CLASSES

    lowered = language.casefold()
    regional = _REGIONS.get("-".join(lowered.split("-")[:2]))
    if regional:
        return regional
    base = base_language(language)
    return base if base in CONVERTER_CLASSES else None


@cache
def number_words(n: int, language: str, gender: Gender | None = None) -> str | None:
    """`n` in words in `language`: the counting form, or the form that goes before a noun of
    `gender`. None if num2words does not know the language."""
    code = _num2words_code(language)
    if code is None:
        return None
    from num2words import num2words

    words = str(num2words(n, lang=code))
    if gender is None:
        return words
    agree = _AGREEMENT.get(base_language(language))
    return agree(words, gender) if agree else words


def _german(words: str, gender: Gender) -> str:
    # "eins" ends a number said alone; before a noun it is "ein" or "eine" ("hundertundeine").
    if words.endswith("eins"):
        return words[:-4] + ("eine" if gender == "f" else "ein")
    return words


def _french(words: str, gender: Gender) -> str:
    # un, vingt et un, quatre-vingt-un: "une" before a feminine noun.
    return re.sub(r"\bun$", "une", words) if gender == "f" else words


def _spanish(words: str, gender: Gender) -> str:
    if gender == "f":
        words = re.sub(r"ientos\b", "ientas", words)  # doscientas veces
        return re.sub(r"uno$", "una", words)  # veintiuna veces
    if words.endswith("veintiuno"):
        return words[:-9] + "veintiún"  # veintiún segundos
    return re.sub(r"uno$", "un", words)  # un segundo, treinta y un segundos


def _italian(words: str, gender: Gender) -> str:
    if gender == "f":
        return "una" if words == "uno" else words  # una volta; ventuno volte
    return re.sub(r"uno$", "un", words)  # un secondo, ventun secondi


def _portuguese(words: str, gender: Gender) -> str:
    if gender != "f":
        return words
    words = re.sub(r"(?<!c)entos\b", "entas", words)  # duzentas, trezentas (not "cento")
    words = re.sub(r"\bum$", "uma", words)  # uma vez, vinte e uma vezes
    return re.sub(r"\bdois$", "duas", words)  # duas vezes


_AGREEMENT = {"de": _german, "fr": _french, "es": _spanish, "it": _italian, "pt": _portuguese}

_NUMBER = re.compile(r"(?<![\d.,])\d{1,6}(?![\d]|[.,]\d)")
_NEXT_WORD = re.compile(r"\s+(\w+)")


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
    nouns = NOUNS.get(base_language(language), {})
    out, at = [], 0
    for match, word in _numbers(text):
        n = int(match.group())
        if word is None or not _may_be_noun(word, language):
            said = number_words(n, language)
        elif word.casefold() in nouns:
            said = number_words(n, language, nouns[word.casefold()])
        elif _changes_with_noun(n, language):
            said = None  # "21 Knospen": which form is right is not known here
        else:
            said = number_words(n, language)
        out += [text[at : match.start()], said if said is not None else match.group()]
        at = match.end()
    return "".join([*out, text[at:]])


def _changes_with_noun(n: int, language: str) -> bool:
    """Whether `n`'s words before some noun differ from its counting form in this language."""
    base = base_language(language)
    if base not in _AGREEMENT:
        return False
    return any(number_words(n, language, g) != number_words(n, language) for g in ("m", "f", "n"))


def guesses(text: str, language: str) -> list[str]:
    """The numbers in an author's text that stay digits because the word after them is not a
    noun voiceguide knows ("21 Knospen"): `validate` names them."""
    nouns = NOUNS.get(base_language(language), {})
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
    if word.casefold() in _NOT_NOUNS:
        return False
    return not (base_language(language) == "de" and word[:1].islower())
