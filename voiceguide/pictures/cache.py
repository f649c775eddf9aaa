"""Pictures made once. A chapter picture is a pure function of what is drawn (a drawing's SVG
text, or the author's picture file), its size, and the code that draws it: it is kept in the
cache folder beside the speech clips, keyed by those, so a warm render draws nothing and never
loads cairosvg (a third of a second to import). Deleting the folder is always safe."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from voiceguide.paths import default_cache_dir


@dataclass(frozen=True)
class Image:
    """A picture's bytes and their MIME type ("image/png" or "image/jpeg")."""

    data: bytes
    mime: str


CACHE_FORMAT = 1
"""Raised when what a picture is made from changes in a way its key does not show."""
SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg"}


@cache
def _drawing_code() -> str:
    """The versions of what turns a key into a picture: cairosvg (and cairo under it), Pillow."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("cairosvg", "pillow"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} none")
    return ", ".join(found)


def picture_key(*parts: bytes | str | int) -> str:
    """The key of a picture made from `parts` (each hashed whole, in order)."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{_drawing_code()}".encode())
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def cached_picture(key: str, make: Callable[[], Image], root: Path | None = None) -> Image:
    """The picture kept under `key`, or `make()` kept there for next time. The cache is a help,
    never a need: a folder that cannot be read or written is drawn around."""

    folder = (root or default_cache_dir()) / f"pictures-v{CACHE_FORMAT}" / key[:2]
    for mime, suffix in SUFFIXES.items():
        try:
            data = (folder / f"{key}{suffix}").read_bytes()
        except OSError:
            continue
        if data:
            return Image(data, mime)
    image = make()
    kept_as = SUFFIXES.get(image.mime)
    if kept_as is not None:
        _keep(folder / f"{key}{kept_as}", image.data)
    return image


def _keep(path: Path, data: bytes) -> None:
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(data)
        os.replace(part, path)  # whole or not at all: a reader never sees half a picture
    except OSError:
        part.unlink(missing_ok=True)
