"""Print what a demo run wrote: documents, errors, files, and the de-duplicated paragraphs (DuckDB).

Usage: python samples/show_output.py DEST
"""

from __future__ import annotations

import sys

import duckdb


def main(dest: str) -> None:
    def dataset(name: str) -> str:
        return f"read_parquet('{dest}/{name}/**/*.parquet', hive_partitioning = true)"

    print("\ndocuments:")
    duckdb.sql(
        f"SELECT regexp_extract(source_uri, '[^/]+$') AS file, source_format, published_date, author, "
        f"paragraph_count AS paragraphs, duplicate_paragraph_count AS duplicates, "
        f"duplicate_of_doc_id IS NOT NULL AS same_as_earlier FROM {dataset('documents')} ORDER BY source_uri"
    ).show(max_width=160)
    print("administrative documents (the parts of the official layout):")
    duckdb.sql(
        f"SELECT regexp_extract(source_uri, '[^/]+$') AS file, doc_type, doc_number, issuer, signer, published_date "
        f"FROM {dataset('documents')} WHERE doc_type IS NOT NULL ORDER BY source_uri"
    ).show(max_width=160)
    print("errors:")
    duckdb.sql(
        f"SELECT regexp_extract(source_uri, '[^/]+$') AS file, error_type, message FROM {dataset('errors')}"
    ).show(max_width=160)
    print("files (each file's state; its latest row is its current state):")
    duckdb.sql(
        f"SELECT regexp_extract(source_uri, '[^/]+$') AS file, status, left(doc_id, 12) AS doc_id, error_type "
        f"FROM {dataset('files')} ORDER BY source_uri, seen_at"
    ).show(max_width=160)
    print("de-duplicated paragraphs (WHERE NOT is_duplicate):")
    duckdb.sql(
        f"SELECT kind, left(text, 90) AS text FROM {dataset('paragraphs')} "
        f"WHERE NOT is_duplicate ORDER BY doc_id, paragraph_index"
    ).show(max_rows=60, max_width=160)


if __name__ == "__main__":
    main(sys.argv[1])
