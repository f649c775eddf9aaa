"""Every sentence voiceguide makes up itself, in each language it speaks, as a native
physiotherapist would say it.

The author writes the routine's own words (titles, where a point is, what to say). The
compiler adds the rest: "Hold for 90 seconds.", "Halfway.", "Press, 3 of 10", "Now switch
to the right knee." Those come from one table per language, in the routine's register
(formal: Sie, vous, usted, Lei, u, o senhor; informal: du, tu, tú, tu, je, tu), so a German
routine is German throughout and speaks to the patient as the author does. An author can
replace any of them by its key (`sentences:`), and a section's side announcements
(`side_sentences:`).

Sentences keep numbers as digits (a transcript reads "3 of 10"); `spoken` turns them into
words in the routine's own language and region just before a voice says them, agreeing with
the noun after them (numbers.py).

Side names: in English, a bare noun phrase ("left knee": voiceguide says "the"); in the other
languages, with its article, as it would stand at the start of a sentence ("das linke Knie",
"le genou gauche", "la rodilla izquierda", "il ginocchio sinistro", "de linkerknie",
"o joelho esquerdo"); French, Spanish, Italian and Portuguese sentences contract it where
the language does ("au genou droit", "al pie derecho", "dal ginocchio", "pelo joelho").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from string import Formatter
from typing import Literal

from voiceguide.routine.numbers import base_language
from voiceguide.routine.numbers import spoken as numbers_spoken

Unit = str
""""seconds" or "minutes"."""
Register = Literal["formal", "informal"]


@dataclass(frozen=True)
class Phrases:
    """One language's generated sentences, in one register. Templates use str.format fields."""

    code: str
    name: str
    register: Register
    work_both: str
    start_with: str
    """{side}, or a contracted form of it ({a_side}, {da_side}, {por_side}): the first side."""
    switch_to: str
    """The same fields: the second side."""
    sides: tuple[str, str]
    """The two sides' names when the author gives none."""
    press: str
    release: str
    press_count: str
    """{word} {k} {n}: a cycle's press, counted."""
    hold_for: str
    """{amount}: how long a timed hold lasts."""
    halfway: str
    time_left_one: str
    """{amount}: what is left, when it is one of its unit (or a half)."""
    time_left: str
    """{amount}: what is left, when it is more."""
    units: dict[Unit, tuple[str, str, str]]
    """(one of it, in words, singular noun, plural noun) per unit."""
    half: Callable[[int, Unit, Phrases], str]
    """"1 and a half minutes": whole units and a half."""
    half_unit: dict[Unit, str]
    """Half of one unit: "half a minute"."""
    decimal_comma: bool
    lead_in: str
    intro: str
    closing: str
    forms: Callable[[str], dict[str, str]] = lambda side: {}
    """The side's name as it is joined to a preposition ("au genou droit")."""
    articles: tuple[str, ...] = ()
    """The articles a side name may start with, left out where it is a label (chapter titles)."""
    unarticled: Callable[[str, str], str] = lambda article, rest: rest
    """The name without `article`, as a label says it: German adjectives take the ending the
    article carried ("das linke Knie" → "linkes Knie")."""
    tidy: Callable[[str], str] = lambda text: text
    """The language's own joins once the words are in: French "que une" is "qu'une"."""
    numbers: str = ""
    """The language (and region) numbers are said in: the routine's, even where its
    sentences come from another table."""

    def amount(self, value: float, unit: Unit) -> str:
        """ "1 second", "90 seconds", "2 and a half minutes", "half a minute"; a part of a minute
        other than a half is said in seconds ("75 seconds")."""
        one, _, plural = self.units[unit]
        if value == 1:
            return one
        whole, part = divmod(value, 1)
        if part == 0.5:
            return self.half(int(whole), unit, self) if whole >= 1 else self.half_unit[unit]
        if part and unit == "minutes" and (value * 60).is_integer():
            return self.amount(value * 60, "seconds")
        number = f"{value:g}"
        return f"{number.replace('.', ',') if self.decimal_comma else number} {plural}"

    def left(self, value: float, unit: Unit) -> str:
        """What is left of a hold: "10 seconds left.", "Quedan 10 segundos."."""
        # "Queda un minuto y medio": less than two is one, and a half, as the verb agrees.
        template = self.time_left_one if value < 2 else self.time_left
        said = self.tidy(template.format(amount=self.amount(value, unit)))
        return said[0].upper() + said[1:]

    def start(self, side: str) -> str:
        return self.start_with.format(side=side, **self.forms(side))

    def switch(self, side: str) -> str:
        return self.switch_to.format(side=side, **self.forms(side))

    def label(self, side: str) -> str:
        """The side's name as a label, without its article: "(linkes Knie)" needs none."""
        for article in self.articles:
            if side.casefold().startswith(article) and len(side) > len(article):
                return self.unarticled(article, side[len(article) :])
        return side

    def spoken(self, text: str) -> str:
        """The text as a voice should read it: whole numbers as words in the routine's language
        ("21 seconds left." is said "Twenty-one seconds left.")."""
        said = self.tidy(numbers_spoken(text, self.numbers or self.code))
        sentence = text[:1].isdigit() and not text.isdigit() and text[:1] != said[:1]  # not a bare count
        return said[:1].upper() + said[1:] if sentence else said


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


