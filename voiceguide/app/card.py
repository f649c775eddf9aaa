"""`voiceguide card`: a routine's card, laid out with the lengths its track has (or will have),
written as a PDF and a PNG together."""

from __future__ import annotations

from pathlib import Path

from voiceguide.app.voicing import plan_timeline
from voiceguide.errors import about
from voiceguide.files import atomic_paths, check_writable
from voiceguide.pictures.card import CardLink, card_files, card_paths, card_svg
from voiceguide.routine.builtin import is_builtin
from voiceguide.routine.loader import load_routine, routine_name
from voiceguide.speech.registry import VoiceChoice
from voiceguide.timeline.options import CompileOptions


def write_card(
    source: str,
    *,
    output: Path | None,
    folder: Path,
    options: CompileOptions,
    choice: VoiceChoice | None = None,
    link: CardLink | None = None,
    overwrite: bool = False,
) -> tuple[Path, Path]:
    """Make the card of the routine `source` (a built-in's name or a file): its PDF and its PNG,
    both written or neither. The lengths are the rendered track's if its clips are cached,
    else estimated from the speech rate."""
    pdf, png = card_paths(output, folder, routine_name(source))
    keep = None if is_builtin(source) else Path(source)
    for path in (pdf, png):
        check_writable(path, overwrite=overwrite, keep=keep)  # before any work, not after it
    routine = load_routine(source)
    with about(source):
        timeline = plan_timeline(routine, options=options, choice=choice)
    files = card_files(card_svg(routine, timeline, profile=options.profile, link=link))
    with atomic_paths([pdf, png], overwrite=overwrite, keep=keep) as (pdf_tmp, png_tmp):
        pdf_tmp.write_bytes(files.pdf)
        png_tmp.write_bytes(files.png)
    return pdf, png
