"""Italian: informal (tu) unless the routine says; "da" and "a" contract with the side's article ("dal ginocchio")."""

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
    half_after,
    joined,
    with_article,
)

_ARTICLES = ("il ", "lo ", "la ", "l'", "i ", "gli ", "le ")
_DA = joined("da", dict(zip(_ARTICLES, ("dal ", "dallo ", "dalla ", "dall'", "dai ", "dagli ", "dalle "), strict=True)))
_A = joined("a", dict(zip(_ARTICLES, ("al ", "allo ", "alla ", "all'", "ai ", "agli ", "alle "), strict=True)))


def _agree(words: str, gender: Gender, noun: str) -> str:
    if gender == "f":
        if words == "uno":  # una volta; un'ora (the voice is given it joined: see numbers.spoken)
            return "un'" if noun[:1] in "aeiouàèéìòù" else "una"
        return words  # ventuno volte
    return re.sub(r"uno$", "un", words)  # un secondo, ventun secondi


_BODY: dict[str, Gender] = {
    **dict.fromkeys(("ginocchio", "piede", "polso", "gomito", "braccio", "lato", "orecchio", "polpaccio"), "m"),
    **dict.fromkeys(("tallone", "pollice", "dito", "occhio", "avambraccio", "fianco", "stinco"), "m"),
    **dict.fromkeys(("caviglia", "mano", "spalla", "anca", "gamba", "tempia", "coscia", "guancia"), "f"),
    **dict.fromkeys(("palma", "ascella", "narice", "sinistra", "destra"), "f"),
}
"""The body parts a side name names, with their gender, for the article it takes."""


def _with_article(side: str, gender: Gender) -> str:
    # l'orecchio, l'anca; lo stinco; il ginocchio, la spalla.
    first = side[:1].casefold()
    if first in "aeiouàèéìòù":
        return f"l'{side}"
    if gender == "f":
        return f"la {side}"
    impure = re.match(r"(?i)(s[^aeiou]|z|gn|ps|x|y)", side)
    return f"{'lo' if impure else 'il'} {side}"


