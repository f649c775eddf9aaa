"""Where voiceguide keeps its files (kept free of heavy imports: the quick start reads it)."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "VOICEGUIDE_CACHE_DIR"
VOICES_ENV = "VOICEGUIDE_VOICES_DIR"


def default_cache_dir() -> Path:
    """VOICEGUIDE_CACHE_DIR, or the user's cache folder."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("voiceguide"))


def voices_file(engine: str, cache_root: Path | None = None) -> Path:
    """Where the list of an engine's voices is remembered."""
    return (cache_root or default_cache_dir()) / f"voices-{engine}.json"


def voices_dir() -> Path:
    """Where the user's Piper voices live: VOICEGUIDE_VOICES_DIR, or `voices` in the user's
    data folder (`voiceguide voices --download` puts them there)."""
    configured = os.environ.get(VOICES_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_data_dir

    return Path(user_data_dir("voiceguide")) / "voices"
