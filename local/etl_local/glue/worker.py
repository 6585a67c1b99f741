"""A warm Spark driver: one SparkContext serving many job runs at once (``python -m ...worker``).

Protocol, JSON lines: once the SparkSession is up the worker writes ``{"ready": true}`` to
stdout; each stdin line is a run request ``{"run": ID, "script", "argv", "root", "result",
"log"}`` (``root``: the run's folder) or ``{"cancel": ID}``. Every run executes on its own
thread; it writes ``{"ok", "error"}`` to its ``result`` file, then ``{"done": ID}`` to stdout.

Glue gives every run its own driver; here concurrent runs share one, so what a script sees
as process-wide is made per run (per thread):

- ``sys.argv``, ``sys.stdout``/``sys.stderr`` (the run's log) and the import path (the script's
  folder and its ``--extra-py-files``; modules imported from there are forgotten afterwards);
- its own SQL session (``newSession``: own conf and temp views) is what
  ``SparkSession.builder.getOrCreate()`` returns in its thread; ``stop()`` in a run does not
  stop the shared context;
- its Spark jobs run in a job group and a FAIR scheduler pool named after the run, so runs
  share the cores, and a cancel (timeout, StopJobRun) cancels that group and raises
  ``RunCancelled`` in that run's thread only.
"""

from __future__ import annotations

import ctypes
import importlib.abc
import importlib.machinery
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from etl_local.glue.driver import SHIM, error_message, import_paths, run_main

CANCELLED = "RunCancelled: the run was ended by the service"
CANCEL_INTERVAL_SECONDS = 0.5
WARM_UP_ENV = "ETL_LOCAL_GLUE_WARM_UP"  # "0": no JIT warm-up when the driver starts


class RunCancelled(BaseException):  # noqa: N818 - named as what happened, like SystemExit
    """Raised in a run's thread when the service ended the run (timeout or StopJobRun)."""


@dataclass
class Run:
    run_id: str
    script: Path
    argv: list[str]  # sys.argv as the script sees it
    paths: list[str]  # where its own imports come from
    log: IO[str]
    session: Any = None
    thread: threading.Thread | None = None
    in_script: bool = False
    cancelled: bool = False


_local = threading.local()


def current() -> Run | None:
    return getattr(_local, "run", None)


class RunArgv(list[str]):
    """``sys.argv``: the current run's arguments in a run's thread, the worker's elsewhere."""

    def __init__(self, default: Sequence[str]) -> None:
        super().__init__()
        self._default = list(default)

    def _items(self) -> list[str]:
        run = current()
        return run.argv if run else self._default

    def __getitem__(self, index: Any) -> Any:
        return self._items()[index]

    def __setitem__(self, index: Any, value: Any) -> None:
        self._items()[index] = value

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items()))

    def __contains__(self, item: object) -> bool:
        return item in self._items()

    def __eq__(self, other: object) -> bool:
        return self._items() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._items())

    def __add__(self, other: Any) -> list[str]:  # type: ignore[override]
        return [*self._items(), *other]

    def copy(self) -> list[str]:
        return list(self._items())

    def index(self, *args: Any) -> int:
        return self._items().index(*args)

    def count(self, item: Any) -> int:
        return self._items().count(item)


class RunStream:
    """``sys.stdout``/``sys.stderr``: the current run's log in a run's thread."""

    def __init__(self, fallback: IO[str]) -> None:
        self._fallback = fallback

    def _target(self) -> IO[str]:
        run = current()
        return run.log if run else self._fallback

    def write(self, text: str) -> int:
        return self._target().write(text)

    def writelines(self, lines: Any) -> None:
        self._target().writelines(lines)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, isatty, ...
        return getattr(self._fallback, name)


