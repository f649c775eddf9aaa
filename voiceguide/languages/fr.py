"""French: formal (vous) unless the routine says; "à" contracts with the side's article ("au genou droit")."""

from __future__ import annotations

import re

from voiceguide.languages.pack import (
    By,
    Gender,
    Grammar,
    Numbers,
    Pack,
    Printed,
    Region,
    Screen,
    Sentences,
    Starter,
    half_after,
    joined,
    with_article,
)

_A = joined("à", {"le ": "au ", "les ": "aux "})


def _tidy(text: str) -> str:
    return re.sub(r"\b([Qq]u)e (une?)\b", r"\1'\2", text)


def _belgian(words: str) -> str:
    # num2words says "quatre-vingt et un" and a bare "quatre-vingt"; Belgium says "quatre-vingt-un"
    # as France does, and "quatre-vingts".
    words = words.replace("quatre-vingt et un", "quatre-vingt-un")
    return re.sub(r"quatre-vingt$", "quatre-vingts", words)


def _agree(words: str, gender: Gender, noun: str) -> str:
    # un, vingt et un, quatre-vingt-un: "une" before a feminine noun.
    return re.sub(r"\bun$", "une", words) if gender == "f" else words


_ARTICLES = ("le ", "la ", "les ", "l'")
"""The articles a side name may start with."""

_BODY: dict[str, Gender] = {
    **dict.fromkeys(("genou", "pied", "poignet", "coude", "bras", "avant-bras", "côté", "mollet", "talon"), "m"),
    **dict.fromkeys(("pouce", "doigt", "œil", "orteil", "sourcil"), "m"),
    **dict.fromkeys(("cheville", "main", "épaule", "hanche", "jambe", "oreille", "tempe", "cuisse", "joue"), "f"),
    **dict.fromkeys(("narine", "paume", "aisselle", "gauche", "droite"), "f"),
}
"""The body parts a side name names, with their gender, for the article it takes."""


def _with_article(side: str, gender: Gender) -> str:
    # l'épaule, l'oreille; "hanche" starts with an h that takes no elision: la hanche.
    if side[:1].casefold() in "aeiouyéèêœ":
        return f"l'{side}"
    return f"{'le' if gender == 'm' else 'la'} {side}"


