"""Tesseract through tesserocr, in-process: the one module that talks to the OCR engine.

One engine per thread, its models loaded once; a page image in, positioned lines out
(in PDF points, so that the layout steps read them like a text layer).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import statistics
import threading
from dataclasses import dataclass
from pathlib import Path

# Tesseract's OpenMP threads fight each other when pages already run in parallel.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import tesserocr
from PIL import Image

from reportflow.parsers.layout.lines import SEGMENT_GAP_EM, Line, PageLayout, mean_confidence
from reportflow.parsers.layout.reading_order import xy_order
from reportflow.parsers.ocr.blanks import fill_blanks
from reportflow.parsers.ocr.preprocess import prepare
from reportflow.parsers.ocr.second_opinion import reconsider
from reportflow.parsers.text import normalize_text
from reportflow.parsers.vietnamese.names import official_spelling
from reportflow.parsers.vietnamese.patterns import letters as letter_count
from reportflow.parsers.vietnamese.syllables import bare, correct_word, is_valid_syllable
from reportflow.schemas import OcrFailedError

log = logging.getLogger(__name__)

DEFAULT_LANGUAGES = "vie+eng"
SECOND_OPINIONS = ("auto", "off")
DEFAULT_SECOND_OPINION = "auto"
RENDER_DPI = 300
LOW_CONFIDENCE = 60.0
SPECK_MAX_CHARS = 3
SPECK_CONFIDENCE = 70.0
VIETNAMESE_MARKED_SHARE = 0.4
ORIENTATION_MIN_CONFIDENCE = 1.5
POINTS_PER_INCH = 72.0
# A text line's box spans ascenders, descenders and Vietnamese tone marks: about 1.15 times the font size.
LINE_BOX_PER_EM = 1.15
ASCENT_EM, DESCENT_EM = 0.95, 0.25
SIZE_TOLERANCE = 0.35
STOP_MAX_HEIGHT = 0.35  # of its word's box: a full stop is a dot
STOP_RIVAL_CONFIDENCE = 50.0
LIST_DASH_CONFIDENCE = 80.0
PICTURE_MAX_PAGE_SHARE = 0.25
MAX_PICTURES = 3  # each is read again: a page of photographs costs no more
PICTURE_LINE_CONFIDENCE = 80.0
_NOISE = re.compile(r"[_|~`'‘’.,:;-]{1,3}")
_DASHES = {"-", "–", "—"}

# Debian's packages of the script models, named after the script rather than the model.
_PACKAGES = {"Vietnamese": "tesseract-ocr-script-viet", "Latin": "tesseract-ocr-script-latn"}

_local = threading.local()


@dataclass(frozen=True, slots=True)
class OcrSettings:
    languages: str = DEFAULT_LANGUAGES
    tessdata: str | None = None
    # `auto`: doubtful words of Vietnamese pages read again by the AsterOCR recogniser (second_opinion.py).
    second_opinion: str = DEFAULT_SECOND_OPINION

    def __post_init__(self) -> None:
        if self.second_opinion not in SECOND_OPINIONS:
            raise ValueError(f"second_opinion is one of {', '.join(SECOND_OPINIONS)}, not {self.second_opinion!r}")


def tessdata_dir(settings: OcrSettings) -> str:
    """Where the language data lives: the setting, TESSDATA_PREFIX, or Debian's folder."""
    candidates = [settings.tessdata, os.environ.get("TESSDATA_PREFIX")]
    candidates += [str(p) for p in sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"), reverse=True)]
    candidates += ["/usr/share/tessdata", "/usr/local/share/tessdata"]
    for folder in candidates:
        if folder and (Path(folder) / "eng.traineddata").is_file():
            return folder
    raise OcrFailedError("No Tesseract language data found (install tesseract-ocr and tesseract-ocr-vie).")


def _engine(settings: OcrSettings) -> tesserocr.PyTessBaseAPI:
    engines: dict[OcrSettings, tesserocr.PyTessBaseAPI] = _local.__dict__.setdefault("engines", {})
    if settings not in engines:
        folder = tessdata_dir(settings)
        _check_languages(folder, settings.languages)
        engine = tesserocr.PyTessBaseAPI(path=folder, lang=settings.languages, psm=tesserocr.PSM.AUTO)
        engine.SetVariable("lstm_choice_mode", "2")  # each letter's alternatives, not only the best
        engines[settings] = engine
    return engines[settings]


def _check_languages(folder: str, languages: str) -> None:
    missing = [lang for lang in languages.split("+") if not (Path(folder) / f"{lang}.traineddata").is_file()]
    if missing:
        packages = " ".join(_PACKAGES.get(lang, f"tesseract-ocr-{lang.lower()}") for lang in missing)
        raise OcrFailedError(f"Tesseract has no language data for {'+'.join(missing)} (install {packages}).")


def ocr_page(image: Image.Image, dpi: float, number: int, settings: OcrSettings) -> PageLayout:
    """Lines of one page image in reading order.

    A page Tesseract read sideways (turned by 90 degrees) has its boxes turned upright; a page read
    badly (upside down) is turned by orientation detection and read again.
    """
    image, dpi = prepare(image, dpi)
    scale = POINTS_PER_INCH / dpi
    size = (image.width, image.height)
    rows = _read_words(image, dpi, settings)
    lines = _lines(rows, scale)
    sideways = _mostly_vertical([line for line, _ in lines])
    well_read = _mean_confidence([line for line, _ in lines]) >= LOW_CONFIDENCE
    degrees = _orientation(image, settings) if sideways or not well_read else 0
    if sideways and well_read and degrees in (90, 270):
        rows = [_turned(row, degrees, size) for row in rows]
        size = (size[1], size[0])
        lines = _lines(rows, scale)
    elif degrees:
        turned = image.rotate(degrees, expand=True, fillcolor=255)
        retry = _lines(_read_words(turned, dpi, settings), scale)
        upright_now = sideways and not _mostly_vertical([line for line, _ in retry])
        if upright_now or _mean_confidence([line for line, _ in retry]) > _mean_confidence([line for line, _ in lines]):
            lines, size = retry, (turned.width, turned.height)
    lines = [(line, baseline) for line, baseline in lines if not _is_speck_line(line)]
    return PageLayout(number, size[0] * scale, size[1] * scale, xy_order(_uniform_sizes(lines)), [], read_by_ocr=True)


def _is_speck_line(line: Line) -> bool:
    """A line that is a speck or a mark read as a letter or two (`^`, `ee`, `tA` alone, with little confidence)."""
    text = line.text.replace(" ", "")
    if len(text) > SPECK_MAX_CHARS or any(c.isdigit() for c in text):
        return False
    letters = letter_count(text)
    return letters == 0 or (letters == len(text) <= 2 and (line.confidence or 0.0) < SPECK_CONFIDENCE)


_Box = tuple[float, float, float, float]
_Word = tuple[str, _Box, float]
_Row = tuple[tuple[float, float], list[_Word]]
_ReadRow = tuple[tuple[float, float], list[tuple[_Word, list[list[str]]]]]  # each word with its letters' choices
_PICTURES = (tesserocr.PT.FLOWING_IMAGE, tesserocr.PT.HEADING_IMAGE, tesserocr.PT.PULLOUT_IMAGE)


def _read_words(image: Image.Image, dpi: float, settings: OcrSettings) -> list[_Row]:
    """Recognised words (text, pixel box, confidence) per text line, with the middle of the line's baseline."""
    api = _engine(settings)
    api.SetImage(image)
    api.SetSourceResolution(round(dpi))
    if not api.Recognize():
        raise OcrFailedError("Tesseract could not recognise the page.")
    read: list[_ReadRow] = []
    doubtful: set[tuple[int, int]] = set()  # (line, word) of words whose final full stop may be a speck
    _recognised(api, read, doubtful)
    vietnamese = _is_vietnamese([text for _, words in read for (text, _, _), _ in words])
    if vietnamese:
        read += _text_in_pictures(api, image, dpi, _picture_regions(api, image), read)
    if vietnamese and settings.second_opinion == "auto":
        read = fill_blanks(image, reconsider(image, read))
    rows = [(baseline, [_corrected(w, choices, vietnamese) for w, choices in words]) for baseline, words in read]
    rows = _without_stray_periods(rows, doubtful) if vietnamese else rows
    return [(baseline, _without_specks(words)) for baseline, words in rows]


def _recognised(api: tesserocr.PyTessBaseAPI, read: list[_ReadRow], doubtful: set[tuple[int, int]]) -> None:
    """The rows of what the engine recognised appended to `read`, their doubtful full stops to `doubtful`."""
    word: _Word | None = None
    letters: list[list[str]] = []
    stop_in_doubt = False
    for symbol in tesserocr.iterate_level(api.GetIterator(), tesserocr.RIL.SYMBOL):
        if symbol.IsAtBeginningOf(tesserocr.RIL.WORD) or not read:
            if word is not None:
                _keep(read, doubtful, (word, letters), stop_in_doubt)
            word, letters = _word(symbol), []
            if symbol.IsAtBeginningOf(tesserocr.RIL.TEXTLINE) or not read:
                read.append((_baseline(symbol, word[1] if word else None), []))
        letters.append(_choices(symbol))
        stop_in_doubt = _is_doubtful_stop(symbol)
    if word is not None:
        _keep(read, doubtful, (word, letters), stop_in_doubt)


def _picture_regions(api: tesserocr.PyTessBaseAPI, image: Image.Image) -> list[_Box]:
    """Boxes of the regions the page's layout analysis took for pictures, each at most PICTURE_MAX_PAGE_SHARE
    of the page, the MAX_PICTURES largest: on a grey or black-and-white scan of an official document the
    seal is such a region, and it swallows the signer's title and name printed over and beside it. Read
    again only on Vietnamese pages: elsewhere such regions are figures and photographs, whose labels and
    signs (`32%`, `Finance`) are no part of the text."""
    page = image.width * image.height
    found = []
    for block in tesserocr.iterate_level(api.GetIterator(), tesserocr.RIL.BLOCK):
        box = block.BoundingBox(tesserocr.RIL.BLOCK)
        if block.BlockType() in _PICTURES and box and _area(box) <= PICTURE_MAX_PAGE_SHARE * page:
            x0, top, x1, bottom = (float(v) for v in box)
            found.append((x0, top, x1, bottom))
    return sorted(found, key=_area, reverse=True)[:MAX_PICTURES]


def _text_in_pictures(
    api: tesserocr.PyTessBaseAPI, image: Image.Image, dpi: float, regions: list[_Box], read: list[_ReadRow]
) -> list[_ReadRow]:
    """The lines read well in the picture regions, each region read on its own (what it swallowed lies in its
    box), without the words the page's reading already has; a photograph's texture read as letters, or a
    piece of a line beside the seal's ink, is left out."""
    taken = [box for _, words in read for (_, box, _), _ in words]
    rows = [_without_taken(row, taken) for region in regions for row in _text_in_picture(api, image, region, dpi)]
    return [row for row in rows if _is_well_read(row)]


def _text_in_picture(api: tesserocr.PyTessBaseAPI, image: Image.Image, region: _Box, dpi: float) -> list[_ReadRow]:
    """The lines of one region read as sparse text, in the page's pixels."""
    left, top, right, bottom = (round(v) for v in region)
    page_mode = api.GetPageSegMode()
    rows: list[_ReadRow] = []
    try:
        api.SetPageSegMode(tesserocr.PSM.SPARSE_TEXT)
        api.SetImage(image.crop((left, top, right, bottom)))
        api.SetSourceResolution(round(dpi))
        if api.Recognize():
            _recognised(api, rows, set())
    finally:
        api.SetPageSegMode(page_mode)
    return [_shifted(row, left, top) for row in rows]


def _is_well_read(row: _ReadRow) -> bool:
    """Two words of two letters or more, read with PICTURE_LINE_CONFIDENCE on average: a word or a piece of
    one left beside the seal's ink (`TỊCH`, `U TỊCH`) is a fragment of a line the seal swallowed."""
    words = [word for word, _ in row[1]]
    letters = sum(len(text) for text, _, _ in words)
    confidence = sum(conf * len(text) for text, _, conf in words) / max(1, letters)
    return confidence >= PICTURE_LINE_CONFIDENCE and sum(letter_count(text) >= 2 for text, _, _ in words) >= 2


def _without_taken(row: _ReadRow, taken: list[_Box]) -> _ReadRow:
    """The row without the words whose middle lies in a word already read."""

    def is_taken(box: _Box) -> bool:
        x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        return any(t[0] <= x <= t[2] and t[1] <= y <= t[3] for t in taken)

    return row[0], [(word, choices) for word, choices in row[1] if not is_taken(word[1])]


def _shifted(row: _ReadRow, dx: float, dy: float) -> _ReadRow:
    (x, y), words = row
    return (x + dx, y + dy), [(_moved(word, dx, dy), letters) for word, letters in words]


def _moved(word: _Word, dx: float, dy: float) -> _Word:
    text, (x0, top, x1, bottom), confidence = word
    return text, (x0 + dx, top + dy, x1 + dx, bottom + dy), confidence


def _area(box: tuple[float, ...]) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _keep(
    read: list[_ReadRow],
    doubtful: set[tuple[int, int]],
    word: tuple[_Word, list[list[str]]],
    stop_in_doubt: bool,
) -> None:
    if stop_in_doubt:
        doubtful.add((len(read) - 1, len(read[-1][1])))
    read[-1][1].append(word)


def _is_doubtful_stop(symbol: tesserocr.PyResultIterator) -> bool:
    """A full stop that may be a speck: its box too big for a full stop beside its word's letters, or
    another mark nearly as likely to Tesseract (`hướng.` read with `,` a close second)."""
    if _text(symbol, tesserocr.RIL.SYMBOL) != ".":
        return False
    box, word_box = symbol.BoundingBox(tesserocr.RIL.SYMBOL), symbol.BoundingBox(tesserocr.RIL.WORD)
    if box and word_box and box[3] - box[1] > STOP_MAX_HEIGHT * (word_box[3] - word_box[1]):
        return True
    choices = symbol.GetChoiceIterator()
    runners_up = sorted((choice.Confidence() for choice in choices), reverse=True)[1:] if choices else []
    return bool(runners_up) and runners_up[0] >= STOP_RIVAL_CONFIDENCE


def _choices(symbol: tesserocr.PyResultIterator) -> list[str]:
    """Tesseract's readings of one letter, best first; none where it kept none (a symbol of an empty word)."""
    choices = symbol.GetChoiceIterator()
    return [] if choices is None else [text for choice in choices if (text := choice.GetUTF8Text())]


def _is_vietnamese(words: list[str]) -> bool:
    """A page most of whose words carry marks: Vietnamese (a French or English page has few)."""
    marked = sum(word != bare(word) for word in words)
    return marked >= VIETNAMESE_MARKED_SHARE * max(1, len(words))


def _corrected(word: _Word, letters: list[list[str]], vietnamese_page: bool) -> _Word:
    """A misspelt Vietnamese syllable put right from Tesseract's choices for its letters, on a Vietnamese page
    only (`it`, `at`, `not` are English, `où` French)."""
    text, box, confidence = word
    return (correct_word(text, letters), box, confidence) if vietnamese_page else word


def _word(symbol: tesserocr.PyResultIterator) -> _Word | None:
    """The word the iterator stands in (text, pixel box, confidence); None when it has no box or no text."""
    text, box = _word_text(symbol).strip(), symbol.BoundingBox(tesserocr.RIL.WORD)
    if not box or not text:
        return None
    x0, top, x1, bottom = (float(value) for value in box)
    return text, (x0, top, x1, bottom), float(symbol.Confidence(tesserocr.RIL.WORD))


def _without_specks(words: list[_Word]) -> list[_Word]:
    """Specks of dirt read as punctuation dropped; a dash between two words (`Sơn - Bí thư`) is kept, and so is
    one read well before a capital that opens the line: a list item's (`- Văn phòng Chính phủ;`)."""
    noise = [bool(_NOISE.fullmatch(text)) for text, _, _ in words]
    kept = []
    for i, word in enumerate(words):
        between_words = 0 < i < len(words) - 1 and not noise[i - 1] and not noise[i + 1]
        if not noise[i] or (word[0] in _DASHES and (between_words or _opens_list_item(words, i))):
            kept.append(word)
    return kept


def _opens_list_item(words: list[_Word], i: int) -> bool:
    return i == 0 and len(words) > 1 and words[0][2] >= LIST_DASH_CONFIDENCE and words[1][0][:1].isupper()


def _without_stray_periods(rows: list[_Row], doubtful: set[tuple[int, int]]) -> list[_Row]:
    """A speck read as a full stop after a word, the sentence going on in lower case: at a line's end, before
    a line in lower case (`hoàn.` / `thành`); inside a line only where the stop itself is in `doubtful`
    (`huyện. thành phố`), as a writer's own slip (`trở lên. tiếp tục`) is text."""
    words = [(r, w) for r, (_, row) in enumerate(rows) for w, word in enumerate(row) if not _NOISE.fullmatch(word[0])]
    for (r, w), (next_r, next_w) in itertools.pairwise(words):
        text, box, confidence = rows[r][1][w]
        following = rows[next_r][1][next_w][0]
        if next_r == r:
            goes_on = (r, w) in doubtful and following[:1].islower()
        else:
            goes_on = following[:1].islower() and following.isalpha()  # not `b)` starting a line
        if text.endswith(".") and goes_on and len(text) > 2 and is_valid_syllable(text[:-1]):
            rows[r][1][w] = (text[:-1], box, confidence)
    return rows


def _word_text(word: tesserocr.PyResultIterator) -> str:
    return _text(word, tesserocr.RIL.WORD)


def _text(at: tesserocr.PyResultIterator, level: int) -> str:
    try:
        return at.GetUTF8Text(level) or ""
    except RuntimeError:  # tesserocr's way of saying a recognised word or symbol came out empty
        return ""


def _lines(rows: list[_Row], scale: float) -> list[tuple[Line, float]]:
    """Lines in points, each with its baseline's height."""
    return [(_line(piece, scale), baseline[1] * scale) for baseline, words in rows for piece in _pieces(words)]


def _turned(row: _Row, degrees: int, size: tuple[int, int]) -> _Row:
    """A row's boxes as they sit once the page is turned upright (as PIL's `rotate(degrees, expand=True)`)."""
    width, height = size

    def turn(x: float, y: float) -> tuple[float, float]:
        return (y, width - x) if degrees == 90 else (height - y, x)

    words = []
    for text, (x0, top, x1, bottom), confidence in row[1]:
        (ax, ay), (bx, by) = turn(x0, top), turn(x1, bottom)
        words.append((text, (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)), confidence))
    return turn(*row[0]), sorted(words, key=lambda word: word[1][0])


