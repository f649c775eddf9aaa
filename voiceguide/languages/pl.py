"""Polish: formal unless the routine says, in the impersonal "Proszę ..." a physiotherapist uses
with an adult patient (it needs no Pan or Pani), and the "we" of "Uciskamy" for the counted
cues; informal: ty ("Uciśnij").

Polish nouns after a number take one of three forms (1 sekunda, 2 sekundy, 5 sekund), and the
number agrees with the noun's gender (dwie sekundy, dwa razy) and takes the case a preposition
asks for ("z 10" is "z dziesięciu"). Side names are said as the author writes them, in the
nominative ("Najpierw lewe kolano."), so no sentence declines them.
"""

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
)

_FORMS = {
    "sekunda": ("sekunda", "sekundy", "sekund", "sekundy"),
    "minuta": ("minuta", "minuty", "minut", "minuty"),
}
"""A unit's noun after a number: one, two to four (and 22-24, ...), the rest, and a fraction."""


def _plural(value: float, words: tuple[str, str, str]) -> str:
    one, few, many, part = _FORMS[words[1]]
    if not float(value).is_integer():
        return part  # 2,5 sekundy
    n = int(value)
    if n == 1:
        return one
    return few if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else many


_ACCUSATIVE = ("sekundę", "minutę", "godzinę")
"""Nouns in the accusative ("Trzymaj 1 minutę"): "jedną", not "jedna"."""


def _agree(words: str, gender: Gender, noun: str) -> str:
    # "jeden" alone becomes "jedna" (f) or "jedno" (n); in "dwadzieścia jeden" it stays.
    if words == "jeden":
        return "jedną" if noun in _ACCUSATIVE else {"f": "jedna", "n": "jedno"}.get(gender, words)
    if gender == "f" and (words == "dwa" or words.endswith(" dwa")):
        return words[:-3] + "dwie"  # dwie minuty, dwadzieścia dwie sekundy
    return words


def _half(whole: int, unit: Unit, words: tuple[str, str, str]) -> str:
    # półtorej minuty; dwie i pół minuty (after "pół" the noun is in the genitive singular).
    part = _FORMS[words[1]][3]
    if whole == 1:
        return f"półtorej {part}"
    from num2words import num2words  # on first use: it loads every language (30 ms)

    return f"{_agree(num2words(whole, lang='pl'), 'f', part)} i pół {part}"


_GENITIVE = {
    **{"jeden": "jednego", "dwa": "dwóch", "dwie": "dwóch", "trzy": "trzech", "cztery": "czterech"},
    **{"pięć": "pięciu", "sześć": "sześciu", "siedem": "siedmiu", "osiem": "ośmiu", "dziewięć": "dziewięciu"},
    **{"dziesięć": "dziesięciu", "jedenaście": "jedenastu", "dwanaście": "dwunastu", "trzynaście": "trzynastu"},
    **{"czternaście": "czternastu", "piętnaście": "piętnastu", "szesnaście": "szesnastu"},
    **{"siedemnaście": "siedemnastu", "osiemnaście": "osiemnastu", "dziewiętnaście": "dziewiętnastu"},
    **{"dwadzieścia": "dwudziestu", "trzydzieści": "trzydziestu", "czterdzieści": "czterdziestu"},
    **{"pięćdziesiąt": "pięćdziesięciu", "sześćdziesiąt": "sześćdziesięciu", "siedemdziesiąt": "siedemdziesięciu"},
    **{"osiemdziesiąt": "osiemdziesięciu", "dziewięćdziesiąt": "dziewięćdziesięciu", "sto": "stu"},
    **{"dwieście": "dwustu", "trzysta": "trzystu", "czterysta": "czterystu", "pięćset": "pięciuset"},
    **{"sześćset": "sześciuset", "siedemset": "siedmiuset", "osiemset": "ośmiuset", "dziewięćset": "dziewięciuset"},
    **{"tysiąc": "tysiąca", "tysiące": "tysięcy", "tysięcy": "tysięcy"},
}


def _genitive(words: str, gender: Gender | None) -> str:
    """The number in the genitive ("z dziesięciu", "do dwóch minut"): each word declines, but a
    "jeden" that ends a longer number stays ("dwudziestu jeden")."""
    *most, last = words.split()
    if not most and last in ("jeden", "jedna", "jedno"):
        return "jednej" if gender == "f" or last == "jedna" else "jednego"
    declined = [_GENITIVE.get(word, word) for word in most]
    return " ".join([*declined, last if last == "jeden" else _GENITIVE.get(last, last)])


