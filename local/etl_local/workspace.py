"""The workspace folder (default ``.etl-local/``): logs, lake, catalogue, restore.

Layout::

    .etl-local/
      logs/lambda/<function>.log     every invocation's log (START ... REPORT)
      lake/<bucket>/<key>            the buckets' current objects as plain files
      versions/<bucket>/<key>        a versioned bucket's object: its VersionId and ETag
      catalog/<database>/database.json              a Glue database's DatabaseInput
      catalog/<database>/tables/<table>.json        its TableInput + "Partitions"
      lake.duckdb                    one schema per Glue database, one view per table (on exit)
      tmp/                           files being written (renamed into place when complete)

The lake and the catalogue are written through while the runtime runs (``awsapi`` mirrors
every object and catalogue change as it succeeds), so a crash loses nothing that landed or
was produced; every file is replaced atomically (written under ``tmp/``, then renamed).

Object keys never write outside the workspace: ``safe_relative_path`` refuses absolute keys
and encodes ``..`` segments, NUL and control characters.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from etl_local.glue.catalog import TABLE_INPUT_FIELDS

log = logging.getLogger(__name__)

DEFAULT_WORKSPACE = ".etl-local"
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f%\\]")


class UnsafeKey(ValueError):
    """A key that cannot be written as a file inside the workspace."""


def safe_relative_path(bucket: str, key: str) -> Path:
    """``<bucket>/<key>`` as a relative path that stays inside its folder.

    ``%``, backslash, NUL and control characters are percent-encoded, ``.``/``..`` segments and
    empty segments are encoded, so two different keys never share a file; an absolute key
    (leading ``/``) is refused.
    """
    if key.startswith("/"):
        raise UnsafeKey(f"absolute object key refused: {key!r}")
    if not key:
        raise UnsafeKey("empty object key")
    parts = []
    for segment in key.split("/"):
        encoded = _UNSAFE_CHARS.sub(lambda m: quote(m.group(0), safe=""), segment)
        if encoded in ("", ".", ".."):
            encoded = encoded.replace(".", "%2E") or "%00empty"
        parts.append(encoded)
    path = Path(bucket, *parts)
    if path.is_absolute() or ".." in path.parts:
        raise UnsafeKey(f"object key escapes the workspace: {key!r}")
    return path


def key_from_relative_path(relative: Path) -> tuple[str, str]:
    """The inverse of ``safe_relative_path``."""
    bucket, *parts = relative.parts
    decoded = ["" if p == "%00empty" else unquote(p) for p in parts]
    return bucket, "/".join(decoded)


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def versions(self) -> Path:
        return self.root / "versions"

    @property
    def database(self) -> Path:
        return self.root / "lake.duckdb"

    @property
    def catalog_dir(self) -> Path:
        return self.root / "catalog"

    @property
    def legacy_catalog_file(self) -> Path:
        """The single-file catalogue of workspaces written before the catalogue folder."""
        return self.root / "catalog.json"

    def create(self) -> Workspace:
        for folder in (self.root, self.lake, self.logs, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        gitignore = self.root / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n")
        return self

    def object_path(self, bucket: str, key: str) -> Path:
        path = self.lake / safe_relative_path(bucket, key)
        if not path.resolve().is_relative_to(self.lake.resolve()):
            raise UnsafeKey(f"object key escapes the workspace: {key!r}")
        return path

    # ------------------------------------------------------------------ atomic files

    def write_file(self, path: Path, data: bytes) -> None:
        """Replace ``path`` with ``data`` atomically: a crash leaves the old file or the new
        one, never a part (no fsync: a killed process loses nothing the kernel holds)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="w-")
        try:
            with os.fdopen(fd, "wb") as out:
                os.fchmod(out.fileno(), 0o644)
                out.write(data)
            os.replace(name, path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    def remove_stale_temporaries(self, older_than: float = 600.0) -> int:
        """Remove what a crash left under ``tmp/`` (files no write has touched for a while:
        another runtime on this workspace may be writing the recent ones)."""
        removed = 0
        cutoff = time.time() - older_than
        for path in self.tmp.glob("w-*") if self.tmp.is_dir() else []:
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed

    def remove_file(self, path: Path, stop: Path) -> None:
        """Remove ``path`` and the folders it leaves empty, up to ``stop`` (kept): an empty
        folder left behind would take the name of a later object ``a/b`` after ``a/b/c``."""
        path.unlink(missing_ok=True)
        folder = path.parent
        while folder != stop and folder.is_relative_to(stop):
            try:
                folder.rmdir()
            except OSError:  # not empty (or gone)
                return
            folder = folder.parent

    # ------------------------------------------------------------------ objects

    def version_path(self, bucket: str, key: str) -> Path:
        return self.versions / safe_relative_path(bucket, key)

    def put_object(
        self, bucket: str, key: str, data: bytes, version: dict[str, str] | None = None
    ) -> None:
        """The object's file, and where its bucket is versioned, its ``version`` (VersionId
        and ETag: the restore gives the object its version id back, so an execution's input
        that names it still reads it)."""
        self.write_file(self.object_path(bucket, key), data)
        if version is not None:
            self.write_file(self.version_path(bucket, key), _json_bytes(version))
        else:
            self.remove_file(self.version_path(bucket, key), self.versions / bucket)

    def delete_object(self, bucket: str, key: str) -> None:
        self.remove_file(self.object_path(bucket, key), self.lake / bucket)
        self.remove_file(self.version_path(bucket, key), self.versions / bucket)

    def object_version(self, bucket: str, key: str) -> dict[str, str] | None:
        try:
            path = self.version_path(bucket, key)
        except UnsafeKey:
            return None
        found: dict[str, str] | None = _read_json(path, None)
        return found

    def export_objects(self, s3: Any, buckets: Iterable[str]) -> int:
        """``sync_objects`` of each of ``buckets``, listed and read through the S3 API."""
        written = 0
        for bucket in buckets:

            def read(key: str, bucket: str = bucket) -> bytes:
                body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                return body

            listing = ((o["Key"], o["Size"], o["ETag"]) for o in _list_objects(s3, bucket))
            written += self.sync_objects(bucket, listing, read)
        return written

    def sync_objects(
        self,
        bucket: str,
        listing: Iterable[tuple[str, int, str]],
        read: Callable[[str], bytes],
        missing_only: bool = False,
    ) -> int:
        """Make ``lake/<bucket>/`` hold exactly the listed objects, (key, size, ETag) each,
        reading with ``read(key)`` those whose file differs; returns the files written.
        ``missing_only``: write only the objects that have no file, change nothing else."""
        written = 0
        listed: set[Path] = set()
        for key, size, etag in listing:
            try:
                path = self.object_path(bucket, key)
            except UnsafeKey as exc:
                log.warning("not exported: %s", exc)
                continue
            listed.add(path)
            if path.is_file() and (missing_only or _same_content(path, size, etag)):
                continue
            try:
                self.write_file(path, read(key))
            except OSError as exc:  # a key that is also a "folder" of other keys
                log.warning("s3://%s/%s not exported: %s", bucket, key, exc)
                continue
            written += 1
        folder = self.lake / bucket
        stale = [] if missing_only else [p for p in folder.rglob("*") if p.is_file()]
        for path in stale:
            if path not in listed:  # deleted since it was written
                self.remove_file(path, folder)
        return written

    def exported_objects(self) -> Iterator[tuple[str, str, Path]]:
        """(bucket, key, file) of every object in the lake folder."""
        for path in sorted(self.lake.rglob("*")):
            if path.is_file():
                bucket, key = key_from_relative_path(path.relative_to(self.lake))
                yield bucket, key, path

    # ------------------------------------------------------------------ catalogue

    def database_folder(self, database: str) -> Path:
        return self.catalog_dir / _file_name(database)

    def table_folder(self, database: str, table: str) -> Path:
        return self.database_folder(database) / "tables" / _file_name(table)

    def partition_file(self, database: str, table: str, values: list[str]) -> Path:
        name = _file_name(",".join(quote(v, safe="") for v in values))
        return self.table_folder(database, table) / "partitions" / f"{name}.json"

    def save_database(self, database_input: dict[str, Any] | None, name: str) -> None:
        """A database's DatabaseInput (None: the database is gone, with its tables)."""
        folder = self.database_folder(name)
        if database_input is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            self.write_file(folder / "database.json", _json_bytes(database_input))

    def save_table(self, database: str, name: str, table_input: dict[str, Any] | None) -> None:
        """A table's TableInput (None: the table is gone, with its partitions)."""
        folder = self.table_folder(database, name)
        if table_input is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            self.write_file(folder / "table.json", _json_bytes(table_input))

    def save_partition(
        self, database: str, table: str, values: list[str], partition: dict[str, Any] | None
    ) -> None:
        """A partition's PartitionInput (None: the partition is gone). One file each, so a
        change of one partition costs the same whatever the table's size."""
        path = self.partition_file(database, table, values)
        if partition is None:
            path.unlink(missing_ok=True)
        else:
            self.write_file(path, _json_bytes(partition))

    def save_catalog(self, catalog: dict[str, Any]) -> None:
        """A whole catalogue (``dump_catalog``'s shape), replacing what was saved."""
        kept: set[Path] = set()
        for database in catalog.get("databases", []):
            name = database["Name"]
            self.save_database(database.get("DatabaseInput") or {"Name": name}, name)
            kept.add(self.database_folder(name) / "database.json")
            for table in database.get("Tables", []):
                table_input = {k: v for k, v in table.items() if k != "Partitions"}
                self.save_table(name, table["Name"], table_input)
                kept.add(self.table_folder(name, table["Name"]) / "table.json")
                for partition in table.get("Partitions", []):
                    self.save_partition(name, table["Name"], partition["Values"], partition)
                    kept.add(self.partition_file(name, table["Name"], partition["Values"]))
        if self.catalog_dir.is_dir():
            for path in list(self.catalog_dir.rglob("*.json")):
                if path not in kept:
                    self.remove_file(path, self.catalog_dir)
        self.legacy_catalog_file.unlink(missing_ok=True)

    def load_catalog(self) -> dict[str, Any]:
        if not self.catalog_dir.is_dir():
            return _read_json(self.legacy_catalog_file, {"databases": []})
        databases = []
        for folder in sorted(p for p in self.catalog_dir.iterdir() if p.is_dir()):
            database_input = _read_json(folder / "database.json", None)
            if database_input is None:  # its tables were saved, its database file not (yet)
                database_input = {"Name": unquote(folder.name)}
            tables = []
            for table_folder in sorted((folder / "tables").glob("*")):
                table = _read_json(table_folder / "table.json", None)
                if table is None:  # partitions of a table deleted while they were written
                    continue
                partitions = sorted((table_folder / "partitions").glob("*.json"))
                table["Partitions"] = [p for p in map(_read_json_or_none, partitions) if p]
                tables.append(table)
            databases.append(
                {"Name": database_input["Name"], "DatabaseInput": database_input, "Tables": tables}
            )
        return {"databases": databases}


def _file_name(name: str) -> str:
    """A Glue name as one file name ('/' and '.' encoded: never a path of its own)."""
    return quote(name, safe="").replace(".", "%2E")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, default=str).encode()


