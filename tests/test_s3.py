"""SOURCE as an s3:// prefix, read from a real S3-compatible server (moto) started on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pytest

from reportflow.flows.steps import destination
from reportflow.flows.steps.sources import s3_filesystem
from reportflow.flows.steps.store import Batch, DatasetStore, StoreError
from reportflow.schemas import ErrorRecord
from reportflow.schemas.records import to_table
from tests.helpers.cli import REPORTFLOW, cli_env, rows
from tests.helpers.corpus import corpus_path
from tests.helpers.hang import stop_if_hung

MOTO = Path(sys.executable).with_name("moto_server")
BUCKET = "reports"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [str(MOTO), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "moto_server did not start"
            time.sleep(0.2)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def bucket(endpoint: str) -> Iterator[Any]:
    client = boto3.client("s3", endpoint_url=endpoint, **_boto_credentials())
    client.create_bucket(Bucket=BUCKET)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _boto_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": CREDENTIALS["AWS_DEFAULT_REGION"],
    }


def _run(tmp_path: Path, endpoint: str, source: str, dest: Path | str) -> subprocess.CompletedProcess[str]:
    env = {**cli_env(tmp_path / "prefect"), **CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}
    env.pop("AWS_PROFILE", None)
    command = [str(REPORTFLOW), "run", source, str(dest), "--no-progress"]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)


def _inputs(folder: Path) -> Path:
    folder.mkdir()
    for name in ["seed.txt", "seed.docx", "seed.pdf"]:
        shutil.copy(corpus_path("seed", name), folder / name)
    (folder / "nested").mkdir()
    (folder / "nested" / "tờ trình số 5.txt").write_text("Tờ trình\n\nNội dung tờ trình.", encoding="utf-8")
    (folder / "nested" / ".hidden.txt").write_text("not ingested", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 truncated")
    return folder


def _upload(client: Any, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), BUCKET, f"{prefix}/{path.relative_to(folder).as_posix()}")


def _comparable(dest: Path, dataset: str, key: str) -> list[tuple[Any, ...]]:
    found = rows(dest, dataset, key)
    return [(r[key], r.get("text") or r.get("title") or r.get("error_type"), r.get("kind")) for r in found]


@pytest.mark.slow
def test_an_s3_prefix_is_ingested_like_the_same_local_folder(tmp_path: Path, endpoint: str, bucket: Any) -> None:
    folder = _inputs(tmp_path / "in")
    _upload(bucket, folder, "incoming")
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert _run(tmp_path, endpoint, str(folder), local).returncode == 0
    done = _run(tmp_path, endpoint, f"s3://{BUCKET}/incoming/", remote)
    assert done.returncode == 0, done.stderr
    assert "5 files seen" in done.stdout
    for dataset, key in [("documents", "doc_id"), ("paragraphs", "paragraph_id"), ("errors", "doc_id")]:
        assert _comparable(remote, dataset, key) == _comparable(local, dataset, key), dataset
    uris = sorted(d["source_uri"] for d in rows(remote, "documents"))
    assert uris == [
        f"s3://{BUCKET}/incoming/{name}" for name in ["nested/tờ trình số 5.txt", "seed.docx", "seed.pdf", "seed.txt"]
    ]
    assert [e["source_uri"] for e in rows(remote, "errors")] == [f"s3://{BUCKET}/incoming/broken.pdf"]


@pytest.mark.slow
def test_a_rerun_over_the_bucket_reads_only_changed_objects(tmp_path: Path, endpoint: str, bucket: Any) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3):
        bucket.put_object(Bucket=BUCKET, Key=f"night/{n}.txt", Body=f"Báo cáo {n}\n\nNội dung {n}.".encode())
    dest = tmp_path / "out"
    assert _run(tmp_path, endpoint, f"s3://{BUCKET}/night", dest).returncode == 0
    bucket.put_object(Bucket=BUCKET, Key="night/1.txt", Body="Báo cáo 1, sửa lại\n\nNội dung mới.".encode())
    done = _run(tmp_path, endpoint, f"s3://{BUCKET}/night", dest)
    assert done.returncode == 0, done.stderr
    assert "3 files seen, 2 already ingested, 1 documents" in done.stdout
    assert len(rows(dest, "documents")) == 4


@pytest.mark.slow
def test_a_missing_bucket_stops_before_the_run_with_a_clear_message(tmp_path: Path, endpoint: str) -> None:
    done = _run(tmp_path, endpoint, "s3://no-such-bucket/reports", tmp_path / "out")
    assert done.returncode == 2
    assert "SOURCE s3://no-such-bucket/reports does not exist" in done.stderr
    done = _run(tmp_path, endpoint, str(tmp_path), "s3://no-such-bucket/out")
    assert done.returncode == 2
    assert "DEST bucket no-such-bucket does not exist" in done.stderr


@pytest.mark.slow
def test_an_s3_dest_holds_what_a_local_dest_holds(tmp_path: Path, endpoint: str, bucket: Any) -> None:
    source = _inputs(tmp_path / "in")
    local, remote = tmp_path / "out", f"s3://{BUCKET}/datasets"
    assert _run(tmp_path, endpoint, str(source), local).returncode == 0
    done = _run(tmp_path, endpoint, str(source), remote)
    assert done.returncode == 0, done.stderr
    for dataset, key in (("documents", "source_uri"), ("paragraphs", "paragraph_id"), ("errors", "source_uri")):
        assert _s3_rows(endpoint, dataset, key) == _comparable(local, dataset, key)
    again = _run(tmp_path, endpoint, str(source), remote)
    assert again.returncode == 0, again.stderr
    assert "already ingested, 0 documents" in again.stdout
    assert len(_s3_rows(endpoint, "documents", "source_uri")) == len(rows(local, "documents"))
    keys = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    left = [k for k in keys if ("/staging/" in k or k.endswith("/lock")) and not k.endswith("/")]
    assert not left  # pyarrow keeps empty-folder markers (keys ending in `/`); no staged file, no lock


@pytest.mark.slow
def test_a_second_run_on_an_s3_dest_stops_until_the_lease_runs_out(
    tmp_path: Path, endpoint: str, bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _inputs(tmp_path / "in")
    _use_s3_in_this_process(endpoint, monkeypatch)
    with DatasetStore(f"s3://{BUCKET}/held").locked():
        done = _run(tmp_path, endpoint, str(source), f"s3://{BUCKET}/held")
    assert done.returncode == 3
    assert f"is writing to s3://{BUCKET}/held" in done.stderr
    stale = json.dumps({"owner": "a run that died", "expires_at": time.time() - 1})
    bucket.put_object(Bucket=BUCKET, Key="held/_reportflow/lock", Body=stale.encode())
    done = _run(tmp_path, endpoint, str(source), f"s3://{BUCKET}/held")
    assert done.returncode == 0, done.stderr


def test_batches_left_on_s3_by_a_run_that_died_are_finished_or_dropped(
    endpoint: str, bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_s3_in_this_process(endpoint, monkeypatch)
    store = DatasetStore(f"s3://{BUCKET}/crash")
    error = ErrorRecord("a.pdf", None, "corrupt", "Broken.", "run-1", datetime(2026, 11, 27, tzinfo=UTC))
    for name, committed in (("committed", True), ("uncommitted", False)):
        staged = f"_reportflow/staging/{name}"
        store.dest.write_table(f"{staged}/errors.parquet", to_table([replace(error, run_id=name)], ErrorRecord))
        if committed:
            plan = {"errors": f"errors/ingest_date=2026-11-27/part-{name}.parquet"}
            store.dest.write(f"{staged}/COMMITTED", json.dumps(plan).encode())
    with store.locked():
        assert store.recover() == 1
    assert store.read("errors", ["run_id"]).column("run_id").to_pylist() == ["committed"]
    assert store.dest.listing("_reportflow/staging", "*/*") == []


@pytest.mark.slow
def test_compact_refuses_an_s3_dest(tmp_path: Path) -> None:
    done = subprocess.run([str(REPORTFLOW), "compact", "s3://reports/out"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "compact works on a local DEST only" in done.stderr


def _use_s3_in_this_process(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(name, value)
    s3_filesystem.cache_clear()  # made with this endpoint, not one an earlier test used


def _s3_rows(endpoint: str, dataset: str, key: str) -> list[tuple[Any, ...]]:
    """Rows read back from S3 the way a data team would: pyarrow's dataset over the bucket."""
    table = _s3_table(dataset, endpoint)
    found = sorted(table.to_pylist(), key=lambda r: r[key])
    return [(r[key], r.get("text") or r.get("title") or r.get("error_type"), r.get("kind")) for r in found]


