"""What `voiceguide new` writes: the commented starter routine, in any language voiceguide has a pack in,
or a copy of a routine to adapt."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from voiceguide.errors import UsageError
from voiceguide.files import write_text_atomic
from voiceguide.languages import known_languages, pack_for, region_for, registers
from voiceguide.languages.pack import Register, Starter, said_in

STARTER = """\
# A voiceguide routine. Check it with:  voiceguide validate {filename}
# Read it as a cue sheet:                voiceguide show {filename}
voiceguide: 1                      # format version
title: {title}
description: {description}
language: {language:<26} # {languages} (pt-BR, fr-BE, es-MX, ...)
{register_line}# formal | informal: how voiceguide's own sentences address
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


def starter_text(filename: str, language: str = "en", register: Register | None = None) -> str:
    """The starter routine for `language` (a code such as de or pt-BR)."""
    pack = pack_for(language)
    if pack is None:
        raise UsageError(f"--language {language}: voiceguide has starters in {known_languages()}")
    _, picked = registers(language, register)
    starter = region_for(language).starter or pack.starter
    words = {f.name: said_in(getattr(starter, f.name), picked) for f in fields(Starter)}
    line = f"register: {register}" if register else "# register: formal"
    return STARTER.format(
        filename=filename,
        language=language,
        languages=known_languages(),
        register_line=f"{line:<35}",
        **words,
    )


def write_starter(
    path: Path, *, language: str = "en", register: Register | None = None, overwrite: bool = False
) -> None:
    """Write the starter routine to `path` (not over an existing file unless `overwrite`), in
    `register` (written into it) or the language's usual one."""
    write_text_atomic(path, starter_text(path.name, language, register), overwrite=overwrite)


def copy_routine(source: str, path: Path, *, overwrite: bool = False) -> None:
    """Copy a built-in routine (or a routine file) as it is written, comments and all, to
    `path`, to adapt; it is checked first, so the copy validates."""
    from voiceguide.routine.builtin import builtin_bytes, is_builtin
    from voiceguide.routine.loader import load_routine

    load_routine(source)
    data = builtin_bytes(source) if is_builtin(source) else Path(source).read_bytes()
    assert data is not None
    write_text_atomic(path, data.decode("utf-8"), overwrite=overwrite)
