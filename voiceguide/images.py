"""Picture files: checked when a routine naming one is read, and made into the PNG or JPEG
that chapters and the phone page take (an SVG is drawn by cairosvg; a photo is scaled).
Pillow and cairosvg are imported when first needed."""

from __future__ import annotations

import io
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from voiceguide.errors import MissingPart

if TYPE_CHECKING:
    from PIL.Image import Image

SVG_SUFFIX = ".svg"


def picture_problem(path: Path, *, max_bytes: int) -> str | None:
    """What is wrong with `path` as a picture, in a few words, or None if it can be used."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return f"no such file (looked for {path})"
    except OSError as e:
        return f"cannot read it: {e.strerror}"
    if not path.is_file():
        return "is not a file"
    if size > max_bytes:
        return f"is {size / 1e6:.1f} MB; a picture may be {max_bytes / 1e6:.0f} MB at most"
    try:
        data = path.read_bytes()
    except OSError as e:
        return f"cannot read it: {e.strerror}"
    try:
        if path.suffix.lower() == SVG_SUFFIX:
            svg_png(data, width=64)
        else:
            _raster(data)
    except ValueError as e:
        return str(e)
    return None


def picture_bytes(path: Path, *, pixels: int) -> tuple[bytes, str]:
    """The picture at `path` scaled so its longer side is at most `pixels`, and its MIME type:
    a drawing (SVG) becomes a PNG, a photo stays a JPEG, anything else a PNG."""
    data = path.read_bytes()
    if path.suffix.lower() == SVG_SUFFIX:
        data = svg_png(data, width=pixels)  # and a tall one is brought down to size below
    image = _raster(data)
    photo = image.format == "JPEG"
    image.thumbnail((pixels, pixels))
    out = io.BytesIO()
    if photo:
        image.convert("RGB").save(out, format="JPEG", quality=88)
        return out.getvalue(), "image/jpeg"
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), "image/png"


def svg_png(svg: bytes, *, width: int) -> bytes:
    """An SVG drawn as a PNG `width` pixels wide (its height as its shape gives); ValueError if
    it is not an SVG cairosvg can draw. Nothing it names outside itself is read (a file, a web
    address): cairosvg's safe mode fetches data: addresses only, and expands no XML entity."""
    drawer = cairosvg()
    try:
        png = drawer.svg2png(bytestring=svg, output_width=width, unsafe=False)
    except Exception as e:  # cairosvg raises what its XML and CSS parsers raise
        raise ValueError(f"not an SVG picture that can be drawn ({type(e).__name__}: {e})") from None
    if not png:
        raise ValueError("an SVG picture with nothing to draw")
    return bytes(png)


def cairosvg() -> ModuleType:
    """cairosvg, which needs the cairo library itself (cairocffi finds it when imported)."""
    try:
        import cairosvg as module
    except OSError:
        raise MissingPart(
            "cairo is not installed, and voiceguide draws its pictures with it "
            "(Debian/Ubuntu: apt-get install libcairo2; macOS: brew install cairo; or run make run)"
        ) from None
    return module


def _raster(data: bytes) -> Image:
    """The PNG or JPEG in `data`, opened and loaded; ValueError if it is neither or is damaged."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except UnidentifiedImageError:
        raise ValueError("its contents are not a PNG or JPEG picture") from None
    except (OSError, Image.DecompressionBombError) as e:
        raise ValueError(f"a damaged or oversized picture ({e})") from None
    if image.format not in ("PNG", "JPEG"):
        raise ValueError(f"a {image.format} picture; use PNG, JPEG or SVG")
    return image