SIDE_FIELDS = {"side", "a_side", "da_side", "por_side"}
SENTENCE_KEYS: dict[str, set[str]] = {
    "work_both": set(),
    "start_with": SIDE_FIELDS,
    "switch_to": SIDE_FIELDS,
    "press": set(),
    "release": set(),
    "press_count": {"word", "k", "n"},
    "hold_for": {"amount"},
    "halfway": set(),
    "time_left_one": {"amount"},
    "time_left": {"amount"},
    "lead_in": set(),
    "intro": set(),
    "closing": set(),
}
"""The sentences an author may replace (`sentences:`), and the fields each may use."""


def sentence_problem(key: str, text: str) -> str | None:
    """What is wrong with `text` as the author's own sentence `key`, or None."""
    if key not in SENTENCE_KEYS:
        return f"voiceguide adds no sentence called {key!r}; the keys are {', '.join(SENTENCE_KEYS)}"
    try:
        used = _fields(text)
    except ValueError as e:
        return f"{key}: {e}; write {{ and }} as {{{{ and }}}}"
    unknown = used - SENTENCE_KEYS[key]
    if unknown:
        allowed = ", ".join(f"{{{f}}}" for f in sorted(SENTENCE_KEYS[key])) or "none"
        return f"{key}: {', '.join(f'{{{f}}}' for f in sorted(unknown))} is not known here (it may use {allowed})"
    return None


# -- the languages -------------------------------------------------------------------------


def _half_after(word: str) -> Callable[[int, Unit, Phrases], str]:
    """ "2 minutes and a half" style: the whole amount, then the half (`word`)."""

    def half(whole: int, unit: Unit, p: Phrases) -> str:
        one, _, plural = p.units[unit]
        return f"{one if whole == 1 else f'{whole} {plural}'} {word}"

    return half


def _english_half(whole: int, unit: Unit, p: Phrases) -> str:
    return f"{whole} and a half {p.units[unit][2]}"


def _german_half(whole: int, unit: Unit, p: Phrases) -> str:
    # "eineinhalb", "zweieinhalb": one word, so the number is spelled here.
    from voiceguide.routine.numbers import number_words

    number = "ein" if whole == 1 else number_words(whole, "de")
    return f"{number}einhalb {p.units[unit][2]}"


def _german_unarticled(article: str, rest: str) -> str:
    # Without "der"/"das" the adjective carries the gender: linker Fuß, linkes Knie (die: linke).
    ending = {"der ": "r", "das ": "s"}.get(article, "")
    first, _, others = rest.partition(" ")
    if ending and others and first.endswith("e") and first[:1].islower():
        return f"{first}{ending} {others}"
    return rest


def _dutch_half(whole: int, unit: Unit, p: Phrases) -> str:
    singular = p.units[unit][1]
    return f"anderhalve {singular}" if whole == 1 else f"{whole} en een halve {singular}"