PACK = Pack(
    code="fr",
    name="Français",
    register="formal",
    sentences=Sentences(
        work_both=By("Appuyez sur les deux points en même temps.", "Appuie sur les deux points en même temps."),
        start_with=By("Commencez par {side}.", "Commence par {side}."),
        switch_to=By("Passez maintenant {a_side}.", "Passe maintenant {a_side}."),
        press=By("Appuyez", "Appuie"),
        release=By("Relâchez", "Relâche"),
        press_count="{word}, {k} sur {n}",
        hold_for=By("Maintenez la pression pendant {amount}.", "Maintiens la pression pendant {amount}."),
        halfway=By("Vous êtes à la moitié.", "Tu es à la moitié."),
        time_left_one="Plus que {amount}.",
        time_left="Plus que {amount}.",
        lead_in="On commence dans 3, 2, 1.",
        intro="Introduction",
        closing="Conclusion",
    ),
    grammar=Grammar(
        sides=("le côté gauche", "le côté droit"),
        units={"seconds": ("une seconde", "seconde", "secondes"), "minutes": ("une minute", "minute", "minutes")},
        half=half_after("et demie"),
        half_unit={"seconds": "une demi-seconde", "minutes": "30 secondes"},  # not "une demi-minute"
        decimal_comma=True,
        forms=lambda side: {"a_side": _A(side)},
        articles=_ARTICLES,
        articled=with_article(_BODY, _ARTICLES, _with_article),
        tidy=_tidy,
    ),
    numbers=Numbers(
        feminine=(
            "seconde",
            "secondes",
            "minute",
            "minutes",
            "heure",
            "heures",
            "fois",
            "respiration",
            "respirations",
            "répétition",
            "répétitions",
            "pression",
            "pressions",
        ),
        masculine=(
            "point",
            "points",
            "cycle",
            "cycles",
            "tapotement",
            "tapotements",
        ),
        agree=_agree,
        not_counted=("de", "du", "des", "sur", "et", "ou", "à", "au", "en", "pour", "avec"),
    ),
    printed=Printed(
        safety="L'acupression soulage les symptômes ; elle ne pose pas de diagnostic et ne guérit pas. "
        "Consultez un médecin pour une douleur soudaine ou persistante. Appuyez fermement, sans jamais "
        "vous faire mal, et arrêtez si quelque chose fait mal.",
        safety_heading="Sécurité",
        where="Où",
        how="Comment",
        caution="Attention",
        dose="Durée",
        count_to="compter lentement jusqu'à {n}",
        hold="maintenir {amount}",
        times="{word} {n} fois",
        tap="tapoter",
        repeat="répéter",
        each_side="un côté après l'autre",
        both_sides="les deux côtés à la fois",
        about_minutes="environ {n} min",
        point_sets="{n} groupes de points",
        whole_routine="la séance entière",
        scan="Scannez pour écouter sur votre téléphone",
        shared_only="Sur ce réseau seulement, pendant le partage : sur la page, enregistrez ou abonnez-vous.",
        profile={"short": "séance courte", "standard": "séance normale", "full": "séance complète"},
        album="Séances voiceguide",
    ),
    screen=Screen(
        playing="en lecture",
        paused="en pause",
        waiting="en attente de la voix",
        playing_again="reprise",
        left="reste {time}",
        seconds_left="reste {n} s",
        of="{n} sur {of}",
        keys="espace pause · n section suivante · p recommencer · q quitter",
        page={
            "play": "Lecture",
            "pause": "Pause",
            "previous": "Chapitre précédent",
            "next": "Chapitre suivant",
            "download": "Enregistrer la piste sur ce téléphone",
            "routines": "Séances",
            "chapters": "chapitres",
            "where": "Où appuyer",
            "none": "Aucune séance partagée pour l'instant.",
            "unreachable": "L'ordinateur qui partage les séances est injoignable.",
            "here": "Cette page ne fonctionne sur ce réseau que tant que l'ordinateur la partage.",
            "keep": "Pour l'écouter chez vous :",
            "subscribe": "S'abonner dans une appli de podcasts",
            "feed": "Adresse du flux",
            "saving": "Enregistrement sur ce téléphone…",
            "saved": "Page enregistrée sur ce téléphone : fonctionne sans réseau.",
            "cannot_keep": "Ce navigateur ne peut pas conserver la page hors connexion : "
            "enregistrez la piste ou abonnez-vous dans une appli de podcasts.",
            "feed_description": "Séances guidées à la voix, à suivre chez vous.",
        },
    ),
    starter=Starter(
        title="Ma séance",
        description="À quoi sert cette séance.",
        settle=By(
            "Installez-vous confortablement et respirez lentement.",
            "Installe-toi confortablement et respire lentement.",
        ),
        first_title="Le premier point",
        first_locate=By(
            "Décrivez où se trouve le point et comment le trouver.",
            "Décris où se trouve le point et comment le trouver.",
        ),
        caution=By("Appuyez doucement, et arrêtez si cela fait mal.", "Appuie doucement, et arrête si ça fait mal."),
        press_now=By("Appuyez maintenant sur le point.", "Appuie maintenant sur le point."),
        release=By("Relâchez.", "Relâche."),
        second_title="Le deuxième point",
        second_locate=By("Décrivez où il se trouve.", "Décris où il se trouve."),
        left_hand="la main gauche",
        right_hand="la main droite",
        squeeze=By("Pincez", "Pince"),
        shake=By("Secouez la main pour la détendre.", "Secoue la main pour la détendre."),
        done="Très bien. La séance est terminée.",
    ),
    marks={
        "formal": ("vous", "votre", "vos", "installez-vous"),
        "informal": ("tu", "te", "toi", "ton", "ta", "tes", "installe-toi"),
    },
    imperatives={
        "formal": (
            "appuyez",
            "relâchez",
            "maintenez",
            "respirez",
            "décrivez",
            "pincez",
            "secouez",
            "arrêtez",
            "commencez",
            "passez",
        ),
        "informal": (
            "appuie",
            "relâche",
            "maintiens",
            "respire",
            "décris",
            "pince",
            "secoue",
            "arrête",
            "commence",
            "passe",
        ),
    },
    side_letters=("G", "D"),
    regions={
        # Belgium and Switzerland count "septante", "nonante" (Switzerland's "huitante" is only
        # some cantons'; both say "quatre-vingts").
        "fr-be": Region(numbers="fr_BE", spelled=_belgian),
        "fr-ch": Region(numbers="fr_BE", spelled=_belgian),
    },
)
