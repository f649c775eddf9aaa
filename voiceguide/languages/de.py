"""German: formal (Sie) unless the routine says; side names with their article ("das linke Knie")."""

from __future__ import annotations

import re

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
    # "eineinhalb", "zweieinhalb": one word, so the number is spelled here.
    from num2words import num2words

    return f"{'ein' if whole == 1 else num2words(whole, lang='de')}einhalb {words[2]}"


def _unarticled(article: str, rest: str) -> str:
    # Without "der"/"das" the adjective carries the gender: linker Fuß, linkes Knie (die: linke).
    ending = {"der ": "r", "das ": "s"}.get(article, "")
    first, _, others = rest.partition(" ")
    if ending and others and first.endswith("e") and first[:1].islower():
        return f"{first}{ending} {others}"
    return rest


def _spelled(words: str) -> str:
    # "hundert", "tausend", "hundertzwanzig": num2words' "einhundert" is what a cheque says.
    return re.sub(r"^ein(hundert|tausend)", r"\1", words)


def _dative(words: str, gender: Gender | None) -> str:
    # "nach einer Minute", "mit einem Atemzug"; other numbers do not change.
    if words in ("ein", "eine"):
        return "einer" if gender == "f" else "einem"
    return words


def _accusative(words: str, gender: Gender | None) -> str:
    # "Nehmen Sie einen Atemzug", "für einen Durchgang": only "ein" before a masculine noun changes.
    return "einen" if words == "ein" and gender == "m" else words


def _agree(words: str, gender: Gender, noun: str) -> str:
    # "eins" ends a number said alone; before a noun it is "ein" or "eine" ("hundertundeine").
    if words.endswith("eins"):
        return words[:-4] + ("eine" if gender == "f" else "ein")
    return words


_ARTICLES = ("der ", "die ", "das ")
"""The articles a side name may start with."""

_BODY: dict[str, Gender] = {
    **dict.fromkeys(("fuß", "knöchel", "ellbogen", "ellenbogen", "arm", "oberschenkel", "unterarm"), "m"),
    **dict.fromkeys(("daumen", "finger", "zeh", "handrücken", "fußrücken", "unterschenkel"), "m"),
    **dict.fromkeys(("hand", "schulter", "hüfte", "seite", "schläfe", "wade", "ferse", "wange", "kniekehle"), "f"),
    **dict.fromkeys(("achsel", "augenbraue", "handfläche"), "f"),
    **dict.fromkeys(("knie", "handgelenk", "bein", "ohr", "auge", "fußgelenk", "sprunggelenk"), "n"),
}
"""The body parts a side name names, with their gender, for the article it takes."""


def _with_article(side: str, gender: Gender) -> str:
    # "linkes Knie" is "das linke Knie", "Linker Fuß" "der linke Fuß": after the article an
    # adjective ends in -e (and, no longer first, is written in lower case).
    *adjectives, noun = side.split()
    weak = [re.sub(r"e[rs]$", "e", word.lower()) for word in adjectives]
    return " ".join([{"m": "der", "f": "die", "n": "das"}[gender], *weak, noun])