def _s3_table(dataset: str, endpoint: str) -> Any:
    filesystem = pafs.S3FileSystem(
        access_key=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        secret_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region=CREDENTIALS["AWS_DEFAULT_REGION"],
        endpoint_override=endpoint,
        scheme="http",
    )
    return ds.dataset(f"{BUCKET}/datasets/{dataset}", filesystem=filesystem, partitioning="hive").to_table()


def test_a_run_that_loses_its_lease_stops_before_its_next_commit(
    endpoint: str, bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_s3_in_this_process(endpoint, monkeypatch)
    monkeypatch.setattr(destination, "RENEW_EVERY_SECONDS", 0.2)
    store = DatasetStore(f"s3://{BUCKET}/lost")
    error = ErrorRecord("a.pdf", None, "corrupt", "Broken.", "run-1", datetime(2026, 11, 27, tzinfo=UTC))
    with store.locked():
        bucket.put_object(Bucket=BUCKET, Key="lost/_reportflow/lock", Body=b'{"owner": "another run"}')
        _wait_until(lambda: _lease_lost(store))  # the renewer notices the lock was taken over
        with pytest.raises(StoreError, match="lost the lock"):
            store.commit("b-00000", datetime(2026, 11, 27).date(), Batch(errors=[error]))
    assert store.read("errors", ["run_id"]).num_rows == 0


@pytest.mark.slow
def test_edits_and_removals_in_a_bucket_are_recorded_in_the_files_dataset_on_s3(
    tmp_path: Path, endpoint: str, bucket: Any
) -> None:
    for n in range(3):
        bucket.put_object(Bucket=BUCKET, Key=f"night/{n}.txt", Body=f"Báo cáo {n}\n\nNội dung {n}.".encode())
    source, dest = f"s3://{BUCKET}/night", f"s3://{BUCKET}/datasets"
    assert _run(tmp_path, endpoint, source, dest).returncode == 0
    bucket.put_object(Bucket=BUCKET, Key="night/1.txt", Body="Báo cáo 1, sửa lại\n\nNội dung mới.".encode())
    bucket.delete_object(Bucket=BUCKET, Key="night/2.txt")
    done = _run(tmp_path, endpoint, source, dest)
    assert done.returncode == 0, done.stderr
    assert "1 removed" in done.stdout
    latest = {}
    for row in sorted(_s3_table("files", endpoint).to_pylist(), key=lambda r: r["seen_at"]):
        latest[row["source_uri"]] = row
    assert {uri.rsplit("/", 1)[1]: r["status"] for uri, r in latest.items()} == {
        "0.txt": "ingested",
        "1.txt": "ingested",
        "2.txt": "removed",
    }
    [edited] = [d for d in _s3_table("documents", endpoint).to_pylist() if d["supersedes_doc_id"]]
    assert edited["doc_id"] == latest[f"{source}/1.txt"]["doc_id"] != edited["supersedes_doc_id"]


def _lease_lost(store: DatasetStore) -> bool:
    try:
        store.dest.ensure_held()
    except StoreError:
        return True
    return False


def _wait_until(condition: Callable[[], bool], hung_after: float = 120) -> None:
    """Poll a condition (renewals come every 0.2 s here); the limit only stops a hung test."""
    with stop_if_hung(hung_after):
        while not condition():
            time.sleep(0.05)
