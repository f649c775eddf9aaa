"""Pictures of where to press: the routine format's drawings and picture files, their errors,
an author's own pictures in a real MP3's chapters (read back with mutagen), and the card as
a real PDF reader (poppler) sees it."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from in_process import voiceguide
from mutagen.id3 import ID3
from test_render import chapter_pictures_in, red_centre_x

from voiceguide.routine.loader import parse_routine
from voiceguide.routine.model import Drawing

from conftest import DATA, needs_audio_tools

HEAD = "voiceguide: 1\ntitle: Pictures\nsections:\n"


def section(picture: str) -> str:
    return f"  - id: a\n    title: A\n    picture: {picture}\n    steps: [{{say: Press.}}]\n"


def load_error(tmp_path: Path, picture: str) -> str:
    routine = tmp_path / "r.yaml"
    routine.write_text(HEAD + section(picture))
    ran = voiceguide("validate", str(routine))
    assert ran.returncode == 2 and ran.stdout == "" and "Traceback" not in ran.stderr
    return ran.stderr.splitlines()[0]  # the first problem's line (a typo's follow-ups come below it)


@pytest.mark.parametrize(
    ("picture", "expected"),
    [
        (
            "{view: lower-back, points: [[41, 156]]}",
            r"section 'a', picture, point 1, y: must be at most 100$",
        ),
        ("{view: lower-back, points: [[41]]}", r"picture, point 1: a point is \[x, y\] .*got 1 numbers"),
        (
            "{view: knee, points: [[1, 2]]}",
            r"picture, view: must be 'lower-back', .*'neck-and-shoulders'",
        ),
        ("{view: front, points: []}", r"picture, points: needs at least 1 item"),
        ("{view: front, point: [[1, 2]]}", r"unknown key 'point' \(did you mean 'points'\?\)"),
        ("knee.png", r"6:14: section 'a', picture: 'knee\.png': no such file \(looked for .*/knee\.png\)"),
        ("notes.txt", r"'notes\.txt': a picture is a PNG, JPEG or SVG file"),
        ("not-a.png", r"'not-a\.png': its contents are not a PNG or JPEG picture"),
        ("broken.svg", r"'broken\.svg': not an SVG picture that can be drawn"),
        ("../outside.png", r"'\.\./outside\.png': a picture sits beside the routine file, or in a folder beside it"),
        ("/etc/x.png", r"'/etc/x\.png': a picture sits beside the routine file, or in a folder beside it"),
        ("7", r"section 'a', picture: a picture is an image file's name, or a mapping with `view` and `points`"),
    ],
)
def test_a_bad_picture_is_one_line_naming_the_line_and_what_is_wrong(
    tmp_path: Path, picture: str, expected: str
) -> None:
    (tmp_path / "not-a.png").write_text("hello")
    (tmp_path / "broken.svg").write_text("<svg><unclosed")
    line = load_error(tmp_path, picture)
    assert line.startswith(f"voiceguide: error: {tmp_path / 'r.yaml'}:6:") and re.search(expected, line), line


def _heavy_svgs(folder: Path) -> dict[str, str]:
    """Authors' pictures that held every command for minutes or took gigabytes; what each now
    says, in one line."""
    import gzip

    rects = "".join(f'<rect x="{i % 50}" y="{i // 50}" width="1" height="1"/>' for i in range(2000))
    uses = "".join(f'<use href="#g" x="{i % 10}" y="{i % 7}"/>' for i in range(50_000))
    (folder / "uses.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><defs><g id="g">{rects}</g></defs>{uses}</svg>'
    )
    inflated = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><!--' + "x" * 50_000_000 + "--></svg>"
    (folder / "bomb.svg").write_bytes(gzip.compress(inflated.encode()))
    (folder / "tall.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 400" width="1" height="400"><rect width="1" '
        'height="400" fill="red"/></svg>'
    )
    return {
        "uses.svg": "an SVG picture too heavy to draw (over 20 s of CPU or 1024 MB of memory)",
        "bomb.svg": "a compressed SVG (.svgz); save it as a plain SVG",
        "tall.svg": "an SVG picture 400 times taller than wide; 8 times at most",  # drew at 64 px, not at 800
    }


@pytest.mark.slow
def test_authors_svgs_are_drawn_under_a_budget_and_refused_in_one_line(tmp_path: Path) -> None:
    """validate, render, card, show and share's start-up all read a routine's pictures: each
    of these ends in one line, within the budget (20 s of CPU, 1 GB)."""
    for name, says in _heavy_svgs(tmp_path).items():
        line = load_error(tmp_path, name)
        assert line.endswith(f"'{name}': {says}"), line


def test_drawing_an_authors_svg_never_imports_from_the_folder_it_is_run_in(tmp_path: Path) -> None:
    """A routine folder passed on with a `cairosvg.py` beside it: the drawing process must not
    run it (Python puts the current folder first on the import path of a `-c` script)."""
    ran = tmp_path / "ran"
    (tmp_path / "cairosvg.py").write_text(f"open({str(ran)!r}, 'w').write('ran')\n")
    (tmp_path / "point.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><circle r="3"/></svg>'
    )
    (tmp_path / "r.yaml").write_text(HEAD + section("point.svg"))
    checked = subprocess.run(
        [sys.executable, "-m", "voiceguide", "validate", "r.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr
    assert not ran.exists()


def test_a_photo_of_too_many_pixels_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    """A 13000 x 13000 PNG of 657 kB passed and took 714 MB to validate, 1.5 GB to render, with
    Pillow's own warning line on the terminal."""
    from PIL import Image

    Image.new("1", (13000, 13000)).save(tmp_path / "huge.png")
    (tmp_path / "r.yaml").write_text(HEAD + section("huge.png"))
    ran = subprocess.run(
        [sys.executable, "-W", "default", "-m", "voiceguide", "validate", str(tmp_path / "r.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 2 and len(ran.stderr.splitlines()) == 1, ran.stderr  # no warning of Pillow's
    assert ran.stderr.strip().endswith(
        "'huge.png': a picture of 13000 × 13000 pixels; 50 million at most"
        " (scale it down: chapters and the page show 800)"
    ), ran.stderr


def test_a_routine_given_as_text_cannot_name_a_picture_file() -> None:
    from voiceguide.errors import RoutineError

    with pytest.raises(RoutineError, match="only a routine file can name a picture file"):
        parse_routine(HEAD + section("knee.png"), origin="text")


def test_each_point_knows_its_side_as_the_view_faces() -> None:
    """Points given as [x, y] (as a routine file writes them) take their side from the view."""
    behind = Drawing.model_validate({"view": "lower-back", "points": [[41, 56]], "mirror": True}).marked()
    assert [(p.x, p.side) for p in behind] == [(41, "left"), (59, "right")]
    facing = Drawing.model_validate({"view": "front", "points": [[21, 58]], "mirror": True}).marked()
    assert [(p.x, p.side) for p in facing] == [(21, "right"), (79, "left")]
    given = Drawing.model_validate(
        {"view": "lower-back", "points": [{"x": 30, "y": 50, "side": "right", "label": "thumb"}]}
    ).marked()
    assert [(p.side, p.label) for p in given] == [("right", "thumb")]
    one_hand = Drawing.model_validate({"view": "back-of-hand", "points": [[59, 64], [67, 64]]}).marked()
    assert [p.side for p in one_hand] == [None, None]  # a view of one side: every point, every time


def _skin(png: bytes) -> np.ndarray:
    """Where a picture shows skin (True), pixel by pixel."""
    from PIL import Image

    from voiceguide.pictures.draw import SKIN

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    colour = np.array([int(SKIN[i : i + 2], 16) for i in (1, 3, 5)])
    return np.abs(pixels - colour).sum(axis=2) < 30


def _thumb_sides(png: bytes) -> tuple[float, float]:
    """How much skin a picture of a hand shows at the thumb's height near its left edge and near
    its right: the thumb is on the side with skin."""
    skin = _skin(png)
    n = skin.shape[1]
    rows = slice(round(0.40 * n), round(0.55 * n))  # the thumb's height, below the knuckles
    return float(skin[rows, : round(0.22 * n)].mean()), float(skin[rows, round(0.78 * n) :].mean())


def test_a_right_side_chapter_shows_the_right_hand_and_foot() -> None:
    """A view of one side is drawn for the left hand (thumb on the picture's right) and the right
    foot (toes to the right); the other side's chapter shows the mirror image, points and all."""
    from voiceguide.pictures.draw import section_picture

    routine = parse_routine(
        HEAD
        + "  - {id: hand, title: Hand, sides: left-right, steps: [{say: Press.}],"
        + " picture: {view: back-of-hand, points: [[59, 64]], mirror: true}}\n"
        + "  - {id: ankle, title: Ankle, sides: left-right, steps: [{say: Press.}],"
        + " picture: {view: outer-ankle, points: [[47, 68]]}}\n",
        origin="sides.yaml",
    )
    hand, ankle = routine.sections
    for side, thumb_on_left in (("left", False), ("right", True)):
        picture = section_picture(hand, side=side)
        assert picture is not None
        left_edge, right_edge = _thumb_sides(picture.data)
        assert (left_edge > 0.15 and right_edge < 0.02) == thumb_on_left, (side, left_edge, right_edge)
        assert (right_edge > 0.15 and left_edge < 0.02) != thumb_on_left, (side, left_edge, right_edge)
        assert red_centre_x(picture.data) == pytest.approx(0.59 if side == "left" else 0.41, abs=0.02)  # the point too
    for side, toes_on_right in (("left", False), ("right", True)):
        picture = section_picture(ankle, side=side)
        assert picture is not None
        skin = _skin(picture.data)
        n = skin.shape[1]
        toes = skin[round(0.82 * n) : round(0.9 * n)]
        far_left, far_right = toes[:, : round(0.18 * n)].mean(), toes[:, round(0.82 * n) :].mean()
        assert (far_right > far_left + 0.2) == toes_on_right, (side, far_left, far_right)
    assert section_picture(hand, side="left") != section_picture(hand, side="right")


def test_labels_never_overlap_or_leave_the_picture_and_stay_whole_where_there_is_room() -> None:
    """The worst case a physiotherapist wrote: long labels on a mirrored pair of points near the
    middle (both drawn to the right, over each other, cut at the edge: "MuldeMulde unter dem S"),
    and points near each edge."""
    from voiceguide.pictures.draw import EDGE, LETTER_BOXES, drawing_svg, place_labels

    drawing = Drawing.model_validate(
        {
            "view": "neck-and-shoulders",
            "mirror": True,
            "points": [
                {"x": 44, "y": 40, "label": "Mulde unter dem Schädel"},
                {"x": 20, "y": 62, "label": "Schulterhöhe"},
                {"x": 3, "y": 80, "label": "Ganz am Rand des Bildes"},
            ],
        }
    )
    points = drawing.marked()
    labels = place_labels(points, keep_clear=list(LETTER_BOXES))  # as the picture places them
    assert len(labels) == len(points) == 6  # every labelled point has its label
    for i, a in enumerate(labels):
        x0, y0, x1, y1 = a.box
        assert EDGE <= x0 < x1 <= 100 - EDGE and EDGE <= y0 < y1 <= 100 - EDGE, a  # inside
        for b in labels[i + 1 :]:
            assert not (x0 < b.box[2] and b.box[0] < x1 and y0 < b.box[3] and b.box[1] < y1), (a, b)
        for p in points:
            assert not (x0 < p.x < x1 and y0 < p.y < y1), (a, p)  # no label over a point
        for b in LETTER_BOXES:  # nor over the side letters
            assert not (x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1), (a, b)
    whole = [label.text for label in labels if not label.text.endswith("…")]
    assert whole.count("Mulde unter dem Schädel") == 2 and whole.count("Schulterhöhe") == 2
    mulde = sorted((label for label in labels if label.text.startswith("Mulde")), key=lambda label: label.x)
    assert mulde[0].box[1] != mulde[1].box[1]  # not on one line, over each other
    svg = drawing_svg(drawing)
    assert all(svg.count(f">{label.text}<") >= 1 for label in labels)
    assert "MuldeMulde" not in svg


OWN = """\
voiceguide: 1
title: Nacken und Schultern lösen
language: de
intro: [{say: Willkommen.}]
sections:
  - id: photo
    title: Über dem Knie
    locate: Die Stelle liegt eine Handbreit über der Kniescheibe.
    picture: pictures/photo.jpg
    steps: [{say: Drücken.}, {hold: {seconds: 3}}]
  - id: drawn
    title: Die Hand
    picture: hand.svg
    steps: [{say: Loslassen.}]
  - id: ours
    title: Der Nacken
    sides: both
    picture: {view: neck-and-shoulders, points: [[32, 56]], mirror: true}
    steps: [{hold: {minutes: [1, 2]}}]
outro: [{say: Fertig.}]
"""


@pytest.fixture
def own_pictures(tmp_path: Path) -> Path:
    """A German routine with a photo (JPEG), a drawing of its own (SVG) and one of voiceguide's."""
    from PIL import Image

    (tmp_path / "pictures").mkdir()
    Image.new("RGB", (1600, 1200), (20, 40, 160)).save(tmp_path / "pictures" / "photo.jpg", quality=90)
    (tmp_path / "hand.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 20" width="10" height="20">'
        '<rect width="10" height="20" fill="#10a040"/></svg>'
    )
    routine = tmp_path / "own.yaml"
    routine.write_text(OWN)
    return routine


def average_colour(picture: bytes) -> tuple[int, ...]:
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(picture)).convert("RGB"))
    return tuple(int(v) for v in pixels.reshape(-1, 3).mean(axis=0).round())


@needs_audio_tools
def test_an_authors_own_pictures_go_into_the_chapters(own_pictures: Path, tmp_path: Path) -> None:
    from PIL import Image

    out = tmp_path / "out" / "own.mp3"
    ran = voiceguide("render", str(own_pictures), "-o", str(out))
    assert ran.returncode == 0, ran.stderr
    intro, photo, drawn, ours, closing = chapter_pictures_in(out)
    assert [title for title, _, _ in (photo, drawn, ours)] == ["1. Über dem Knie", "2. Die Hand", "3. Der Nacken"]
    # The photo stays a JPEG, scaled to fit 800 pixels, its colour kept.
    assert photo[1] == "image/jpeg" and Image.open(io.BytesIO(photo[2])).size == (800, 600)
    assert all(abs(a - b) <= 6 for a, b in zip(average_colour(photo[2]), (20, 40, 160), strict=True))
    # The SVG is drawn as a PNG in its own shape, its longer side 800 pixels.
    assert drawn[1] == "image/png" and Image.open(io.BytesIO(drawn[2])).size == (400, 800)  # 800 high
    assert average_colour(drawn[2]) == (16, 160, 64)
    # voiceguide's drawing: both points lit (`sides: both`), one either side of the middle.
    assert ours[1] == "image/png" and 0.4 < red_centre_x(ours[2]) < 0.6
    assert intro[2] == closing[2] and intro[1] == "image/jpeg"
    tags = ID3(out)
    assert str(tags["TIT2"]) == "Nacken und Schultern lösen"
    # The album and the safety note in the routine's language too.
    assert str(tags["TALB"]) == "voiceguide-Übungen"
    notes = [str(frame) for key, frame in tags.items() if key.startswith(("COMM", "TXXX:comment"))]
    assert any(note.startswith("Akupressur lindert Beschwerden") for note in notes), notes


PHYSIO = DATA / "cases" / "physio-neck.yaml"


@needs_audio_tools
def test_a_physiotherapists_neck_routine_shows_each_side_and_hand_right(tmp_path: Path) -> None:
    """Chapters (what the phone's page shows too) and the card of a German routine with mirrored
    labelled points and both hands: each side's chapter lights its own side, the right hand's
    chapter shows a right hand, and the labels are whole and on the card."""
    out = tmp_path / "neck.mp3"
    ran = voiceguide("render", str(PHYSIO), "-o", str(out))
    assert ran.returncode == 0, ran.stderr
    chapters = {title: data for title, _, data in chapter_pictures_in(out)}
    assert 0.4 < red_centre_x(chapters["1. Unter dem Schädel"]) < 0.6  # both sides lit
    assert red_centre_x(chapters["2. Schulterhöhe (linke Seite)"]) < 0.4  # seen from behind: left is left
    assert red_centre_x(chapters["2. Schulterhöhe (rechte Seite)"]) > 0.6
    left, right = chapters["3. Handrücken (linke Seite)"], chapters["3. Handrücken (rechte Seite)"]
    for picture, thumb_on_left in ((left, False), (right, True)):
        left_edge, right_edge = _thumb_sides(picture)
        assert (left_edge > right_edge + 0.1) == thumb_on_left, (thumb_on_left, left_edge, right_edge)
    pdf = tmp_path / "neck.pdf"
    assert voiceguide("card", str(PHYSIO), "-o", str(pdf)).returncode == 0
    text = " ".join(pdf_text(pdf).split())
    assert text.count("Mulde unter dem Schädel") == 2 and text.count("Schulterhöhe") >= 3, text  # labels whole
    assert "Vorsicht In der Schwangerschaft" in text and "Wie Mit beiden Daumen" in text, text


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=120
    ).stdout


