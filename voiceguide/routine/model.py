"""The routine file's data model: what an author wrote, validated, with no timing in it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from voiceguide.limits import (
    COUNT_INTERVAL_S,
    DEFAULT_COUNT_INTERVAL_S,
    DEFAULT_RATE_WPM,
    MAX_PICTURE_BYTES,
    RATE_WPM,
    Profile,
)
from voiceguide.routine.language import (
    Phrases,
    Register,
    has_phrases,
    known_languages,
    phrases_for,
    sentence_problem,
)
from voiceguide.routine.views import VIEWS, Side, ViewName, side_at
from voiceguide.tones import ChimeName

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Dose:
    """A number the author may give as a range `[low, high]`; a profile picks the value."""

    low: float
    high: float
    integer: bool = False

    def resolve(self, profile: Profile) -> float:
        """The low end for `short`, the middle for `standard`, the high end for `full`."""
        value = {"short": self.low, "standard": (self.low + self.high) / 2, "full": self.high}[profile]
        # Halves round up, so "10 to 15 times" is 13 in the standard profile.
        return float(math.floor(value + 0.5)) if self.integer else value

    @property
    def is_range(self) -> bool:
        return self.low != self.high


def _dose_validator(*, minimum: float, maximum: float, integer: bool, unit: str) -> PlainValidator:
    """Accepts a number or `[low, high]` between `minimum` and `maximum`, as a Dose."""
    kind = "a whole number" if integer else "a number"

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected {kind} of {unit} or a range [low, high]")
        if integer and not float(value).is_integer():
            raise ValueError(f"expected a whole number of {unit}, got {value}")
        if not math.isfinite(value) or not minimum <= value <= maximum:
            raise ValueError(f"{value} {unit} is out of range: use {minimum:g} to {maximum:g}")
        return float(value)

    def validate(value: Any) -> Dose:
        if isinstance(value, Dose):
            return value
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError(f"a range is two numbers [low, high], got {len(value)}")
            low, high = check(value[0]), check(value[1])
            if low > high:
                raise ValueError(f"range [{value[0]}, {value[1]}] runs backwards: put the low end first")
            return Dose(low, high, integer)
        number = check(value)
        return Dose(number, number, integer)

    return PlainValidator(validate)


def _dose_schema(*, minimum: float, maximum: float, integer: bool, unit: str) -> WithJsonSchema:
    number = {"type": "integer" if integer else "number", "minimum": minimum, "maximum": maximum}
    return WithJsonSchema(
        {
            "oneOf": [number, {"type": "array", "items": number, "minItems": 2, "maxItems": 2}],
            "description": f"{unit}: a number, or a range [low, high] that --profile resolves",
        }
    )


_SECONDS = {"minimum": 0.1, "maximum": 3600, "integer": False, "unit": "seconds"}
_MINUTES = {"minimum": 0.1, "maximum": 60, "integer": False, "unit": "minutes"}
_TIMES = {"minimum": 1, "maximum": 1000, "integer": True, "unit": "times"}
_REPEATS = {"minimum": 1, "maximum": 100, "integer": True, "unit": "times"}
Seconds = Annotated[Dose, _dose_validator(**_SECONDS), _dose_schema(**_SECONDS)]
Minutes = Annotated[Dose, _dose_validator(**_MINUTES), _dose_schema(**_MINUTES)]
Times = Annotated[Dose, _dose_validator(**_TIMES), _dose_schema(**_TIMES)]
RepeatTimes = Annotated[Dose, _dose_validator(**_REPEATS), _dose_schema(**_REPEATS)]


def _one_line(text: str) -> str:
    """What is said is one line: a line break (or a blank line in a `|` block) is a space, so
    the transcripts, where a blank line would end a cue, show all of it."""
    return " ".join(text.split())


SpokenText = Annotated[str, Field(min_length=1, max_length=600), AfterValidator(_one_line)]
"""Something spoken: a sentence or a few."""
Label = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_one_line)]
"""A name or title that is shown or tagged, not spoken."""
Interval = Annotated[float, Field(ge=COUNT_INTERVAL_S[0], le=COUNT_INTERVAL_S[1])]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Hold(_Strict):
    """Hold a point, counted aloud (`count`) or timed (`seconds` or `minutes`)."""

    count: Times | None = None
    """Count aloud from 1 to this number, one count per interval."""
    seconds: Seconds | None = None
    """Hold for this long; the cues below mark the time."""
    minutes: Minutes | None = None
    """Hold for this long, said in minutes ("Hold for 2 minutes")."""
    interval: Interval | None = None
    """Seconds between counts; defaults to the routine's count_interval."""
    halfway: bool = False
    """With `seconds`: say when half the time has passed."""
    remaining: list[Annotated[float, Field(gt=0, le=3600)]] = Field(default_factory=list, max_length=10)
    """With `seconds`: say how many seconds are left at these points."""
    countdown: int = Field(default=0, ge=0, le=10)
    """With `seconds`: count down the last few seconds aloud."""
    dose: str | None = None
    """The source's own wording of the dose, kept for the reader."""

    @model_validator(mode="after")
    def _one_measure(self) -> Hold:
        given = [name for name in ("count", "seconds", "minutes") if getattr(self, name) is not None]
        if len(given) != 1:
            what = " and ".join(f"`{name}`" for name in given) if given else "none of them"
            raise ValueError(f"a hold takes one of `count`, `seconds` or `minutes`; this one has {what}")
        if self.count is not None and (self.halfway or self.remaining or self.countdown):
            raise ValueError("`halfway`, `remaining` and `countdown` go with a timed hold (`seconds`, `minutes`)")
        if self.count is None and self.interval is not None:
            raise ValueError("`interval` goes with `count`, not with a timed hold")
        return self

    @property
    def duration(self) -> tuple[Dose, str] | None:
        """A timed hold's length and the unit the author gave it in; None for a counted one."""
        if self.seconds is not None:
            return self.seconds, "seconds"
        if self.minutes is not None:
            return self.minutes, "minutes"
        return None


