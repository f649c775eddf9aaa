"""The body views a routine's pictures are drawn on, as data: each an outline and its
landmarks in SVG, on a square 100 x 100 grid that the routine's point coordinates share (x
across from the left edge, y down from the top). The routine format checks names and sides
against them; `pictures/draw.py` draws them.

Drawn for the project, by hand, from simple curves: no borrowed outline. Light on purpose
(no imports).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class View:
    describes: str
    """What the picture shows, for the JSON Schema and `voiceguide new`."""
    body: str
    """The skin: SVG path data, filled and outlined."""
    marks: str = ""
    """Landmarks drawn over the skin (creases, the spine, bones): SVG path data, dashed."""
    bones: tuple[tuple[float, float, float], ...] = ()
    """Bones that stick out, as circles (x, y, radius), shaded."""
    left_on: Literal["left", "right"] | None = None
    """On which side of the picture the person's left is: "left" for a view from behind,
    "right" for one from the front; None when the view shows one side only (one hand)."""
    shows: Literal["left", "right"] | None = None
    """For a view of one side only: the side drawn. The other side's picture is its mirror
    image (the right hand's thumb on the other side from the left's)."""


def _mirror(path: str) -> str:
    """The same path data reflected across the middle (x -> 100 - x): absolute commands with
    x, y pairs only (M, L, C, Q, Z), as the paths below are written."""
    out = []
    expect_x = True
    for token in path.replace(",", " ").split():
        if token.isalpha():
            out.append(token)
            expect_x = True
            continue
        value = float(token)
        out.append(f"{100 - value:g}" if expect_x else f"{value:g}")
        expect_x = not expect_x
    return " ".join(out)


_LEG = "M 12 0 C 11 24 15 40 17 52 C 15 68 19 86 22 100 L 45 100 C 47 86 48 68 46 52 C 48 40 48 24 47 0 Z"
_CREASE = "M 18 52 Q 31.5 57 45 52"
_HAMSTRINGS = "M 22 20 Q 24 38 20 48 M 41 20 Q 40 38 43 48 M 24 62 Q 28 76 27 92"

_ARM = "M 34 22 C 28 22 25 27 24 35 L 20 58 L 25.5 59 L 29 41 L 33 32 Z"
_LEGS_FRONT = "M 36 58 L 35 97 L 46 97 L 49 64 L 51 64 L 54 97 L 65 97 L 64 58 Z"

VIEWS: dict[str, View] = {
    "lower-back": View(
        describes="the lower back from behind: waist, spine and hips",
        body="M 20 0 C 19 22 25 42 28 56 C 23 68 16 82 18 100 L 82 100 C 84 82 77 68 72 56 C 75 42 81 22 80 0 Z",
        marks="M 50 2 L 50 90 M 50 90 L 50 100 M 28 56 L 72 56 M 22 80 Q 36 74 50 84 Q 64 74 78 80 "
        "M 30 6 Q 36 16 44 8 M 70 6 Q 64 16 56 8",
        left_on="left",
    ),
    "back-of-knees": View(
        describes="both legs from behind, mid-thigh to mid-calf, with the knee creases",
        body=f"{_LEG} {_mirror(_LEG)}",
        marks=f"{_CREASE} {_mirror(_CREASE)} {_HAMSTRINGS} {_mirror(_HAMSTRINGS)}",
        left_on="left",
    ),
    "outer-ankle": View(
        describes="one foot from the outside: the ankle bone, the heel and the hollows around them",
        body="M 38 0 L 37 40 C 36 52 27 60 26 72 C 25 84 29 90 38 90 L 86 92 C 95 92 97 85 92 81 "
        "C 82 75 70 69 63 60 C 60 52 61 40 62 0 Z",
        marks="M 34 8 Q 33 34 30 60 M 27 88 L 88 90",
        bones=((50, 57, 4.5),),
        shows="right",  # toes to the right: the right foot, seen from the person's right
    ),
    "back-of-hand": View(
        describes="the back of one hand, fingers up: knuckles, the wrist crease and the line from "
        "the index knuckle to the wrist",
        body="M 28 46 L 28 20 C 28 16 36 16 36 20 L 37 44 L 38 12 C 38 7 47 7 47 12 L 48 44 L 49 8 "
        "C 49 3 58 3 58 8 L 59 44 L 60 12 C 60 7 69 7 69 12 L 71 50 L 80 38 C 84 33 91 37 88 43 "
        "L 76 66 C 72 76 68 80 67 84 L 67 100 L 33 100 L 33 84 C 29 76 28 62 28 46 Z",
        marks="M 28.5 45 Q 32 43 35.5 45 M 38.5 43 Q 42.5 41 46.5 43 M 49.5 43 Q 53.5 41 57.5 43 "
        "M 60.5 43 Q 64.5 41 68.5 43 M 33 85 Q 50 88 67 85 M 64.5 44 L 61 85",
        left_on=None,
        shows="left",  # the thumb on the right: the back of the left hand, fingers up
    ),
    "front": View(
        describes="the whole body from the front",
        body="M 50 1 C 58 1 58 17 50 17 C 42 17 42 1 50 1 Z M 46 16 L 54 16 L 55 21 L 66 22 C 68 30 "
        f"66 42 63 50 L 64 58 L 36 58 L 37 50 C 34 42 32 30 34 22 L 45 21 Z {_ARM} {_mirror(_ARM)} "
        f"{_LEGS_FRONT}",
        marks="M 50 24 L 50 56 M 40 30 Q 45 33 50 31 Q 55 33 60 30 M 40 46 L 60 46",
        bones=((50, 46, 0.8),),
        left_on="right",
    ),
    "neck-and-shoulders": View(
        describes="the head, neck and shoulders from behind",
        body="M 50 2 C 68 2 68 40 56 40 L 57 50 C 66 54 84 56 92 62 L 96 100 L 4 100 L 8 62 "
        "C 16 56 34 54 43 50 L 44 40 C 32 40 32 2 50 2 Z",
        marks="M 50 40 L 50 100 M 26 70 Q 32 86 40 94 M 74 70 Q 68 86 60 94 M 40 36 Q 50 40 60 36",
        left_on="left",
    ),
}

ViewName = Literal["lower-back", "back-of-knees", "outer-ankle", "back-of-hand", "front", "neck-and-shoulders"]
assert set(ViewName.__args__) == set(VIEWS)  # type: ignore[attr-defined]

Side = Literal["left", "right"]


def side_at(view: View, x: float) -> Side | None:
    """Which of the person's sides a point at `x` is on, in this view; None on the middle line
    or in a view of one side only."""
    if view.left_on is None or x == 50:
        return None
    on_left_half = x < 50
    return "left" if on_left_half == (view.left_on == "left") else "right"