class RunImports(importlib.abc.MetaPathFinder):
    """Top-level imports of a run look in its own folders first."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        run = current()
        if run is None or path is not None:
            return None
        return importlib.machinery.PathFinder.find_spec(name, run.paths)


def _forget_modules(folder: Path) -> None:
    for name, module in list(sys.modules.items()):
        source = getattr(module, "__file__", None) or ""
        if source.startswith(str(folder) + os.sep):
            del sys.modules[name]


def _route_spark_to_runs() -> None:
    """In a run's thread, the builder and the active session are the run's own session,
    and stopping it leaves the shared SparkContext running for the other runs."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    get_or_create = SparkSession.Builder.getOrCreate
    active = SparkSession.getActiveSession
    stop_session, stop_context = SparkSession.stop, SparkContext.stop

    def run_get_or_create(builder: Any) -> Any:
        run = current()
        if run is None:
            return get_or_create(builder)
        session = run.session
        module = getattr(getattr(session._jvm, "SparkSession$"), "MODULE$")
        module.applyModifiableSettings(session._jsparkSession, builder._options)
        return session

    def run_active(cls: Any) -> Any:
        run = current()
        return run.session if run else active()

    def run_stop_session(session: Any) -> None:
        if current() is None:
            stop_session(session)

    def run_stop_context(context: Any) -> None:
        if current() is None:
            stop_context(context)

    SparkSession.Builder.getOrCreate = run_get_or_create  # type: ignore[method-assign,assignment]
    SparkSession.getActiveSession = classmethod(run_active)  # type: ignore[assignment]
    SparkSession.stop = run_stop_session  # type: ignore[method-assign,assignment]
    SparkContext.stop = run_stop_context  # type: ignore[method-assign,assignment]


def warm_up(spark: Any, folder: Path) -> None:
    """Exercise what job scripts use (Parquet read and partitioned write, broadcast joins,
    aggregates with percentiles, cache, count) on a few rows, so the JVM's JIT has compiled
    Spark's planner and operators before the first run: that run then costs what later runs
    cost, instead of several times as much."""
    from pyspark.sql import functions as F

    session = spark.newSession()
    session.sparkContext.setJobGroup("etl-local-warm-up", "JIT warm-up", interruptOnCancel=True)
    session.sparkContext.setLocalProperty("spark.scheduler.pool", "etl-local-warm-up")
    session.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    ids = session.range(5000)
    facts = ids.select(
        (F.col("id") % 97).cast("string").alias("key"),
        (F.col("id") * 1.5).alias("value"),
        (F.col("id") % 5 == 0).alias("flag"),
        F.expr("date_add(DATE'2013-01-01', CAST(id % 28 AS INT))").alias("day"),
        F.expr("TIMESTAMP'2013-01-01 05:00:00' + make_interval(0, 0, 0, 0, id % 24)").alias("at"),
        F.lit("2013").alias("year"),
        F.format_string("%02d", F.col("id") % 2 + 1).alias("month"),
    )
    keys = ids.limit(97).select((F.col("id")).cast("string").alias("key"), F.lit("n").alias("name"))
    facts.write.mode("overwrite").partitionBy("year", "month").parquet(str(folder / "facts"))
    keys.write.mode("overwrite").parquet(str(folder / "keys"))
    facts = session.read.parquet(str(folder / "facts"))
    names = session.read.parquet(str(folder / "keys")).dropDuplicates(["key"])
    joined = facts.join(names, "key", "left").withColumn(
        "bucket", F.when(F.col("flag"), F.lit("a")).when(F.col("value") > 9, F.lit("b"))
    )
    joined = joined.cache()
    daily = joined.groupBy("day", "key", "name", "year", "month").agg(
        F.count(F.lit(1)).alias("n"),
        F.sum(F.col("flag").cast("long")).alias("flags"),
        F.avg("value").alias("mean"),
        F.expr("percentile(value, 0.5)").alias("p50"),
    )
    for name, frame in (("joined", joined), ("daily", daily)):
        target = str(folder / name)
        frame.write.mode("overwrite").partitionBy("year", "month").parquet(target)
        session.read.parquet(target).count()
    joined.unpersist()


def _raise_in(thread: threading.Thread, exc: type[BaseException]) -> None:
    assert thread.ident is not None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(exc))


