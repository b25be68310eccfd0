"""Tesseract through tesserocr, in-process: the one module that talks to the OCR engine.

One engine per thread, its models loaded once; a page image in, positioned lines out
(in PDF points, so that the PDF layout step can read them like a text layer).
"""

from __future__ import annotations

import logging
import os
import re
import statistics
import threading
from dataclasses import dataclass
from pathlib import Path

# Tesseract's OpenMP threads fight each other when pages already run in parallel.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import numpy as np
import tesserocr
from PIL import Image

from reportflow.parsers.formats.pdf_page import SEGMENT_GAP_EM, Line, PageLayout, xy_order
from reportflow.parsers.text import normalize_text
from reportflow.schemas import OcrFailedError

log = logging.getLogger(__name__)

DEFAULT_LANGUAGES = "vie+eng"
RENDER_DPI = 300
MIN_DPI = 200
MAX_UPSCALE = 4.0
MAX_SKEW_DEGREES, SKEW_STEP, MIN_SKEW_DEGREES = 5.0, 0.25, 1.0
SKEW_SAMPLE_WIDTH = 800
INK_LEVEL = 128
# Too little ink (a blank or nearly blank page) or a profile barely sharper than level gives no angle to trust.
MIN_INK_SHARE, CLEARLY_SHARPER = 0.005, 1.2
LOW_CONFIDENCE = 60.0
ORIENTATION_MIN_CONFIDENCE = 1.5
POINTS_PER_INCH = 72.0
# A text line's box spans ascenders, descenders and Vietnamese tone marks: about 1.15 times the font size.
LINE_BOX_PER_EM = 1.15
ASCENT_EM, DESCENT_EM = 0.95, 0.25
SIZE_TOLERANCE = 0.35
_NOISE = re.compile(r"[_|~`'‘’.,:;-]{1,3}")
_DASHES = {"-", "–", "—"}

_local = threading.local()


@dataclass(frozen=True, slots=True)
class OcrSettings:
    languages: str = DEFAULT_LANGUAGES
    tessdata: str | None = None


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
        engines[settings] = tesserocr.PyTessBaseAPI(path=folder, lang=settings.languages, psm=tesserocr.PSM.AUTO)
    return engines[settings]


def _check_languages(folder: str, languages: str) -> None:
    missing = [lang for lang in languages.split("+") if not (Path(folder) / f"{lang}.traineddata").is_file()]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        raise OcrFailedError(f"Tesseract has no language data for {'+'.join(missing)} (install {packages}).")


RED_INK_MARGIN = 60
_COLOUR_MODES = ("RGB", "RGBA", "P", "CMYK")
SEAL_CELL_INCHES = 0.1
SEAL_CELL_SHARE = 0.02
SEAL_MIN_INCHES = 1.0  # seals are 30-45 mm across; a red page frame is no seal
SEAL_MAX_INCHES = 2.5
SEAL_SEARCH_DPI = 50


def ocr_page(image: Image.Image, dpi: float, number: int, settings: OcrSettings) -> PageLayout:
    """Lines of one page image in reading order.

    A page Tesseract read sideways (turned by 90 degrees) has its boxes turned upright; a page read
    badly (upside down) is turned by orientation detection and read again.
    """
    image = _prepared(image, dpi)
    dpi = max(dpi, min(MIN_DPI, dpi * MAX_UPSCALE))
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
    return PageLayout(number, size[0] * scale, size[1] * scale, xy_order(_uniform_sizes(lines)), [])


def _prepared(image: Image.Image, dpi: float) -> Image.Image:
    """Grayscale without red seals, scaled up to about 200 dpi when the scan is coarser, and straightened
    when skewed."""
    gray = _without_seals(image, dpi)
    if dpi < MIN_DPI:
        factor = min(MIN_DPI / max(dpi, 1.0), MAX_UPSCALE)
        gray = gray.resize((round(gray.width * factor), round(gray.height * factor)), Image.Resampling.LANCZOS)
    angle = skew_angle(gray)
    if abs(angle) >= MIN_SKEW_DEGREES:
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return gray


def has_seal(image: Image.Image, dpi: float) -> bool:
    """Whether a (colour) page image holds a red seal."""
    return bool(_seals(image, dpi))


def _seals(image: Image.Image, dpi: float) -> list[tuple[int, ...]]:
    """Boxes (top, left, bottom, right) of the red seals of a colour image, found on a small copy of it."""
    if image.mode not in _COLOUR_MODES:
        return []
    factor = max(1, round(dpi / SEAL_SEARCH_DPI))
    small = (image if image.mode == "RGB" else image.convert("RGB")).reduce(factor)
    return [tuple(v * factor for v in box) for box in _seal_boxes(_red_ink(small), dpi / factor)]


def _red_ink(image: Image.Image) -> np.ndarray:
    rgb = np.asarray(image.convert("RGB"))
    return np.asarray(rgb[..., 0].astype(np.int16) - np.maximum(rgb[..., 1], rgb[..., 2]) > RED_INK_MARGIN)


def _without_seals(image: Image.Image, dpi: float) -> Image.Image:
    """Grayscale with red seals turned white: on official documents they cover the signer's name, and
    Tesseract takes the whole region for a picture. Red text (a heading, a drop cap) is kept."""
    gray = image.convert("L")
    boxes = _seals(image, dpi)  # only these are looked at in full resolution
    if not boxes:
        return gray
    pixels = np.asarray(gray).copy()
    for top, left, bottom, right in boxes:
        region = pixels[top:bottom, left:right]
        region[_red_ink(image.crop((left, top, right, bottom)))[: region.shape[0], : region.shape[1]]] = 255
    cleaned = Image.fromarray(pixels)
    cleaned.info = dict(gray.info)
    return cleaned


