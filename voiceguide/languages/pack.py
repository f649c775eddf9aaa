"""What a language pack holds: everything voiceguide says, prints and shows in one language.

A pack is one file in this package (`de.py` holds German), one `Pack` value called `PACK`.
Its parts:
- `Sentences`: what the compiler adds to a routine ("Hold for 90 seconds.", "Halfway."), in
  both registers where they differ (`By(formal, informal)`);
- `Grammar`: how those sentences are put together: units and halves, side names and the
  contractions of their articles;
- `Numbers`: the nouns a number counts, with their gender, and how a number agrees with them;
- `Printed` and `Screen`: the card's and the tags' words, the live view's and the phone page's;
- `Starter`: the sentences of the routine `voiceguide new` writes;
- `regions`: what a region says differently ("pt-br").

`tests/test_languages.py` checks every pack is complete; the README says how to add one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

Register = Literal["formal", "informal"]
Gender = Literal["m", "f", "n"]
Unit = str
""""seconds" or "minutes"."""


@dataclass(frozen=True)
class By:
    """A sentence that differs by register."""

    formal: str
    informal: str


Said = str | By
"""A sentence: one text for both registers, or one for each."""


def said_in(said: Said, register: Register) -> str:
    """The sentence's text in `register`."""
    return said if isinstance(said, str) else getattr(said, register)


@dataclass(frozen=True)
class Sentences:
    """The sentences the compiler adds; templates use str.format fields. An author may replace
    any of them by its name (`sentences:`)."""

    work_both: Said
    start_with: Said
    """{side}, or a contracted form of it ({a_side}, {da_side}, {por_side}): the first side."""
    switch_to: Said
    """The same fields: the second side."""
    press: Said
    release: Said
    press_count: Said
    """{word} {k} {n}: a cycle's press, counted."""
    hold_for: Said
    """{amount}: how long a timed hold lasts."""
    halfway: Said
    time_left_one: Said
    """{amount}: what is left, when it is one of its unit (or a half)."""
    time_left: Said
    """{amount}: what is left, when it is more."""
    lead_in: Said
    intro: Said
    """The introduction's chapter title."""
    closing: Said
    """The closing's chapter title."""


def _no_forms(side: str) -> dict[str, str]:
    return {}


def _unchanged(text: str) -> str:
    return text


def _without_article(article: str, rest: str) -> str:
    return rest


def _plural(value: float, words: tuple[str, str, str]) -> str:
    return words[2]


def _as_written(side: str) -> str | None:
    return side


@dataclass(frozen=True)
class Grammar:
    """How the added sentences are put together."""

    sides: tuple[str, str]
    """The two sides' names when the author gives none, as they stand at the start of a sentence
    (with their article where the language has one)."""
    units: dict[Unit, tuple[str, str, str]]
    """(one of it, in words, singular noun, plural noun) per unit."""
    half: Callable[[int, Unit, tuple[str, str, str]], str]
    """"1 and a half minutes": the whole units and the unit's words."""
    half_unit: dict[Unit, str]
    """Half of one unit: "half a minute"."""
    decimal_comma: bool
    plural: Callable[[float, tuple[str, str, str]], str] = _plural
    """The unit's noun after a number other than one, where the language has more forms than
    one plural (Polish: 2 sekundy, 5 sekund, 2,5 sekundy); given the unit's words."""
    forms: Callable[[str], dict[str, str]] = _no_forms
    """The side's name as it is joined to a preposition ("au genou droit"), by field name."""
    articles: tuple[str, ...] = ()
    """The articles a side name may start with, left out where it is a label (chapter titles)."""
    articled: Callable[[str], str | None] = _as_written
    """The side's name with the article it takes at the start of a sentence, whether the author
    wrote one or not ("genou gauche" → "le genou gauche"); None where it has none and its
    noun is not known (`validate` says so). See `with_article`."""
    unarticled: Callable[[str, str], str] = _without_article
    """The name without `article`, as a label says it: German adjectives take the ending the
    article carried ("das linke Knie" → "linkes Knie")."""
    tidy: Callable[[str], str] = _unchanged
    """The language's own joins once the words are in: French "que une" is "qu'une"."""