def pdf_info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=120).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def test_the_card_is_one_a4_page_with_every_point_set_and_its_pictures(own_pictures: Path, tmp_path: Path) -> None:
    from PIL import Image

    pdf = tmp_path / "cards" / "own.pdf"
    ran = voiceguide(
        "card", str(own_pictures), "-o", str(pdf), "--url", "http://192.168.1.20:8642/abcdefghijklmnopqrstuvwx/"
    )
    assert ran.returncode == 0, ran.stderr
    png = pdf.with_suffix(".png")
    assert ran.stdout.split() == [str(pdf), str(png)]
    info = pdf_info(pdf)
    assert info["Pages"] == "1" and info["Page size"].endswith("(A4)")
    text = " ".join(pdf_text(pdf).split())
    for words in ("Nacken und Schultern lösen", "1. Über dem Knie", "2. Die Hand", "3. Der Nacken", "Sicherheit"):
        assert words in text, (words, text)
    assert "Wo Die Stelle liegt eine Handbreit über der Kniescheibe." in text
    assert "Dauer eineinhalb Minuten halten · beide Seiten zugleich" in text
    assert "beide Seiten zugleich" in text and "Zum Anhören auf dem Handy scannen" in text
    assert "Nur in diesem Netzwerk" not in text  # an address of the author's choosing: nothing added
    # The photo and the author's SVG are in it as pictures; voiceguide's drawing as lines.
    listed = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    sizes = sorted(tuple(map(int, line.split()[3:5])) for line in listed.splitlines()[2:])
    assert sizes == [(400, 800), (800, 600)], listed
    # The PNG for screens: the same page, 150 dots an inch, the drawn points in red on it.
    image = Image.open(png)
    assert image.size == (1240, 1754)
    assert red_centre_x(png.read_bytes()) < 0.5  # the points (and labels) down the left