PACK = Pack(
    code="pl",
    name="Polski",
    register="formal",
    sentences=Sentences(
        work_both=By("Proszę uciskać oba punkty jednocześnie.", "Uciskaj oba punkty jednocześnie."),
        start_with="Najpierw {side}.",
        switch_to="Teraz {side}.",
        press=By("Uciskamy", "Uciśnij"),
        release=By("Puszczamy", "Puść"),
        press_count="{word}, {k} z {n}",
        hold_for=By("Proszę utrzymać ucisk przez {amount}.", "Utrzymaj ucisk przez {amount}."),
        halfway="Połowa za nami.",
        time_left_one="Jeszcze {amount}.",
        time_left="Jeszcze {amount}.",
        lead_in="Zaczynamy: 3, 2, 1.",
        intro="Wprowadzenie",
        closing="Zakończenie",
    ),
    grammar=Grammar(
        sides=("lewa strona", "prawa strona"),
        # The one of each unit is the accusative: "przez minutę", "Jeszcze sekundę."
        units={"seconds": ("sekundę", "sekunda", "sekundy"), "minutes": ("minutę", "minuta", "minuty")},
        half=_half,
        half_unit={"seconds": "pół sekundy", "minutes": "pół minuty"},
        decimal_comma=True,
        plural=_plural,
    ),
    numbers=Numbers(
        feminine=(
            *("sekunda", "sekundy", "sekund", "sekundę", "minuta", "minuty", "minut", "minutę"),
            *("godzina", "godziny", "godzin", "godzinę"),
        ),
        masculine=(
            *("raz", "razy", "oddech", "oddechy", "oddechów", "wdech", "wdechy", "wdechów"),
            *("punkt", "punkty", "punktów", "cykl", "cykle", "cykli", "ucisk", "uciski", "ucisków"),
        ),
        neuter=("powtórzenie", "powtórzenia", "powtórzeń", "stuknięcie", "stuknięcia", "stuknięć"),
        agree=_agree,
        not_counted=("z", "i", "a", "na", "do", "od", "w", "o", "po", "przez", "za", "lub", "albo", "oraz"),
        governed=dict.fromkeys(("z", "do", "od", "około", "ciągu", "zamiast", "podczas", "bez", "oprócz"), _genitive),
        declined=True,
    ),
    printed=Printed(
        safety="Akupresura może łagodzić dolegliwości, ale nie służy do ich rozpoznawania ani leczenia. "
        "W razie nagłego lub długotrwałego bólu proszę zgłosić się do lekarza. Proszę uciskać wyraźnie, "
        "ale nie do bólu, i przerwać, jeśli pojawi się ból.",
        safety_heading="Bezpieczeństwo",
        where="Gdzie",
        how="Jak",
        caution="Uwaga",
        dose="Ile",
        count_to="powoli policzyć do {n}",
        hold="trzymać przez {amount}",
        times="{word} {n} razy",
        tap="stukać",
        repeat="powtórzyć",
        each_side="każda strona osobno",
        both_sides="obie strony naraz",
        about_minutes="ok. {n} min",
        point_sets="grupy punktów: {n}",
        whole_routine="cała sesja",
        scan="Zeskanuj, aby słuchać na telefonie",
        shared_only="Działa tylko w tej sieci, gdy komputer ją udostępnia: na stronie zapisz nagranie "
        "lub zasubskrybuj kanał w aplikacji do podcastów.",
        profile={"short": "krótka sesja", "standard": "standardowa sesja", "full": "pełna sesja"},
        album="sesje voiceguide",
    ),
    screen=Screen(
        playing="odtwarzanie",
        paused="pauza",
        waiting="przygotowuję dźwięk…",
        playing_again="odtwarzanie wznowione",
        left="zostało {time}",
        seconds_left="zostało {n} s",
        of="{n} z {of}",
        keys="spacja pauza · n następna część · p część od nowa · q koniec",
        page={
            "play": "Odtwórz",
            "pause": "Pauza",
            "previous": "Poprzedni rozdział",
            "next": "Następny rozdział",
            "download": "Pobierz nagranie na telefon",
            "routines": "Sesje",
            "chapters": "rozdziały",
            "where": "Gdzie uciskać",
            "none": "Nic jeszcze nie udostępniono.",
            "unreachable": "Nie można połączyć się z komputerem, który udostępnia sesje.",
            "here": "Ta strona działa w tej sieci, dopóki komputer ją udostępnia.",
            "keep": "Aby słuchać w domu:",
            "subscribe": "Subskrybuj w aplikacji do podcastów",
            "feed": "Adres kanału",
            "saving": "Zapisywanie na tym telefonie…",
            "saved": "Zapisano na tym telefonie: działa bez internetu.",
            "cannot_keep": "Ta przeglądarka nie może zapisać strony: zapisz nagranie lub zasubskrybuj "
            "kanał w aplikacji do podcastów.",
            "feed_description": "Sesje prowadzone głosem do wykonania w domu.",
        },
    ),
    starter=Starter(
        title="Moja sesja",
        description="Do czego służy ta sesja.",
        settle=By(
            "Proszę przyjąć wygodną pozycję i spokojnie oddychać.", "Przyjmij wygodną pozycję i oddychaj spokojnie."
        ),
        first_title="Pierwszy punkt",
        first_locate=By(
            "Proszę tu opisać, gdzie leży punkt i jak go znaleźć.", "Opisz tu, gdzie leży punkt i jak go znaleźć."
        ),
        caution=By("Proszę uciskać delikatnie i przerwać, jeśli boli.", "Uciskaj delikatnie i przerwij, jeśli boli."),
        press_now=By("Proszę teraz ucisnąć punkt.", "Teraz uciśnij punkt."),
        release=By("Proszę puścić.", "Puść."),
        second_title="Drugi punkt",
        second_locate=By("Proszę tu opisać, gdzie leży ten punkt.", "Opisz tu, gdzie leży ten punkt."),
        left_hand="lewa dłoń",
        right_hand="prawa dłoń",
        squeeze=By("Ściskamy", "Ściśnij"),
        shake=By("Proszę rozluźnić dłoń, lekko nią potrząsając.", "Rozluźnij dłoń, lekko nią potrząsając."),
        done="Bardzo dobrze. To koniec sesji.",
    ),
    marks={"formal": ("proszę", "pan", "pani", "państwo"), "informal": ("ty", "cię")},
    imperatives={
        "formal": (),
        "informal": (
            "uciśnij",
            "puść",
            "utrzymaj",
            "uciskaj",
            "przyjmij",
            "oddychaj",
            "opisz",
            "przerwij",
            "ściśnij",
            "rozluźnij",
        ),
    },
    side_letters=("L", "P"),
)