PACK = Pack(
    code="it",
    name="Italiano",
    register="informal",
    sentences=Sentences(
        work_both=By("Prema entrambi i punti insieme.", "Premi entrambi i punti insieme."),
        start_with=By("Inizi {da_side}.", "Inizia {da_side}."),
        switch_to=By("Ora passi {a_side}.", "Ora passa {a_side}."),
        press=By("Prema", "Premi"),
        release=By("Rilasci", "Rilascia"),
        press_count="{word}, {k} di {n}",
        hold_for=By("Mantenga la pressione per {amount}.", "Mantieni la pressione per {amount}."),
        halfway="Siamo a metà.",
        time_left_one="Manca {amount}.",
        time_left="Mancano {amount}.",
        lead_in="Si parte tra 3, 2, 1.",
        intro="Introduzione",
        closing="Chiusura",
    ),
    grammar=Grammar(
        sides=("il lato sinistro", "il lato destro"),
        units={"seconds": ("un secondo", "secondo", "secondi"), "minutes": ("un minuto", "minuto", "minuti")},
        half=half_after("e mezzo"),
        half_unit={"seconds": "mezzo secondo", "minutes": "mezzo minuto"},
        decimal_comma=True,
        forms=lambda side: {"da_side": _DA(side), "a_side": _A(side)},
        articles=_ARTICLES,
        articled=with_article(_BODY, _ARTICLES, _with_article),
    ),
    numbers=Numbers(
        feminine=(
            "volta",
            "volte",
            "ora",
            "ore",
            "ripetizione",
            "ripetizioni",
            "pressione",
            "pressioni",
        ),
        masculine=(
            "secondo",
            "secondi",
            "minuto",
            "minuti",
            "punto",
            "punti",
            "respiro",
            "respiri",
            "ciclo",
            "cicli",
            "colpetto",
            "colpetti",
        ),
        agree=_agree,
        not_counted=("di", "del", "da", "su", "e", "o", "a", "al", "in", "per", "con"),
    ),
    printed=Printed(
        safety="L'acupressione allevia i sintomi; non fa diagnosi e non cura. Per un dolore improvviso o "
        "persistente consulti un medico. Prema con decisione, mai fino a sentire dolore, e si fermi se "
        "qualcosa fa male.",
        safety_heading="Sicurezza",
        where="Dove",
        how="Come",
        caution="Attenzione",
        dose="Durata",
        count_to="contare lentamente fino a {n}",
        hold="tenere {amount}",
        times="{word} {n} volte",
        tap="picchiettare",
        repeat="ripetere",
        each_side="un lato alla volta",
        both_sides="entrambi i lati insieme",
        about_minutes="circa {n} min",
        point_sets="{n} gruppi di punti",
        whole_routine="l'intera sessione",
        scan="Inquadri per ascoltare sul telefono",
        shared_only="Solo su questa rete durante la condivisione: dalla pagina, salvi la traccia o si iscriva.",
        profile={"short": "sessione breve", "standard": "sessione normale", "full": "sessione completa"},
        album="Sequenze voiceguide",
    ),
    screen=Screen(
        playing="in riproduzione",
        paused="in pausa",
        waiting="in attesa della voce",
        playing_again="ripresa",
        left="mancano {time}",
        seconds_left="mancano {n} s",
        of="{n} di {of}",
        keys="spazio pausa · n sezione successiva · p ricomincia sezione · q esci",
        page={
            "play": "Riproduci",
            "pause": "Pausa",
            "previous": "Capitolo precedente",
            "next": "Capitolo successivo",
            "download": "Salva la traccia su questo telefono",
            "routines": "Sequenze",
            "chapters": "capitoli",
            "where": "Dove premere",
            "none": "Nessuna sequenza condivisa per ora.",
            "unreachable": "Il computer che condivide le sequenze non è raggiungibile.",
            "here": "Questa pagina funziona solo su questa rete finché il computer la condivide.",
            "keep": "Per ascoltarla a casa:",
            "subscribe": "Iscriviti da un'app di podcast",
            "feed": "Indirizzo del feed",
            "saving": "Salvataggio su questo telefono…",
            "saved": "Pagina salvata su questo telefono: funziona senza rete.",
            "cannot_keep": "Questo browser non può conservare la pagina: "
            "salva la traccia o iscriviti da un'app di podcast.",
            "feed_description": "Sequenze guidate a voce da seguire a casa.",
        },
    ),
    starter=Starter(
        title="La mia sequenza",
        description="A che cosa serve questa sequenza.",
        settle=By(
            "Si metta in una posizione comoda e respiri lentamente.",
            "Mettiti in una posizione comoda e respira lentamente.",
        ),
        first_title="Il primo punto",
        first_locate=By(
            "Descriva dove si trova il punto e come trovarlo.", "Descrivi dove si trova il punto e come trovarlo."
        ),
        caution=By("Prema con delicatezza e si fermi se fa male.", "Premi con delicatezza e fermati se fa male."),
        press_now=By("Ora prema il punto.", "Ora premi il punto."),
        release=By("Rilasci.", "Rilascia."),
        second_title="Il secondo punto",
        second_locate=By("Descriva dove si trova.", "Descrivi dove si trova."),
        left_hand="la mano sinistra",
        right_hand="la mano destra",
        squeeze=By("Stringa", "Stringi"),
        shake=By("Scuota la mano per rilassarla.", "Scuoti la mano per rilassarla."),
        done="Bene. La sequenza è finita.",
    ),
    marks={"formal": ("Lei",), "informal": ("tu", "mettiti", "fermati")},
    imperatives={
        "formal": ("prema", "rilasci", "mantenga", "inizi", "passi", "respiri", "descriva", "stringa", "scuota"),
        "informal": ("premi", "rilascia", "mantieni", "inizia", "passa", "respira", "descrivi", "stringi", "scuoti"),
    },
    side_letters=("S", "D"),
)