PACK = Pack(
    code="de",
    name="Deutsch",
    register="formal",
    sentences=Sentences(
        work_both=By("Drücken Sie beide Punkte gleichzeitig.", "Drück beide Punkte gleichzeitig."),
        start_with="Zuerst {side}.",
        switch_to="Jetzt {side}.",
        press="Drücken",
        release="Loslassen",
        press_count="{word}, {k} von {n}",
        hold_for=By("Halten Sie den Druck {amount} lang.", "Halte den Druck {amount} lang."),
        halfway="Die Hälfte ist geschafft.",
        time_left_one="Noch {amount}.",
        time_left="Noch {amount}.",
        lead_in="Gleich geht es los: 3, 2, 1.",
        intro="Einleitung",
        closing="Abschluss",
    ),
    grammar=Grammar(
        sides=("die linke Seite", "die rechte Seite"),
        units={"seconds": ("eine Sekunde", "Sekunde", "Sekunden"), "minutes": ("eine Minute", "Minute", "Minuten")},
        half=_half,
        half_unit={"seconds": "eine halbe Sekunde", "minutes": "eine halbe Minute"},
        decimal_comma=True,
        articles=_ARTICLES,
        articled=with_article(_BODY, _ARTICLES, _with_article, head_last=True, bare=("links", "rechts")),
        unarticled=_unarticled,
    ),
    numbers=Numbers(
        feminine=(
            "sekunde",
            "sekunden",
            "minute",
            "minuten",
            "stunde",
            "stunden",
            "wiederholung",
            "wiederholungen",
        ),
        masculine=(
            "atemzug",
            "atemzüge",
            "punkt",
            "punkte",
            "durchgang",
            "durchgänge",
        ),
        neuter=("mal",),
        spelled=_spelled,
        agree=_agree,
        not_counted=("von", "zu", "und", "oder", "bis", "in"),
        governed={
            **dict.fromkeys(("nach", "mit", "von", "seit", "aus", "bei", "zu", "vor", "in", "binnen"), _dative),
            # After an imperative's "Sie" the number starts its object: "Nehmen Sie 1 Atemzug".
            **dict.fromkeys(("sie", "für", "durch", "ohne", "um", "gegen"), _accusative),
        },
        capitalised_nouns=True,
    ),
    printed=Printed(
        safety="Akupressur lindert Beschwerden; sie stellt keine Diagnose und heilt nicht. Lassen Sie "
        "plötzliche oder anhaltende Schmerzen ärztlich abklären. Drücken Sie fest, aber nie so, dass "
        "es wehtut, und hören Sie auf, wenn etwas schmerzt.",
        safety_heading="Sicherheit",
        where="Wo",
        how="Wie",
        caution="Vorsicht",
        dose="Dauer",
        count_to="langsam bis {n} zählen",
        hold="{amount} halten",
        times="{n}-mal {word}",
        tap="klopfen",
        repeat="wiederholen",
        each_side="eine Seite nach der anderen",
        both_sides="beide Seiten zugleich",
        about_minutes="etwa {n} Min.",
        point_sets="{n} Punktgruppen",
        whole_routine="die ganze Übung",
        scan="Zum Anhören auf dem Handy scannen",
        shared_only="Nur in diesem Netzwerk während der Freigabe: auf der Seite speichern oder abonnieren.",
        profile={"short": "kurze Einheit", "standard": "normale Einheit", "full": "volle Einheit"},
        album="voiceguide-Übungen",
    ),
    screen=Screen(
        playing="läuft",
        paused="pausiert",
        waiting="wartet auf die Stimme",
        playing_again="läuft weiter",
        left="noch {time}",
        seconds_left="noch {n} s",
        of="{n} von {of}",
        keys="Leertaste Pause · n nächster Abschnitt · p Abschnitt neu · q Beenden",
        page={
            "play": "Abspielen",
            "pause": "Pause",
            "previous": "Voriges Kapitel",
            "next": "Nächstes Kapitel",
            "download": "Aufnahme auf diesem Handy speichern",
            "routines": "Übungen",
            "chapters": "Kapitel",
            "where": "Hier drücken",
            "none": "Noch keine Übungen freigegeben.",
            "unreachable": "Der Computer, der die Übungen freigibt, ist nicht erreichbar.",
            "here": "Diese Seite funktioniert nur in diesem Netzwerk, solange der Computer sie freigibt.",
            "keep": "Zum Anhören zu Hause:",
            "subscribe": "In einer Podcast-App abonnieren",
            "feed": "Feed-Adresse",
            "saving": "Wird auf diesem Handy gespeichert …",
            "saved": "Seite auf diesem Handy gespeichert: funktioniert auch ohne Internet.",
            "cannot_keep": "Dieser Browser kann die Seite nicht offline speichern: "
            "Aufnahme speichern oder in einer Podcast-App abonnieren.",
            "feed_description": "Angeleitete Übungen zum Mitmachen zu Hause.",
        },
    ),
    starter=Starter(
        title="Meine Übung",
        description="Wofür diese Übung gedacht ist.",
        settle=By(
            "Suchen Sie sich eine bequeme Position und atmen Sie ruhig.",
            "Such dir eine bequeme Position und atme ruhig.",
        ),
        first_title="Der erste Punkt",
        first_locate=By(
            "Beschreiben Sie, wo der Punkt liegt und wie man ihn findet.",
            "Beschreib, wo der Punkt liegt und wie man ihn findet.",
        ),
        caution=By("Drücken Sie sanft und hören Sie auf, wenn es wehtut.", "Drück sanft und hör auf, wenn es wehtut."),
        press_now=By("Drücken Sie jetzt den Punkt.", "Drück jetzt den Punkt."),
        release=By("Lassen Sie los.", "Lass los."),
        second_title="Der zweite Punkt",
        second_locate=By("Beschreiben Sie, wo er liegt.", "Beschreib, wo er liegt."),
        left_hand="die linke Hand",
        right_hand="die rechte Hand",
        squeeze="Drücken",
        shake=By("Schütteln Sie die Hand locker aus.", "Schüttel die Hand locker aus."),
        done="Gut gemacht. Die Übung ist zu Ende.",
    ),
    marks={
        "formal": ("Sie", "Ihnen", "Ihre", "Ihren", "Ihrem", "Ihrer"),
        "informal": ("du", "dich", "dir", "dein", "deine", "deinen", "deinem"),
    },
    imperatives={
        "formal": (),
        "informal": ("drück", "halte", "lass", "such", "atme", "beschreib", "schüttel", "hör", "leg", "nimm"),
    },
    side_letters=("L", "R"),
)
