"""A page image made ready for Tesseract: red seals taken out, a coarse scan scaled up, a skewed one
straightened."""

from __future__ import annotations

import numpy as np
from PIL import Image

MIN_DPI = 200
MAX_UPSCALE = 4.0
MAX_SKEW_DEGREES, SKEW_STEP, MIN_SKEW_DEGREES = 5.0, 0.25, 1.0
SKEW_SAMPLE_WIDTH = 800
INK_LEVEL = 128
# Too little ink (a blank or nearly blank page) or a profile barely sharper than level gives no angle to trust.
MIN_INK_SHARE, CLEARLY_SHARPER = 0.005, 1.2
RED_INK_MARGIN = 60
_COLOUR_MODES = ("RGB", "RGBA", "P", "CMYK")
SEAL_CELL_INCHES = 0.1
SEAL_CELL_SHARE = 0.02
SEAL_MIN_INCHES = 1.0  # seals are 30-45 mm across; a red page frame is no seal
SEAL_MAX_INCHES = 2.5
SEAL_SEARCH_DPI = 50


def prepare(image: Image.Image, dpi: float) -> tuple[Image.Image, float]:
    """Grayscale without red seals, scaled up to about 200 dpi when the scan is coarser, and straightened
    when skewed; with the resolution it then has."""
    gray = _without_seals(image, dpi)
    if dpi < MIN_DPI:
        factor = min(MIN_DPI / max(dpi, 1.0), MAX_UPSCALE)
        gray = gray.resize((round(gray.width * factor), round(gray.height * factor)), Image.Resampling.LANCZOS)
    angle = skew_angle(gray)
    if abs(angle) >= MIN_SKEW_DEGREES:
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return gray, max(dpi, min(MIN_DPI, dpi * MAX_UPSCALE))


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