class Tap(_Strict):
    """Tap a point a number of times; each tap is counted aloud."""

    times: Times
    interval: Interval = 1.0
    """Seconds between taps."""
    dose: str | None = None


class Cycle(_Strict):
    """Press and release a number of times: "Pinch, 3 of 10 ... Release"."""

    times: Times
    press: Seconds
    """Seconds to press (or pinch) each time."""
    release: Seconds
    """Seconds to let go each time."""
    press_word: SpokenText | None = None
    """What is said at each press ("Pinch", "Squeeze"); "Press" in the routine's language."""
    release_word: SpokenText | None = None
    """What is said at each release; "Release" in the routine's language."""
    dose: str | None = None


class Repeat(_Strict):
    """Run a list of steps several times."""

    times: RepeatTimes
    steps: list[Step] = Field(min_length=1, max_length=200)
    dose: str | None = None


class SayStep(_Strict):
    say: SpokenText
    """Speak this sentence."""


class HoldStep(_Strict):
    hold: Hold


class TapStep(_Strict):
    tap: Tap


class CycleStep(_Strict):
    cycle: Cycle


class RepeatStep(_Strict):
    repeat: Repeat


class PauseStep(_Strict):
    pause: Seconds
    """Stay quiet for this many seconds."""


class ChimeStep(_Strict):
    chime: ChimeName
    """Play a chime."""


STEP_KINDS = ("say", "hold", "tap", "cycle", "repeat", "pause", "chime")


def step_kind(value: Any) -> str | None:
    """The step's kind: the one key of its mapping, if it is a known kind."""
    if isinstance(value, BaseModel):
        return next(iter(type(value).model_fields))
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        return key if key in STEP_KINDS else None
    return None


Step = Annotated[
    Annotated[SayStep, Tag("say")]
    | Annotated[HoldStep, Tag("hold")]
    | Annotated[TapStep, Tag("tap")]
    | Annotated[CycleStep, Tag("cycle")]
    | Annotated[RepeatStep, Tag("repeat")]
    | Annotated[PauseStep, Tag("pause")]
    | Annotated[ChimeStep, Tag("chime")],
    Discriminator(
        step_kind,
        custom_error_type="step_kind",
        custom_error_message="a step is a mapping with one key: " + ", ".join(STEP_KINDS),
    ),
]
Repeat.model_rebuild()


class Citation(_Strict):
    """Where the routine's facts come from (`source:`): an article's title (the track's album)
    and address."""

    title: Label | None = None
    url: str | None = Field(default=None, max_length=2000)


class RoutineSettings(_Strict):
    """Defaults for the routine; command-line options override them."""

    count_interval: Interval = DEFAULT_COUNT_INTERVAL_S
    """Seconds between spoken counts."""
    rate_wpm: int = Field(default=DEFAULT_RATE_WPM, ge=RATE_WPM[0], le=RATE_WPM[1])
    """Speech rate in words per minute."""
    get_ready: float = Field(default=4.0, ge=0, le=60)
    """Quiet seconds after a point is located, before the work starts."""
    fit: bool = False
    """Stretch each counted step (counts, taps, a cycle's press and release) so its longest cue
    fits the voice, as `--fit` does: for a routine written for a slow voice, or a language whose
    numbers are long."""


Sides = Literal["none", "both", "left-right"]


