"""Each section's picture, made once for every place it is shown.

A drawing is SVG (`drawing_svg`): sharp at any size, so the card prints it as it is; chapters
and the phone page take it as a PNG (`section_picture`). While one side is worked, that
side's points stand out and the other side's are greyed.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from voiceguide.fonts import FAMILY, text_width
from voiceguide.images import picture_bytes, svg_png
from voiceguide.languages import ENGLISH, pack_for, packs
from voiceguide.limits import PICTURE_PIXELS
from voiceguide.pictures.cache import Image, cached_picture, picture_key
from voiceguide.routine.model import Drawing, Point, Routine, Section
from voiceguide.routine.views import VIEWS, Side

FONT_FAMILY = f"{FAMILY}, Helvetica, Arial, sans-serif"
PAPER, SKIN, INK, MARK = "#f7f3ec", "#efd5bb", "#5b4636", "#a8876c"
POINT, DIMMED = "#d42a2a", "#c4b3a4"


def side_letters(language: str) -> tuple[str, str]:
    """The first letters of "left" and "right" in the language, marked on a view of both sides."""
    return (pack_for(language) or packs()[ENGLISH]).side_letters


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
    """The drawing's SVG elements, on the 100 x 100 grid, to put in a document or nest in one.
    A view of one side, drawn for the other (`active`), is mirrored, its points with it (its
    labels are not: they read as ever)."""
    view = VIEWS[drawing.view]
    flip = view.shows is not None and active is not None and active != view.shows
    body = [f'<path d="{view.body}" fill="{SKIN}" stroke="{INK}" stroke-width="0.8" stroke-linejoin="round"/>']
    if view.marks:
        body.append(
            f'<path d="{view.marks}" fill="none" stroke="{MARK}" stroke-width="0.55" '
            'stroke-dasharray="2 1.5" stroke-linecap="round"/>'
        )
    for x, y, r in view.bones:
        body.append(f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" fill="#e2bf9c" stroke="{MARK}" stroke-width="0.5"/>')
    if flip:
        body = ['<g transform="translate(100 0) scale(-1 1)">', *body, "</g>"]
    parts = [f'<rect width="100" height="100" fill="{PAPER}"/>', *body]
    left, right = side_letters(language)
    letters: list[Box] = []
    if view.left_on is not None:
        first, last = (left, right) if view.left_on == "left" else (right, left)
        for x, letter in ((4, first), (96, last)):
            anchor = "start" if x < 50 else "end"
            parts.append(svg_text(x, 96, letter, size=6, anchor=anchor, weight="bold"))
        letters = list(LETTER_BOXES)
    elif view.shows is not None and active is not None:  # which hand (or foot) this one is
        parts.append(svg_text(4, 96, left if active == "left" else right, size=6, weight="bold"))
        letters = [LETTER_BOXES[0]]
    points = [p.model_copy(update={"x": 100 - p.x}) if flip else p for p in drawing.marked()]
    lit = [p for p in points if active is None or p.side in (None, active)]
    for p in points:
        if p not in lit:
            parts.append(f'<circle cx="{p.x:g}" cy="{p.y:g}" r="2.2" fill="{DIMMED}" stroke="#fff" stroke-width=".6"/>')
    for p in lit:
        parts.append(
            f'<circle cx="{p.x:g}" cy="{p.y:g}" r="5" fill="none" stroke="{POINT}" stroke-width="0.7" opacity="0.45"/>'
            f'<circle cx="{p.x:g}" cy="{p.y:g}" r="2.8" fill="{POINT}" stroke="#fff" stroke-width="0.8"/>'
        )
    for label in place_labels(lit, keep_clear=letters):
        parts.append(label_svg(label))
    return parts


LABEL_SIZE = 4.0
"""A point's label, in units of the 100 x 100 grid."""
LABEL_GAP = 5.5
"""From a point's centre to its label: clear of the ring around it (radius 5)."""
EDGE = 1.5
"""No label comes nearer the picture's edge than this."""
DOT = 3.0
"""What a label keeps clear of around every point: the dot (its ring may be crossed)."""
Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 on the grid."""
LETTER_BOXES: tuple[Box, Box] = ((3, 90, 9, 97), (91, 90, 97, 97))
"""Where the side letters stand, in the bottom corners."""


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float
    """Where the text is set: its baseline, at its start, end or middle (`anchor`)."""
    anchor: str
    box: Box
    """What it covers."""


def place_labels(points: list[Point], *, keep_clear: list[Box] | None = None) -> list[Label]:
    """A place for each labelled point's label where it overlaps no other label and no point,
    and stays inside the picture: beside the point, outward first (a mirrored pair's labels
    go each to its own side), else inward, above or below; shortened with an ellipsis only
    where none of these has room for it whole. None comes over `keep_clear` (the side
    letters) unless there is no other room for it at all."""
    placed: list[Label] = []
    dots = [(p.x - DOT, p.y - DOT, p.x + DOT, p.y + DOT) for p in points]
    for p in sorted((p for p in points if p.label), key=lambda p: (p.y, p.x)):
        taken = [label.box for label in placed] + dots
        label = _place(p, p.label or "", taken + (keep_clear or [])) or _place(p, p.label or "", taken)
        if label is not None:
            placed.append(label)
    return placed


def _place(point: Point, text: str, taken: list[Box]) -> Label | None:
    for shown in _shortenings(text):
        width = text_width(shown, LABEL_SIZE)
        for label in _candidates(point, shown, width):
            x0, y0, x1, y1 = label.box
            inside = min(x0, y0) >= EDGE and max(x1, y1) <= 100 - EDGE
            if inside and not any(_overlap(label.box, box) for box in taken):
                return label
    return None


def _shortenings(text: str) -> list[str]:
    """The text whole, then shorter and shorter with an ellipsis (down to 3 letters and one)."""
    return [text] + [text[:n].rstrip() + "…" for n in range(len(text) - 1, 2, -1)]


def _candidates(p: Point, text: str, width: float) -> list[Label]:
    """Beside the point, outward then inward, then centred above and below it."""
    ascent, descent = 0.78 * LABEL_SIZE, 0.24 * LABEL_SIZE
    baseline = p.y + 0.35 * LABEL_SIZE  # the text's middle level with the point's
    right = Label(
        text,
        p.x + LABEL_GAP,
        baseline,
        "start",
        (p.x + LABEL_GAP, baseline - ascent, p.x + LABEL_GAP + width, baseline + descent),
    )
    left = Label(
        text,
        p.x - LABEL_GAP,
        baseline,
        "end",
        (p.x - LABEL_GAP - width, baseline - ascent, p.x - LABEL_GAP, baseline + descent),
    )
    above_y, below_y = p.y - LABEL_GAP - descent, p.y + LABEL_GAP + ascent
    above = Label(text, p.x, above_y, "middle", (p.x - width / 2, above_y - ascent, p.x + width / 2, above_y + descent))
    below = Label(text, p.x, below_y, "middle", (p.x - width / 2, below_y - ascent, p.x + width / 2, below_y + descent))
    beside = [left, right] if p.x < 50 else [right, left]
    return [*beside, above, below]


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def svg_text(
    x: float, y: float, text: str, *, size: float, anchor: str = "start", weight: str = "normal", fill: str = INK
) -> str:
    """One line of text."""
    return f'<text {_text_attributes(x, y, size, anchor, weight)} fill="{fill}">{escape(text)}</text>'


def label_svg(label: Label) -> str:
    """A point's label, outlined in the paper's colour so it reads over a line."""
    attributes = _text_attributes(label.x, label.y, LABEL_SIZE, label.anchor, "normal")
    words = escape(label.text)
    behind = f'<text {attributes} fill="none" stroke="{PAPER}" stroke-width="1.4">{words}</text>'
    return f'{behind}<text {attributes} fill="{INK}">{words}</text>'


def _text_attributes(x: float, y: float, size: float, anchor: str, weight: str) -> str:
    return (
        f'x="{x:g}" y="{y:g}" font-family="{FONT_FAMILY}" font-size="{size:g}" '
        f'font-weight="{weight}" text-anchor="{anchor}"'
    )


def section_picture(
    section: Section, *, side: Side | None = None, language: str = "en", pixels: int = PICTURE_PIXELS
) -> Image | None:
    """The section's picture as a PNG (or the author's JPEG), `pixels` on its longer side,
    with `side`'s points standing out; None for a section without one."""

    picture = section.picture
    if picture is None:
        return None
    if isinstance(picture, Path):
        path = picture
        key = picture_key("file", path.suffix.lower(), path.read_bytes(), pixels)
        return cached_picture(key, lambda: Image(*picture_bytes(path, pixels=pixels)))
    svg = drawing_svg(picture, active=side, language=language)
    return cached_picture(
        picture_key("drawing", svg, pixels), lambda: Image(svg_png(svg.encode(), width=pixels), "image/png")
    )


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
