"""What `validate` tells an author about the words a listener will hear: sentences borrowed
from another language's table, their own sentences in the other register from the routine's
(a patient addressed as "Sie" by voiceguide and "du" by the author), and numbers in their own
text whose form voiceguide cannot make agree with the word after them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from voiceguide.languages import pack_for, region_for, registers
from voiceguide.languages.pack import Pack, Register
from voiceguide.routine.language import has_phrases
from voiceguide.routine.model import CycleStep, RepeatStep, Routine, SayStep, Step
from voiceguide.routine.numbers import guesses, number_words


def wording_notes(routine: Routine) -> list[str]:
    """One line for each thing the author may want to know, in the order they come."""
    notes = []
    language = routine.language
    if not has_phrases(language):
        table = routine.phrase_table
        examples = f"{table.hold_for.format(amount=table.amount(30, 'seconds'))!r}, {table.start(table.sides[0])!r}"
        numbers = (
            f"counts and numbers are said in {language!r}"
            if number_words(1, language) is not None
            else f"numbers stay digits for the voice to read ({language!r} is not a language voiceguide can spell "
            "numbers in)"
        )
        notes.append(
            f"voiceguide has no sentences of its own in {language!r}: those it adds ({examples}, ...) are in "
            f"{table.name}, as `phrases: {routine.phrases}` says; {numbers}; write your own with `sentences:` "
            "(and each section's `side_sentences:`)"
        )
    notes += _register_notes(routine)
    notes += _side_notes(routine)
    seen: set[str] = set()
    for text in _authors_texts(routine):
        for found in guesses(text, language):
            if found not in seen:
                seen.add(found)
                notes.append(
                    f"{found!r}: voiceguide does not know the word after the number, so its form cannot be made to "
                    "agree; the voice reads the digits its own way (write the number in words to be sure)"
                )
    return notes


_WORD = re.compile(r"[\w'-]+")


_CLAUSE_STARTS = re.compile(
    r"(?:^|[.!?;:,]\s*|\b(?:y|e|et|und|en|i|and|ou|o|oder|oraz|lub|dann|puis|luego|poi|depois)\s+)([\w'-]+)"
)
"""A word that starts a sentence or clause: where an imperative stands."""


def other_register_words(text: str, pack: Pack, register: Register) -> list[str]:
    """The words of `text` that only the register other than `register` uses ("du" in a formal
    German routine; "Presiona" opening a sentence in a formal Spanish one), as its pack lists
    them."""
    other: Register = "informal" if register == "formal" else "formal"
    marks = pack.marks.get(other, ())
    exact = {m for m in marks if not m.islower()}  # German "Sie" is not "sie"
    lowered = {m for m in marks if m.islower()}
    sentence_start = re.compile(r"(?:^|[.!?]\s+)$")
    found = [
        match.group()
        for match in _WORD.finditer(text)
        if (match.group() in exact and not sentence_start.search(text, 0, match.start()))
        or match.group().casefold() in lowered
    ]
    imperatives = set(pack.imperatives.get(other, ()))
    found += [w for w in _CLAUSE_STARTS.findall(text) if w.casefold() in imperatives and w not in found]
    return found


def _register_notes(routine: Routine) -> Iterator[str]:
    pack = pack_for(routine.language)
    if pack is None or region_for(routine.language).one_register:
        return
    register, _ = registers(routine.language, routine.speech_register)
    other = "informal" if register == "formal" else "formal"
    for text in _authors_texts(routine):
        found = other_register_words(text, pack, register)
        if found:
            yield (
                f"{text!r} speaks {other}ly ({found[0]!r}) but the routine's sentences speak {register}ly: "
                f"write it as they do, or set `register: {other}`"
            )


def _side_notes(routine: Routine) -> Iterator[str]:
    """A side name without its article whose noun voiceguide does not know: the sentence it
    cannot make, and how to write the name so it can."""
    table = routine.phrase_table
    for section in routine.sections:
        if section.side_names is None or section.side_sentences is not None:
            continue
        for name, say in zip(section.side_names, (table.start, table.switch), strict=True):
            if table.grammar.articled(name) is None:
                yield (
                    f"section {section.id!r}: voiceguide does not know which article {name!r} takes, so it says "
                    f"{say(name)!r}; write the side names with their article, as in {table.sides[0]!r} "
                    "(or give the section `side_sentences:`)"
                )


def _authors_texts(routine: Routine) -> Iterator[str]:
    yield routine.title
    yield from _steps(routine.intro)
    for section in routine.sections:
        yield section.title
        if section.locate:
            yield section.locate
        if section.how:
            yield section.how
        yield from section.cautions
        yield from section.side_sentences or ()
        yield from _steps(section.steps)
    yield from _steps(routine.outro)
    yield from routine.sentences.values()


def _steps(steps: Sequence[Step]) -> Iterator[str]:
    for step in steps:
        if isinstance(step, SayStep):
            yield step.say
        elif isinstance(step, CycleStep):
            yield from (word for word in (step.cycle.press_word, step.cycle.release_word) if word)
        elif isinstance(step, RepeatStep):
            yield from _steps(step.repeat.steps)