class Point(_Strict):
    """A point marked on a drawing, in percent of the picture: `x` across from its left edge,
    `y` down from its top. `[x, y]` is short for `{x: .., y: ..}`."""

    x: float = Field(ge=0, le=100)
    y: float = Field(ge=0, le=100)
    side: Side | None = None
    """Which of the person's sides it is on; by default, the side of the picture it lies on
    (the view knows which way the person faces)."""
    label: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    """A word or two written beside it ("thumb")."""

    @model_validator(mode="before")
    @classmethod
    def _pair(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError(f"a point is [x, y] (two numbers, in percent), got {len(value)} numbers")
            return {"x": value[0], "y": value[1]}
        return value


_PERCENT = {"type": "number", "minimum": 0, "maximum": 100}
PointItem = Annotated[
    Point,
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "array", "items": _PERCENT, "minItems": 2, "maxItems": 2},
                {
                    "type": "object",
                    "properties": {
                        "x": _PERCENT,
                        "y": _PERCENT,
                        "side": {"enum": ["left", "right"]},
                        "label": {"type": "string", "minLength": 1, "maxLength": 40},
                    },
                    "required": ["x", "y"],
                    "additionalProperties": False,
                },
            ],
            "description": "a point: [x, y] in percent across and down the picture, or {x, y, side, label}",
        }
    ),
]


class Drawing(_Strict):
    """A picture voiceguide draws: one of its body views with the section's points on it."""

    view: ViewName
    """The body view: lower-back, back-of-knees, outer-ankle, back-of-hand, front or
    neck-and-shoulders (the README shows each)."""
    points: list[PointItem] = Field(min_length=1, max_length=12)
    mirror: bool = False
    """Mark each point on the other side of the body too (reflected across the middle). On a
    view of one side (one hand, one foot) each side's picture is drawn for that side, points and
    all, so the points are on both already."""

    def marked(self) -> list[Point]:
        """Every point drawn, the mirrored ones too, each with its side."""
        view = VIEWS[self.view]
        points = [p.model_copy(update={"side": p.side or side_at(view, p.x)}) for p in self.points]
        if self.mirror and view.left_on is not None:
            flip: dict[Side | None, Side | None] = {"left": "right", "right": "left", None: None}
            points += [p.model_copy(update={"x": 100 - p.x, "side": flip[p.side]}) for p in points]
        return points


PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")


def _picture_file(value: str, info: ValidationInfo) -> Path:
    """An image file beside the routine, or in a folder beside it (never outside it: a routine
    passed on must not carry other files into a track); it must be there, and be a picture
    voiceguide can read."""
    from voiceguide.images import picture_problem

    if not value.lower().endswith(PICTURE_SUFFIXES):
        raise ValueError(f"{value!r}: a picture is a PNG, JPEG or SVG file (.png, .jpg, .svg)")
    folder = (info.context or {}).get("folder")
    if folder is None:
        raise ValueError(f"{value!r}: only a routine file can name a picture file (it is looked for beside it)")
    path = (Path(folder) / value).resolve()
    if not path.is_relative_to(Path(folder).resolve()):  # "../x.png", "/etc/x.png", or a link out
        raise ValueError(
            f"{value!r}: a picture sits beside the routine file, or in a folder beside it; this one is outside it"
        )
    problem = picture_problem(path, max_bytes=MAX_PICTURE_BYTES)
    if problem:
        raise ValueError(f"{value!r}: {problem}")
    return path


PictureFile = Annotated[
    Path,
    PlainValidator(_picture_file),
    WithJsonSchema({"type": "string", "description": "a PNG, JPEG or SVG file, relative to the routine file"}),
]


PICTURE_KINDS = ("drawing", "file")


def picture_kind(value: Any) -> str | None:
    if isinstance(value, str | Path):
        return "file"
    if isinstance(value, dict | Drawing):
        return "drawing"
    return None


Picture = Annotated[
    Annotated[Drawing, Tag("drawing")] | Annotated[PictureFile, Tag("file")],
    Discriminator(
        picture_kind,
        custom_error_type="picture_kind",  # PICTURE_KINDS
        custom_error_message="a picture is an image file's name, or a mapping with `view` and `points`",
    ),
]


