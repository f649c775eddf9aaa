"""The commented starter routine that `voiceguide new` writes."""

from __future__ import annotations

from pathlib import Path

from voiceguide.files import write_text_atomic

STARTER = """\
# A voiceguide routine. Check it with:  voiceguide validate {filename}
# Read it as a cue sheet:                voiceguide show {filename}
voiceguide: 1                      # format version
title: My routine
description: What this routine is for.
language: en                       # en, de, fr, es, it, nl, pt (pt-BR, fr-BE, es-MX, ...)
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
  - say: Find a comfortable position and breathe slowly.

sections:                          # one per point set or exercise; each is a chapter
  - id: first-point                # lower case, digits and dashes
    title: The first point
    locate: Describe where the point is and how to find it.
    cautions: ["Press gently, and stop if it hurts."]
    sides: none                    # none | both | left-right
    picture:                       # where to press, drawn by voiceguide: in the chapters,
      view: lower-back             # on the phone page and on the card (voiceguide card)
      points: [[41, 56]]           # [x, y] in percent across and down the picture
      mirror: true                 # and the same point on the other side
    # views: lower-back, back-of-knees, outer-ankle, back-of-hand, front, neck-and-shoulders
    # or your own picture beside this file:   picture: my-point.png   (PNG, JPEG or SVG)
    steps:
      - say: Press the point now.
      - hold: {{count: 20}}          # counts 1 to 20 aloud
      - say: Release.

  - id: second-point
    title: The second point
    locate: Describe where it is.
    sides: left-right              # the steps run once per side
    side_names: [left hand, right hand]  # other languages: with the article, [la mano izquierda, ...]
    # side_sentences: [Start with your left hand., Now the right one.]   # your own words for the switch
    steps:
      - hold: {{seconds: [30, 60], halfway: true, countdown: 3}}   # a range: --profile picks
      - tap: {{times: 10, interval: 1.0}}                           # counted taps
      - cycle: {{times: 5, press: 2, release: 2, press_word: Squeeze}}
      - repeat:
          times: 2
          steps:
            - say: Shake the hand loose.
            - pause: 2
      - chime: soft                # soft | bell

outro:
  - say: Well done. That is the end of the routine.
"""


def write_starter(path: Path, *, overwrite: bool = False) -> None:
    """Write the starter routine to `path` (not over an existing file unless `overwrite`)."""
    write_text_atomic(path, STARTER.format(filename=path.name), overwrite=overwrite)