def _read_json_or_none(path: Path) -> Any:
    return _read_json(path, None)


def _same_content(path: Path, size: int, etag: str) -> bool:
    """Whether the file ``path`` holds the object: its size, and its MD5 where the ETag is one
    (a multipart upload's ETag is not: its size decides)."""
    if path.stat().st_size != size:
        return False
    etag = etag.strip('"')
    if "-" in etag:
        return True
    digest = hashlib.md5()  # noqa: S324 - S3's ETag, not a security use
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest() == etag


def _list_objects(s3: Any, bucket: str) -> Iterator[dict[str, Any]]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        yield from page.get("Contents", [])


def _read_json(path: Path, default: Any) -> Any:
    if not path.is_file():
        return default
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        log.warning("%s is not valid JSON; ignored", path)
        return default


# ---------------------------------------------------------------------- Glue catalogue

_PARTITION_INPUT = ("Values", "StorageDescriptor", "Parameters")
_DATABASE_INPUT = (
    "Name",
    "Description",
    "LocationUri",
    "Parameters",
    "CreateTableDefaultPermissions",
    "TargetDatabase",
    "FederatedDatabase",
)


def database_input(database: dict[str, Any]) -> dict[str, Any]:
    """The DatabaseInput that recreates ``database`` (a GetDatabase answer)."""
    return {k: database[k] for k in _DATABASE_INPUT if database.get(k) is not None}