def _pieces(words: list[_Word]) -> list[list[_Word]]:
    """A recognised line split where the gap between words is too wide to be a space (side-by-side columns)."""
    if not words:
        return []
    height = max(box[3] for _, box, _ in words) - min(box[1] for _, box, _ in words)
    widest = SEGMENT_GAP_EM * height / LINE_BOX_PER_EM
    pieces = [[words[0]]]
    for word in words[1:]:
        if word[1][0] - pieces[-1][-1][1][2] > widest:
            pieces.append([word])
        else:
            pieces[-1].append(word)
    return pieces


def _baseline(word: tesserocr.PyResultIterator, box: tuple[float, float, float, float] | None) -> tuple[float, float]:
    found = word.Baseline(tesserocr.RIL.TEXTLINE)
    if found:
        (x0, y0), (x1, y1) = found
        return float(x0 + x1) / 2, float(y0 + y1) / 2
    return (float(box[0]), float(box[3])) if box else (0.0, 0.0)


def _line(words: list[_Word], scale: float) -> Line:
    text = official_spelling(normalize_text(" ".join(text for text, _, _ in words)))
    x0, x1 = min(box[0] for _, box, _ in words) * scale, max(box[2] for _, box, _ in words) * scale
    top, bottom = min(box[1] for _, box, _ in words) * scale, max(box[3] for _, box, _ in words) * scale
    weights = [len(text) for text, _, _ in words]
    confidence = sum(conf * w for (_, _, conf), w in zip(words, weights, strict=True)) / sum(weights)
    return Line(text, x0, x1, top, bottom, (bottom - top) / LINE_BOX_PER_EM, confidence=confidence)


