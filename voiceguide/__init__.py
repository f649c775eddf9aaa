"""voiceguide: voice-guided routines, spoken live or rendered to a phone-ready MP3."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # The version is the installed package's (pyproject.toml is its one home), read on first
    # use: importing voiceguide costs nothing for it.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("voiceguide")
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'voiceguide' has no attribute {name!r}")
