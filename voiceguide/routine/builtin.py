"""The routines that ship with voiceguide (`routines/*.yaml`): the one place that finds them.

Light on purpose (no YAML, no pydantic): a warm `play` reads a built-in's bytes before
anything heavy has loaded.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def builtin_names() -> list[str]:
    """Names of the routines that ship with voiceguide."""
    folder = resources.files("voiceguide.routine") / "routines"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_bytes(name: str) -> bytes | None:
    """The built-in routine `name` as stored, or None if there is none by that name."""
    if "/" in name or name.startswith("."):
        return None
    try:
        return (resources.files("voiceguide.routine") / "routines" / f"{name}.yaml").read_bytes()
    except OSError:
        return None


def is_builtin(source: str) -> bool:
    """Does `source` name a built-in routine (and not a file of that name)?"""
    return source in builtin_names() and not Path(source).exists()
