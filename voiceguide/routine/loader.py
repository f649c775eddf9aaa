"""Reading routine files: safe YAML with positions, validation, one-line errors, built-ins."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from voiceguide.errors import RoutineError
from voiceguide.routine.builtin import builtin_bytes, builtin_names, is_builtin
from voiceguide.routine.model import PICTURE_KINDS, STEP_KINDS, Routine, field_names

MAX_FILE_BYTES = 1_000_000
"""A routine is a page of text; anything far larger is a mistake, not a routine."""
MAX_PROBLEMS_SHOWN = 20
"""A screenful of problems; past that, how many more there are."""
MAX_KEYS = 1000
"""Keys in one mapping: a routine's have a handful; thousands are a generated or broken file."""
MAX_NUMBER_DIGITS = 15
"""No dose or setting needs more digits than this; a longer number is a slip of the keyboard."""
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters no routine text has any use for (a tab and line breaks, \\n or \\r\\n, are fine),
and the ones YAML refuses to read (U+FFFE and U+FFFF, lone surrogates)."""
_CONTROL_NAMES = {
    "\x00": "a NUL",
    "\x0c": "a form feed (often pasted from a PDF)",
    "\x0b": "a vertical tab",
    "\ufffe": "a character that is no character (a byte order mark read backwards?)",
    "\uffff": "a character that is no character",
}

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int
    column: int

    @classmethod
    def of(cls, mark: yaml.Mark) -> Position:
        return cls(mark.line + 1, mark.column + 1)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (no alias bombs) and duplicate keys."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _YamlProblem("aliases (*name) are not allowed in routine files", event.start_mark)
        return super().compose_node(parent, index)


class _YamlProblem(Exception):
    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def routine_name(source: str) -> str:
    """A short name for output files: the built-in name or the file's stem."""
    return source if source in builtin_names() else Path(source).stem