@dataclass
class Worker:
    spark: Any
    control: IO[str]
    runs: dict[str, Run] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: dict[str, Any]) -> None:
        with self.lock:
            self.control.write(json.dumps(message) + "\n")
            self.control.flush()

    def start(self, request: dict[str, Any]) -> None:
        from pyspark import InheritableThread

        script = Path(request["script"])
        argv = list(request["argv"])
        run = Run(
            request["run"],
            script,
            [str(script), *argv],
            [p for p in import_paths(script, argv) if p != str(SHIM)],
            open(request["log"], "a", buffering=1),  # noqa: SIM115 - closed by the run's thread
        )
        # pyspark's thread class: closes its pinned JVM thread's connection when it ends
        run.thread = InheritableThread(self._execute, args=(run, request), daemon=True)
        with self.lock:
            self.runs[run.run_id] = run
        run.thread.start()

    def _execute(self, run: Run, request: dict[str, Any]) -> None:
        error: str | None = CANCELLED
        try:
            _local.run = run
            try:
                run.session = self._session_for(run)
            except Exception as exc:  # the shared context is gone: the run fails, others too
                error = error_message(exc)
            else:
                with self.lock:
                    run.in_script = not run.cancelled
                if run.in_script:
                    error = run_main(run.script)
        except RunCancelled:
            error = CANCELLED
        finally:
            self._leave_script(run)
            _local.run = None
            run.log.close()
            _forget_modules(Path(request["root"]))  # its script and --extra-py-files
            self._report(request, error)

    def _leave_script(self, run: Run) -> None:
        """From here on the reaper raises nothing in this thread; one it raised just before
        arrives here, and is absorbed."""
        while True:
            try:
                with self.lock:
                    run.in_script = False
                    self.runs.pop(run.run_id, None)
                return
            except RunCancelled:
                continue

    def _report(self, request: dict[str, Any], error: str | None) -> None:
        Path(request["result"]).write_text(json.dumps({"ok": error is None, "error": error}))
        self.send({"done": request["run"]})

    def _session_for(self, run: Run) -> Any:
        """The run's own SQL session, its jobs grouped and pooled under the run's id (the
        group and pool are thread-local properties of the run's pinned JVM thread)."""
        session = self.spark.newSession()
        context = session.sparkContext
        context.setJobGroup(run.run_id, f"Glue job run {run.run_id}", interruptOnCancel=True)
        context.setLocalProperty("spark.scheduler.pool", run.run_id)
        session._jvm.SparkSession.setActiveSession(session._jsparkSession)
        return session

    def cancel(self, run_id: str) -> None:
        """End the run: cancel its Spark jobs and raise RunCancelled in its script, again
        every CANCEL_INTERVAL_SECONDS until its thread ended (a job it submits after a
        cancel, or an error it catches, does not keep it alive)."""
        with self.lock:
            run = self.runs.get(run_id)
            if run is None:
                return
            run.cancelled = True
        threading.Thread(target=self._reap, args=(run,), daemon=True).start()

    def _reap(self, run: Run) -> None:
        assert run.thread is not None
        while run.thread.is_alive():
            self.spark.sparkContext.cancelJobGroup(run.run_id)
            run.thread.join(CANCEL_INTERVAL_SECONDS)  # its jobs' errors end most scripts
            with self.lock:
                if run.in_script:
                    _raise_in(run.thread, RunCancelled)

    def serve(self, requests: IO[str]) -> None:
        self.send({"ready": True})
        for line in requests:
            request = json.loads(line)
            if "cancel" in request:
                self.cancel(request["cancel"])
                continue
            try:
                self.start(request)
            except Exception as exc:  # e.g. its log cannot be opened: that run fails alone
                self._report(request, error_message(exc))


def main() -> None:
    from pyspark import InheritableThread
    from pyspark.sql import SparkSession

    control = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # stray output outside a run goes to the worker's log, not the control channel
    sys.path.insert(0, str(SHIM))
    spark = SparkSession.builder.appName("etl-local-glue-warm").getOrCreate()
    _route_spark_to_runs()
    sys.argv = RunArgv(sys.argv)
    sys.stdout = RunStream(sys.stdout)  # type: ignore[assignment]
    sys.stderr = RunStream(sys.stderr)  # type: ignore[assignment]
    sys.meta_path.insert(0, RunImports())
    if os.environ.get(WARM_UP_ENV, "1") != "0":
        InheritableThread(_warm_up_in_background, args=(spark,), daemon=True).start()
    Worker(spark, control).serve(sys.stdin)


def _warm_up_in_background(spark: Any) -> None:
    """Runs beside the first job runs (its own FAIR pool); a failure only costs speed."""
    folder = Path(tempfile.mkdtemp(prefix="etl-local-glue-warm-up-"))
    started = time.monotonic()
    try:
        warm_up(spark, folder)
        print(f"[etl-local] JIT warm-up took {time.monotonic() - started:.1f} s", file=sys.stderr)
    except Exception:
        traceback.print_exc()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
