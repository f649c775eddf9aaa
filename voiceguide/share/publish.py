"""`voiceguide publish`: the phone page, its podcast feed and the tracks as a folder of plain
files, for any web host or synced folder (a practice's website, Nextcloud, GitHub Pages).

The folder holds what `share` serves, under the same names, so the page is the same page:
index.html, page.js, page.css, words.js, tracks.json, feed.xml (every address in it
absolute, under the base address), cover.jpg, and in tracks/ each routine's MP3, transcript,
cover, JSON chapters and chapter pictures. Added here: site.json (which tells the page it was
published), a web app manifest with icons drawn from the cover, and sw.js, the service worker
with which the page, once opened over HTTPS (or from localhost), keeps itself and the tracks
on the phone and plays them with no network.

With `unlisted`, everything goes one folder down, in a folder named by a secret (kept across
publishes, so links keep working): whoever does not have the address cannot find it.
"""

from __future__ import annotations

import glob
import html
import io
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from voiceguide.errors import UsageError
from voiceguide.files import atomic_paths
from voiceguide.languages import page_words_script, screen_for
from voiceguide.share.feed import channel_language, feed_title, podcast_feed
from voiceguide.share.library import (
    CHAPTERS_SUFFIX,
    COVER_SUFFIX,
    PICTURE_SUFFIX,
    Library,
    Track,
    picture_suffix,
)

SITE_FILE = "site.json"
"""Written in every published folder: how the page knows it was published, and how publish
knows a folder is one it made (and may write into again)."""
PAGE_FILES = ("page.js", "page.css", "sw.js")
ICON_SIZES = (192, 512)
SECRET = re.compile(r"[A-Za-z0-9_-]{22,64}")
THEME = "#1d272d"
"""The page's background (page.css), for the phone's splash screen and bar."""

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Published:
    folder: Path
    """Where the page is: the folder given, or the secret folder in it."""
    address: str
    """The page's address (the base address, and the secret if unlisted)."""
    tracks: list[Track]
    rendered: list[Path]
    """The tracks rendered (missing, or their routine had changed); the others were current."""

    @property
    def feed(self) -> str:
        return self.address + "feed.xml"


def base_address(url: str) -> str:
    """The address the folder will be reachable at, ending in "/"; a UsageError if it is no
    whole http(s) address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UsageError(
            f"--base-url {url}: give the whole address the folder will have, such as https://example.org/rueckenuebungen/"
        )
    return url if url.endswith("/") else url + "/"


def publish(
    routines: list[str],
    folder: Path,
    *,
    base_url: str,
    unlisted: bool = False,
    progress: Progress = lambda stage, done, total: None,
) -> Published:
    """Render `routines` (those missing or out of date) into `folder` with the page, feed and
    offline copy. Nothing outside `folder` is written, nor a folder voiceguide did not publish."""
    from voiceguide.render.pipeline import render_missing
    from voiceguide.routine.loader import routine_name

    base = base_address(base_url)
    site = _site_folder(folder, unlisted)
    address = base + (f"{site.name}/" if site != folder else "")
    tracks_folder = site / "tracks"
    rendered = []
    for routine in routines:
        result = render_missing(routine, tracks_folder, progress)
        if result is not None:
            rendered.append(result.path)
    names = list(dict.fromkeys(routine_name(r) for r in routines))
    library = Library(tracks_folder, names)
    try:
        tracks = sorted(library.tracks(), key=lambda t: names.index(t.name))
    finally:
        library.close()
    files = {site / name: data for name, data in _site_files(tracks, address, listed=not unlisted).items()}
    if unlisted:  # the folder above shows nothing, where a host would list what is in it
        files[folder / "index.html"] = b'<!doctype html><meta charset="utf-8"><title></title>\n'
    _write_all(files)
    _remove_old_pictures(tracks_folder, tracks)
    return Published(site, address, tracks, rendered)


def _site_folder(folder: Path, unlisted: bool) -> Path:
    """Where the page goes. A folder with files in it must be one publish made, the same way
    (listed, or unlisted: an unlisted publish over a listed one would leave the listed files
    where anyone finds them)."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UsageError(f"{folder}: not a folder")
    listed = _published_here(folder)
    secret = next((p for p in sorted(folder.glob("*")) if SECRET.fullmatch(p.name) and _published_here(p)), None)
    if folder.is_dir() and any(folder.iterdir()) and not listed and secret is None:
        raise UsageError(
            f"{folder}: has files in it, and voiceguide did not publish it there; give a new or empty folder"
        )
    if unlisted and listed:
        raise UsageError(
            f"{folder}: published without --unlisted before, so anyone can find it; unlisted, use a new folder"
        )
    if not unlisted and secret is not None:
        raise UsageError(f"{folder}: published with --unlisted before; publish it so again, or use a new folder")
    site = folder if not unlisted else secret or folder / secrets.token_urlsafe(18)
    if (site / "tracks").is_symlink():
        raise UsageError(f"{site / 'tracks'}: a link; publish writes only inside {folder}")
    return site