def load_routine(source: str) -> Routine:
    """Load a built-in routine by name, or a routine file by path."""
    if is_builtin(source):
        stored = builtin_bytes(source)
        assert stored is not None
        return parse_routine(stored.decode("utf-8"), origin=f"<built-in {source}>")
    path = Path(source)
    if not path.exists():
        if "/" not in source and not source.endswith((".yaml", ".yml")):
            close = difflib.get_close_matches(source, builtin_names(), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise RoutineError(
                f"{source}: no such file or built-in routine ({hint}built-ins: {', '.join(builtin_names())})"
            )
        raise RoutineError(f"{source}: no such file")
    if path.is_dir():
        raise RoutineError(f"{source}: is a folder, not a routine file")
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise RoutineError(f"{source}: cannot read: {e.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise RoutineError(f"{source}: file is over {MAX_FILE_BYTES // 1000} kB; is it really a routine?")
    if b"\0" in data:
        raise RoutineError(f"{source}: binary file, not a YAML routine")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise RoutineError(f"{source}:{line}: not UTF-8 text (byte 0x{data[e.start]:02x})") from None
    return parse_routine(text, origin=source, folder=path.parent)


def parse_routine(text: str, *, origin: str, folder: Path | None = None) -> Routine:
    """Parse and validate routine text; `origin` names it in error messages, and picture files
    are looked for in `folder` (without one, a routine cannot name any)."""
    data, positions = _parse_yaml(text, origin)
    if not isinstance(data, dict):
        raise RoutineError(f"{origin}: a routine file is a mapping with `voiceguide: 1`, `title` and `sections`")
    try:
        return Routine.model_validate(data, context={"folder": folder})
    except ValidationError as e:
        raise RoutineError(_describe(e, origin, positions, data)) from None


def _control_character(found: re.Match[str]) -> str:
    char = found.group()
    return f"{_CONTROL_NAMES.get(char, 'a control character')} (U+{ord(char):04X}); delete it or retype the text"


def _parse_yaml(text: str, origin: str) -> tuple[Any, dict[Path_, Position]]:
    found = _CONTROL.search(text)
    if found:  # PyYAML's own words for it are about its reader, and give no line
        at = found.start()
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise RoutineError(f"{origin}:{line}:{column}: {_control_character(found)}")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise RoutineError(f"{origin}: the file is empty")
        positions: dict[Path_, Position] = {}
        _index(node, (), positions)
        data = loader.construct_document(node)
    except _YamlProblem as e:
        raise RoutineError(_at(origin, e.mark) + e.message) from None
    except yaml.constructor.ConstructorError as e:
        mark = e.problem_mark
        tag = e.problem.split("tag", 1)[-1].strip(" '") if e.problem and "tag" in e.problem else ""
        reason = f"the YAML tag {tag!r} is not allowed" if tag else (e.problem or "invalid YAML")
        raise RoutineError(_at(origin, mark) + reason) from None
    except yaml.MarkedYAMLError as e:
        mark, message = _explain_yaml(e)
        raise RoutineError(_at(origin, mark) + message) from None
    except RecursionError:
        raise RoutineError(f"{_deepest(text, origin)}nested too deeply to be a routine") from None
    finally:
        loader.dispose()
    return data, positions


NESTED_TOO_DEEP = 100
"""No routine nests lists and mappings this deep."""


def _deepest(text: str, origin: str) -> str:
    """ "origin:line:column: " where brackets first nest NESTED_TOO_DEEP deep (what makes YAML
    recurse past Python's limit), or "origin: " if they never do."""
    depth = 0
    for at, char in enumerate(text):
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(char, 0)
        if depth > NESTED_TOO_DEEP:
            line, column = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
            return f"{origin}:{line}:{column}: "
    return f"{origin}: "


def _index(node: yaml.Node, path: Path_, positions: dict[Path_, Position]) -> None:
    """Record where each value (and each key, under path + ("<key>",)) starts."""
    if node.tag.startswith("tag:yaml.org,2002:python/") or node.tag.startswith("!"):
        raise _YamlProblem(f"the YAML tag {node.tag!r} is not allowed", node.start_mark)
    positions[path] = Position.of(node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        # An escape in quotes ("\0", "\f") makes what the raw text did not show.
        found = _CONTROL.search(node.value)
        if found:
            raise _YamlProblem(_control_character(found), node.start_mark)
        if node.tag == "tag:yaml.org,2002:int" and len(node.value.lstrip("+-0")) > MAX_NUMBER_DIGITS:
            raise _YamlProblem(f"a number with over {MAX_NUMBER_DIGITS} digits; is it a typo?", node.start_mark)
    if isinstance(node, yaml.MappingNode):
        if len(node.value) > MAX_KEYS:
            raise _YamlProblem(
                f"{len(node.value)} keys in one mapping, where a routine has at most a few dozen; "
                "is the indentation right?",
                node.start_mark,
            )
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise _YamlProblem("keys must be plain words", key_node.start_mark)
            key = key_node.value
            if key in seen:
                raise _YamlProblem(f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
            positions[(*path, key, "<key>")] = Position.of(key_node.start_mark)
            _index(value_node, (*path, key), positions)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), positions)


def _explain_yaml(error: yaml.MarkedYAMLError) -> tuple[yaml.Mark | None, str]:
    """Where the mistake is, and what it is in a routine author's words (PyYAML's own are
    written for parser authors)."""
    problem = error.problem or ""
    context = error.context or ""
    if "'\\t'" in problem:
        return error.problem_mark, "a tab character: YAML indents with spaces only; replace the tab with spaces"
    if "mapping values are not allowed" in problem:
        return error.problem_mark, (
            "a colon followed by a space inside a value; if it is part of the text, put the whole text "
            'in quotes (say: "Tip: sit tall."), else check the indentation of this line'
        )
    if "quoted scalar" in context and "end of stream" in problem:
        return error.context_mark, "this quote is never closed; end the text with the same quote mark"
    if "found '-'" in problem and "flow" in context:
        return error.problem_mark, (
            "a `- item` line inside [ ]: write a list either as [a, b] or as lines starting with '- ', not both"
        )
    if "expected <block end>" in problem and error.problem_mark is not None:
        line = error.problem_mark.line + 1
        if "block mapping start" in problem:
            what = f"line {line} is indented more than the line above it, which opens no block (no key ending in ':')"
        elif "block sequence start" in problem or "'-'" in problem:
            what = f"the '- ' item on line {line} does not line up with the others of its list"
        else:
            what = f"line {line} is indented differently from the lines of the block it belongs to"
        opened = f" (the block starts on line {error.context_mark.line + 1})" if error.context_mark else ""
        return error.problem_mark, (
            f"{what}{opened}; check its indentation: the keys of one mapping, and the '- ' of one list, start in the "
            "same column"
        )
    if "simple key" in context:
        return error.context_mark, "this line is neither `key: value` nor `- item`; is a colon missing?"
    if "flow sequence" in context or "flow mapping" in context:
        closer = "]" if "sequence" in context else "}"
        return error.context_mark, f"this {'[' if closer == ']' else '{'} is not closed with {closer} where expected"
    return error.problem_mark, f"invalid YAML: {problem or context}"


def _at(origin: str, mark: yaml.Mark | None) -> str:
    if mark is None:
        return f"{origin}: "
    return f"{origin}:{mark.line + 1}:{mark.column + 1}: "


def _data_path(loc: tuple[str | int, ...]) -> Path_:
    """Drop the union tags pydantic puts in a step's location (`..., 'hold', 'hold', ...`) and
    a picture's (`..., 'picture', 'drawing', ...`)."""
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if part in STEP_KINDS and i + 1 < len(loc) and loc[i + 1] == part and out and isinstance(out[-1], int):
            continue
        if part in PICTURE_KINDS and out and out[-1] == "picture":
            continue
        out.append(part)
    return tuple(out)


_STEP_LISTS = {"intro": "the intro", "outro": "the closing"}


def _where(path: Path_, data: Any) -> str:
    """Where in the routine a problem is, in the words the timing errors use, counting from 1:
    "section 'knees', step 2 (hold), count"; "the intro, step 1 (say)"; "section 'a', picture,
    point 1, y"; "top level" for the routine itself."""
    words: list[str] = []
    node, step = data, ""
    parts = list(path)
    i = 0
    while i < len(parts):
        part, index = parts[i], parts[i + 1] if i + 1 < len(parts) else None
        child = _child(_child(node, part), index) if isinstance(index, int) else None
        if part == "sections" and isinstance(index, int) and not words:
            name = child.get("id") if isinstance(child, dict) else None
            words.append(f"section {name!r}" if isinstance(name, str) else f"section {index + 1}")
        elif (part == "steps" or (part in _STEP_LISTS and not words)) and isinstance(index, int):
            if part in _STEP_LISTS:
                words.append(_STEP_LISTS[str(part)])
            step = f"{step}.{index + 1}" if step else str(index + 1)
            kind = next(iter(child)) if isinstance(child, dict) and len(child) == 1 else None
            words.append(f"step {step}" + (f" ({kind})" if kind else ""))
            if kind is not None and i + 2 < len(parts) and parts[i + 2] == kind:
                i += 1  # "hold" again, below the step that is one: said already
                child = _child(child, kind)
        elif isinstance(index, int):
            words.append(f"{str(part).removesuffix('s')} {index + 1}")  # points[0]: "point 1"
        else:
            words.append(str(part))
            node = _child(node, part)
            i += 1
            continue
        node = child
        i += 2
    return ", ".join(words) or "top level"


def _child(node: Any, key: str | int | None) -> Any:
    if isinstance(node, dict) and isinstance(key, str):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None


def _describe(error: ValidationError, origin: str, positions: dict[Path_, Position], data: dict[str, Any]) -> str:
    """The first problem on one line; any others each on a line of their own below it, in the
    order of their lines. A key the author misspelt is reported once, as the misspelling: not
    again as the key it should have been, "missing"."""
    problems = [_at_its_own_line(problem, data) for problem in _problems(error)]
    meant = {(path[:-1], suggestion) for path, _, _, suggestion in problems if suggestion}
    problems = [p for p in problems if not _follows_from_a_typo(p, meant)]
    problems.sort(key=lambda p: _position_of(p, positions))
    lines = [_problem_line(problem, origin, positions, data) for problem in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > 1:
        others = len(problems) - 1
        lines[0] += f" (and {others} more problem{'s' if others > 1 else ''}:)"
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more not shown")
    return "\n  ".join(lines)


Problem = tuple[Path_, str, bool, str | None]
"""(where, what is wrong, whether it points at a key rather than its value, the key an unknown
key was probably meant to be)."""

_MISSING = re.compile(r"missing required key '(.+)'")
_DUPLICATE_ID = re.compile(r"two sections have the id '(.+)'")


def _follows_from_a_typo(problem: Problem, meant: set[tuple[Path_, str]]) -> bool:
    missing = _MISSING.fullmatch(problem[1])
    return missing is not None and (problem[0], missing.group(1)) in meant


def _at_its_own_line(problem: Problem, data: dict[str, Any]) -> Problem:
    """A duplicate section id points at the second section with it, not at the routine."""
    duplicate = _DUPLICATE_ID.search(problem[1])
    sections = data.get("sections")
    if duplicate and isinstance(sections, list):
        ids = [s.get("id") if isinstance(s, dict) else None for s in sections]
        if ids.count(duplicate.group(1)) > 1:
            second = [i for i, found in enumerate(ids) if found == duplicate.group(1)][1]
            return ("sections", second, "id"), problem[1], False, None
    return problem


def _position_of(problem: Problem, positions: dict[Path_, Position]) -> tuple[int, int]:
    pos = _lookup(problem, positions)
    return (pos.line, pos.column) if pos else (0, 0)


def _lookup(problem: Problem, positions: dict[Path_, Position]) -> Position | None:
    path, _, key, _ = problem
    lookup = (*path, "<key>") if key else path
    while lookup and lookup not in positions:
        lookup = lookup[:-1]
    return positions.get(lookup)


def _problem_line(problem: Problem, origin: str, positions: dict[Path_, Position], data: Any) -> str:
    pos = _lookup(problem, positions)
    where = f"{origin}:{pos.line}:{pos.column}" if pos else origin
    return f"{where}: {_where(problem[0], data)}: {problem[1]}"


def _problems(error: ValidationError) -> Iterator[Problem]:
    """Each error, phrased for a routine author."""
    known = field_names()
    for e in error.errors():
        path = _data_path(e["loc"])
        kind = e["type"]
        if kind == "extra_forbidden":
            name = str(path[-1])
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            yield path, f"unknown key {name!r}{hint}", True, close[0] if close else None
        elif kind == "step_kind":
            yield path, _step_problem(e["input"]), False, None
        elif kind == "missing":
            yield path[:-1], f"missing required key {path[-1]!r}", False, None
        else:
            yield path, _plain_message(kind, e), False, None


_PATTERNS = {
    "id": "ASCII lower case letters (a to z), digits and dashes, starting with a letter or digit, at most 40"
    " characters (e.g. lower-back)",
    "language": "a language code such as en, de or pt-BR",
}
"""What a field with a pattern must look like, in words, by the field's name."""


def _plain_message(kind: str, error: Any) -> str:
    """Pydantic's message for one error, said in a routine author's terms."""
    ctx = error.get("ctx") or {}
    field = next((str(part) for part in reversed(error["loc"]) if isinstance(part, str)), "")
    items = "item" if ctx.get("min_length", ctx.get("max_length")) == 1 else "items"
    plain = {
        "string_pattern_mismatch": f"must be {_PATTERNS.get(field, 'in the documented form')}",
        "string_type": "must be text",
        "string_too_short": "must not be empty",
        "string_too_long": f"is too long: at most {ctx.get('max_length')} characters",
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "greater_than_equal": f"must be at least {_number(ctx.get('ge'))}",
        "greater_than": f"must be more than {_number(ctx.get('gt'))}",
        "less_than_equal": f"must be at most {_number(ctx.get('le'))}",
        "less_than": f"must be less than {_number(ctx.get('lt'))}",
        "literal_error": f"must be {ctx.get('expected')}",
        "list_type": "must be a list (lines starting with '- ', or [a, b])",
        "tuple_type": "must be a list of two names, e.g. [left knee, right knee]",
        "too_short": f"needs at least {ctx.get('min_length')} {items}",
        "too_long": f"may have at most {ctx.get('max_length')} {items}",
        "dict_type": "must be a mapping (indented `key: value` lines)",
        "model_type": "must be a mapping (indented `key: value` lines)",
        "model_attributes_type": "must be a mapping (indented `key: value` lines)",
    }
    if kind == "string_pattern_mismatch" and field == "id":
        return plain[kind] + _id_suggestion(error.get("input"))
    if kind in plain:
        return plain[kind]
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[0].lower() + message[1:]


_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "œ": "oe"})


def _id_suggestion(value: Any) -> str:
    """For an id with letters outside ASCII or spaces: what it could be ("schädelrand" could
    be "schaedelrand"); "" when there is nothing better to say."""
    if not isinstance(value, str):
        return ""
    plain = unicodedata.normalize("NFKD", value.strip().lower().translate(_SPELLED_OUT))
    plain = re.sub(r"[^a-z0-9]+", "-", plain.encode("ascii", "ignore").decode()).strip("-")[:40].strip("-")
    return f"; {value!r} could be {plain!r}" if plain and plain != value else ""


def _number(value: Any) -> str:
    """100.0 as "100", 0.1 as "0.1": a limit as an author would write it."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _step_problem(value: Any) -> str:
    if not isinstance(value, dict):
        return f"a step is a mapping like `say: ...`, got {type(value).__name__}"
    if len(value) != 1:
        keys = ", ".join(map(str, value)) or "nothing"
        return f"a step has exactly one kind, got {keys}; indent the step's options under its kind"
    (key,) = value
    close = difflib.get_close_matches(str(key), STEP_KINDS, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown step kind {key!r}{hint}; steps are {', '.join(STEP_KINDS)}"
