"""What `voiceguide new` writes: the commented starter routine, in any of the seven languages,
or a copy of a routine to adapt."""

from __future__ import annotations

from pathlib import Path

from voiceguide.errors import UsageError
from voiceguide.files import write_text_atomic
from voiceguide.routine.numbers import base_language

STARTER = """\
# A voiceguide routine. Check it with:  voiceguide validate {filename}
# Read it as a cue sheet:                voiceguide show {filename}
voiceguide: 1                      # format version
title: {title}
description: {description}
language: {language:<26} # en, de, fr, es, it, nl, pt (pt-BR, fr-BE, es-MX, ...)
# register: formal                 # formal | informal: how voiceguide's own sentences address
                                   # the listener (default: the language's usual one)
# sentences:                       # your own words for any sentence voiceguide adds:
#   halfway: Halfway there, well done.   # work_both, start_with, switch_to, press, release,
#   hold_for: Keep pressing for {{amount}}.  # press_count, hold_for, halfway, time_left_one,
                                   # time_left, lead_in, intro, closing

settings:                          # defaults; command-line options override them
  count_interval: 1.2              # seconds between spoken counts
  rate_wpm: 170                    # speech rate in words per minute
  get_ready: 4                     # quiet seconds after a point is located

intro:                             # steps spoken before the first section
  - say: {settle}

sections:                          # one per point set or exercise; each is a chapter
  - id: first-point                # lower case, digits and dashes
    title: {first_title}
    locate: {first_locate}
    # how: ...                     # how to press, said after locate; on the card under "How"
    cautions: ["{caution}"]        # said after locate; on the card, set apart as cautions
    sides: none                    # none | both | left-right
    picture:                       # where to press, drawn by voiceguide: in the chapters,
      view: lower-back             # on the phone page and on the card (voiceguide card)
      points: [[41, 56]]           # [x, y] in percent across and down the picture
      mirror: true                 # and the same point on the other side
    # views: lower-back, back-of-knees, outer-ankle, back-of-hand, front, neck-and-shoulders
    # or your own picture beside this file:   picture: my-point.png   (PNG, JPEG or SVG)
    steps:
      - say: {press_now}
      - hold: {{count: 20}}          # counts 1 to 20 aloud
      - say: {release}

  - id: second-point
    title: {second_title}
    locate: {second_locate}
    sides: left-right              # the steps run once per side
    side_names: [{left_hand}, {right_hand}]  # other languages: with the article, [la mano izquierda, ...]
    # side_sentences: [Start with your left hand., Now the right one.]   # your own words for the switch
    steps:
      - hold: {{seconds: [30, 60], halfway: true, countdown: 3}}   # a range: --profile picks
      - tap: {{times: 10, interval: 1.0}}                           # counted taps
      - cycle: {{times: 5, press: 2, release: 2, press_word: {squeeze}}}
      - repeat:
          times: 2
          steps:
            - say: {shake}
            - pause: 2
      - chime: soft                # soft | bell

outro:
  - say: {done}
"""


WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "My routine",
        "description": "What this routine is for.",
        "settle": "Find a comfortable position and breathe slowly.",
        "first_title": "The first point",
        "first_locate": "Describe where the point is and how to find it.",
        "caution": "Press gently, and stop if it hurts.",
        "press_now": "Press the point now.",
        "release": "Release.",
        "second_title": "The second point",
        "second_locate": "Describe where it is.",
        "left_hand": "left hand",
        "right_hand": "right hand",
        "squeeze": "Squeeze",
        "shake": "Shake the hand loose.",
        "done": "Well done. That is the end of the routine.",
    },
    "de": {
        "title": "Meine Übung",
        "description": "Wofür diese Übung gedacht ist.",
        "settle": "Suchen Sie sich eine bequeme Position und atmen Sie ruhig.",
        "first_title": "Der erste Punkt",
        "first_locate": "Beschreiben Sie, wo der Punkt liegt und wie man ihn findet.",
        "caution": "Drücken Sie sanft und hören Sie auf, wenn es wehtut.",
        "press_now": "Drücken Sie jetzt den Punkt.",
        "release": "Lassen Sie los.",
        "second_title": "Der zweite Punkt",
        "second_locate": "Beschreiben Sie, wo er liegt.",
        "left_hand": "die linke Hand",
        "right_hand": "die rechte Hand",
        "squeeze": "Drücken",
        "shake": "Schütteln Sie die Hand locker aus.",
        "done": "Gut gemacht. Die Übung ist zu Ende.",
    },
    "fr": {
        "title": "Ma séance",
        "description": "À quoi sert cette séance.",
        "settle": "Installez-vous confortablement et respirez lentement.",
        "first_title": "Le premier point",
        "first_locate": "Décrivez où se trouve le point et comment le trouver.",
        "caution": "Appuyez doucement, et arrêtez si cela fait mal.",
        "press_now": "Appuyez maintenant sur le point.",
        "release": "Relâchez.",
        "second_title": "Le deuxième point",
        "second_locate": "Décrivez où il se trouve.",
        "left_hand": "la main gauche",
        "right_hand": "la main droite",
        "squeeze": "Pincez",
        "shake": "Secouez la main pour la détendre.",
        "done": "Très bien. La séance est terminée.",
    },
    "es": {
        "title": "Mi rutina",
        "description": "Para qué sirve esta rutina.",
        "settle": "Ponte en una postura cómoda y respira despacio.",
        "first_title": "El primer punto",
        "first_locate": "Describe dónde está el punto y cómo encontrarlo.",
        "caution": "Presiona con suavidad y para si te duele.",
        "press_now": "Presiona ahora el punto.",
        "release": "Suelta.",
        "second_title": "El segundo punto",
        "second_locate": "Describe dónde está.",
        "left_hand": "la mano izquierda",
        "right_hand": "la mano derecha",
        "squeeze": "Aprieta",
        "shake": "Sacude la mano para soltarla.",
        "done": "Muy bien. Aquí termina la rutina.",
    },
    "it": {
        "title": "La mia sequenza",
        "description": "A che cosa serve questa sequenza.",
        "settle": "Mettiti in una posizione comoda e respira lentamente.",
        "first_title": "Il primo punto",
        "first_locate": "Descrivi dove si trova il punto e come trovarlo.",
        "caution": "Premi con delicatezza e fermati se fa male.",
        "press_now": "Ora premi il punto.",
        "release": "Rilascia.",
        "second_title": "Il secondo punto",
        "second_locate": "Descrivi dove si trova.",
        "left_hand": "la mano sinistra",
        "right_hand": "la mano destra",
        "squeeze": "Stringi",
        "shake": "Scuoti la mano per rilassarla.",
        "done": "Bene. La sequenza è finita.",
    },
    "nl": {
        "title": "Mijn oefening",
        "description": "Waar deze oefening voor is.",
        "settle": "Zoek een comfortabele houding en adem rustig.",
        "first_title": "Het eerste punt",
        "first_locate": "Beschrijf waar het punt ligt en hoe je het vindt.",
        "caution": "Druk zacht en stop als het pijn doet.",
        "press_now": "Druk nu op het punt.",
        "release": "Laat los.",
        "second_title": "Het tweede punt",
        "second_locate": "Beschrijf waar het ligt.",
        "left_hand": "de linkerhand",
        "right_hand": "de rechterhand",
        "squeeze": "Knijp",
        "shake": "Schud je hand los.",
        "done": "Goed gedaan. De oefening is klaar.",
    },
    "pt": {
        "title": "A minha rotina",
        "description": "Para que serve esta rotina.",
        "settle": "Procure uma posição confortável e respire devagar.",
        "first_title": "O primeiro ponto",
        "first_locate": "Descreva onde fica o ponto e como encontrá-lo.",
        "caution": "Pressione com suavidade e pare se doer.",
        "press_now": "Pressione agora o ponto.",
        "release": "Solte.",
        "second_title": "O segundo ponto",
        "second_locate": "Descreva onde fica.",
        "left_hand": "a mão esquerda",
        "right_hand": "a mão direita",
        "squeeze": "Aperte",
        "shake": "Sacuda a mão para a soltar.",
        "done": "Muito bem. A rotina terminou.",
    },
}
"""The starter's own sentences in each language voiceguide speaks, in the language's usual
register (so the author's text matches the sentences voiceguide adds)."""


def starter_text(filename: str, language: str = "en") -> str:
    """The starter routine for `language` (a code such as de or pt-BR)."""
    words = WORDS.get(base_language(language))
    if words is None:
        raise UsageError(f"--language {language}: voiceguide has starters in {', '.join(WORDS)}")
    return STARTER.format(filename=filename, language=language, **words)


def write_starter(path: Path, *, language: str = "en", overwrite: bool = False) -> None:
    """Write the starter routine to `path` (not over an existing file unless `overwrite`)."""
    write_text_atomic(path, starter_text(path.name, language), overwrite=overwrite)


def copy_routine(source: str, path: Path, *, overwrite: bool = False) -> None:
    """Copy a built-in routine (or a routine file) as it is written, comments and all, to
    `path`, to adapt; it is checked first, so the copy validates."""
    from voiceguide.routine.builtin import builtin_bytes, is_builtin
    from voiceguide.routine.loader import load_routine

    load_routine(source)
    data = builtin_bytes(source) if is_builtin(source) else Path(source).read_bytes()
    assert data is not None
    write_text_atomic(path, data.decode("utf-8"), overwrite=overwrite)
