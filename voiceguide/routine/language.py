"""Every sentence voiceguide makes up itself, in each language it speaks, as a native
physiotherapist would say it.

The author writes the routine's own words (titles, where a point is, what to say). The
compiler adds the rest: "Hold for 90 seconds.", "Halfway.", "Press, 3 of 10", "Now switch
to the right knee." Those come from the language's pack (voiceguide/languages), in the
routine's register (formal: Sie, vous, usted, Lei, u, o senhor, Proszę; informal: du, tu,
tú, tu, je, tu, ty), so a German
routine is German throughout and speaks to the patient as the author does. An author can
replace any of them by its key (`sentences:`), and a section's side announcements
(`side_sentences:`).

Sentences keep numbers as digits (a transcript reads "3 of 10"); `spoken` turns them into
words in the routine's own language and region just before a voice says them, agreeing with
the noun after them (numbers.py).

Side names: in English, a bare noun phrase ("left knee": voiceguide says "the"); in the other
languages, with its article, as it would stand at the start of a sentence ("das linke Knie",
"le genou gauche", "la rodilla izquierda", "il ginocchio sinistro", "de linkerknie",
"o joelho esquerdo"), or without it, when the pack knows the noun's gender and adds it
(`Grammar.articled`); French, Spanish, Italian and Portuguese sentences contract it where
the language does ("au genou droit", "al pie derecho", "dal ginocchio", "pelo joelho").
Polish has no articles: its side names stand as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache
from string import Formatter

from voiceguide.languages import known_languages, pack_for, packs, region_for, registers
from voiceguide.languages.pack import Grammar, Register, Sentences, Unit, said_in
from voiceguide.routine.numbers import spoken as numbers_spoken

__all__ = ["Phrases", "Register", "known_languages", "phrases_for"]


@dataclass(frozen=True)
class Phrases:
    """One language's added sentences in one register (its pack's `Sentences`, the register's
    text of each, with the author's own in their place), and the grammar that fills them in."""

    code: str
    name: str
    register: Register
    grammar: Grammar
    numbers: str
    """The language (and region) numbers are said in: the routine's, even where its
    sentences come from another language's pack."""
    work_both: str
    start_with: str
    switch_to: str
    press: str
    release: str
    press_count: str
    hold_for: str
    halfway: str
    time_left_one: str
    time_left: str
    lead_in: str
    intro: str
    closing: str

    @property
    def sides(self) -> tuple[str, str]:
        """The two sides' names when the author gives none."""
        return self.grammar.sides

    def amount(self, value: float, unit: Unit) -> str:
        """ "1 second", "90 seconds", "2 and a half minutes", "half a minute"; a part of a minute
        other than a half is said in seconds ("75 seconds")."""
        grammar = self.grammar
        one = grammar.units[unit][0]
        if value == 1:
            return one
        whole, part = divmod(value, 1)
        if part == 0.5:
            return grammar.half(int(whole), unit, grammar.units[unit]) if whole >= 1 else grammar.half_unit[unit]
        if part and unit == "minutes" and (value * 60).is_integer():
            return self.amount(value * 60, "seconds")
        number = f"{value:g}"
        noun = grammar.plural(value, grammar.units[unit])
        return f"{number.replace('.', ',') if grammar.decimal_comma else number} {noun}"

    def left(self, value: float, unit: Unit) -> str:
        """What is left of a hold: "10 seconds left.", "Quedan 10 segundos."."""
        # "Queda un minuto y medio": less than two is one, and a half, as the verb agrees.
        template = self.time_left_one if value < 2 else self.time_left
        said = self.grammar.tidy(template.format(amount=self.amount(value, unit)))
        return said[0].upper() + said[1:]

    def start(self, side: str) -> str:
        side = self.grammar.articled(side) or side
        return self.start_with.format(side=side, **self.grammar.forms(side))

    def switch(self, side: str) -> str:
        side = self.grammar.articled(side) or side
        return self.switch_to.format(side=side, **self.grammar.forms(side))

    def label(self, side: str) -> str:
        """The side's name as a label, without its article: "(linkes Knie)" needs none."""
        for article in self.grammar.articles:
            if side.casefold().startswith(article) and len(side) > len(article):
                return self.grammar.unarticled(article, side[len(article) :])
        return side

    def spoken(self, text: str) -> str:
        """The text as a voice should read it: whole numbers as words in the routine's language
        ("21 seconds left." is said "Twenty-one seconds left.")."""
        said = self.grammar.tidy(numbers_spoken(text, self.numbers or self.code))
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


def has_phrases(code: str) -> bool:
    return pack_for(code) is not None


@cache
def _phrases(code: str, register: Register | None, numbers: str, overrides: tuple[tuple[str, str], ...]) -> Phrases:
    pack = pack_for(code)
    assert pack is not None, code  # the routine's language was checked when it loaded
    region = region_for(code)
    chosen, picked = registers(code, register)
    said = {f.name: said_in(getattr(pack.sentences, f.name), picked) for f in fields(Sentences)}
    return Phrases(
        code=pack.code,
        name=pack.name,
        register=chosen,
        grammar=pack.grammar,
        numbers=numbers,
        **{**said, **region.sentences, **(region.informal if picked == "informal" else {}), **dict(overrides)},
    )


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


TABLES: dict[str, Phrases] = {code: phrases_for(code) for code in packs()}
"""Each language's sentences in its usual register."""
