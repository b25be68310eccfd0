"""The AsterOCR line recogniser: its ONNX model run by onnxruntime, with our own preprocessing and CTC decoding.

The model and its alphabet come from the `asterocr` wheel on PyPI (MIT), pinned by SHA-256. Only those two
files are read: the package's own modules (a downloader, training and remote-notebook code) are never
imported. The model reads a line 32 pixels high, grey levels in [0, 1] on three channels, one column of
output (a frame) per 4 pixels, at most 256 frames; its output is CTC log-probabilities over the alphabet,
the blank first.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from reportflow.parsers.ocr.packaged_model import check_pinned, one_thread_session, packaged_file

DISTRIBUTION = "asterocr"
MODEL_FILE = "asterocr/assets/asternet.onnx"
ALPHABET_FILE = "asterocr/assets/vocab.json"
MODEL_SHA256 = "10c96b533e1f64031d73edfddafd7d4b13595544f11891f0531bcd72cb29be80"
ALPHABET_SHA256 = "82c6df018ceca8c10876947e0f7df798ed321825276ed7f3bb12ae3ed6dc647b"
HEIGHT = 32
FRAME_PIXELS = 4
MAX_WIDTH = 1024  # 256 frames: the model's positional encoding has no more
MIN_CUT_SHARE = 0.6  # a wide crop is cut in the whitest column of its last 40% below MAX_WIDTH
_BLANK = 0


@dataclass(frozen=True, slots=True)
class Reading:
    """A line as the recogniser read it: each character with its x (in the crop's pixels) and probability."""

    text: str
    positions: tuple[float, ...]
    probabilities: tuple[float, ...]


class Recogniser:
    """One onnxruntime session on one thread: parsing already runs one worker process per core."""

    def __init__(self, model: Path, alphabet: list[str]) -> None:
        self._session = one_thread_session(model)
        self._input = self._session.get_inputs()[0].name
        self._alphabet = alphabet

    def read(self, crop: Image.Image) -> Reading:
        """The text of a line image (any height; a crop wider than the model takes is read in pieces)."""
        grey = np.asarray(_scaled(crop), dtype=np.float32) / 255.0
        scale = crop.height / HEIGHT
        texts: list[str] = []
        positions: list[float] = []
        probabilities: list[float] = []
        for start, piece in _pieces(grey):
            reading = self._decode(self._log_probabilities(piece))
            if texts and reading.text and not texts[-1].endswith(" ") and not reading.text.startswith(" "):
                texts.append(" ")
                positions.append((start - 0.5) * scale)
                probabilities.append(1.0)
            texts.append(reading.text)
            positions += [(start + x) * scale for x in reading.positions]
            probabilities += reading.probabilities
        return Reading("".join(texts), tuple(positions), tuple(probabilities))

    def _log_probabilities(self, grey: np.ndarray) -> np.ndarray:
        channels = np.broadcast_to(grey, (1, 3, *grey.shape))
        (output,) = self._session.run(None, {self._input: np.ascontiguousarray(channels)})
        return np.asarray(output)[:, 0, :]  # (frames, classes)

    def _decode(self, log_probabilities: np.ndarray) -> Reading:
        return greedy_ctc(log_probabilities, self._alphabet, FRAME_PIXELS)


def greedy_ctc(log_probabilities: np.ndarray, alphabet: list[str], frame_pixels: int) -> Reading:
    """Greedy CTC over (frames, classes), the blank first: the best class per frame, repeats merged, blanks
    dropped; a character's probability is its best frame's, its position the middle of its frames."""
    best = log_probabilities.argmax(axis=1)
    text, positions, probabilities = [], [], []
    frame = 0
    while frame < len(best):
        end = frame
        while end + 1 < len(best) and best[end + 1] == best[frame]:
            end += 1
        if best[frame] != _BLANK:
            text.append(alphabet[best[frame]])
            positions.append((frame + end + 1) / 2 * frame_pixels)
            probabilities.append(float(np.exp(log_probabilities[frame : end + 1, best[frame]].max())))
        frame = end + 1
    return Reading("".join(text), tuple(positions), tuple(probabilities))


def _scaled(crop: Image.Image) -> Image.Image:
    width = max(FRAME_PIXELS, round(crop.width * HEIGHT / max(1, crop.height)))
    width = -(-width // FRAME_PIXELS) * FRAME_PIXELS
    return crop.convert("L").resize((width, HEIGHT), Image.Resampling.BILINEAR)


def _pieces(grey: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """The image cut into pieces the model takes, each at the whitest column (a gap between words) it can."""
    pieces, start = [], 0
    while grey.shape[1] - start > MAX_WIDTH:
        low = start + int(MAX_WIDTH * MIN_CUT_SHARE)
        columns = grey[:, low : start + MAX_WIDTH].mean(axis=0)
        cut = low + int(np.flatnonzero(columns == columns.max())[-1]) // FRAME_PIXELS * FRAME_PIXELS
        pieces.append((start, grey[:, start:cut]))
        start = cut
    pieces.append((start, grey[:, start:]))
    return pieces


_lock = threading.Lock()


def recogniser() -> Recogniser:
    """The process's recogniser, loaded (and its files checked) on first use."""
    with _lock:
        return _installed()


@cache
def _installed() -> Recogniser:
    return load(*model_files())


def model_files() -> tuple[Path, Path]:
    """The model and its alphabet inside the installed `asterocr` distribution (its modules never imported)."""
    model = packaged_file(DISTRIBUTION, MODEL_FILE, "second-opinion recogniser")
    return model, packaged_file(DISTRIBUTION, ALPHABET_FILE, "second-opinion recogniser")


def load(
    model: Path, alphabet: Path, model_sha256: str = MODEL_SHA256, alphabet_sha256: str = ALPHABET_SHA256
) -> Recogniser:
    """A recogniser of the model and alphabet files, refused unless both have the pinned SHA-256."""
    check_pinned(model, model_sha256, DISTRIBUTION)
    check_pinned(alphabet, alphabet_sha256, DISTRIBUTION)
    chars = json.loads(alphabet.read_text(encoding="utf-8"))["chars"]
    return Recogniser(model, chars)
