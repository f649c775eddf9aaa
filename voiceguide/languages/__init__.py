"""The languages voiceguide speaks, prints and shows: one pack per language, each a file in this
package (`de.py`), found here by its name. Adding a language is adding its file (see
`pack.py` for what it holds) and its tests; nothing else names the languages.

Codes: a routine's `language` is a code such as "de", "de-AT" or "pt-BR". Its language is the
part before the first "-" (`base_language`), its region the first two parts, in lower case
(`region_code`): "pt-br".
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the packs load on first use: `base_language` is on every command's path
    from voiceguide.languages.pack import Pack, Printed, Region, Register, Screen

ENGLISH = "en"
"""The language whose words are shown and printed where a routine's language has no pack."""


def base_language(code: str) -> str:
    """ "de" for "de-AT", "pt" for "pt-BR"."""
    return code.split("-")[0].casefold()


def region_code(code: str) -> str:
    """ "pt-br" for "pt-BR-x-lisbon": the language and region, in lower case."""
    return "-".join(code.casefold().split("-")[:2])


@cache
def packs() -> dict[str, Pack]:
    """Every pack, by language code, English first and then by code."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name != "pack":
            pack: Pack = importlib.import_module(f"{__name__}.{module.name}").PACK
            found[pack.code] = pack
    return dict(sorted(found.items(), key=lambda item: (item[0] != ENGLISH, item[0])))


def pack_for(code: str) -> Pack | None:
    """The pack for a language code such as "de" or "pt-BR", or None if voiceguide has none."""
    return packs().get(base_language(code))


def region_for(code: str) -> Region:
    """What the code's region says differently from its language (nothing, for most)."""
    from voiceguide.languages.pack import Region

    pack = pack_for(code)
    return pack.regions.get(region_code(code), Region()) if pack else Region()


def registers(code: str, register: Register | None = None) -> tuple[Register, Register]:
    """The register a routine in `code` speaks in (`register`, else its region's or its
    language's usual one), and the register whose words say it: a region that speaks the same
    way in both (Brazil's "você") says its formal words for either."""
    pack, region = pack_for(code), region_for(code)
    chosen = register or region.register or (pack.register if pack else "informal")
    return chosen, "formal" if region.one_register else chosen


def known_languages() -> str:
    """ "de, en, es, ...": the codes voiceguide has packs for, in order."""
    return ", ".join(sorted(packs()))


def printed_for(code: str) -> Printed:
    """The printed words for a language code (its region's, where it has its own); English if
    voiceguide has none in it."""
    return region_for(code).printed or (pack_for(code) or packs()[ENGLISH]).printed


def screen_for(code: str) -> Screen:
    """The words on a screen for a language code (its region's, where it has its own);
    English if voiceguide has none in it."""
    return region_for(code).screen or (pack_for(code) or packs()[ENGLISH]).screen


def page_words_script() -> str:
    """The phone page's `words.js`: its words in every language and region, as `WORDS` (with
    `left`, the time left in a hold, "{n}" standing for the seconds)."""
    screens = {
        name: screen
        for code, pack in packs().items()
        for name, screen in [(code, pack.screen)] + [(r, region.screen) for r, region in pack.regions.items()]
        if screen is not None
    }
    words = {code: {**screen.page, "left": screen.seconds_left} for code, screen in screens.items()}
    return f"const WORDS = {json.dumps(words, ensure_ascii=False, indent=1)};\n"