def _orientation(image: Image.Image, settings: OcrSettings) -> int:
    """Degrees to turn the page by (counter-clockwise) to make it upright, 0 when Tesseract is not sure."""
    osd: tesserocr.PyTessBaseAPI = _local.__dict__.get("osd") or tesserocr.PyTessBaseAPI(
        path=tessdata_dir(settings), lang="osd", psm=tesserocr.PSM.OSD_ONLY
    )
    _local.osd = osd
    osd.SetImage(image)
    found = osd.DetectOrientationScript()
    if not found or found.get("orient_conf", 0.0) < ORIENTATION_MIN_CONFIDENCE:
        return 0
    return int(found.get("orient_deg") or 0)


def _mostly_vertical(lines: list[Line]) -> bool:
    """Text on a page turned by 90 degrees: Tesseract reads it well, but as columns of tall boxes."""
    return sum(line.bottom - line.top for line in lines) > sum(line.x1 - line.x0 for line in lines)


def _mean_confidence(lines: list[Line]) -> float:
    return mean_confidence((line.confidence, line.text) for line in lines) or 0.0


def _uniform_sizes(lines: list[tuple[Line, float]]) -> list[Line]:
    """Sizes and vertical extents from the baseline: box heights vary with the letters (and tone marks) in them.

    Lines within a third of the page's usual size get that size.
    """
    if not lines:
        return []
    usual = statistics.median(line.size for line, _ in lines)
    for line, baseline in lines:
        if abs(line.size - usual) <= SIZE_TOLERANCE * usual:
            line.size = usual
        line.top, line.bottom = baseline - ASCENT_EM * line.size, baseline + DESCENT_EM * line.size
    return [line for line, _ in lines]
