"""Dedup across runs flags exactly what one in-memory index, fed the same documents in the same order, flags.

Random nights go through the flow's own steps (`load_index`, `assemble_batch`, `DatasetStore.commit` and
`recover`, `compact`): random batches, runs that die (a batch flagged but never written, staged without
being marked committed, or committed and only partly published) and are resumed by a new run that reloads
the index from DEST, and compactions of days between nights. The reference is one fresh `SeenIndex()`,
never reloaded, fed every committed document in the order it was committed; every flag of every paragraph
and document row in DEST must equal the reference's exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reportflow.flows.steps.assemble import Tally, assemble_batch
from reportflow.flows.steps.compact import compact, recover_compaction
from reportflow.flows.steps.dedup import flag_document
from reportflow.flows.steps.dedup_index import SeenIndex, load_index
from reportflow.flows.steps.parse import Parsed
from reportflow.flows.steps.sources import SourceFile
from reportflow.flows.steps.store import Batch, DatasetStore
from reportflow.schemas import Block, ParsedDocument
from tests.bench.gen_archive import vocabulary
from tests.helpers.cli import rows, run_cli
from tests.test_dedup_near import LONG, OTHER

PARAGRAPH_FLAGS = ["is_duplicate", "duplicate_of", "dup_scope", "similarity", "similar_to"]
DOCUMENT_FLAGS = ["duplicate_of_doc_id", "duplicate_paragraph_count"]
# How a run dies: a batch flagged in memory and never written; staged but not marked committed; marked
# committed and moved into the datasets only in part (the next run's `recover` finishes it).
LOST, STAGED, PART_PUBLISHED = "lost", "staged", "part-published"
CRASHES = (LOST, STAGED, PART_PUBLISHED)
Flags = dict[str, tuple[Any, ...]]  # paragraph_id or doc_id -> its flags
NIGHTS = 7
FIRST_DAY = date(2026, 1, 5)


class Crash(Exception):
    """The process died here."""


@dataclass(frozen=True, slots=True)
class Doc:
    doc_id: str
    uri: str
    texts: tuple[str, ...]

    def parsed(self) -> Parsed:
        document = ParsedDocument("txt", "text", tuple(Block(t) for t in self.texts), language="vi")
        return Parsed(SourceFile(self.uri, 1000, 0, self.doc_id), self.doc_id, document)


class Reports:
    """Random reports whose paragraphs repeat earlier ones: exactly, with OCR-like noise, with other figures,
    short ones, within a document and across documents; and whole documents copied, exactly or nearly."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = vocabulary(np.random.default_rng(rng.randrange(2**32)), size=3000)
        self.seen: list[str] = []  # every paragraph so far, copies included
        self.docs: list[Doc] = []
        self.originals: list[Doc] = []  # documents of new paragraphs only, which a re-scan copies
        self.rescans: list[Doc] = []  # re-scans of earlier nights: documents marked a copy, of a content of their own
        self.rescans_tonight: list[Doc] = []
        self.contents: set[tuple[str, ...]] = set()

    def night(self, count: int) -> list[Doc]:
        docs = [self.document() for _ in range(count)]
        self.rescans += self.rescans_tonight  # copied from the next night on: after a reload of the index
        self.rescans_tonight = []
        return docs

    def document(self) -> Doc:
        rng, n = self.rng, len(self.docs)
        roll, kind = rng.random(), ""
        if self.docs and roll < 0.08:
            copied = rng.choice(self.rescans if self.rescans and rng.random() < 0.5 else self.docs)  # other bytes
            texts = [t.upper() for t in copied.texts]
        elif self.originals and roll < 0.16:
            texts = [self._noisy(t, rng.randint(0, 2)) for t in rng.choice(self.originals).texts]
            kind = "rescan"
        elif roll < 0.30:
            texts, kind = [self._new() for _ in range(rng.randint(2, 9))], "original"
        else:
            texts = []
            for _ in range(rng.randint(1, 9)):
                texts.append(self._paragraph(texts))
        if tuple(texts) in self.contents:  # never the same bytes twice: those are one document
            texts = [t.lower() for t in texts]
        while tuple(texts) in self.contents:
            texts.append(self._new())
        self.contents.add(tuple(texts))
        self.seen.extend(texts)
        doc = Doc(f"doc-{n:05d}", f"/in/{rng.randrange(10**6):06d}-{n:05d}.txt", tuple(texts))
        self.docs.append(doc)
        if kind == "rescan":
            self.rescans_tonight.append(doc)
        elif kind == "original":
            self.originals.append(doc)
        return doc

    def _paragraph(self, own: list[str]) -> str:
        rng, roll = self.rng, self.rng.random()
        if own and roll < 0.07:
            return self._noisy(rng.choice(own), rng.randint(0, 2))  # repeated within the document
        if not self.seen or roll < 0.40:
            return self._new()
        earlier = rng.choice(self.seen)
        if roll < 0.52:
            return rng.choice([earlier, earlier.upper(), earlier.replace(" ", "  ") + "."])
        if roll < 0.66:
            return self._noisy(earlier, rng.randint(1, 4))
        if roll < 0.74:
            return self._other_figures(earlier)
        if roll < 0.80:
            return self._noisy(earlier, max(2, len(earlier) // 12))  # around the threshold
        if roll < 0.88:
            return self._short()
        short = [t for t in self.seen[-200:] if len(t) < 30]
        return self._noisy(rng.choice(short), rng.randint(0, 1)) if short else self._short()

    def _new(self) -> str:
        rng = self.rng
        words = rng.choices(self.words, k=rng.randint(6, 45))
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            figure = rng.choice([str(rng.randint(1, 99)), f"{rng.randint(1, 12)}/2025", f"{rng.randint(1, 99)},5%"])
            words.insert(rng.randrange(len(words) + 1), figure)
        return " ".join(words).capitalize() + "."

    def _short(self) -> str:
        return " ".join(self.rng.choices(self.words, k=self.rng.randint(1, 4))).capitalize()

    def _noisy(self, text: str, edits: int) -> str:
        """OCR-like noise: letters replaced, dropped or doubled; digits left alone."""
        chars = list(text)
        for _ in range(edits):
            letters = [i for i, c in enumerate(chars) if c.isalpha()]
            if not letters:
                break
            i, how = self.rng.choice(letters), self.rng.random()
            if how < 0.6:
                chars[i] = self.rng.choice([c for c in "aeiouăâêôơưđyl" if c != chars[i]])
            elif how < 0.8:
                del chars[i]
            else:
                chars.insert(i, chars[i])
        return "".join(chars)

    def _other_figures(self, text: str) -> str:
        """The same words with one figure changed (a monthly report): linked by `similar_to`, never a duplicate."""
        figures = [i for i, c in enumerate(text) if c.isdigit()]
        if not figures:
            return f"{text} {self.rng.randint(1, 99)}"
        i = self.rng.choice(figures)
        return text[:i] + self.rng.choice([d for d in "0123456789" if d != text[i]]) + text[i + 1 :]


def _split(docs: list[Doc], rng: random.Random) -> list[list[Doc]]:
    batches, start = [], 0
    while start < len(docs):
        size = rng.randint(1, 6)
        batches.append(docs[start : start + size])
        start += size
    return batches


def _crash_while_committing(
    store: DatasetStore, name: str, day: date, batch: Batch, how: str, rng: random.Random
) -> None:
    """Commit a batch and die on the way: before it is marked committed, or after a few of its moves."""
    dest = store.dest
    with pytest.MonkeyPatch.context() as patch:
        if how == STAGED:
            write = dest.write

            def write_but_the_mark(relative: str, data: bytes) -> None:
                if relative.endswith("/COMMITTED"):
                    raise Crash(relative)
                write(relative, data)

            patch.setattr(dest, "write", write_but_the_mark)
        else:
            move, moves_left = dest.move, [rng.randint(0, 3)]

            def move_a_few(source: str, target: str) -> None:
                if not moves_left[0]:
                    raise Crash(source)
                moves_left[0] -= 1
                move(source, target)

            patch.setattr(dest, "move", move_a_few)
        with pytest.raises(Crash):
            store.commit(name, day, batch)


def _run(root: Path, pending: list[Doc], day: date, run_id: str, crash: str | None, rng: random.Random) -> Run:
    """One run of the flow's write side over the documents not yet in DEST, as `ingest` does it."""
    store = DatasetStore(root)
    committed: list[list[Doc]] = []
    with store.locked():
        store.recover()
        recover_compaction(root)
        known = store.known_documents()
        todo = [d for d in pending if d.doc_id not in known]
        index = load_index(store) if todo else SeenIndex()
        batches = _split(todo, rng)
        crash_at = rng.randrange(len(batches)) if crash and batches else -1
        now = datetime.now(UTC)
        for seq, docs in enumerate(batches):
            batch = assemble_batch([d.parsed() for d in docs], index, run_id, now, Tally())
            name = f"{run_id}-{seq:05d}"
            if seq == crash_at:
                if crash != LOST:
                    _crash_while_committing(store, name, day, batch, str(crash), rng)
                if crash == PART_PUBLISHED:
                    committed.append(docs)
                return Run(committed, crashed=True)
            store.commit(name, day, batch)
            committed.append(docs)
    return Run(committed, crashed=False)


@dataclass(frozen=True, slots=True)
class Run:
    committed: list[list[Doc]]
    crashed: bool


@dataclass(slots=True)
class Story:
    """What the nights did: documents in the order they were committed, and what happened on the way."""

    committed: list[Doc]
    night_of: dict[str, int]  # doc_id -> the night it was committed in
    crashes: list[str]
    compactions: int


def _nights(root: Path, seed: int, nights: int = NIGHTS) -> Story:
    rng = random.Random(seed)
    reports = Reports(rng)
    story = Story([], {}, [], 0)
    day, pending = FIRST_DAY, []
    forced = rng.sample(CRASHES, len(CRASHES))  # each way of dying at least once, on nights 1 to 3
    for night in range(nights):
        new = reports.night(rng.randint(6, 20) if 1 <= night <= len(CRASHES) else rng.choice([0, 3, 10, 25]))
        pending = sorted([*pending, *new], key=lambda d: d.uri)
        planned = [forced[night - 1]] if 1 <= night <= len(CRASHES) else []
        for _ in range(20):
            crash = planned.pop() if planned else (rng.choice(CRASHES) if rng.random() < 0.2 else None)
            run_id = f"{rng.getrandbits(64):016x}"  # in no particular order, as uuids
            run = _run(root, pending, day, run_id, crash, rng)
            done = {d.doc_id for docs in run.committed for d in docs}
            story.committed.extend(d for docs in run.committed for d in docs)
            story.night_of.update(dict.fromkeys(done, night))
            pending = [d for d in pending if d.doc_id not in done]
            if not run.crashed:
                break
            story.crashes.append(str(crash))
        assert not pending
        if rng.random() < 0.5:
            compact(root)
            story.compactions += 1
        if rng.random() < 0.7:
            day += timedelta(days=1)
    return story


def reference(docs: list[Doc]) -> tuple[Flags, Flags]:
    """Flags from one in-memory index fed DOCS in order: of every paragraph, and of every document."""
    index = SeenIndex()
    paragraphs, documents = {}, {}
    for doc in docs:
        flagged = flag_document(doc.doc_id, doc.parsed().document, index, "reference")
        documents[doc.doc_id] = (flagged.duplicate_of_doc_id, flagged.duplicate_count)
        for p in flagged.paragraphs:
            similarity = None if p.similarity is None else float(np.float32(p.similarity))  # stored as float32
            paragraphs[p.paragraph_id] = (p.is_duplicate, p.duplicate_of, p.dup_scope, similarity, p.similar_to)
    return paragraphs, documents


def written(dest: Path) -> tuple[Flags, Flags]:
    """The same flags as DEST holds them; each row must be there once."""
    store = DatasetStore(dest)
    paragraphs = store.read("paragraphs", ["paragraph_id", *PARAGRAPH_FLAGS]).to_pylist()
    documents = store.read("documents", ["doc_id", *DOCUMENT_FLAGS]).to_pylist()
    assert len({p["paragraph_id"] for p in paragraphs}) == len(paragraphs), "a paragraph row written twice"
    assert len({d["doc_id"] for d in documents}) == len(documents), "a document row written twice"
    return (
        {p["paragraph_id"]: tuple(p[f] for f in PARAGRAPH_FLAGS) for p in paragraphs},
        {d["doc_id"]: tuple(d[f] for f in DOCUMENT_FLAGS) for d in documents},
    )


def differences(got: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """The first rows that differ, readably (a whole-dict assertion would print thousands of rows)."""
    assert got.keys() == expected.keys()
    return [f"{key}: got {got[key]}, expected {expected[key]}" for key in expected if got[key] != expected[key]][:10]


def kinds(story: Story, paragraphs: Flags, documents: Flags) -> dict[str, int]:
    """How many of each kind of flag the reference set: the nights must exercise all of them."""
    flags = list(paragraphs.values())
    night = story.night_of
    return {
        "to an earlier night": sum(
            bool(f[1] or f[4]) and night[str(f[1] or f[4]).split(":")[0]] < night[p.split(":")[0]]
            for p, f in paragraphs.items()
        ),
        "exact": sum(f[0] and f[3] == 1.0 for f in flags),
        "near": sum(f[0] and f[3] < 1.0 for f in flags),
        "document scope": sum(f[2] == "document" for f in flags),
        "similar_to": sum(f[4] is not None for f in flags),
        "whole-document copies": sum(d[0] is not None for d in documents.values()),
    }


def copies_of_copies(documents: Flags) -> int:
    """Documents marked a copy of one itself marked a copy (of a re-scan: a content of its own)."""
    return sum(1 for copy_of, _ in documents.values() if copy_of and documents[copy_of][0])


@pytest.mark.parametrize("seed", [1, 2, 3, 5])
def test_random_nights_with_crashes_and_compactions_flag_what_one_in_memory_index_flags(
    tmp_path: Path, seed: int
) -> None:
    story = _nights(tmp_path, seed)
    assert set(story.crashes) == set(CRASHES) and story.compactions
    expected_paragraphs, expected_documents = reference(story.committed)
    assert min(kinds(story, expected_paragraphs, expected_documents).values()) > 0
    assert copies_of_copies(expected_documents) > 0
    got_paragraphs, got_documents = written(tmp_path)
    assert differences(got_documents, expected_documents) == []
    assert differences(got_paragraphs, expected_paragraphs) == []


def test_an_exact_copy_of_a_rescan_points_to_the_rescan_in_a_later_run_as_in_the_same_run(tmp_path: Path) -> None:
    original = Doc("original", "/in/a.txt", (LONG, OTHER))
    rescan = Doc("rescan", "/in/b.txt", (LONG.replace("tỉnh", "tinh"), OTHER.replace("Sở", "Sớ")))
    copy = Doc("copy", "/in/c.txt", tuple(t.upper() for t in rescan.texts))
    _, expected = reference([original, rescan, copy])
    assert [expected[d][0] for d in ("rescan", "copy")] == ["original", "rescan"]
    for seq, doc in enumerate((original, rescan, copy)):  # one run each: the index reloaded every time
        store = DatasetStore(tmp_path)
        with store.locked():
            batch = assemble_batch([doc.parsed()], load_index(store), f"run{seq}", datetime.now(UTC), Tally())
            store.commit(f"run{seq}-00000", FIRST_DAY, batch)
    assert written(tmp_path)[1] == expected


@pytest.mark.slow
def test_nights_through_the_real_command_flag_what_one_in_memory_index_flags(tmp_path: Path) -> None:
    reports, source, dest = Reports(random.Random(7)), tmp_path / "in", tmp_path / "out"
    source.mkdir()
    ingested: list[Doc] = []
    for _ in range(2):  # nights, a day compacted after each
        new = sorted(reports.night(12), key=lambda d: d.uri)
        for doc in new:
            (source / Path(doc.uri).name).write_text("\n\n".join(doc.texts) + "\n", encoding="utf-8")
        done = run_cli(tmp_path / "prefect", str(source), str(dest), "--batch-size", "5")
        assert done.returncode == 0, done.stderr
        compact(dest)
        ingested += new
    by_name = {Path(d["source_uri"]).name: d["doc_id"] for d in rows(dest, "documents")}
    texts = {p["paragraph_id"]: p["text"] for p in rows(dest, "paragraphs")}
    docs = [_as_parsed(by_name[Path(d.uri).name], d, texts) for d in ingested]
    expected_paragraphs, expected_documents = reference(docs)
    story = Story(docs, {d.doc_id: i // 12 for i, d in enumerate(docs)}, [], 0)
    assert min(kinds(story, expected_paragraphs, expected_documents).values()) > 0
    got_paragraphs, got_documents = written(dest)
    assert differences(got_documents, expected_documents) == []
    assert differences(got_paragraphs, expected_paragraphs) == []


def _as_parsed(doc_id: str, doc: Doc, texts: dict[str, str]) -> Doc:
    """DOC as the flow parsed it (spaces collapsed), which must be the paragraphs of its file."""
    parsed = tuple(texts[f"{doc_id}:{i}"] for i in range(len(doc.texts)))
    assert [" ".join(t.split()) for t in doc.texts] == list(parsed)
    assert f"{doc_id}:{len(parsed)}" not in texts
    return Doc(doc_id, doc.uri, parsed)
