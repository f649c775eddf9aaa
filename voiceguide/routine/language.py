"""Every sentence voiceguide makes up itself, in each language it speaks.

The author writes the routine's own words (titles, where a point is, what to say). The
compiler adds the rest: "Hold for 90 seconds.", "Halfway.", "Press, 3 of 10", "Now: right
knee". Those come from one table per language, so a German routine is German throughout.

Phrases keep numbers as digits (a transcript reads "3 of 10"); `spoken` turns them into the
language's own words just before a voice says them, so no voice falls back on its own
reading of "21".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

Unit = str
""""seconds" or "minutes"."""


@dataclass(frozen=True)
class Phrases:
    """One language's generated sentences. Templates use str.format fields."""

    code: str
    name: str
    work_both: str
    start_with: str
    """{side}: the first side of a left-right section."""
    switch_to: str
    """{side}: the second side."""
    sides: tuple[str, str]
    """The two sides' names when the author gives none."""
    press: str
    release: str
    press_count: str
    """{word} {k} {n}: a cycle's press, counted."""
    hold_for: str
    """{amount}: how long a timed hold lasts."""
    halfway: str
    left: tuple[str, str]
    """{amount} left, for one unit and for more."""
    units: dict[Unit, tuple[str, str, str]]
    """(one of it, in words, singular noun, plural noun) per unit."""
    half: Callable[[int, Unit, Phrases], str]
    """"1 and a half minutes": whole units and a half."""
    decimal_comma: bool
    lead_in: str
    intro: str
    closing: str

    def amount(self, value: float, unit: Unit) -> str:
        """ "1 second", "90 seconds", "2 and a half minutes", in this language."""
        one, _, plural = self.units[unit]
        if value == 1:
            return one
        whole, part = divmod(value, 1)
        if part == 0.5 and whole >= 1:
            return self.half(int(whole), unit, self)
        number = f"{value:g}"
        return f"{number.replace('.', ',') if self.decimal_comma else number} {plural}"

    def time_left(self, value: float, unit: Unit) -> str:
        template = self.left[0] if value == 1 else self.left[1]
        said = template.format(amount=self.amount(value, unit))
        return said[0].upper() + said[1:]

    def spoken(self, text: str) -> str:
        """The text as a voice should read it: whole numbers as words in this language."""
        return _INTEGER.sub(lambda m: _number_words(int(m.group()), self.code), text)


_INTEGER = re.compile(r"(?<![\d.,])\d{1,6}(?![\d]|[.,]\d)")


def _number_words(n: int, code: str) -> str:
    from num2words import num2words

    return str(num2words(n, lang=code))


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
    number = "ein" if whole == 1 else _number_words(whole, "de")
    return f"{number}einhalb {p.units[unit][2]}"


def _dutch_half(whole: int, unit: Unit, p: Phrases) -> str:
    singular = p.units[unit][1]
    return f"anderhalve {singular}" if whole == 1 else f"{whole} en een halve {singular}"