def half_after(word: str) -> Callable[[int, Unit, tuple[str, str, str]], str]:
    """ "2 minutes and a half" style: the whole amount, then the half (`word`)."""

    def half(whole: int, unit: Unit, words: tuple[str, str, str]) -> str:
        one, _, plural = words
        return f"{one if whole == 1 else f'{whole} {plural}'} {word}"

    return half


def joined(preposition: str, contractions: dict[str, str]) -> Callable[[str], str]:
    """`preposition` joined to a side name, contracting with its article where the language
    does (à + le = au)."""

    def join(side: str) -> str:
        for article, contracted in contractions.items():
            if side.casefold().startswith(article):
                return contracted + side[len(article) :]
        return f"{preposition} {side}"

    return join


def with_article(
    nouns: dict[str, Gender],
    articles: tuple[str, ...],
    article: Callable[[str, Gender], str],
    *,
    head_last: bool = False,
    bare: tuple[str, ...] = (),
) -> Callable[[str], str | None]:
    """`Grammar.articled` for a language whose side names take an article: a name that starts
    with one of `articles` is as written; else its noun (the first word, or the last with
    `head_last`; a compound by its end, "linkerknie") is looked up in `nouns` (lower case) and
    `article` gives the name with the article that noun's gender takes. Names in `bare` stand
    without one ("links": "Zuerst links.")."""

    def articled(side: str) -> str | None:
        if side.casefold().startswith(articles) or side.casefold() in bare:
            return side
        words = side.split()
        if not words:
            return None
        noun = (words[-1] if head_last else words[0]).lower()  # not casefold: "fuß" stays "fuß"
        gender = nouns.get(noun) or next((g for n, g in nouns.items() if noun.endswith(n) and len(n) > 2), None)
        return article(side, gender) if gender else None

    return articled


@dataclass(frozen=True)
class Numbers:
    """How a number is said before the noun it counts (num2words gives the counting form)."""

    feminine: tuple[str, ...] = ()
    masculine: tuple[str, ...] = ()
    neuter: tuple[str, ...] = ()
    """The nouns a routine's numbers count (seconds, minutes, hours, times, breaths, points,
    repetitions, presses, taps), singular and plural, in lower case, by gender."""
    spelled: Callable[[str], str] = _unchanged
    """num2words' counting form as people say it (German "hundert", not "einhundert")."""
    agree: Callable[[str, Gender, str], str] | None = None
    """The counting form made to agree with the noun (given its gender, and the noun itself, in
    lower case); None: numbers never change."""
    not_counted: tuple[str, ...] = ()
    """Words that follow a number without being counted by it ("3 of 10", "1 sur 21"):
    prepositions and conjunctions."""
    capitalised_nouns: bool = False
    """Every noun starts with a capital (German): a word in lower case is not one."""
    declined: bool = False
    """Numbers change with the case the sentence puts them in (Polish: "po 30 sekundach" is "po
    trzydziestu"), so before a word that is not a known noun every number stays digits, and
    `validate` names it."""
    governed: dict[str, Callable[[str, Gender | None], str]] = field(default_factory=dict)
    """Words that put the number after them in another case, and how its words (as they agree
    with the noun's gender, if a known noun follows) change in it: Polish "z 10" is "z
    dziesięciu", "do 2 minut" "do dwóch minut"."""

    @cached_property
    def genders(self) -> dict[str, Gender]:
        return {
            **dict.fromkeys(self.masculine, "m"),
            **dict.fromkeys(self.feminine, "f"),
            **dict.fromkeys(self.neuter, "n"),
        }


@dataclass(frozen=True)
class Printed:
    """Words voiceguide prints (never speaks): the safety note in every track's tags and on the
    card, and the card's own labels."""

    safety: str
    """What acupressure (and a routine like it) can and cannot do, and when to stop."""
    safety_heading: str
    where: str
    how: str
    caution: str
    """The heading of a point set's cautions, set apart from how to press."""
    dose: str
    count_to: str
    """{n}: a counted hold."""
    hold: str
    """{amount}: a timed hold, the amount in the spoken form ("1 and a half minutes")."""
    times: str
    """{word} {n}: taps, presses or a repeat ("Tap 13 times")."""
    tap: str
    repeat: str
    each_side: str
    both_sides: str
    about_minutes: str
    """{n}: a section's or the routine's length, whole minutes."""
    point_sets: str
    """{n}: how many sections."""
    whole_routine: str
    scan: str
    """Beside the QR code."""
    shared_only: str
    """Under the QR code of `share`'s page (card --share): where it works, and how to keep it."""
    profile: dict[str, str]
    """The profiles' names: short, standard, full."""
    album: str = "voiceguide routines"
    """The album tag of a track whose routine names no source."""


