"""Draw the README's pictures of pictures: the built-in routine's card, one chapter's picture as
a phone's player shows it, and the six body views with their grid, for routine authors.

    python scripts/docs_pictures.py [--folder docs]
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from voiceguide.app.card import write_card
from voiceguide.fonts import pillow_font
from voiceguide.images import svg_png
from voiceguide.pictures.card import CardLink
from voiceguide.pictures.draw import drawing_svg, section_picture
from voiceguide.routine.loader import load_routine
from voiceguide.routine.model import Drawing
from voiceguide.routine.views import VIEWS
from voiceguide.timeline.options import CompileOptions

TILE = 360


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, default=Path("docs"))
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory() as scratch:
        _, png = write_card(
            "back-pain",
            output=Path(scratch) / "card.pdf",
            folder=Path(scratch),
            options=CompileOptions(),
            link=CardLink("http://192.168.1.20:8642/8dG-example-token-Qw/"),
        )
        card = Image.open(png)
        card.thumbnail((820, 1200))
        card.save(folder / "card.png", optimize=True)

    knees = next(s for s in load_routine("back-pain").sections if s.id == "knees")
    chapter = section_picture(knees, side="left", pixels=400)
    assert chapter is not None
    Image.open(io.BytesIO(chapter.data)).save(folder / "chapter-picture.png", optimize=True)

    sheet = Image.new("RGB", (TILE * 3, (TILE + 40) * 2), "white")
    draw = ImageDraw.Draw(sheet)
    for i, name in enumerate(VIEWS):
        drawing = Drawing.model_validate({"view": name, "points": [[50, 50]]})
        tile = Image.open(io.BytesIO(svg_png(_with_grid(drawing_svg(drawing)).encode(), width=TILE)))
        x, y = (i % 3) * TILE, (i // 3) * (TILE + 40)
        sheet.paste(tile, (x, y))
        draw.text((x + 12, y + TILE + 8), name, font=pillow_font(22), fill=(60, 45, 35))
    sheet.save(folder / "views.png", optimize=True)
    print(f"{folder}/card.png, {folder}/chapter-picture.png, {folder}/views.png")


def _with_grid(svg: str) -> str:
    """The drawing with a line every 10 per cent, labelled, so an author can read coordinates."""
    lines = []
    for at in range(10, 100, 10):
        lines.append(f'<path d="M{at} 0V100M0 {at}H100" stroke="#4a7bd0" stroke-width="0.2" opacity="0.6"/>')
        lines.append(f'<text x="{at}" y="3" font-size="2.6" fill="#4a7bd0" text-anchor="middle">{at}</text>')
        lines.append(f'<text x="1" y="{at + 1}" font-size="2.6" fill="#4a7bd0">{at}</text>')
    return svg.replace("</svg>", "\n".join(lines) + "\n</svg>")


if __name__ == "__main__":
    main()
