"""`voiceguide voices --download NAME`: a Piper voice fetched with piper's own downloader.

The files go to a folder of their own first and move into the voices folder only when
whole, so an interrupted download leaves no half a voice behind.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.error
from pathlib import Path

from voiceguide.errors import MissingPart, UsageError, VoiceguideError
from voiceguide.paths import voices_dir
from voiceguide.speech.piper_voices import card_path
from voiceguide.speech.registry import ENGINES


def download_voice(name: str, folder: Path | None = None) -> Path:
    """Fetch voice `name` (like de_DE-thorsten-medium) into the voices folder; its model path."""
    if not ENGINES["piper"].installed():
        raise MissingPart("downloading a voice needs piper-tts (pip install piper-tts)")
    from piper.download_voices import URL_FORMAT, VOICE_PATTERN
    from piper.download_voices import download_voice as fetch

    match = VOICE_PATTERN.match(name.strip())
    if match is None:
        raise UsageError(f"{name!r} is not a Piper voice name: they look like de_DE-thorsten-medium")
    folder = folder or voices_dir()
    target = folder / f"{name}.onnx"
    if target.exists():
        raise UsageError(f"{target} is there already; remove it first to fetch it again")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".download-", dir=folder))
    except OSError as e:
        raise VoiceguideError(f"{folder}: cannot write the voices folder ({e.strerror or e})") from None
    try:
        try:
            fetch(name, staging)
        except urllib.error.HTTPError as e:
            reason = "no such voice in the collection" if e.code == 404 else f"HTTP {e.code}"
            raise VoiceguideError(f"could not download {name}: {reason}") from None
        except (urllib.error.URLError, OSError) as e:
            reason = str(getattr(e, "reason", None) or e)
            raise VoiceguideError(
                f"could not download {name}: the voice collection cannot be reached ({reason}); "
                "are you online? A voice's files can also be copied into the voices folder by hand"
            ) from None
        _fetch_card(URL_FORMAT, match.groupdict(), name, staging)
        for suffix in (".MODEL_CARD", ".onnx", ".onnx.json"):  # the config last: then it is whole
            part = staging / f"{name}{suffix}"
            if part.exists():
                part.replace(folder / part.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _fetch_card(url_format: str, parts: dict[str, str], name: str, staging: Path) -> None:
    """The voice's model card (its licence) from beside its files; without it the voice
    still works, and lists its licence as unknown."""
    from urllib.request import urlopen

    family = parts["lang_family"]
    fields = {
        "lang_family": family,
        "lang_code": f"{family}_{parts['lang_region']}",
        "voice_name": parts["voice_name"],
        "voice_quality": parts["voice_quality"],
        "extension": "",
    }
    model_url = url_format.format(**fields)
    base, _, query = model_url.partition("?")
    url = base.rsplit("/", 1)[0] + "/MODEL_CARD" + (f"?{query}" if query else "")
    try:
        with urlopen(url, timeout=30) as response:
            card_path(staging / f"{name}.onnx").write_bytes(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        pass
