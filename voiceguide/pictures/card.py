"""`voiceguide card`: one printable A4 page for the wall or the fridge door. The routine's title,
the safety note, each point set with its picture, where and how, the dose for the chosen
profile and how long it takes, the length of the whole routine, and a QR code to the shared
page when given its address.

The page is laid out once, as SVG in millimetres; cairo (through cairosvg) makes the PDF from
it (vector: the drawings and the text stay sharp in print, and the text can be searched and
copied) and the PNG for screens.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from voiceguide.errors import UsageError
from voiceguide.fonts import text_width
from voiceguide.images import cairosvg, svg_png
from voiceguide.languages import printed_for
from voiceguide.languages.pack import Printed
from voiceguide.limits import PICTURE_PIXELS, Profile
from voiceguide.pictures.draw import PAPER, POINT, drawing_parts, section_picture, svg_text
from voiceguide.routine.language import Phrases
from voiceguide.routine.model import CycleStep, HoldStep, RepeatStep, Routine, SayStep, Section, Step, TapStep
from voiceguide.timeline.events import Timeline

WIDTH, HEIGHT, MARGIN = 210.0, 297.0, 12.0
"""A4 portrait, in millimetres."""
MUTED, RULE, NOTE = "#6f6258", "#d9cfc4", "#fbf1d9"
PNG_WIDTH = 1240
"""The PNG's width in pixels: 150 dots per inch across A4, sharp on a screen."""
QR_SIZE = 30.0


@dataclass(frozen=True)
class CardLink:
    """The address the card's QR code opens; `shared`: it is `share`'s page, which works only on
    this network while the computer shares (the card says so, and how to keep the track)."""

    url: str
    shared: bool = False


@dataclass(frozen=True)
class CardFiles:
    pdf: bytes
    png: bytes


def card_svg(routine: Routine, timeline: Timeline, *, profile: Profile, link: CardLink | None = None) -> str:
    """The card as one SVG document, A4 in millimetres."""
    card = _Card(routine, timeline, profile)
    y = card.heading(MARGIN + 9)
    y = card.safety_note(y)
    bottom = HEIGHT - MARGIN - (QR_SIZE + 4 if link else 6)
    row = min(58.0, (bottom - y) / len(routine.sections))
    for number, section in enumerate(routine.sections, 1):
        card.section_row(section, number, y, row)
        y += row
    card.footer(link)
    return card.page.document()