def table_input(table: dict[str, Any]) -> dict[str, Any]:
    """The TableInput that recreates ``table`` (a GetTable answer)."""
    return {k: table[k] for k in TABLE_INPUT_FIELDS if k in table}


def partition_input(partition: dict[str, Any]) -> dict[str, Any]:
    """The PartitionInput that recreates ``partition`` (a GetPartitions entry)."""
    return {k: partition[k] for k in _PARTITION_INPUT if k in partition}


def dump_catalog(glue: Any) -> dict[str, Any]:
    """Every database, table and partition of the Glue catalogue, as plain JSON."""
    databases = []
    for page in glue.get_paginator("get_databases").paginate():
        for database in page["DatabaseList"]:
            tables = []
            for tpage in glue.get_paginator("get_tables").paginate(DatabaseName=database["Name"]):
                for table in tpage["TableList"]:
                    partitions = (
                        p
                        for ppage in glue.get_paginator("get_partitions").paginate(
                            DatabaseName=database["Name"], TableName=table["Name"]
                        )
                        for p in ppage["Partitions"]
                    )
                    tables.append(
                        {
                            **table_input(table),
                            "Partitions": [partition_input(p) for p in partitions],
                        }
                    )
            databases.append(
                {
                    "Name": database["Name"],
                    "DatabaseInput": database_input(database),
                    "Tables": tables,
                }
            )
    return {"databases": databases}