PAGE_WORDS = (
    *("play", "pause", "previous", "next", "download", "routines", "chapters", "where", "none", "unreachable"),
    *("here", "keep", "subscribe", "feed", "saving", "saved", "cannot_keep", "feed_description"),
)
"""The phone page's words (`Screen.page`)."""


@dataclass(frozen=True)
class Screen:
    """The words shown on a screen: the live view (`voiceguide play` in a terminal) and the
    phone's page (`voiceguide share`, which reads them from `words.js`)."""

    playing: str
    paused: str
    waiting: str
    """The track stands still: the next sound is still being made."""
    playing_again: str
    """A line of --quiet's when it plays on after a pause."""
    left: str
    """{time}: the time left in the routine ("12:30 left")."""
    seconds_left: str
    """{n}: seconds left in a timed hold."""
    of: str
    """{n} {of}: where a count, taps or presses are ("7 of 30")."""
    keys: str
    """The keys, in one line."""
    page: dict[str, str]
    """The phone page's buttons and notes (`PAGE_WORDS`): play, pause, previous, next, download
    (save the track), routines, chapters, where (to press), none (shared yet), unreachable;
    here (where `share`'s page works), keep, subscribe, feed (how to keep a track); saving,
    saved, cannot_keep (the published page's copy on the phone); feed_description (the podcast
    feed, whose title is `Printed.album`). Its time left in a hold is `seconds_left`."""


@dataclass(frozen=True)
class Starter:
    """The sentences of the routine `voiceguide new` writes, in both registers where they
    differ (so the author's text speaks to the listener as the sentences voiceguide adds do)."""

    title: str
    description: str
    settle: Said
    first_title: str
    first_locate: Said
    caution: Said
    press_now: Said
    release: Said
    second_title: str
    second_locate: Said
    left_hand: str
    right_hand: str
    squeeze: Said
    """A cycle's press word."""
    shake: Said
    done: Said


@dataclass(frozen=True)
class Region:
    """What a region (a code such as "pt-br") says differently from its language."""

    sentences: dict[str, str] = field(default_factory=dict)
    """Added sentences by name (as `Sentences`), in both registers."""
    informal: dict[str, str] = field(default_factory=dict)
    """Added sentences by name in the informal register only (Argentina's "vos": "Presioná")."""
    register: Register | None = None
    """The register it speaks in unless the routine says, where it is not its language's."""
    one_register: bool = False
    """The region speaks to a patient the same way in both registers (Brazil's "você")."""
    starter: Starter | None = None
    printed: Printed | None = None
    screen: Screen | None = None
    numbers: str | None = None
    """num2words' code for the region, where it says numbers differently ("fr_BE": septante)."""
    spelled: Callable[[str], str] | None = None
    """num2words' counting form for the region as people there say it, where it is not."""


@dataclass(frozen=True)
class Pack:
    """One language: everything voiceguide says, prints and shows in it."""

    code: str
    """The language's code, without a region: "de"."""
    name: str
    """Its own name for itself: "Deutsch"."""
    register: Register
    """The register it speaks in unless the routine says."""
    sentences: Sentences
    grammar: Grammar
    numbers: Numbers
    printed: Printed
    screen: Screen
    starter: Starter
    side_letters: tuple[str, str]
    """The first letters of "left" and "right", marked on a view of both sides."""
    marks: dict[Register, tuple[str, ...]] = field(default_factory=dict)
    """Words only one register uses, wherever they stand: its pronouns and possessives, in lower
    case unless case tells them apart (German "Sie", Italian "Lei"). `validate` warns when an
    author's text uses the other register's."""
    imperatives: dict[Register, tuple[str, ...]] = field(default_factory=dict)
    """The register's imperatives (of the starter and the added sentences), in lower case: a
    mark only where a sentence or clause starts with one, since most are also spelled like
    another form ("Presione mientras respira": "respira" is usted's present, not tú's order)."""
    regions: dict[str, Region] = field(default_factory=dict)
    """By lower-case code: "pt-br"."""