def _published_here(folder: Path) -> bool:
    """Whether voiceguide published into `folder` (its site.json says so)."""
    try:
        site = json.loads((folder / SITE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(site, dict) and site.get("generator") == "voiceguide" and site.get("mode") == "published"


def _site_files(tracks: list[Track], address: str, *, listed: bool) -> dict[str, bytes]:
    """Every file of the published page (names relative to its folder), made in memory."""
    from voiceguide.render.cover import draw_cover

    language = channel_language(tracks)
    title = tracks[0].title if len(tracks) == 1 else feed_title(tracks)
    page = resources.files("voiceguide.share") / "page"
    index = (page / "index.html").read_text(encoding="utf-8")
    head = (
        '<link rel="manifest" href="manifest.webmanifest">\n'
        '<link rel="apple-touch-icon" href="icon-192.png">\n'
        f"<title>{html.escape(title, quote=False)}</title>\n"
    )
    index = re.sub(r"<title>.*?</title>\n", lambda _: head, index, count=1)
    cover = draw_cover(feed_title(tracks), [t.title for t in tracks])
    files: dict[str, bytes] = {
        "index.html": index.encode(),
        "words.js": page_words_script().encode(),
        "tracks.json": json.dumps([t.listing() for t in tracks], ensure_ascii=False).encode(),
        "feed.xml": podcast_feed(tracks, base=address),
        "cover.jpg": cover,
        SITE_FILE: json.dumps(
            {"mode": "published", "feed": "feed.xml", "listed": listed, "generator": "voiceguide"}
        ).encode(),
        "manifest.webmanifest": _manifest(title, language).encode(),
        **{name: (page / name).read_bytes() for name in PAGE_FILES},
        **{f"icon-{size}.png": _icon(cover, size) for size in ICON_SIZES},
    }
    for track in tracks:
        stem = f"tracks/{track.name}"
        files[stem + CHAPTERS_SUFFIX] = track.chapters_json(base=address).encode()
        files[stem + COVER_SUFFIX] = track.cover or draw_cover(track.title, [c.title for c in track.chapters])
        for i, chapter in enumerate(track.chapters):
            if chapter.picture is not None:
                files[stem + picture_suffix(i, chapter.picture_type)] = chapter.picture
    return files


def _manifest(title: str, language: str) -> str:
    """The web app manifest: the page installs to the home screen under the routine's title."""
    icons = [{"src": f"icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png"} for size in ICON_SIZES]
    manifest = {
        "name": title,
        "short_name": title[:24],
        "lang": language,
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "background_color": THEME,
        "theme_color": THEME,
        "description": screen_for(language).page["feed_description"],
        "icons": icons,
    }
    return json.dumps(manifest, ensure_ascii=False, indent=1)


def _icon(cover_jpeg: bytes, size: int) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(cover_jpeg)) as cover:
        out = io.BytesIO()
        cover.convert("RGB").resize((size, size), Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
        return out.getvalue()


def _write_all(files: dict[Path, bytes]) -> None:
    """All the files at once: if one cannot be written, none is."""
    targets = list(files)
    with atomic_paths(targets, overwrite=True) as temporary:
        for path, target in zip(temporary, targets, strict=True):
            path.write_bytes(files[target])


def _remove_old_pictures(tracks_folder: Path, tracks: list[Track]) -> None:
    """Chapter pictures of an earlier render a track no longer has (publish wrote them)."""
    for track in tracks:
        wanted = {track.name + picture_suffix(i, c.picture_type) for i, c in enumerate(track.chapters) if c.picture}
        for old in tracks_folder.glob(f"{glob.escape(track.name)}.chapter-*"):
            if old.name not in wanted and PICTURE_SUFFIX.fullmatch(old.name[len(track.name) :]):
                old.unlink(missing_ok=True)