TABLES: dict[str, Phrases] = {
    p.code: p
    for p in (
        Phrases(
            code="en",
            name="English",
            work_both="Work both points at the same time.",
            start_with="Start with the {side}.",
            switch_to="Now switch to the {side}.",
            sides=("left side", "right side"),
            press="Press",
            release="Release",
            press_count="{word}, {k} of {n}",
            hold_for="Hold for {amount}.",
            halfway="Halfway.",
            left=("{amount} left.", "{amount} left."),
            units={"seconds": ("1 second", "second", "seconds"), "minutes": ("1 minute", "minute", "minutes")},
            half=_english_half,
            decimal_comma=False,
            lead_in="Starting in 3, 2, 1.",
            intro="Introduction",
            closing="Closing",
        ),
        Phrases(
            code="de",
            name="Deutsch",
            work_both="Drücke beide Punkte gleichzeitig.",
            start_with="Zuerst: {side}.",
            switch_to="Jetzt: {side}.",
            sides=("linke Seite", "rechte Seite"),
            press="Drücken",
            release="Loslassen",
            press_count="{word}, {k} von {n}",
            hold_for="Halte {amount} lang.",
            halfway="Halbzeit.",
            left=("Noch {amount}.", "Noch {amount}."),
            units={
                "seconds": ("eine Sekunde", "Sekunde", "Sekunden"),
                "minutes": ("eine Minute", "Minute", "Minuten"),
            },
            half=_german_half,
            decimal_comma=True,
            lead_in="Es geht los in 3, 2, 1.",
            intro="Einleitung",
            closing="Abschluss",
        ),
        Phrases(
            code="fr",
            name="Français",
            work_both="Travaillez les deux points en même temps.",
            start_with="D'abord : {side}.",
            switch_to="Maintenant : {side}.",
            sides=("côté gauche", "côté droit"),
            press="Appuyez",
            release="Relâchez",
            press_count="{word}, {k} sur {n}",
            hold_for="Maintenez pendant {amount}.",
            halfway="À mi-temps.",
            left=("Plus qu'{amount}.", "Plus que {amount}."),
            units={
                "seconds": ("une seconde", "seconde", "secondes"),
                "minutes": ("une minute", "minute", "minutes"),
            },
            half=_half_after("et demie"),
            decimal_comma=True,
            lead_in="On commence dans 3, 2, 1.",
            intro="Introduction",
            closing="Conclusion",
        ),
        Phrases(
            code="es",
            name="Español",
            work_both="Trabaja los dos puntos a la vez.",
            start_with="Primero: {side}.",
            switch_to="Ahora: {side}.",
            sides=("lado izquierdo", "lado derecho"),
            press="Presiona",
            release="Suelta",
            press_count="{word}, {k} de {n}",
            hold_for="Mantén durante {amount}.",
            halfway="Mitad del tiempo.",
            left=("Queda {amount}.", "Quedan {amount}."),
            units={
                "seconds": ("un segundo", "segundo", "segundos"),
                "minutes": ("un minuto", "minuto", "minutos"),
            },
            half=_half_after("y medio"),
            decimal_comma=True,
            lead_in="Empezamos en 3, 2, 1.",
            intro="Introducción",
            closing="Cierre",
        ),
        Phrases(
            code="it",
            name="Italiano",
            work_both="Lavora su entrambi i punti insieme.",
            start_with="Prima: {side}.",
            switch_to="Ora: {side}.",
            sides=("lato sinistro", "lato destro"),
            press="Premi",
            release="Rilascia",
            press_count="{word}, {k} di {n}",
            hold_for="Mantieni per {amount}.",
            halfway="A metà.",
            left=("Manca {amount}.", "Mancano {amount}."),
            units={
                "seconds": ("un secondo", "secondo", "secondi"),
                "minutes": ("un minuto", "minuto", "minuti"),
            },
            half=_half_after("e mezzo"),
            decimal_comma=True,
            lead_in="Si parte tra 3, 2, 1.",
            intro="Introduzione",
            closing="Chiusura",
        ),
        Phrases(
            code="nl",
            name="Nederlands",
            work_both="Werk op beide punten tegelijk.",
            start_with="Eerst: {side}.",
            switch_to="Nu: {side}.",
            sides=("linkerkant", "rechterkant"),
            press="Druk",
            release="Loslaten",
            press_count="{word}, {k} van {n}",
            hold_for="Houd {amount} vast.",
            halfway="Halverwege.",
            left=("Nog {amount}.", "Nog {amount}."),
            units={
                "seconds": ("één seconde", "seconde", "seconden"),
                "minutes": ("één minuut", "minuut", "minuten"),
            },
            half=_dutch_half,
            decimal_comma=True,
            lead_in="We beginnen over 3, 2, 1.",
            intro="Inleiding",
            closing="Afsluiting",
        ),
        Phrases(
            code="pt",
            name="Português",
            work_both="Trabalhe os dois pontos ao mesmo tempo.",
            start_with="Primeiro: {side}.",
            switch_to="Agora: {side}.",
            sides=("lado esquerdo", "lado direito"),
            press="Pressione",
            release="Solte",
            press_count="{word}, {k} de {n}",
            hold_for="Mantenha por {amount}.",
            halfway="Metade do tempo.",
            left=("Falta {amount}.", "Faltam {amount}."),
            units={
                "seconds": ("um segundo", "segundo", "segundos"),
                "minutes": ("um minuto", "minuto", "minutos"),
            },
            half=_half_after("e meio"),
            decimal_comma=True,
            lead_in="Começamos em 3, 2, 1.",
            intro="Introdução",
            closing="Encerramento",
        ),
    )
}


def base_language(code: str) -> str:
    """ "de" for "de-AT", "pt" for "pt-BR"."""
    return code.split("-")[0].casefold()


def has_phrases(code: str) -> bool:
    return base_language(code) in TABLES


@cache
def phrases_for(code: str) -> Phrases:
    """The table for a language code such as "de" or "pt-BR" (checked when the routine loads)."""
    return TABLES[base_language(code)]


def known_languages() -> str:
    return ", ".join(sorted(TABLES))