class Section(_Strict):
    """One point set (or exercise): a chapter of the track."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    """Short name used by --from and --only: lower case, digits and dashes."""
    title: SpokenText
    locate: SpokenText | None = None
    """How to find the point; spoken before the work starts."""
    how: SpokenText | None = None
    """How to press, in a sentence: said after `locate`, and printed on the card under its own
    heading (without it, the card takes the section's first `say` step)."""
    cautions: list[SpokenText] = Field(default_factory=list, max_length=10)
    """When not to press, or what to watch for: spoken after `locate`, and set apart on the
    card under its own heading."""
    tags: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=20)
    sides: Sides = "none"
    """`both`: both points pressed at once; `left-right`: the steps run once per side."""
    side_names: tuple[SpokenText, SpokenText] | None = None
    """What the two sides are called when switching (default "left side", "right side", in
    the routine's language). In English a bare name ("left knee"); in the other languages
    with its article ("das linke Knie", "le genou gauche") or without it ("genou gauche":
    voiceguide adds it for the body parts it knows)."""
    side_sentences: tuple[SpokenText, SpokenText] | None = None
    """The two sentences that announce the sides, in the author's own words, instead of
    voiceguide's ("Beginnen Sie mit dem linken Knie.", "Jetzt ist das rechte dran.")."""
    picture: Picture | None = None
    """Where to press, shown in the chapter, on the phone and on the card: a drawing
    (`view` and `points`) or an image file beside the routine."""
    steps: list[Step] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _side_names_need_sides(self) -> Section:
        for key in ("side_names", "side_sentences"):
            if getattr(self, key) is not None and self.sides != "left-right":
                raise ValueError(f"`{key}` goes with `sides: left-right`")
        return self


class Routine(_Strict):
    """A voice-guided routine: an intro, point sets (sections) and a closing."""

    voiceguide: Literal[1]
    """Format version of the routine file."""
    title: SpokenText
    description: str | None = Field(default=None, max_length=5000)
    phrases: str | None = None
    """The language of the sentences voiceguide adds ("Hold for 30 seconds.") when the
    routine's own language has none of its own; checked before `language`, which needs it."""
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    """The language the routine is written in: it picks the voice and the added sentences."""
    speech_register: Register | None = Field(default=None, alias="register")
    """`register`: how the added sentences speak to the listener: `formal` (Sie, vous, usted, Lei, u,
    Proszę) or `informal` (du, tu, tú, tu, je, ty); by default the language's (or region's)
    usual one (formal in de, fr, pl, pt and es-MX, informal in es, it and nl)."""
    sentences: dict[str, SpokenText] = Field(default_factory=dict, max_length=20)
    """The author's own words for any sentence voiceguide adds, by its key (`halfway`,
    `hold_for`, ...): `voiceguide new` lists them."""
    source: Citation | None = None
    settings: RoutineSettings = Field(default_factory=RoutineSettings)
    intro: list[Step] = Field(default_factory=list, max_length=200)
    sections: list[Section] = Field(min_length=1, max_length=100)
    outro: list[Step] = Field(default_factory=list, max_length=200)

    @field_validator("phrases")
    @classmethod
    def _known_phrases(cls, value: str | None) -> str | None:
        if value is not None and not has_phrases(value):
            raise ValueError(f"voiceguide has no phrases in {value!r}; it has {known_languages()}")
        return value

    @field_validator("language")
    @classmethod
    def _language_has_phrases(cls, value: str, info: ValidationInfo) -> str:
        if not has_phrases(value) and info.data.get("phrases") is None:
            raise ValueError(
                f"voiceguide has no phrases in {value!r} (it has {known_languages()}); "
                "add `phrases: en` to use English ones for the sentences it adds"
            )
        return value

    @field_validator("sentences")
    @classmethod
    def _known_sentences(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            problem = sentence_problem(key, text)
            if problem:
                raise ValueError(problem)
        return value

    @property
    def phrase_table(self) -> Phrases:
        """The sentences the compiler adds, in the routine's register, with the author's own in
        their place; numbers said in the routine's language even where `phrases` borrows."""
        return phrases_for(
            self.phrases or self.language,
            register=self.speech_register,
            numbers=self.language,
            overrides=self.sentences,
        )

    @model_validator(mode="after")
    def _unique_section_ids(self) -> Routine:
        seen: set[str] = set()
        for section in self.sections:
            if section.id in ("intro", "outro"):
                raise ValueError(f"the section id {section.id!r} is reserved for the intro and outro")
            if section.id in seen:
                raise ValueError(f"two sections have the id {section.id!r}; ids must be unique")
            seen.add(section.id)
        return self


def field_names() -> set[str]:
    """Every key the format knows, for "did you mean" suggestions."""
    names: set[str] = set(STEP_KINDS)
    for model in (Hold, Tap, Cycle, Repeat, Citation, RoutineSettings, Point, Drawing, Section, Routine):
        names.update(field.alias or name for name, field in model.model_fields.items())
    return names


def json_schema() -> dict[str, Any]:
    """The JSON Schema of routine files, for editors."""
    schema = Routine.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "voiceguide routine"
    return schema