def test_a_card_for_shares_page_says_where_it_works_and_how_to_keep_the_track(
    own_pictures: Path, tmp_path: Path
) -> None:
    """Its QR code leads to this computer's page on this network, only while `share` runs: the
    patient at home must know to keep the track first."""
    pdf = tmp_path / "shared.pdf"
    ran = voiceguide("card", str(own_pictures), "-o", str(pdf), "--share", env={"XDG_DATA_HOME": str(tmp_path)})
    assert ran.returncode == 0, ran.stderr
    text = " ".join(pdf_text(pdf).split())
    assert "Zum Anhören auf dem Handy scannen" in text
    assert "Nur in diesem Netzwerk während der Freigabe: auf der Seite speichern oder abonnieren." in text, text


NECK = """\
voiceguide: 1
title: Nacken
language: de
sections:
  - id: schaedelrand
    title: Am Schädelrand
    locate: In der Mulde unter dem Schädel, eine Daumenbreite neben der Mitte.
    cautions: [In der Schwangerschaft diesen Punkt nicht drücken.]
    sides: both
    steps:
      - say: Greifen Sie mit der gegenüberliegenden Hand in den Nacken.
      - hold: {minutes: [1, 2], dose: "1 bis 2 Minuten"}
      - repeat: {times: 3, steps: [{say: Neigen Sie den Kopf langsam zur Seite.}, {pause: 2}]}
  - id: schulter
    title: Schulterhöhe
    how: Mit drei Fingern kräftig, aber schmerzfrei drücken.
    steps:
      - say: Legen Sie die Finger auf die Schulter.
      - hold: {count: 30}
"""