def restore_catalog(glue: Any, catalog: dict[str, Any]) -> int:
    """Recreate the saved databases, tables and partitions; returns the tables restored."""
    restored = 0
    for database in catalog.get("databases", []):
        name = database["Name"]
        with contextlib.suppress(glue.exceptions.AlreadyExistsException):
            glue.create_database(DatabaseInput=database.get("DatabaseInput") or {"Name": name})
        for table in database.get("Tables", []):
            table_input = {k: v for k, v in table.items() if k != "Partitions"}
            try:
                glue.create_table(DatabaseName=name, TableInput=table_input)
            except glue.exceptions.AlreadyExistsException:
                glue.update_table(DatabaseName=name, TableInput=table_input)
            partitions = table.get("Partitions", [])
            for start in range(0, len(partitions), 100):
                glue.batch_create_partition(
                    DatabaseName=name,
                    TableName=table["Name"],
                    PartitionInputList=partitions[start : start + 100],
                )
            restored += 1
    return restored


# ---------------------------------------------------------------------- lake.duckdb

_DUCK_TYPES = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _format(table: dict[str, Any]) -> str:
    descriptor = table.get("StorageDescriptor", {})
    serde = descriptor.get("SerdeInfo", {}).get("SerializationLibrary", "").lower()
    input_format = descriptor.get("InputFormat", "").lower()
    classification = table.get("Parameters", {}).get("classification", "").lower()
    for name in ("parquet", "json", "orc", "avro"):
        if name in serde or name in input_format or classification == name:
            return name
    return "csv"


@dataclass(frozen=True)
class _Source:
    """A DuckDB table function over a location's files, and what to select from it."""

    function: str
    columns: str  # select list of the table's data columns (partition keys excluded)


def _files(workspace: Workspace, location: str) -> list[str]:
    """The exported data files under ``location`` (Hive skips ``_``/``.`` names)."""
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    try:
        folder = workspace.lake / safe_relative_path(bucket, prefix.rstrip("/") or ".")
    except UnsafeKey:
        return []
    return sorted(
        str(p)
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(("_", ".")) and "$folder$" not in p.name
    )


def _reader(workspace: Workspace, table: dict[str, Any], location: str) -> _Source | None:
    """How to read the exported files under ``location`` (None: no files)."""
    files = _files(workspace, location)
    if not files:
        return None
    listing = "[" + ", ".join(_sql_text(f) for f in files) + "]"
    excluded = ", ".join(_sql_text(k["Name"]) for k in table.get("PartitionKeys", []))
    others = f"COLUMNS(c -> c NOT IN ({excluded}))" if excluded else "*"
    kind = _format(table)
    if kind == "parquet":
        return _Source(
            f"read_parquet({listing}, hive_partitioning = false, union_by_name = true)", others
        )
    if kind == "json":
        return _Source(f"read_json_auto({listing})", others)
    if kind != "csv":
        raise ValueError(f"{kind.upper()} files are not readable by the local DuckDB")
    return _csv_source(listing, table) or _Source(
        f"read_csv({listing}, union_by_name = true)", others
    )


# Text that never is a whole field: where a SerDe has no null text (OpenCSVSerde), or no
# quoting (LazySimpleSerDe), DuckDB still needs one.
_NEVER = "\x01"


def _hive_byte(text: str | None) -> str:
    """A LazySimpleSerDe separator: a number is a byte value (``1`` is ^A, the default)."""
    if not text:
        return "\x01"
    return chr(int(text)) if text.isdigit() else text[0]


