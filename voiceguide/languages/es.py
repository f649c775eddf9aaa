"""Spanish: informal (tú; vos in Argentina and Uruguay) unless the routine says, but formal
(usted) by default in Mexico; "a" contracts with "el" ("al pie derecho")."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from voiceguide.languages.pack import (
    By,
    Gender,
    Grammar,
    Numbers,
    Pack,
    Printed,
    Region,
    Said,
    Screen,
    Sentences,
    Starter,
    half_after,
    joined,
    with_article,
)

_A = joined("a", {"el ": "al "})


def _agree(words: str, gender: Gender, noun: str) -> str:
    if gender == "f":
        words = re.sub(r"ientos\b", "ientas", words)  # doscientas veces
        return re.sub(r"uno$", "una", words)  # veintiuna veces
    if words.endswith("veintiuno"):
        return words[:-9] + "veintiún"  # veintiún segundos
    return re.sub(r"uno$", "un", words)  # un segundo, treinta y un segundos


_ARTICLES = ("el ", "la ", "los ", "las ")
"""The articles a side name may start with."""

_BODY: dict[str, Gender] = {
    **dict.fromkeys(("pie", "tobillo", "codo", "hombro", "brazo", "lado", "muslo", "talón", "pulgar"), "m"),
    **dict.fromkeys(("dedo", "ojo", "antebrazo", "gemelo", "oído"), "m"),
    **dict.fromkeys(("rodilla", "mano", "muñeca", "cadera", "pierna", "oreja", "sien", "pantorrilla"), "f"),
    **dict.fromkeys(("mejilla", "palma", "axila", "ceja", "izquierda", "derecha"), "f"),
}
"""The body parts a side name names, with their gender, for the article it takes."""


def _with_article(side: str, gender: Gender) -> str:
    return f"{'el' if gender == 'm' else 'la'} {side}"


_STARTER = Starter(
    title="Mi rutina",
    description="Para qué sirve esta rutina.",
    settle=By("Póngase en una postura cómoda y respire despacio.", "Ponte en una postura cómoda y respira despacio."),
    first_title="El primer punto",
    first_locate=By(
        "Describa dónde está el punto y cómo encontrarlo.", "Describe dónde está el punto y cómo encontrarlo."
    ),
    caution=By("Presione con suavidad y deténgase si le duele.", "Presiona con suavidad y para si te duele."),
    press_now=By("Presione ahora el punto.", "Presiona ahora el punto."),
    release=By("Suelte.", "Suelta."),
    second_title="El segundo punto",
    second_locate=By("Describa dónde está.", "Describe dónde está."),
    left_hand="la mano izquierda",
    right_hand="la mano derecha",
    squeeze=By("Apriete", "Aprieta"),
    shake=By("Sacuda la mano para soltarla.", "Sacude la mano para soltarla."),
    done="Muy bien. Aquí termina la rutina.",
)


_VOSEO = {
    "work_both": "Presioná los dos puntos a la vez.",
    "start_with": "Empezá por {side}.",
    "switch_to": "Ahora pasá {a_side}.",
    "press": "Presioná",
    "release": "Soltá",
    "hold_for": "Mantené la presión durante {amount}.",
}
"""Argentina's and Uruguay's informal "vos"."""


def _vos(**informal: str) -> Starter:
    """The starter with these sentences in "vos" where it says "tú"."""
    changes: dict[str, Any] = {key: By(_formal(getattr(_STARTER, key)), said) for key, said in informal.items()}
    return replace(_STARTER, **changes)


def _formal(said: Said) -> str:
    return said.formal if isinstance(said, By) else said


PACK = Pack(
    code="es",
    name="Español",
    register="informal",
    sentences=Sentences(
        work_both=By("Presione los dos puntos a la vez.", "Presiona los dos puntos a la vez."),
        start_with=By("Empiece por {side}.", "Empieza por {side}."),
        switch_to=By("Ahora pase {a_side}.", "Ahora pasa {a_side}."),
        press=By("Presione", "Presiona"),
        release=By("Suelte", "Suelta"),
        press_count="{word}, {k} de {n}",
        hold_for=By("Mantenga la presión durante {amount}.", "Mantén la presión durante {amount}."),
        halfway=By("Ya va por la mitad.", "Ya vas por la mitad."),
        time_left_one="Queda {amount}.",
        time_left="Quedan {amount}.",
        lead_in="Empezamos en 3, 2, 1.",
        intro="Introducción",
        closing="Cierre",
    ),
    grammar=Grammar(
        sides=("el lado izquierdo", "el lado derecho"),
        units={"seconds": ("un segundo", "segundo", "segundos"), "minutes": ("un minuto", "minuto", "minutos")},
        half=half_after("y medio"),
        half_unit={"seconds": "medio segundo", "minutes": "medio minuto"},
        decimal_comma=True,
        forms=lambda side: {"a_side": _A(side)},
        articles=_ARTICLES,
        articled=with_article(_BODY, _ARTICLES, _with_article),
    ),
    numbers=Numbers(
        feminine=(
            "vez",
            "veces",
            "hora",
            "horas",
            "respiración",
            "respiraciones",
            "repetición",
            "repeticiones",
            "presión",
            "presiones",
        ),
        masculine=(
            "segundo",
            "segundos",
            "minuto",
            "minutos",
            "punto",
            "puntos",
            "ciclo",
            "ciclos",
            "golpecito",
            "golpecitos",
            "toque",
            "toques",
        ),
        agree=_agree,
        not_counted=("de", "del", "sobre", "y", "o", "a", "al", "en", "por", "para", "con"),
    ),
    printed=Printed(
        safety="La acupresión alivia los síntomas; no diagnostica ni cura. Consulte a un médico si el "
        "dolor es repentino o persistente. Presione con firmeza, nunca hasta que duela, y pare si algo "
        "duele.",
        safety_heading="Seguridad",
        where="Dónde",
        how="Cómo",
        caution="Precaución",
        dose="Duración",
        count_to="contar despacio hasta {n}",
        hold="mantener {amount}",
        times="{word} {n} veces",
        tap="dar golpecitos",
        repeat="repetir",
        each_side="un lado y luego el otro",
        both_sides="los dos lados a la vez",
        about_minutes="unos {n} min",
        point_sets="{n} grupos de puntos",
        whole_routine="la sesión completa",
        scan="Escanee para escuchar en el móvil",
        shared_only="Solo en esta red mientras se comparte: en la página, guarde la pista o suscríbase.",
        profile={"short": "sesión corta", "standard": "sesión normal", "full": "sesión completa"},
        album="Rutinas de voiceguide",
    ),
    screen=Screen(
        playing="reproduciendo",
        paused="en pausa",
        waiting="esperando la voz",
        playing_again="se reanuda",
        left="quedan {time}",
        seconds_left="quedan {n} s",
        of="{n} de {of}",
        keys="espacio pausa · n sección siguiente · p repetir sección · q salir",
        page={
            "play": "Reproducir",
            "pause": "Pausa",
            "previous": "Capítulo anterior",
            "next": "Capítulo siguiente",
            "download": "Guardar la pista en este móvil",
            "routines": "Rutinas",
            "chapters": "capítulos",
            "where": "Dónde presionar",
            "none": "Aún no hay rutinas compartidas.",
            "unreachable": "No se puede acceder al ordenador que comparte las rutinas.",
            "here": "Esta página solo funciona en esta red mientras el ordenador la comparte.",
            "keep": "Para escucharla en casa:",
            "subscribe": "Suscribirse en una app de pódcasts",
            "feed": "Dirección del feed",
            "saving": "Guardando en este móvil…",
            "saved": "Página guardada en este móvil: funciona sin conexión.",
            "cannot_keep": "Este navegador no puede guardar la página: "
            "guarda la pista o suscríbete en una app de pódcast.",
            "feed_description": "Rutinas guiadas por voz para seguir en casa.",
        },
    ),
    starter=_STARTER,
    marks={
        "formal": ("usted", "póngase", "deténgase"),
        "informal": (
            "tú",
            "vos",
            "ponte",
            "ponete",
            "presioná",
            "soltá",
            "mantené",
            "empezá",
            "pasá",
            "respirá",
            "describí",
            "apretá",
            "sacudí",
            "pará",
        ),
    },
    imperatives={
        "formal": ("presione", "suelte", "mantenga", "empiece", "respire", "describa", "apriete", "sacuda"),
        "informal": ("presiona", "suelta", "mantén", "empieza", "respira", "describe", "aprieta", "sacude"),
    },
    side_letters=("I", "D"),
    regions={
        # Mexico speaks to an adult patient as "usted" unless the routine says.
        "es-mx": Region(register="formal"),
        **{
            code: Region(
                informal=_VOSEO,
                starter=_vos(
                    settle="Ponete en una posición cómoda y respirá despacio.",
                    first_locate="Describí dónde está el punto y cómo encontrarlo.",
                    caution="Presioná con suavidad y pará si te duele.",
                    press_now="Presioná ahora el punto.",
                    release="Soltá.",
                    second_locate="Describí dónde está.",
                    squeeze="Apretá",
                    shake="Sacudí la mano para soltarla.",
                ),
            )
            for code in ("es-ar", "es-uy")
        },
    },
)