def _joined(preposition: str, contractions: dict[str, str]) -> Callable[[str], str]:
    """`preposition` joined to a side name, contracting with its article where the language
    does (à + le = au)."""

    def join(side: str) -> str:
        for article, joined in contractions.items():
            if side.casefold().startswith(article):
                return joined + side[len(article) :]
        return f"{preposition} {side}"

    return join


_FR_A = _joined("à", {"le ": "au ", "les ": "aux "})
_ES_A = _joined("a", {"el ": "al "})
_IT_ARTICLES = ("il ", "lo ", "la ", "l'", "i ", "gli ", "le ")
_IT_DA = _joined(
    "da", dict(zip(_IT_ARTICLES, ("dal ", "dallo ", "dalla ", "dall'", "dai ", "dagli ", "dalle "), strict=True))
)
_IT_A = _joined("a", dict(zip(_IT_ARTICLES, ("al ", "allo ", "alla ", "all'", "ai ", "agli ", "alle "), strict=True)))
_PT_POR = _joined("por", {"o ": "pelo ", "a ": "pela ", "os ": "pelos ", "as ": "pelas "})


@dataclass(frozen=True)
class By:
    """A sentence that differs by register."""

    formal: str
    informal: str


LANGUAGES: dict[str, dict[str, object]] = {
    "en": {
        "name": "English",
        "register": "informal",
        "work_both": "Work both points at the same time.",
        "start_with": "Start with the {side}.",
        "switch_to": "Now switch to the {side}.",
        "sides": ("left side", "right side"),
        "press": "Press",
        "release": "Release",
        "press_count": "{word}, {k} of {n}",
        "hold_for": "Hold for {amount}.",
        "halfway": "Halfway.",
        "time_left_one": "{amount} left.",
        "time_left": "{amount} left.",
        "units": {"seconds": ("1 second", "second", "seconds"), "minutes": ("1 minute", "minute", "minutes")},
        "half": _english_half,
        "half_unit": {"seconds": "half a second", "minutes": "half a minute"},
        "decimal_comma": False,
        "lead_in": "Starting in 3, 2, 1.",
        "intro": "Introduction",
        "closing": "Closing",
    },
    "de": {
        "name": "Deutsch",
        "register": "formal",
        "work_both": By("Drücken Sie beide Punkte gleichzeitig.", "Drück beide Punkte gleichzeitig."),
        "start_with": "Zuerst {side}.",
        "switch_to": "Jetzt {side}.",
        "sides": ("die linke Seite", "die rechte Seite"),
        "press": "Drücken",
        "release": "Loslassen",
        "press_count": "{word}, {k} von {n}",
        "hold_for": By("Halten Sie den Druck {amount} lang.", "Halte den Druck {amount} lang."),
        "halfway": "Die Hälfte ist geschafft.",
        "time_left_one": "Noch {amount}.",
        "time_left": "Noch {amount}.",
        "units": {"seconds": ("eine Sekunde", "Sekunde", "Sekunden"), "minutes": ("eine Minute", "Minute", "Minuten")},
        "half": _german_half,
        "half_unit": {"seconds": "eine halbe Sekunde", "minutes": "eine halbe Minute"},
        "decimal_comma": True,
        "lead_in": "Gleich geht es los: 3, 2, 1.",
        "intro": "Einleitung",
        "closing": "Abschluss",
        "articles": ("der ", "die ", "das "),
        "unarticled": _german_unarticled,
    },
    "fr": {
        "name": "Français",
        "register": "formal",
        "work_both": By("Appuyez sur les deux points en même temps.", "Appuie sur les deux points en même temps."),
        "start_with": By("Commencez par {side}.", "Commence par {side}."),
        "switch_to": By("Passez maintenant {a_side}.", "Passe maintenant {a_side}."),
        "sides": ("le côté gauche", "le côté droit"),
        "press": By("Appuyez", "Appuie"),
        "release": By("Relâchez", "Relâche"),
        "press_count": "{word}, {k} sur {n}",
        "hold_for": By("Maintenez la pression pendant {amount}.", "Maintiens la pression pendant {amount}."),
        "halfway": By("Vous êtes à mi-parcours.", "Tu es à mi-parcours."),
        "time_left_one": "Plus que {amount}.",
        "time_left": "Plus que {amount}.",
        "units": {"seconds": ("une seconde", "seconde", "secondes"), "minutes": ("une minute", "minute", "minutes")},
        "half": _half_after("et demie"),
        "half_unit": {"seconds": "une demi-seconde", "minutes": "une demi-minute"},
        "decimal_comma": True,
        "lead_in": "On commence dans 3, 2, 1.",
        "intro": "Introduction",
        "closing": "Conclusion",
        "forms": lambda side: {"a_side": _FR_A(side)},
        "articles": ("le ", "la ", "les ", "l'"),
        "tidy": lambda text: re.sub(r"\b([Qq]u)e (une?)\b", r"\1'\2", text),
    },
    "es": {
        "name": "Español",
        "register": "informal",
        "work_both": By("Presione los dos puntos a la vez.", "Presiona los dos puntos a la vez."),
        "start_with": By("Empiece por {side}.", "Empieza por {side}."),
        "switch_to": By("Ahora pase {a_side}.", "Ahora pasa {a_side}."),
        "sides": ("el lado izquierdo", "el lado derecho"),
        "press": By("Presione", "Presiona"),
        "release": By("Suelte", "Suelta"),
        "press_count": "{word}, {k} de {n}",
        "hold_for": By("Mantenga la presión durante {amount}.", "Mantén la presión durante {amount}."),
        "halfway": By("Ya va por la mitad.", "Ya vas por la mitad."),
        "time_left_one": "Queda {amount}.",
        "time_left": "Quedan {amount}.",
        "units": {"seconds": ("un segundo", "segundo", "segundos"), "minutes": ("un minuto", "minuto", "minutos")},
        "half": _half_after("y medio"),
        "half_unit": {"seconds": "medio segundo", "minutes": "medio minuto"},
        "decimal_comma": True,
        "lead_in": "Empezamos en 3, 2, 1.",
        "intro": "Introducción",
        "closing": "Cierre",
        "forms": lambda side: {"a_side": _ES_A(side)},
        "articles": ("el ", "la ", "los ", "las "),
    },
    "it": {
        "name": "Italiano",
        "register": "informal",
        "work_both": By("Prema entrambi i punti insieme.", "Premi entrambi i punti insieme."),
        "start_with": By("Inizi {da_side}.", "Inizia {da_side}."),
        "switch_to": By("Ora passi {a_side}.", "Ora passa {a_side}."),
        "sides": ("il lato sinistro", "il lato destro"),
        "press": By("Prema", "Premi"),
        "release": By("Rilasci", "Rilascia"),
        "press_count": "{word}, {k} di {n}",
        "hold_for": By("Mantenga la pressione per {amount}.", "Mantieni la pressione per {amount}."),
        "halfway": "Siamo a metà.",
        "time_left_one": "Manca {amount}.",
        "time_left": "Mancano {amount}.",
        "units": {"seconds": ("un secondo", "secondo", "secondi"), "minutes": ("un minuto", "minuto", "minuti")},
        "half": _half_after("e mezzo"),
        "half_unit": {"seconds": "mezzo secondo", "minutes": "mezzo minuto"},
        "decimal_comma": True,
        "lead_in": "Si parte tra 3, 2, 1.",
        "intro": "Introduzione",
        "closing": "Chiusura",
        "forms": lambda side: {"da_side": _IT_DA(side), "a_side": _IT_A(side)},
        "articles": _IT_ARTICLES,
    },
    "nl": {
        "name": "Nederlands",
        "register": "informal",
        "work_both": By("Drukt u beide punten tegelijk in.", "Druk beide punten tegelijk in."),
        "start_with": By("Begint u met {side}.", "Begin met {side}."),
        "switch_to": By("Gaat u nu naar {side}.", "Ga nu naar {side}."),
        "sides": ("de linkerkant", "de rechterkant"),
        "press": By("Indrukken", "Druk in"),
        "release": By("Loslaten", "Laat los"),
        "press_count": "{word}, {k} van {n}",
        "hold_for": By("Houdt u de druk {amount} vast.", "Houd de druk {amount} vast."),
        "halfway": By("U bent halverwege.", "Je bent halverwege."),
        "time_left_one": "Nog {amount}.",
        "time_left": "Nog {amount}.",
        "units": {"seconds": ("één seconde", "seconde", "seconden"), "minutes": ("één minuut", "minuut", "minuten")},
        "half": _dutch_half,
        "half_unit": {"seconds": "een halve seconde", "minutes": "een halve minuut"},
        "decimal_comma": True,
        "lead_in": "We beginnen over 3, 2, 1.",
        "intro": "Inleiding",
        "closing": "Afsluiting",
        "articles": ("de ", "het "),
    },
    "pt": {
        "name": "Português",
        "register": "formal",
        "work_both": By("Pressione os dois pontos ao mesmo tempo.", "Pressiona os dois pontos ao mesmo tempo."),
        "start_with": By("Comece {por_side}.", "Começa {por_side}."),
        "switch_to": By("Agora passe para {side}.", "Agora passa para {side}."),
        "sides": ("o lado esquerdo", "o lado direito"),
        "press": By("Pressione", "Pressiona"),
        "release": By("Solte", "Solta"),
        "press_count": "{word}, {k} de {n}",
        "hold_for": By("Mantenha a pressão durante {amount}.", "Mantém a pressão durante {amount}."),
        "halfway": "Já vamos a meio.",
        "time_left_one": "Falta {amount}.",
        "time_left": "Faltam {amount}.",
        "units": {"seconds": ("um segundo", "segundo", "segundos"), "minutes": ("um minuto", "minuto", "minutos")},
        "half": _half_after("e meio"),
        "half_unit": {"seconds": "meio segundo", "minutes": "meio minuto"},
        "decimal_comma": True,
        "lead_in": "Começamos em 3, 2, 1.",
        "intro": "Introdução",
        "closing": "Encerramento",
        "forms": lambda side: {"por_side": _PT_POR(side)},
        "articles": ("o ", "a ", "os ", "as "),
    },
}
"""Each language's sentences: one text for both registers, or `By(formal, informal)`; the
register it speaks in unless the routine says (`register`)."""