def _csv_source(listing: str, table: dict[str, Any]) -> _Source | None:
    """Delimited text as Athena reads it: the catalogue's columns in order (every field as
    text, then cast to the column's type; a bad value is NULL, as in Hive), the SerDe's
    delimiter, quote, escape and null text, ``skip.header.line.count`` lines skipped, missing
    fields NULL and extra fields ignored."""
    descriptor = table.get("StorageDescriptor", {})
    columns = descriptor.get("Columns", [])
    if not columns:
        return None
    serde = descriptor.get("SerdeInfo", {})
    props = serde.get("Parameters", {})
    if "opencsv" in serde.get("SerializationLibrary", "").lower():
        delimiter = props.get("separatorChar", ",")
        quote = props.get("quoteChar", '"')
        escape = props.get("escapeChar", "\\")
        null_text = _NEVER  # OpenCSVSerde reads every field as a string, empty included
    else:  # LazySimpleSerDe: no quoting; Hive's default delimiter is ^A
        delimiter = _hive_byte(props.get("field.delim") or props.get("serialization.format"))
        quote = _NEVER if delimiter != _NEVER else "\x02"
        escape = props.get("escape.delim", quote)
        null_text = props.get("serialization.null.format", "\\N")
    skip = int(table.get("Parameters", {}).get("skip.header.line.count", "0") or 0)
    struct = ", ".join(f"{_sql_text(c['Name'])}: 'VARCHAR'" for c in columns)
    function = (
        f"read_csv({listing}, header = false, skip = {skip}, delim = {_sql_text(delimiter)}, "
        f"quote = {_sql_text(quote)}, escape = {_sql_text(escape)}, "
        f"nullstr = {_sql_text(null_text)}, columns = {{{struct}}}, auto_detect = false, "
        "strict_mode = false, null_padding = true)"
    )
    selected = []
    for column in columns:
        name, kind = _ident(column["Name"]), _duck_type(column.get("Type", "string"))
        selected.append(name if kind == "VARCHAR" else f"TRY_CAST({name} AS {kind}) AS {name}")
    return _Source(function, ", ".join(selected))


def _table_view(workspace: Workspace, table: dict[str, Any]) -> str | None:
    keys = table.get("PartitionKeys", [])
    location = table.get("StorageDescriptor", {}).get("Location", "")
    if not keys:
        source = _reader(workspace, table, location)
        return f"SELECT {source.columns} FROM {source.function}" if source else None  # noqa: S608 - quoted
    selects = []
    for partition in table.get("Partitions", []):
        part_location = partition.get("StorageDescriptor", {}).get("Location", "")
        source = _reader(workspace, table, part_location)
        if source is None:
            continue
        values = ", ".join(
            f"CAST({_sql_text(v)} AS {_duck_type(k.get('Type', 'string'))}) AS {_ident(k['Name'])}"
            for k, v in zip(keys, partition["Values"], strict=True)
        )
        selects.append(  # every name and value quoted by _ident/_sql_text
            f"SELECT {source.columns}, {values} FROM {source.function}"  # noqa: S608
        )
    return "\nUNION ALL BY NAME\n".join(selects) or None


def _duck_type(hive_type: str) -> str:
    hive_type = hive_type.lower()
    if hive_type.startswith(("decimal", "varchar", "char")):
        return hive_type.upper().replace("CHAR(", "VARCHAR(").replace("VARVARCHAR", "VARCHAR")
    return _DUCK_TYPES.get(hive_type, "VARCHAR")


def _empty_view(table: dict[str, Any]) -> str:
    """A table without data files still answers, with its columns and no rows."""
    columns = [
        *table.get("StorageDescriptor", {}).get("Columns", []),
        *table.get("PartitionKeys", []),
    ]
    if not columns:
        return "SELECT NULL AS no_columns WHERE false"
    selected = ", ".join(
        f"CAST(NULL AS {_duck_type(c.get('Type', 'string'))}) AS {_ident(c['Name'])}"
        for c in columns
    )
    return f"SELECT {selected} WHERE false"  # noqa: S608 - names quoted by _ident


def build_lake_database(workspace: Workspace, catalog: dict[str, Any]) -> list[str]:
    """(Re)write ``lake.duckdb``: one schema per database, one view per table with data."""
    import duckdb

    created = []
    tmp = workspace.database.with_suffix(".duckdb.tmp")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as con:
        for database in catalog.get("databases", []):
            schema = _ident(database["Name"])
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            for table in database.get("Tables", []):
                view = f"{schema}.{_ident(table['Name'])}"
                try:
                    body = _table_view(workspace, table) or _empty_view(table)
                    con.execute(f"CREATE OR REPLACE VIEW {view} AS {body}")
                    created.append(f"{database['Name']}.{table['Name']}")
                except (duckdb.Error, ValueError) as exc:
                    log.warning("no view for %s: %s", view, exc)
    tmp.replace(workspace.database)
    return created