def test_the_card_says_how_to_press_the_cautions_and_the_dose_each_under_its_own_heading(tmp_path: Path) -> None:
    """How to press (the author's `how`, or the section's first instruction), its cautions set
    apart as such, the dose as the author wrote it, and what a repeat repeats."""
    routine = tmp_path / "neck.yaml"
    routine.write_text(NECK)
    pdf = tmp_path / "neck.pdf"
    ran = voiceguide("card", str(routine), "-o", str(pdf))
    assert ran.returncode == 0, ran.stderr
    text = " ".join(pdf_text(pdf).split())
    assert "Wie Greifen Sie mit der gegenüberliegenden Hand in den Nacken." in text, text
    assert "Vorsicht In der Schwangerschaft diesen Punkt nicht drücken." in text, text
    assert "Wie In der Schwangerschaft" not in text
    assert (
        "Dauer eineinhalb Minuten halten (1 bis 2 Minuten); 3-mal wiederholen: Neigen Sie den Kopf langsam zur" in text
    )
    assert "Wie Mit drei Fingern kräftig, aber schmerzfrei drücken." in text, text  # the author's own
    assert "Dauer langsam bis 30 zählen" in text, text


def test_the_built_in_card_and_its_guards(tmp_path: Path) -> None:
    ran = voiceguide("card", "back-pain", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    pdf = tmp_path / "audio_out" / "back-pain.card.pdf"
    assert (tmp_path / "audio_out" / "back-pain.card.png").is_file()
    text = " ".join(pdf_text(pdf).split())
    for title in (
        "Beside the spine at the waist",
        "Over the kidneys",
        "Behind the knees",
        "Beside the ankles",
        "The backs of the hands",
    ):
        assert title in text
    assert "slow count to 100" in text and "5 point sets" in text and "Scan" not in text
    # Not over an existing card without --force; a name that is not a PDF; two addresses.
    before = pdf.read_bytes()
    for args, says in (
        ((), "already exists (use --force to overwrite it)"),
        (("-o", "card.txt"), "a card is written as a PDF"),
        (("--url", "192.168.1.2"), "give the whole address, starting http://"),
        (("--url", "http://a/", "--share"), "use one"),
    ):
        ran = voiceguide("card", "back-pain", *args, cwd=tmp_path)
        assert ran.returncode == 2 and says in ran.stderr and len(ran.stderr.splitlines()) == 1, ran.stderr
    assert pdf.read_bytes() == before
    assert voiceguide("card", "back-pain", "--force", "--profile", "full", cwd=tmp_path).returncode == 0
    assert pdf.read_bytes() != before


@needs_audio_tools
def test_ci_s_track_check_finds_a_chapter_without_its_picture(tmp_path: Path) -> None:
    import sys

    routine = tmp_path / "plain.yaml"
    routine.write_text(HEAD + "  - id: a\n    title: A\n    steps: [{say: Press.}]\n")
    out = tmp_path / "plain.mp3"
    assert voiceguide("render", str(routine), "-o", str(out)).returncode == 0
    script = Path(__file__).parent.parent / "scripts" / "check_track.py"
    check = [sys.executable, str(script), str(out), "--min-seconds", "0", "--min-chapters", "1"]
    assert subprocess.run(check, capture_output=True, timeout=120).returncode == 0
    found = subprocess.run([*check, "--chapter-pictures"], capture_output=True, text=True, timeout=120)
    assert found.returncode == 1 and found.stderr.strip().endswith("1 of its 1 chapters carry no picture")


def test_an_svg_picture_reads_nothing_outside_itself(tmp_path: Path) -> None:
    """A routine from elsewhere must not make voiceguide put a file of yours (or a web page)
    into the MP3 it then shares: an SVG's links to other files are drawn as nothing."""
    from PIL import Image

    from voiceguide.pictures.draw import section_picture
    from voiceguide.routine.loader import load_routine

    Image.new("RGB", (10, 10), (255, 0, 0)).save(tmp_path / "private.png")
    (tmp_path / "peek.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
        '<rect width="10" height="10" fill="#fff"/>'
        f'<image width="10" height="10" xlink:href="file://{tmp_path}/private.png"/>'
        '<image width="10" height="10" href="private.png"/></svg>'
    )
    routine = tmp_path / "peek.yaml"
    routine.write_text(HEAD + section("peek.svg"))
    picture = section_picture(load_routine(str(routine)).sections[0])
    assert picture is not None and average_colour(picture.data) == (255, 255, 255)


TITLES = {
    "de": "Nacken und Schultern lösen, Rücken, Füße",
    "fr": "Détente de la nuque, genou, côté, œil, ça",
    "es": "Relajación del cuello, rodilla, niño, ¿qué?",
    "it": "Rilassamento del collo, più, perché",
    "nl": "Ontspanning van de nek, één, geïrriteerd",
    "pt": "Relaxamento do pescoço, coração, mãos, pés",
    "en": "Neck and shoulders, café",
    "el": "Χαλάρωση αυχένα",
    "ru": "Расслабление шеи",
}


@pytest.mark.parametrize("language", TITLES)
def test_covers_and_cards_have_every_letter_of_each_language(language: str) -> None:
    """Each letter of a title in each language is drawn as itself, not as the box a font draws
    for a letter it lacks."""
    from voiceguide.fonts import pillow_font

    for bold in (False, True):
        font = pillow_font(48, bold=bold)
        missing = bytes(font.getmask("\ue000"))  # a private-use letter: no font has it
        lacking = {ch for ch in TITLES[language] if not ch.isspace() and bytes(font.getmask(ch)) == missing}
        assert not lacking, (language, bold, lacking)
