"""The font voiceguide writes with on pictures (covers, the card): DejaVu Sans, which has every
Latin, Greek and Cyrillic letter, so "lösen", "Détente" and "Шея" come out whole. `make run`
installs it on Debian and Ubuntu (fonts-dejavu-core); elsewhere a system font with the same
coverage stands in.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

FAMILY = "DejaVu Sans"
"""The name an SVG asks for, and what cairo finds through fontconfig."""
_FILES = {
    False: (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/Library/Fonts/DejaVuSans.ttf",
        "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
    ),
    True: (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
        "/Library/Fonts/DejaVuSans-Bold.ttf",
        "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
    ),
}


def font_file(*, bold: bool = False) -> Path | None:
    """The font file pictures are drawn with, or None if none of the known ones is installed."""
    return next((Path(p) for p in _FILES[bold] if Path(p).is_file()), None)


@cache
def pillow_font(size: int, *, bold: bool = False) -> FreeTypeFont:
    """The font at `size` pixels for Pillow; its built-in font (no accented letters) only if no
    font file is installed."""
    from PIL import ImageFont

    path = font_file(bold=bold) or font_file()
    if path is None:
        return ImageFont.load_default(size=size)  # type: ignore[return-value]
    return ImageFont.truetype(str(path), size)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """How wide `text` is set at `size` (in any unit: the width comes out in the same one)."""
    return pillow_font(100, bold=bold).getlength(text) * size / 100
