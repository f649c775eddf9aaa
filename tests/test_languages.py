"""Every language pack is complete: each sentence in both registers, with only the fields it may
use; units, halves and sides; the nouns its numbers agree with; the printed, screen, page and
starter words, with their fields. A new pack file is checked by these tests as it is."""

from __future__ import annotations

import pkgutil
import re
import string
from dataclasses import asdict, fields

import pytest

import voiceguide.languages
from voiceguide.languages import (
    base_language,
    pack_for,
    packs,
    page_words_script,
    printed_for,
    region_code,
    screen_for,
)
from voiceguide.languages.pack import PAGE_WORDS, By, Pack, Printed, Screen, Sentences, Starter
from voiceguide.routine.language import SENTENCE_KEYS, phrases_for, sentence_problem
from voiceguide.routine.numbers import number_words

PACKS = list(packs().values())


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_pack_file_is_registered_under_its_own_code() -> None:
    files = {m.name for m in pkgutil.iter_modules(voiceguide.languages.__path__)} - {"pack"}
    assert files == set(packs()) and len(files) >= 7
    assert next(iter(packs())) == "en"
    assert all(pack.code == base_language(pack.code) and pack.name for pack in PACKS)


def test_a_code_finds_its_pack_and_region() -> None:
    assert base_language("pt-BR") == "pt" and region_code("pt-BR-x-test") == "pt-br"
    assert pack_for("DE-at") is packs()["de"] and pack_for("sv") is None
    assert screen_for("pt-BR").playing == "tocando" and screen_for("pt").playing != "tocando"
    assert screen_for("sv") is packs()["en"].screen
    # Brazil's card says "celular", Portugal's "telemóvel".
    assert "celular" in printed_for("pt-BR").scan and "telemóvel" in printed_for("pt").scan
    assert "telemóvel" not in printed_for("pt-BR").scan + printed_for("pt-BR").shared_only


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.code)
def test_each_sentence_is_said_in_both_registers_with_only_its_own_fields(pack: Pack) -> None:
    assert set(SENTENCE_KEYS) == {f.name for f in fields(Sentences)}
    for key in SENTENCE_KEYS:
        said = getattr(pack.sentences, key)
        for text in (said.formal, said.informal) if isinstance(said, By) else (said,):
            assert text.strip() and sentence_problem(key, text) is None, (pack.code, key, text)
        if isinstance(said, By):
            assert said.formal != said.informal, (pack.code, key)
    for register in ("formal", "informal"):
        phrases = phrases_for(pack.code, register=register)
        assert phrases.register == register and phrases.name == pack.name
        assert "{" not in phrases.start(phrases.sides[0]) + phrases.switch(phrases.sides[1])


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.code)
def test_units_halves_and_sides_are_complete(pack: Pack) -> None:
    grammar = pack.grammar
    assert set(grammar.units) == set(grammar.half_unit) == {"seconds", "minutes"}
    for unit, (one, singular, plural) in grammar.units.items():
        assert one and singular and plural and singular != plural, (pack.code, unit)
        halves = grammar.half(1, unit, grammar.units[unit]), grammar.half(2, unit, grammar.units[unit])
        assert all(halves) and halves[0] != halves[1], (pack.code, unit)
    left, right = grammar.sides
    assert left and right and left != right
    if grammar.articles:
        assert all(side.casefold().startswith(grammar.articles) for side in grammar.sides), pack.code
    assert all(len(letter) == 1 and letter.isupper() for letter in pack.side_letters)
    assert pack.side_letters[0] != pack.side_letters[1]


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.code)
def test_numbers_are_spelled_and_agree_with_every_unit(pack: Pack) -> None:
    assert number_words(21, pack.code) is not None, f"num2words cannot spell numbers in {pack.code}"
    rules = pack.numbers
    assert all(noun == noun.casefold() for noun in rules.genders)
    if rules.agree is None:
        return  # numbers never change with the noun: nothing to know of it
    for _, singular, plural in pack.grammar.units.values():
        assert {singular.casefold(), plural.casefold()} <= set(rules.genders), pack.code


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.code)
def test_printed_screen_and_starter_words_are_all_there(pack: Pack) -> None:
    english = packs()["en"]
    for kind in (Printed, Starter):
        words = getattr(pack, kind.__name__.lower())
        for f in fields(kind):
            value = getattr(words, f.name)
            assert value, (pack.code, kind.__name__, f.name)
            if isinstance(value, str):
                assert _fields(value) == _fields(getattr(getattr(english, kind.__name__.lower()), f.name)), f.name
    assert set(pack.printed.profile) == {"short", "standard", "full"}
    screens = [pack.screen, *(region.screen for region in pack.regions.values() if region.screen)]
    for screen in screens:
        for f in fields(Screen):
            if f.name != "page":
                assert _fields(getattr(screen, f.name)) == _fields(getattr(english.screen, f.name)), f.name
        assert set(screen.page) == set(PAGE_WORDS) and all(screen.page.values()), pack.code
        if pack.code != "en":  # a view with any English word in it is not in the patient's language
            assert screen.of.format(n=3, of=10) != english.screen.of.format(n=3, of=10), pack.code


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.code)
def test_regions_belong_to_their_language_and_replace_only_known_sentences(pack: Pack) -> None:
    for code, region in pack.regions.items():
        assert re.fullmatch(rf"{pack.code}-[a-z]+", code), code
        for key, text in {**region.sentences, **region.informal}.items():
            assert sentence_problem(key, text) is None, (code, key)
        if region.starter is not None:
            assert all(asdict(region.starter).values()) and region.starter != pack.starter, code
        if region.printed is not None:  # the fields its language's printed words have
            assert all(
                _fields(getattr(region.printed, f.name)) == _fields(getattr(pack.printed, f.name))
                for f in fields(Printed)
                if isinstance(getattr(pack.printed, f.name), str)
            ), code
        if region.numbers:
            assert any(number_words(n, code) != number_words(n, pack.code) for n in (16, 77, 81)), code


def test_the_page_gets_every_language_and_region() -> None:
    script = page_words_script()
    for pack in PACKS:
        assert f'"{pack.code}": {{' in script and pack.screen.page["play"] in script
    assert '"pt-br": {' in script
