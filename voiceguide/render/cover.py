"""Cover art made by code: a square picture of the routine's title and its point sets.

It goes into the MP3 (an ID3 picture) and the M4B, and `share` shows it on the page, in the
podcast feed and on the phone's lock screen. Its letters are DejaVu Sans (fonts.py), so an
accented title comes out whole. Its colours come from the title, so each
routine keeps its own and a new render draws the same picture.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import textwrap

import numpy as np

from voiceguide.fonts import font_file, pillow_font
from voiceguide.pictures.cache import Image, cached_picture, picture_key
from voiceguide.routine.model import Routine

COVER_FORMAT = 1
"""Bump when `draw_cover` draws otherwise: kept covers are found by it."""
SIZE = 1400
"""Pixels a side: the smallest square podcast directories accept."""
MARGIN = 110
MAX_SECTIONS = 8


def cover_jpeg(routine: Routine, *, size: int = SIZE) -> bytes:
    """The routine's cover as a JPEG: drawn once, then kept with the chapter pictures (by what
    it shows, its size and the fonts), so a warm render draws nothing."""
    sections = [s.title for s in routine.sections]
    fonts = [f"{path} {path.stat().st_size}" if path else "" for path in (font_file(), font_file(bold=True))]
    key = picture_key("cover", COVER_FORMAT, routine.title, "\n".join(sections), size, *fonts)
    return cached_picture(key, lambda: Image(draw_cover(routine.title, sections, size=size), "image/jpeg")).data


def draw_cover(title: str, sections: list[str], *, size: int = SIZE) -> bytes:
    from PIL import Image, ImageDraw

    hue = int(hashlib.sha256(title.encode("utf-8")).hexdigest()[:4], 16) / 0xFFFF
    top = _rgb(hue, 0.30, 0.42)
    bottom = _rgb((hue + 0.08) % 1.0, 0.35, 0.18)
    # A calm vertical gradient from `top` to `bottom`.
    t = np.linspace(0.0, 1.0, size)[:, None]
    rows = np.rint(np.array(top) + (np.array(bottom) - np.array(top)) * t).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(np.broadcast_to(rows[:, None, :], (size, size, 3))), "RGB")
    draw = ImageDraw.Draw(image)
    scale = size / SIZE
    margin = round(MARGIN * scale)
    title_font = pillow_font(round(108 * scale), bold=True)
    list_font = pillow_font(round(54 * scale))
    small_font = pillow_font(round(42 * scale))
    y = margin
    for line in textwrap.wrap(title, width=18)[:4]:
        draw.text((margin, y), line, font=title_font, fill=(255, 255, 255))
        y += round(140 * scale)
    y += round(50 * scale)
    draw.line([(margin, y), (size - margin, y)], fill=(255, 255, 255), width=max(1, round(5 * scale)))
    y += round(60 * scale)
    shown = sections[:MAX_SECTIONS]
    for number, name in enumerate(shown, 1):
        text = textwrap.shorten(f"{number}.  {name}", width=34, placeholder="…")
        draw.text((margin, y), text, font=list_font, fill=(235, 240, 245))
        y += round(82 * scale)
    if len(sections) > len(shown):
        draw.text((margin, y), f"+ {len(sections) - len(shown)} more", font=list_font, fill=(210, 220, 230))
    draw.text((margin, size - margin - round(44 * scale)), "voiceguide", font=small_font, fill=(220, 228, 236))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def _rgb(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(hue, saturation, value)
    return round(r * 255), round(g * 255), round(b * 255)