@dataclass
class _Card:
    """The card being laid out: the routine, how long each part takes, the words to print."""

    routine: Routine
    timeline: Timeline
    profile: Profile

    def __post_init__(self) -> None:
        self.page = _Page()
        self.words: Printed = printed_for(self.routine.language)
        self.phrases: Phrases = self.routine.phrase_table

    def heading(self, y: float) -> float:
        """The title (two lines at most) and what the routine holds; the y below them."""
        for line in _wrap(self.routine.title, WIDTH - 2 * MARGIN, 8.5, bold=True)[:2]:
            self.page.add(svg_text(MARGIN, y, line, size=8.5, weight="bold"))
            y += 9.5
        words = self.words
        summary = [
            words.point_sets.format(n=len(self.routine.sections)),
            f"{words.whole_routine}: {words.about_minutes.format(n=_minutes(self.timeline.total_s))}",
            words.profile[self.profile],
        ]
        self.page.add(svg_text(MARGIN, y - 2, " · ".join(summary), size=4, fill=MUTED))
        return y + 3

    def safety_note(self, y: float) -> float:
        """The safety note in a box; the y below it."""
        note = _wrap(self.words.safety, WIDTH - 2 * MARGIN - 8, 3.4)
        box = 6 + 4.6 * len(note) + 2
        self.page.add(
            f'<rect x="{MARGIN}" y="{y:.2f}" width="{WIDTH - 2 * MARGIN}" height="{box:.2f}" rx="2.5" fill="{NOTE}"/>'
        )
        self.page.add(svg_text(MARGIN + 4, y + 5.6, self.words.safety_heading, size=3.4, weight="bold"))
        for i, line in enumerate(note):
            self.page.add(svg_text(MARGIN + 4, y + 10.2 + 4.6 * i, line, size=3.4))
        return y + box + 5

    def footer(self, link: CardLink | None) -> None:
        """voiceguide's name, and the QR code of the link with what it is for; if it is `share`'s
        page, that it works only there and then, and how to keep the track."""
        footer = HEIGHT - MARGIN
        self.page.add(svg_text(MARGIN, footer, "voiceguide", size=3.2, fill=MUTED))
        if link:
            url = link.url
            _qr_code(self.page, url, WIDTH - MARGIN - QR_SIZE, footer - QR_SIZE)
            right = WIDTH - MARGIN - QR_SIZE - 4
            self.page.add(svg_text(right, footer - QR_SIZE / 2, self.words.scan, size=3.6, anchor="end", weight="bold"))
            shown = url if text_width(url, 3) < 110 else url[:60] + "…"
            self.page.add(svg_text(right, footer - QR_SIZE / 2 + 5, shown, size=3, anchor="end", fill=MUTED))
            if link.shared:
                note, room = self.words.shared_only, right - MARGIN - 30
                size = 3.0 if text_width(note, 3.0) <= room else 3.0 * room / text_width(note, 3.0)
                self.page.add(svg_text(right, footer - QR_SIZE / 2 + 10, note, size=size, anchor="end"))

    def section_row(self, section: Section, number: int, top: float, height: float) -> None:
        """One point set: its picture, then its title, where, how and dose, in the largest type
        at which they fit the row."""
        page, words = self.page, self.words
        page.add(f'<path d="M{MARGIN} {top:.2f}H{WIDTH - MARGIN}" stroke="{RULE}" stroke-width="0.3"/>')
        side = min(height - 5, 48.0)
        if section.picture is not None:
            _picture(page, section, self.routine.language, MARGIN, top + 2.5, side)
        text_x = MARGIN + side + 6
        width = WIDTH - MARGIN - text_x - 1.5  # cairo sets a line a little wider than it measures
        chapters = self.timeline.chapters
        seconds = sum(c.end_s - c.start_s for c in chapters if c.id.split(".")[0] == section.id)
        sides = {"both": words.both_sides, "left-right": words.each_side}.get(section.sides)
        dose = "; ".join(_doses(section.steps, self.profile, self.phrases, words))
        dose_line = " · ".join(part for part in (dose, sides, words.about_minutes.format(n=_minutes(seconds))) if part)
        rows = [(f"{number}. {section.title}", "", True)]
        if section.locate:
            rows.append((section.locate, words.where, False))
        how = section.how or _first_said(section.steps)
        if how:
            rows.append((how, words.how, False))
        if section.cautions:
            rows.append((" ".join(section.cautions), words.caution, False))
        rows.append((dose_line, words.dose, False))
        size = 3.5
        headings = (words.where, words.how, words.caution, words.dose)
        while True:  # the largest type at which this section's words fit its row
            labels = max(text_width(label, size, bold=True) for label in headings) + 2.5
            lines = _rows(rows, width, size, labels, bold=words.caution)
            if len(lines) * size * 1.35 + 3 <= height or size < 2.5:
                break
            size -= 0.2
        y = top + 3 + size * 1.2
        last_label = ""
        for text, label, heading in lines:
            if y > top + height:  # what still does not fit at the smallest type is left off
                break
            if heading:
                page.add(svg_text(text_x, y, text, size=size * HEADING, weight="bold"))
            else:
                if label:
                    page.add(svg_text(text_x, y, label, size=size, weight="bold", fill=POINT))
                caution = label == words.caution or (not label and last_label == words.caution)
                page.add(svg_text(text_x + labels, y, text, size=size, weight="bold" if caution else "normal"))
                last_label = label or last_label
            y += size * 1.35


HEADING = 1.15
"""A section's title is set this much larger than its text."""


def _rows(
    rows: list[tuple[str, str, bool]], width: float, size: float, labels: float, *, bold: str
) -> list[tuple[str, str, bool]]:
    """Each row wrapped, its label on its first line only; the text of a labelled row is set
    `labels` in from the left, past the widest label (and wrapped as bold under `bold`)."""
    out: list[tuple[str, str, bool]] = []
    for text, label, heading in rows:
        if heading:
            lines = _wrap(text, width, size * HEADING, bold=True)
        else:
            lines = _wrap(text, width - labels, size, bold=label == bold)
        out += [(line, label if i == 0 else "", heading) for i, line in enumerate(lines)]
    return out


def _picture(page: _Page, section: Section, language: str, x: float, y: float, side: float) -> None:
    picture = section.picture
    if isinstance(picture, Path):
        image = section_picture(section, language=language, pixels=PICTURE_PIXELS)
        assert image is not None
        data = base64.b64encode(image.data).decode("ascii")
        page.add(f'<rect x="{x}" y="{y:.2f}" width="{side:.2f}" height="{side:.2f}" rx="2" fill="{PAPER}"/>')
        page.add(
            f'<image x="{x}" y="{y:.2f}" width="{side:.2f}" height="{side:.2f}" preserveAspectRatio="xMidYMid meet" '
            f'href="data:{image.mime};base64,{data}"/>'
        )
    elif picture is not None:
        page.add(f'<svg x="{x}" y="{y:.2f}" width="{side:.2f}" height="{side:.2f}" viewBox="0 0 100 100">')
        page.add(*drawing_parts(picture, language=language))
        page.add("</svg>")
    frame = f'x="{x}" y="{y:.2f}" width="{side:.2f}" height="{side:.2f}" rx="2"'
    page.add(f'<rect {frame} fill="none" stroke="{RULE}" stroke-width="0.3"/>')


