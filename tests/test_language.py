"""Every word in the routine's language: the phrase tables, numbers as words, and German and
Spanish routines that compile, render and read with no English the compiler added."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voiceguide.render.pipeline import render
from voiceguide.routine.language import TABLES, phrases_for
from voiceguide.routine.loader import load_routine, parse_routine
from voiceguide.speech.cache import ClipCache
from voiceguide.timeline.compiler import compile_routine
from voiceguide.timeline.estimate import estimate_speech_length
from voiceguide.timeline.options import CompileOptions

from conftest import DATA, needs_audio_tools

LANG = DATA / "lang"

ENGLISH_ADDED = re.compile(
    r"\b(Hold for|Halfway|left\.|of \d|Start with|switch to|Press|Release|Work both|seconds?|minutes?|"
    r"Introduction|Closing|Starting in)\b"
)
"""What the compiler says in English: none of it may reach a routine in another language."""


@pytest.mark.parametrize(
    ("code", "one_second", "ninety_seconds", "one_and_a_half_minutes", "two_and_a_half_minutes"),
    [
        ("en", "1 second", "90 seconds", "1 and a half minutes", "2 and a half minutes"),
        ("de", "eine Sekunde", "90 Sekunden", "eineinhalb Minuten", "zweieinhalb Minuten"),
        ("fr", "une seconde", "90 secondes", "une minute et demie", "2 minutes et demie"),
        ("es", "un segundo", "90 segundos", "un minuto y medio", "2 minutos y medio"),
        ("it", "un secondo", "90 secondi", "un minuto e mezzo", "2 minuti e mezzo"),
        ("nl", "één seconde", "90 seconden", "anderhalve minuut", "2 en een halve minuut"),
        ("pt", "um segundo", "90 segundos", "um minuto e meio", "2 minutos e meio"),
    ],
)
def test_amounts_take_the_right_number_and_form(
    code: str, one_second: str, ninety_seconds: str, one_and_a_half_minutes: str, two_and_a_half_minutes: str
) -> None:
    table = TABLES[code]
    assert table.amount(1, "seconds") == one_second
    assert table.amount(90, "seconds") == ninety_seconds
    assert table.amount(1.5, "minutes") == one_and_a_half_minutes
    assert table.amount(2.5, "minutes") == two_and_a_half_minutes


@pytest.mark.parametrize(
    ("code", "text", "said"),
    [
        ("en", "Pinch, 3 of 10", "Pinch, three of ten"),
        ("de", "Drücken, 21 von 100", "Drücken, einundzwanzig von einhundert"),
        ("fr", "77", "soixante-dix-sept"),
        ("es", "Quedan 10 segundos.", "Quedan diez segundos."),
        ("it", "21", "ventuno"),
        ("nl", "Nog 7 seconden.", "Nog zeven seconden."),
        ("pt", "Pressione, 2 de 3", "Pressione, dois de três"),
        ("de", "Noch 0,5 Sekunden.", "Noch 0,5 Sekunden."),  # a decimal is the voice's to read
        ("en", "Hold for 2.5 seconds.", "Hold for 2.5 seconds."),
    ],
)
def test_numbers_are_said_as_words_in_the_language(code: str, text: str, said: str) -> None:
    assert phrases_for(code).spoken(text) == said


def test_regional_codes_use_their_language() -> None:
    assert phrases_for("pt-BR") is TABLES["pt"]
    assert phrases_for("de-AT").halfway == "Halbzeit."


@pytest.mark.parametrize("name", ["de", "es"])
def test_a_routine_in_another_language_has_no_english_added(name: str) -> None:
    routine = load_routine(str(LANG / f"{name}.yaml"))
    timeline = compile_routine(
        routine, options=CompileOptions(pre_roll_s=0.75), speech_length=estimate_speech_length(170)
    )
    table = routine.phrase_table
    spoken = [e.text for e in timeline.events if e.kind == "speech"]
    english = [text for text in spoken if ENGLISH_ADDED.search(text)]
    assert not english, english
    assert not [t for t in spoken if re.search(r"\d", table.spoken(t))]  # every number in words
    said = set(spoken)
    # The compiler's own sentences, in the table's words, each present.
    assert table.work_both in said
    assert table.halfway in said
    assert table.start_with.format(side=table.sides[0]) in said
    assert table.press_count.format(word=table.press, k=2, n=2) in said
    assert table.release in said
    assert table.hold_for.format(amount=table.amount(30, "seconds")) in said
    assert table.time_left(1, "minutes") in said
    assert (timeline.chapters[0].title, timeline.chapters[-1].title) == (table.intro, table.closing)


def test_side_names_and_words_stay_the_authors() -> None:
    routine = load_routine(str(LANG / "de.yaml"))
    timeline = compile_routine(routine, options=CompileOptions(), speech_length=estimate_speech_length(170))
    said = {e.text for e in timeline.events if e.kind == "speech"}
    assert {"Zuerst: linkes Knie.", "Jetzt: rechtes Knie."} <= said


def test_a_language_without_phrases_is_an_error_naming_those_there_are() -> None:
    text = "voiceguide: 1\ntitle: T\nlanguage: sv\nsections:\n  - id: s\n    title: S\n    steps: [{say: Hej.}]\n"
    with pytest.raises(
        Exception,
        match=r"x\.yaml:3:\d+: language: voiceguide has no phrases in 'sv' \(it has "
        r"de, en, es, fr, it, nl, pt\); add `phrases: en`",
    ):
        parse_routine(text, origin="x.yaml")
    chosen = parse_routine(text.replace("language: sv", "phrases: en\nlanguage: sv"), origin="x.yaml")
    assert chosen.phrase_table is TABLES["en"]
    with pytest.raises(Exception, match=r"phrases: voiceguide has no phrases in 'xx'"):
        parse_routine(text.replace("language: sv", "phrases: xx\nlanguage: sv"), origin="x.yaml")


@needs_audio_tools
@pytest.mark.parametrize(
    ("name", "voice_language", "line"),
    [("de", "de", "Halte 30 Sekunden lang."), ("es", "es", "Mantén durante 30 segundos.")],
)
def test_a_routine_renders_in_a_voice_of_its_language(
    name: str, voice_language: str, line: str, tmp_path: Path, shared_cache: Path
) -> None:
    result = render(load_routine(str(LANG / f"{name}.yaml")), output=tmp_path / "x.mp3", cache=ClipCache(shared_cache))
    assert result.voice.endswith(f"/{voice_language})") or f"({voice_language}" in result.voice, result.voice
    vtt = (tmp_path / "x.mp3.vtt").read_text(encoding="utf-8")
    assert line in vtt
    assert not ENGLISH_ADDED.search(vtt.split("\n", 2)[2]), vtt  # past the title line
