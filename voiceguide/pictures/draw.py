"""Each section's picture, made once for every place it is shown.

A drawing is SVG (`drawing_svg`): sharp at any size, so the card prints it as it is; chapters
and the phone page take it as a PNG (`section_picture`). While one side is worked, that
side's points stand out and the other side's are greyed.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from voiceguide.fonts import FAMILY
from voiceguide.images import picture_bytes, svg_png
from voiceguide.limits import PICTURE_PIXELS
from voiceguide.routine.model import Drawing, Routine, Section
from voiceguide.routine.views import VIEWS, Side

FONT_FAMILY = f"{FAMILY}, Helvetica, Arial, sans-serif"
PAPER, SKIN, INK, MARK = "#f7f3ec", "#efd5bb", "#5b4636", "#a8876c"
POINT, DIMMED = "#d42a2a", "#c4b3a4"

SIDE_LETTERS = {
    "en": ("L", "R"),
    "de": ("L", "R"),
    "nl": ("L", "R"),
    "fr": ("G", "D"),
    "es": ("I", "D"),
    "it": ("S", "D"),
    "pt": ("E", "D"),
}
"""The first letters of "left" and "right" in each language, marked on a view of both sides."""


def side_letters(language: str) -> tuple[str, str]:
    return SIDE_LETTERS.get(language.split("-")[0].lower(), SIDE_LETTERS["en"])


def drawing_svg(drawing: Drawing, *, active: Side | None = None, language: str = "en") -> str:
    """The drawing as a square SVG document; with `active`, only that side's points are marked
    (and points on the middle line), the other side's greyed."""
    return "\n".join(
        [
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100">',
            *drawing_parts(drawing, active=active, language=language),
            "</svg>",
        ]
    )


def drawing_parts(drawing: Drawing, *, active: Side | None = None, language: str = "en") -> list[str]:
    """The drawing's SVG elements, on the 100 x 100 grid, to put in a document or nest in one."""
    view = VIEWS[drawing.view]
    parts = [
        f'<rect width="100" height="100" fill="{PAPER}"/>',
        f'<path d="{view.body}" fill="{SKIN}" stroke="{INK}" stroke-width="0.8" stroke-linejoin="round"/>',
    ]
    if view.marks:
        parts.append(
            f'<path d="{view.marks}" fill="none" stroke="{MARK}" stroke-width="0.55" '
            'stroke-dasharray="2 1.5" stroke-linecap="round"/>'
        )
    for x, y, r in view.bones:
        parts.append(f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" fill="#e2bf9c" stroke="{MARK}" stroke-width="0.5"/>')
    if view.left_on is not None:
        left, right = side_letters(language)
        first, last = (left, right) if view.left_on == "left" else (right, left)
        for x, letter in ((4, first), (96, last)):
            anchor = "start" if x < 50 else "end"
            parts.append(svg_text(x, 96, letter, size=6, anchor=anchor, weight="bold"))
    points = drawing.marked()
    lit = [p for p in points if active is None or p.side in (None, active)]
    for p in points:
        if p not in lit:
            parts.append(f'<circle cx="{p.x:g}" cy="{p.y:g}" r="2.2" fill="{DIMMED}" stroke="#fff" stroke-width=".6"/>')
    for p in lit:
        parts.append(
            f'<circle cx="{p.x:g}" cy="{p.y:g}" r="5" fill="none" stroke="{POINT}" stroke-width="0.7" opacity="0.45"/>'
            f'<circle cx="{p.x:g}" cy="{p.y:g}" r="2.8" fill="{POINT}" stroke="#fff" stroke-width="0.8"/>'
        )
    for p in lit:
        if p.label:
            right_of = p.x < 62
            x = p.x + 6 if right_of else p.x - 6
            parts.append(svg_text(x, p.y + 1.4, p.label, size=4, anchor="start" if right_of else "end", halo=True))
    return parts


def svg_text(
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    anchor: str = "start",
    weight: str = "normal",
    fill: str = INK,
    halo: bool = False,
) -> str:
    """One line of text; with `halo`, outlined in the paper's colour so it reads over a line."""
    attributes = (
        f'x="{x:g}" y="{y:g}" font-family="{FONT_FAMILY}" font-size="{size:g}" '
        f'font-weight="{weight}" text-anchor="{anchor}"'
    )
    words = escape(text)
    behind = f'<text {attributes} fill="none" stroke="{PAPER}" stroke-width="1.4">{words}</text>' if halo else ""
    return f'{behind}<text {attributes} fill="{fill}">{words}</text>'


@dataclass(frozen=True)
class Image:
    data: bytes
    mime: str


def section_picture(
    section: Section, *, side: Side | None = None, language: str = "en", pixels: int = PICTURE_PIXELS
) -> Image | None:
    """The section's picture as a PNG (or the author's JPEG), `pixels` on its longer side,
    with `side`'s points standing out; None for a section without one."""
    picture = section.picture
    if picture is None:
        return None
    if isinstance(picture, Path):
        return Image(*picture_bytes(picture, pixels=pixels))
    svg = drawing_svg(picture, active=side, language=language)
    return Image(svg_png(svg.encode(), width=pixels), "image/png")


def chapter_pictures(routine: Routine, chapter_ids: list[str], *, otherwise: Image | None = None) -> dict[str, Image]:
    """The picture of each chapter, by chapter id (`knees.left` shows the left knee's point),
    made once per section and side however many chapters share it. If any section has a
    picture, the chapters without one (the intro, the closing) get `otherwise`, so a player
    never goes on showing the last point through the closing; if none has, none gets one."""
    sections = {s.id: s for s in routine.sections}
    made: dict[tuple[str, str], Image | None] = {}
    out: dict[str, Image] = {}
    for chapter_id in chapter_ids:
        section_id, _, side = chapter_id.partition(".")
        section = sections.get(section_id)
        if section is None:
            continue
        key = (section_id, side)
        if key not in made:
            active: Side | None = side if side in ("left", "right") else None  # type: ignore[assignment]
            made[key] = section_picture(section, side=active, language=routine.language)
        picture = made[key]
        if picture is not None:
            out[chapter_id] = picture
    if out and otherwise is not None:
        out = {chapter_id: out.get(chapter_id, otherwise) for chapter_id in chapter_ids}
    return out