REGIONAL: dict[str, dict[str, object]] = {
    # Brazil says "você" to a patient either way, and "na metade" where Portugal says "a meio".
    "pt-br": {"register_same": True, "halfway": "Já estamos na metade."},
}


def has_phrases(code: str) -> bool:
    return base_language(code) in LANGUAGES


@cache
def _phrases(code: str, register: Register | None, numbers: str, overrides: tuple[tuple[str, str], ...]) -> Phrases:
    base = base_language(code)
    table = LANGUAGES[base]
    regional = REGIONAL.get("-".join(code.casefold().split("-")[:2]), {})
    chosen: Register = register or table["register"]  # type: ignore[assignment]
    picked = "formal" if regional.get("register_same") else chosen
    values: dict[str, object] = {}
    for key, value in {**table, **regional}.items():
        if key in ("register", "register_same"):
            continue
        values[key] = getattr(value, picked) if isinstance(value, By) else value
    values.update(dict(overrides))
    return Phrases(code=base, register=chosen, numbers=numbers, **values)  # type: ignore[arg-type]


def phrases_for(
    code: str,
    *,
    register: Register | None = None,
    numbers: str | None = None,
    overrides: Mapping[str, str] | None = None,
) -> Phrases:
    """The sentences for a language code such as "de" or "pt-BR" (checked when the routine
    loads), in `register` (the language's usual one if None), saying numbers in `numbers`'
    language (the table's own if None), with the author's `overrides` by key."""
    return _phrases(code, register, numbers or code, tuple(sorted((overrides or {}).items())))


def known_languages() -> str:
    return ", ".join(sorted(LANGUAGES))


TABLES: dict[str, Phrases] = {code: phrases_for(code) for code in LANGUAGES}
"""Each language's sentences in its usual register."""
