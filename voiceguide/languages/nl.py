"""Dutch: informal (je) unless the routine says; side names with their article ("de linkerknie")."""

from __future__ import annotations

from voiceguide.languages.pack import (
    By,
    Gender,
    Grammar,
    Numbers,
    Pack,
    Printed,
    Screen,
    Sentences,
    Starter,
    Unit,
    with_article,
)


def _half(whole: int, unit: Unit, words: tuple[str, str, str]) -> str:
    return f"anderhalve {words[1]}" if whole == 1 else f"{whole} en een halve {words[1]}"


_ARTICLES = ("de ", "het ")
"""The articles a side name may start with."""

_BODY: dict[str, Gender] = {
    **dict.fromkeys(("knie", "voet", "enkel", "hand", "pols", "elleboog", "schouder", "heup", "arm"), "m"),
    **dict.fromkeys(("kant", "slaap", "dij", "kuit", "hiel", "duim", "vinger", "wang", "zij", "teen"), "m"),
    **dict.fromkeys(("been", "oor", "oog", "bovenbeen", "onderbeen"), "n"),
}
"""The body parts a side name names ("m": de, "n": het), for the article it takes; a compound
("linkerknie") by its end."""


def _with_article(side: str, gender: Gender) -> str:
    return f"{'het' if gender == 'n' else 'de'} {side}"


PACK = Pack(
    code="nl",
    name="Nederlands",
    register="informal",
    sentences=Sentences(
        work_both=By("Drukt u beide punten tegelijk in.", "Druk beide punten tegelijk in."),
        start_with=By("Begint u met {side}.", "Begin met {side}."),
        switch_to=By("Gaat u nu verder met {side}.", "Ga nu verder met {side}."),
        press=By("Indrukken", "Druk in"),
        release=By("Loslaten", "Laat los"),
        press_count="{word}, {k} van {n}",
        hold_for=By("Houdt u de druk {amount} vast.", "Houd de druk {amount} vast."),
        halfway=By("U bent halverwege.", "Je bent halverwege."),
        time_left_one="Nog {amount}.",
        time_left="Nog {amount}.",
        lead_in="We beginnen over 3, 2, 1.",
        intro="Inleiding",
        closing="Afsluiting",
    ),
    grammar=Grammar(
        sides=("de linkerkant", "de rechterkant"),
        units={"seconds": ("één seconde", "seconde", "seconden"), "minutes": ("één minuut", "minuut", "minuten")},
        half=_half,
        half_unit={"seconds": "een halve seconde", "minutes": "een halve minuut"},
        decimal_comma=True,
        articles=_ARTICLES,
        articled=with_article(_BODY, _ARTICLES, _with_article, head_last=True, bare=("links", "rechts")),
    ),
    numbers=Numbers(
        neuter=(
            "seconde",
            "seconden",
            "minuut",
            "minuten",
            "uur",
            "keer",
            "maal",
            "punt",
            "punten",
        ),
        not_counted=("van", "en", "of", "in", "op", "tot"),
    ),
    printed=Printed(
        safety="Acupressuur verlicht klachten; het stelt geen diagnose en geneest niet. Laat plotselinge "
        "of aanhoudende pijn door een arts onderzoeken. Druk stevig, nooit zo hard dat het pijn doet, "
        "en stop als iets pijn doet.",
        safety_heading="Veiligheid",
        where="Waar",
        how="Hoe",
        caution="Let op",
        dose="Duur",
        count_to="langzaam tot {n} tellen",
        hold="{amount} vasthouden",
        times="{n} keer {word}",
        tap="tikken",
        repeat="herhalen",
        each_side="eerst de ene kant, dan de andere",
        both_sides="beide kanten tegelijk",
        about_minutes="ongeveer {n} min",
        point_sets="{n} groepen punten",
        whole_routine="de hele sessie",
        scan="Scan om op je telefoon te luisteren",
        shared_only="Alleen op dit netwerk, tijdens het delen: bewaar via de pagina de opname of abonneer je.",
        profile={"short": "korte sessie", "standard": "gewone sessie", "full": "volledige sessie"},
        album="voiceguide-oefeningen",
    ),
    screen=Screen(
        playing="speelt af",
        paused="gepauzeerd",
        waiting="wacht op de stem",
        playing_again="hervat",
        left="nog {time}",
        seconds_left="nog {n} s",
        of="{n} van {of}",
        keys="spatie pauze · n volgend deel · p deel opnieuw · q stoppen",
        page={
            "play": "Afspelen",
            "pause": "Pauze",
            "previous": "Vorig hoofdstuk",
            "next": "Volgend hoofdstuk",
            "download": "Opname op deze telefoon bewaren",
            "routines": "Oefeningen",
            "chapters": "hoofdstukken",
            "where": "Waar drukken",
            "none": "Nog geen oefeningen gedeeld.",
            "unreachable": "De computer die de oefeningen deelt is niet bereikbaar.",
            "here": "Deze pagina werkt alleen op dit netwerk, zolang de computer hem deelt.",
            "keep": "Om thuis te luisteren:",
            "subscribe": "Abonneren via een podcastapp",
            "feed": "Feedadres",
            "saving": "Wordt op deze telefoon bewaard…",
            "saved": "Pagina bewaard op deze telefoon: werkt ook zonder internet.",
            "cannot_keep": "Deze browser kan de pagina niet bewaren: "
            "bewaar de opname of abonneer je via een podcastapp.",
            "feed_description": "Oefeningen met gesproken begeleiding om thuis te doen.",
        },
    ),
    starter=Starter(
        title="Mijn oefening",
        description="Waar deze oefening voor is.",
        settle=By(
            "Zoekt u een comfortabele houding en ademt u rustig.", "Zoek een comfortabele houding en adem rustig."
        ),
        first_title="Het eerste punt",
        first_locate=By(
            "Beschrijft u waar het punt ligt en hoe u het vindt.", "Beschrijf waar het punt ligt en hoe je het vindt."
        ),
        caution=By("Drukt u zacht en stopt u als het pijn doet.", "Druk zacht en stop als het pijn doet."),
        press_now=By("Drukt u nu op het punt.", "Druk nu op het punt."),
        release=By("Laat u maar los.", "Laat los."),
        second_title="Het tweede punt",
        second_locate=By("Beschrijft u waar het ligt.", "Beschrijf waar het ligt."),
        left_hand="de linkerhand",
        right_hand="de rechterhand",
        squeeze=By("Knijpen", "Knijp"),
        shake=By("Schudt u uw hand los.", "Schud je hand los."),
        done="Goed gedaan. De oefening is afgelopen.",
    ),
    marks={"formal": ("u", "uw"), "informal": ("je", "jij", "jouw")},
    imperatives={"formal": (), "informal": ()},
    side_letters=("L", "R"),
)
