"""Data files read through local copies: a changed object is read again, errors name S3."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from etl_local.athena.errors import AthenaQueryError
from etl_local.athena.storage import CACHE_PREFIX, ObjectCache

pytestmark = pytest.mark.integration


def _table(athena, columns: str) -> tuple[str, str]:
    db = athena.database("storage")
    loc = athena.location("storage")
    athena.run(
        f"CREATE EXTERNAL TABLE {db}.t ({columns}) "
        f"ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION '{loc}'"
    )
    return db, loc


def test_an_overwritten_object_is_read_again(athena):
    db, loc = _table(athena, "k string, v int")
    athena.put(loc + "f.csv", "a,1\n")
    assert athena.rows(f"SELECT k, v FROM {db}.t") == [["a", "1"]]
    athena.put(loc + "f.csv", "b,2\nc,3\n")
    assert athena.rows(f"SELECT k, v FROM {db}.t ORDER BY k") == [["b", "2"], ["c", "3"]]


def test_a_deleted_object_is_no_longer_read(athena):
    db, loc = _table(athena, "k string")
    athena.put(loc + "a.csv", "a\n")
    athena.put(loc + "b.csv", "b\n")
    assert athena.rows(f"SELECT k FROM {db}.t ORDER BY k") == [["a"], ["b"]]
    bucket, _, key = (loc + "a.csv")[5:].partition("/")
    athena.s3.delete_object(Bucket=bucket, Key=key)
    assert athena.rows(f"SELECT k FROM {db}.t") == [["b"]]


def test_data_scanned_counts_the_s3_objects(athena):
    db, loc = _table(athena, "k string")
    athena.put(loc + "a.csv", "abc\n")
    athena.put(loc + "b.csv", "de\n")
    assert athena.run(f"SELECT count(*) FROM {db}.t").data_scanned_bytes == 7


def test_ctas_output_is_read_back_after_a_rewrite_of_its_files(athena):
    db = athena.database("storage")
    loc = athena.location("storage_ctas")
    athena.run(
        f"CREATE TABLE {db}.c WITH (format = 'TEXTFILE', write_compression = 'NONE', "
        f"field_delimiter = ',', external_location = '{loc}') AS SELECT 'x' AS k"
    )
    (key,) = athena.keys(loc)
    bucket = loc[5:].partition("/")[0]
    athena.put(f"s3://{bucket}/{key}", "y\n")
    assert athena.rows(f"SELECT k FROM {db}.c") == [["y"]]


def test_a_read_error_names_the_s3_object_not_a_local_path(athena):
    db = athena.database("storage")
    loc = athena.location("storage_bad")
    athena.put(loc + "broken.parquet", "not a parquet file")
    athena.run(f"CREATE EXTERNAL TABLE {db}.p (k string) STORED AS PARQUET LOCATION '{loc}'")
    with pytest.raises(AthenaQueryError) as err:
        athena.run(f"SELECT * FROM {db}.p")
    assert f"{loc}broken.parquet" in err.value.message
    assert str(athena.engine.storage.cache.root) not in err.value.message


def test_closing_the_api_removes_the_local_copies(plane):
    from etl_local.athena.api import AthenaApi

    api = AthenaApi(plane.ctx)
    root = api.engine.storage.cache.root
    assert root.is_dir()
    api.close()
    assert not root.exists()


def _hadoop_snappy(data: bytes, block: int = 8) -> bytes:
    """Hadoop's SnappyCodec stream, in small blocks so a file has several."""
    import cramjam

    out = b""
    for start in range(0, len(data), block):
        raw = data[start : start + block]
        compressed = bytes(cramjam.snappy.compress_raw(raw))
        out += len(raw).to_bytes(4, "big") + len(compressed).to_bytes(4, "big") + compressed
    return out


@pytest.mark.parametrize("codec", ["snappy", "bz2", "gz"])
def test_compressed_text_inputs_athena_reads(athena, codec):
    import bz2
    import gzip

    encode = {"snappy": _hadoop_snappy, "bz2": bz2.compress, "gz": gzip.compress}[codec]
    db, loc = _table(athena, "k string, v int")
    athena.put(loc + f"part-0.csv.{codec}", encode(b"a,1\nb,2\nc,3\n"))
    assert athena.rows(f"SELECT k, v FROM {db}.t ORDER BY k") == [
        ["a", "1"],
        ["b", "2"],
        ["c", "3"],
    ]


def test_snappy_json_lines(athena):
    db = athena.database("storage")
    loc = athena.location("storage_json")
    athena.put(loc + "x.json.snappy", _hadoop_snappy(b'{"a": 1}\n{"a": 2}\n'))
    athena.run(
        f"CREATE EXTERNAL TABLE {db}.j (a int) "
        f"ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION '{loc}'"
    )
    assert athena.rows(f"SELECT a FROM {db}.j ORDER BY a") == [["1"], ["2"]]


def test_copies_left_by_a_killed_process_are_removed_by_the_next_engine():
    base = Path(tempfile.gettempdir())
    orphan = base / f"{CACHE_PREFIX}999999999-test"  # no such process
    alive = base / f"{CACHE_PREFIX}{os.getpid()}-test"
    for folder in (orphan, alive):
        (folder / "bucket").mkdir(parents=True, exist_ok=True)
    cache = ObjectCache(s3=None)
    try:
        assert not orphan.exists()
        assert alive.exists()
    finally:
        cache.close()
        shutil.rmtree(alive, ignore_errors=True)
