"""Parse every corpus and sample file and write what came out, to compare a parser change before and after.

    python tests/bench/dump_corpus.py OUT.json [--no-ocr]
    python tests/bench/dump_corpus.py --diff BEFORE.json AFTER.json

Each file gives its blocks (every field) and document fields, or its error type and message.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
SKIP_SUFFIXES = {".json", ".tsv", ".md"}
SCAN_FORMATS = {"image"}


def corpus_files() -> list[Path]:
    roots = [CORPUS, REPO / "samples" / "reports"]
    files = [p for root in roots if root.is_dir() for p in sorted(root.rglob("*")) if p.is_file()]
    return [p for p in files if p.suffix.lower() not in SKIP_SUFFIXES]


def parse_one(path: Path) -> dict[str, Any]:
    from reportflow.parsers import parse_document
    from reportflow.schemas import InputError

    try:
        doc = parse_document(path.read_bytes())
    except InputError as exc:
        return {"error_type": exc.error_type, "message": str(exc)}
    return json.loads(json.dumps(dataclasses.asdict(doc), default=str))


def dump(out: Path, with_ocr: bool) -> None:
    result: dict[str, Any] = {}
    for path in corpus_files():
        name = str(path.relative_to(REPO.parent))
        if not with_ocr and _is_scan(path):
            continue
        result[name] = parse_one(path)
        print(name, "error" if "error_type" in result[name] else len(result[name]["blocks"]), flush=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def _is_scan(path: Path) -> bool:
    from reportflow.parsers import detect_format
    from reportflow.schemas import InputError

    try:
        return detect_format(path.read_bytes()) in SCAN_FORMATS
    except InputError:  # an empty file: parse_one gives its error
        return False


def _common_fields(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """Block fields both dumps have: a field a change adds is reported once, not as a difference everywhere."""
    fields = [set(b) for dump in (before, after) for doc in dump.values() for b in doc.get("blocks", [])[:1]]
    return set.intersection(*fields) if fields else set()


def _same_blocks(doc: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    if "blocks" not in doc:
        return doc
    return doc | {"blocks": [{k: v for k, v in b.items() if k in fields} for b in doc["blocks"]]}


def _by_name(dump: dict[str, Any]) -> dict[str, Any]:
    """Files keyed by their path below the checkout or shared/, so dumps of two checkouts compare."""
    return {name.split("/", 1)[1]: doc for name, doc in dump.items()}


def diff(before_path: Path, after_path: Path) -> int:
    before = _by_name(json.loads(before_path.read_text(encoding="utf-8")))
    after = _by_name(json.loads(after_path.read_text(encoding="utf-8")))
    fields = _common_fields(before, after)
    added = _common_fields(after, after) - fields
    if added:
        print("block fields only after (not compared):", ", ".join(sorted(added)))
    before = {name: _same_blocks(doc, fields) for name, doc in before.items()}
    after = {name: _same_blocks(doc, fields) for name, doc in after.items()}
    changed = 0
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        changed += 1
        print(f"== {name}")
        if old is None or new is None:
            print("   only in", "after" if old is None else "before")
            continue
        for key in sorted(set(old) | set(new)):
            if key != "blocks" and old.get(key) != new.get(key):
                print(f"   {key}: {old.get(key)!r} -> {new.get(key)!r}")
        old_blocks, new_blocks = old.get("blocks", []), new.get("blocks", [])
        for i in range(max(len(old_blocks), len(new_blocks))):
            a = old_blocks[i] if i < len(old_blocks) else None
            b = new_blocks[i] if i < len(new_blocks) else None
            if a != b:
                print(f"   block {i}: {a!r}\n        -> {b!r}")
    print(f"{changed} of {len(set(before) | set(after))} files differ")
    return 1 if changed else 0


def main() -> int:
    if sys.argv[1] == "--diff":
        return diff(Path(sys.argv[2]), Path(sys.argv[3]))
    dump(Path(sys.argv[1]), with_ocr="--no-ocr" not in sys.argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