def _seal_boxes(red: np.ndarray, dpi: float) -> list[tuple[int, int, int, int]]:
    """Pixel boxes of red regions about as tall as wide and at least SEAL_MIN_INCHES across."""
    cell = max(1, round(dpi * SEAL_CELL_INCHES))
    rows, cols = red.shape[0] // cell, red.shape[1] // cell
    if not rows or not cols:
        return []
    share = red[: rows * cell, : cols * cell].reshape(rows, cell, cols, cell).mean(axis=(1, 3))
    inked = {(r, c) for r, c in zip(*np.nonzero(share > SEAL_CELL_SHARE), strict=True)}
    boxes = []
    for component in _components(inked):
        top, bottom = min(r for r, _ in component), max(r for r, _ in component) + 1
        left, right = min(c for _, c in component), max(c for _, c in component) + 1
        height, width = (bottom - top) * cell, (right - left) * cell
        side = (min(height, width), max(height, width))
        if SEAL_MIN_INCHES * dpi <= side[0] and side[1] <= min(2 * side[0], SEAL_MAX_INCHES * dpi):
            boxes.append((top * cell, left * cell, bottom * cell, right * cell))
    return boxes


def _components(cells: set[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    found, seen = [], set()
    for start in cells:
        if start in seen:
            continue
        seen.add(start)
        stack, component = [start], []
        while stack:
            r, c = stack.pop()
            component.append((r, c))
            for near in ((r + dr, c + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)):
                if near in cells and near not in seen:
                    seen.add(near)
                    stack.append(near)
        found.append(component)
    return found


def skew_angle(gray: Image.Image) -> float:
    """The small rotation (degrees) that makes text lines horizontal: the angle whose row profile of ink
    is sharpest, tried on a reduced copy of the page, coarse steps first."""
    small = gray.reduce(max(1, gray.width // SKEW_SAMPLE_WIDTH))
    dark = np.asarray(small) < INK_LEVEL
    if dark.mean() < MIN_INK_SHARE:
        return 0.0
    ink = Image.fromarray((dark * 255).astype(np.uint8))
    coarse, _ = _sharpest(ink, np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.5, 1.0))
    fine, score = _sharpest(ink, np.arange(coarse - 0.75, coarse + 0.8, SKEW_STEP))
    _, level = _sharpest(ink, np.array([0.0]))
    return fine if score >= CLEARLY_SHARPER * level else 0.0


def _sharpest(ink: Image.Image, angles: np.ndarray) -> tuple[float, float]:
    scores = {}
    for angle in angles:
        rows = np.asarray(ink.rotate(float(angle), resample=Image.Resampling.NEAREST), dtype=np.float32).sum(axis=1)
        scores[round(float(angle), 2)] = float(np.var(rows))
    best = max(scores, key=lambda angle: (scores[angle], -abs(angle)))
    return best, scores[best]


_Word = tuple[str, tuple[float, float, float, float], float]
_Row = tuple[tuple[float, float], list[_Word]]


def _read_words(image: Image.Image, dpi: float, settings: OcrSettings) -> list[_Row]:
    """Recognised words (text, pixel box, confidence) per text line, with the middle of the line's baseline."""
    api = _engine(settings)
    api.SetImage(image)
    api.SetSourceResolution(round(dpi))
    if not api.Recognize():
        raise OcrFailedError("Tesseract could not recognise the page.")
    rows: list[_Row] = []
    for word in tesserocr.iterate_level(api.GetIterator(), tesserocr.RIL.WORD):
        text, box = _word_text(word), word.BoundingBox(tesserocr.RIL.WORD)
        if word.IsAtBeginningOf(tesserocr.RIL.TEXTLINE) or not rows:
            rows.append((_baseline(word, box), []))
        if box and text.strip():
            x0, top, x1, bottom = (float(value) for value in box)
            rows[-1][1].append((text.strip(), (x0, top, x1, bottom), float(word.Confidence(tesserocr.RIL.WORD))))
    return [(baseline, _without_specks(words)) for baseline, words in rows]


def _without_specks(words: list[_Word]) -> list[_Word]:
    """Specks of dirt read as punctuation dropped; a dash between two words (`Sơn - Bí thư`) is kept."""
    noise = [bool(_NOISE.fullmatch(text)) for text, _, _ in words]
    kept = []
    for i, word in enumerate(words):
        between_words = 0 < i < len(words) - 1 and not noise[i - 1] and not noise[i + 1]
        if not noise[i] or (word[0] in _DASHES and between_words):
            kept.append(word)
    return kept


def _word_text(word: tesserocr.PyResultIterator) -> str:
    try:
        return word.GetUTF8Text(tesserocr.RIL.WORD) or ""
    except RuntimeError:  # tesserocr's way of saying a recognised word came out empty
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


def _baseline(word: tesserocr.PyResultIterator, box: tuple[int, int, int, int] | None) -> tuple[float, float]:
    found = word.Baseline(tesserocr.RIL.TEXTLINE)
    if found:
        (x0, y0), (x1, y1) = found
        return float(x0 + x1) / 2, float(y0 + y1) / 2
    return (float(box[0]), float(box[3])) if box else (0.0, 0.0)


def _line(words: list[_Word], scale: float) -> Line:
    text = normalize_text(" ".join(text for text, _, _ in words))
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
    weights = [len(line.text) for line in lines]
    if not sum(weights):
        return 0.0
    return sum((line.confidence or 0.0) * w for line, w in zip(lines, weights, strict=True)) / sum(weights)


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