def _first_said(steps: Iterable[Step]) -> str | None:
    """The first sentence the steps say (inside a repeat too): how to press, by default."""
    for step in steps:
        if isinstance(step, SayStep):
            return step.say
        if isinstance(step, RepeatStep) and (said := _first_said(step.repeat.steps)):
            return said
    return None


def _doses(steps: Iterable[Step], profile: Profile, phrases: Phrases, words: Printed) -> list[str]:
    """What the steps ask for, resolved for `profile`: "hold 1 and a half minutes", "tap 13 times",
    each with the author's own wording after it where they gave one ("(1 to 2 minutes)"); a
    repeat with what it repeats."""
    out = []
    for step in steps:
        match step:
            case HoldStep(hold=hold) if hold.count is not None:
                dose = words.count_to.format(n=round(hold.count.resolve(profile)))
            case HoldStep(hold=hold) if (duration := hold.duration) is not None:
                amount, unit = duration
                dose = words.hold.format(amount=phrases.amount(amount.resolve(profile), unit))
            case TapStep(tap=tap):
                dose = words.times.format(word=words.tap, n=round(tap.times.resolve(profile)))
            case CycleStep(cycle=cycle):
                word = (cycle.press_word or phrases.press).lower()
                dose = words.times.format(word=word, n=round(cycle.times.resolve(profile)))
            case RepeatStep(repeat=repeat):
                inside = _doses(repeat.steps, profile, phrases, words) or [_first_said(repeat.steps) or ""]
                times = words.times.format(word=words.repeat, n=round(repeat.times.resolve(profile)))
                dose = f"{times}: {', '.join(part for part in inside if part)}".rstrip(": ")
            case _:
                continue
        own = _own_dose(step)
        out.append(f"{dose} ({own})" if own else dose)
    return out


def _own_dose(step: Step) -> str | None:
    """The dose as the author wrote it on a hold, taps, a cycle or a repeat, if they did."""
    match step:
        case HoldStep(hold=measured) | TapStep(tap=measured) | CycleStep(cycle=measured) | RepeatStep(repeat=measured):
            return measured.dose
    return None


def _minutes(seconds: float) -> int:
    return max(1, round(seconds / 60))


def _wrap(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """`text` broken into lines no wider than `width` when set at `size`; a word longer than a
    line is cut where it must be."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold=bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while text_width(word, size, bold=bold) > width and len(word) > 1:
            cut = max(1, math.floor(len(word) * width / text_width(word, size, bold=bold)) - 1)
            lines.append(word[:cut] + "-")
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _qr_code(page: _Page, url: str, x: float, y: float) -> None:
    """The address as a QR code, each dark module a square of one path (vector, so it prints
    sharp), with its quiet zone."""
    import segno

    code = segno.make(url, error="m", micro=False)
    rows = list(code.matrix_iter(border=2))
    module = QR_SIZE / len(rows)
    squares = "".join(
        f"M{x + c * module:.3f} {y + r * module:.3f}h{module:.3f}v{module:.3f}h{-module:.3f}z"
        for r, row in enumerate(rows)
        for c, dark in enumerate(row)
        if dark
    )
    page.add(f'<rect x="{x}" y="{y:.2f}" width="{QR_SIZE}" height="{QR_SIZE}" fill="#fff"/>')
    page.add(f'<path d="{squares}" fill="#000" shape-rendering="crispEdges"/>')


class _Page:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)

    def document(self) -> str:
        return "\n".join(
            [
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:g}mm" height="{HEIGHT:g}mm" '
                f'viewBox="0 0 {WIDTH:g} {HEIGHT:g}">',
                f'<rect width="{WIDTH:g}" height="{HEIGHT:g}" fill="#fff"/>',
                *self.parts,
                "</svg>",
            ]
        )


def card_files(svg: str) -> CardFiles:
    """The card as a one-page PDF and as a PNG."""
    data = svg.encode("utf-8")
    return CardFiles(pdf=bytes(cairosvg().svg2pdf(bytestring=data)), png=svg_png(data, width=PNG_WIDTH))


CARD_SUFFIX = ".card.pdf"
"""audio_out/back-pain.card.pdf, and the PNG beside it: back-pain.card.png."""


def card_paths(output: Path | None, folder: Path, name: str) -> tuple[Path, Path]:
    """The PDF to write and the PNG beside it: `output` (ending in .pdf, or given it), else
    FOLDER/NAME.card.pdf."""
    pdf = folder / f"{name}{CARD_SUFFIX}" if output is None else output
    if pdf.suffix.lower() != ".pdf":
        if pdf.suffix:
            raise UsageError(f"{pdf}: a card is written as a PDF (and a PNG beside it); name it .pdf")
        pdf = pdf.with_name(pdf.name + ".pdf")
    return pdf, pdf.with_suffix(".png")
