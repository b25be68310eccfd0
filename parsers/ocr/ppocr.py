"""The PP-OCRv4 line recogniser, a third reader for the numbers written by hand into a form's blanks.

Its ONNX model comes from the `rapidocr-onnxruntime` wheel on PyPI (Apache-2.0), pinned by SHA-256; the
characters it reads are listed in the model's own metadata. Only that file is read: the package's modules,
and the OpenCV, Shapely and pyclipper they need, are never imported (`make` installs the wheel without its
dependencies). The model reads a line 48 pixels high on three channels scaled to [-1, 1] (given grey
levels, the same on each: its training's channel order does not matter), one frame per 8 pixels; its
output is CTC probabilities, the blank first.
"""

from __future__ import annotations

import threading
from functools import cache
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image

from reportflow.parsers.ocr.aster import Reading, greedy_ctc
from reportflow.parsers.ocr.packaged_model import check_pinned, one_thread_session, packaged_file
from reportflow.schemas import OcrFailedError

DISTRIBUTION = "rapidocr-onnxruntime"
MODEL_FILE = "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx"
MODEL_SHA256 = "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b"
HEIGHT = 48
FRAME_PIXELS = 8


class LineReader:
    """One onnxruntime session of the model, with its characters (the blank first, a space last)."""

    def __init__(self, model: Path) -> None:
        self._session = one_thread_session(model)
        self._input = self._session.get_inputs()[0].name
        listed = self._session.get_modelmeta().custom_metadata_map.get("character")
        if not listed:
            raise OcrFailedError(f"{model} lists no characters in its metadata: not the PP-OCR model expected.")
        self._characters = ["", *listed.splitlines(), " "]

    def read(self, crop: Image.Image) -> Reading:
        """The text of a line image of any height, with each character's x (in the crop's pixels) and
        probability."""
        width = max(FRAME_PIXELS, round(crop.width * HEIGHT / max(1, crop.height)))
        grey = np.asarray(crop.convert("L").resize((width, HEIGHT), Image.Resampling.BILINEAR), dtype=np.float32)
        channels = np.broadcast_to((grey / 255.0 - 0.5) / 0.5, (1, 3, HEIGHT, width))
        (output,) = self._session.run(None, {self._input: np.ascontiguousarray(channels)})
        with np.errstate(divide="ignore"):
            reading = greedy_ctc(np.log(np.asarray(output)[0]), self._characters, FRAME_PIXELS)
        factor = crop.height / HEIGHT
        return Reading(reading.text, tuple(x * factor for x in reading.positions), reading.probabilities)


_lock = threading.Lock()


def line_reader() -> LineReader | None:
    """The process's reader, loaded (and its model checked) on first use; None when the package is not
    installed (a plain `pip install` of reportflow): the blanks are then decided by the second opinion alone."""
    try:
        metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    with _lock:
        return _installed()


@cache
def _installed() -> LineReader:
    return load(packaged_file(DISTRIBUTION, MODEL_FILE, "third reader of handwritten numbers"))


def load(model: Path, model_sha256: str = MODEL_SHA256) -> LineReader:
    """A reader of the model file, refused unless it has the pinned SHA-256."""
    check_pinned(model, model_sha256, DISTRIBUTION)
    return LineReader(model)
