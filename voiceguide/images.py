"""Picture files: checked when a routine naming one is read, and made into the PNG or JPEG
that chapters and the phone page take (an SVG is drawn by cairosvg; a photo is scaled).
Pillow and cairosvg are imported when first needed."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from voiceguide.errors import MissingPart

if TYPE_CHECKING:
    from PIL.Image import Image

SVG_SUFFIX = ".svg"
MAX_PICTURE_PIXELS = 50_000_000
"""A photo may have this many pixels (a 48-megapixel phone's): decoding more took gigabytes."""
MAX_ASPECT = 8
"""A picture may be this many times taller than wide, or wider than tall."""
DRAW_CPU_S = 20
"""An author's SVG is drawn in a process of its own with this much CPU time..."""
DRAW_MEMORY_BYTES = 1 << 30
"""...and this much memory (address space); past either, it is refused in one line."""
DRAW_WAIT_S = 60.0
"""And this long on the clock, on a machine busy with other things."""


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
            authors_svg_png(data, box=PICTURE_CHECK_PIXELS)
        else:
            _raster(data)
    except ValueError as e:
        return str(e)
    return None


PICTURE_CHECK_PIXELS = 800
"""Checked at the size chapters, the page and the card draw it: what passes, draws there."""


def picture_bytes(path: Path, *, pixels: int) -> tuple[bytes, str]:
    """The picture at `path` scaled so its longer side is at most `pixels`, and its MIME type:
    a drawing (SVG) becomes a PNG, a photo stays a JPEG, anything else a PNG."""
    data = path.read_bytes()
    if path.suffix.lower() == SVG_SUFFIX:
        data = authors_svg_png(data, box=pixels)
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


def authors_svg_png(svg: bytes, *, box: int) -> bytes:
    """An author's SVG drawn as a PNG whose longer side is `box` pixels, in a process of its own
    under a budget (DRAW_CPU_S, DRAW_MEMORY_BYTES, DRAW_WAIT_S): a picture file is input from
    whoever wrote it, and 50,000 nested `<use>`, a dashed path of 200,000 segments or a
    compressed bomb would otherwise hold voiceguide for minutes or take gigabytes. ValueError,
    in a few words, for one that cannot be drawn within it."""
    import subprocess
    import sys

    if svg[:2] == b"\x1f\x8b":  # cairosvg would inflate it, with no bound on the size
        raise ValueError("a compressed SVG (.svgz); save it as a plain SVG")
    try:
        drawn = subprocess.run(
            # -P: not the current folder on the import path (a cairosvg.py there would run)
            [sys.executable, "-P", "-c", "from voiceguide.images import _draw_in_worker; _draw_in_worker()", str(box)],
            input=svg,
            capture_output=True,
            timeout=DRAW_WAIT_S,
        )
    except subprocess.TimeoutExpired:
        raise ValueError(f"an SVG picture too heavy to draw (over {DRAW_WAIT_S:g} s)") from None
    if drawn.returncode == 0 and drawn.stdout:
        return drawn.stdout
    said = drawn.stderr.decode(errors="replace").strip().splitlines()
    if drawn.returncode == 2 and said:
        raise ValueError(said[-1])
    if "MissingPart" in drawn.stderr.decode(errors="replace"):
        cairosvg()  # says what to install
    raise ValueError(
        f"an SVG picture too heavy to draw (over {DRAW_CPU_S} s of CPU or {DRAW_MEMORY_BYTES >> 20} MB of memory)"
    )


def _drawing_budget() -> None:
    """In the drawing process, before it reads the SVG: its CPU time and memory, bounded. (Set
    there, not by a preexec_fn: that is unsafe while the parent runs threads, as `play` does.)"""
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (DRAW_CPU_S, DRAW_CPU_S))
    with contextlib.suppress(ValueError, OSError):  # macOS takes no address-space limit: the CPU and clock ones hold
        resource.setrlimit(resource.RLIMIT_AS, (DRAW_MEMORY_BYTES, DRAW_MEMORY_BYTES))


def _draw_in_worker() -> None:
    """The drawing process: the SVG on standard input, the PNG on standard output; what is
    wrong in one line on standard error, exit status 2."""
    import sys

    _drawing_budget()
    box = int(sys.argv[1])
    try:
        svg = sys.stdin.buffer.read()
        small = svg_png(svg, width=64)
        width, height = int.from_bytes(small[16:20], "big"), int.from_bytes(small[20:24], "big")
        ratio = max(width, height) / max(1, min(width, height))
        if ratio > MAX_ASPECT:
            shape = "taller than wide" if height > width else "wider than tall"
            raise ValueError(f"an SVG picture {ratio:.0f} times {shape}; {MAX_ASPECT} times at most")
        png = svg_png(svg, width=box) if width >= height else _svg_png_high(svg, height=box)
    except ValueError as e:
        print(e, file=sys.stderr)
        sys.exit(2)
    sys.stdout.buffer.write(png)


def _svg_png_high(svg: bytes, *, height: int) -> bytes:
    return bytes(cairosvg().svg2png(bytestring=svg, output_height=height, unsafe=False))


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
        with warnings.catch_warnings():  # Pillow's own "could be decompression bomb" line: said below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header: the size is known, nothing decoded
        width, height = image.size
        if width * height > MAX_PICTURE_PIXELS:
            raise ValueError(
                f"a picture of {width} × {height} pixels; {MAX_PICTURE_PIXELS // 1_000_000} million at most"
                " (scale it down: chapters and the page show 800)"
            )
        image.load()
    except UnidentifiedImageError:
        raise ValueError("its contents are not a PNG or JPEG picture") from None
    except Image.DecompressionBombError:
        raise ValueError(
            f"a picture of far too many pixels; {MAX_PICTURE_PIXELS // 1_000_000} million at most"
            " (scale it down: chapters and the page show 800)"
        ) from None
    except OSError as e:
        raise ValueError(f"a damaged picture ({e})") from None
    if image.format not in ("PNG", "JPEG"):
        raise ValueError(f"a {image.format} picture; use PNG, JPEG or SVG")
    return image
