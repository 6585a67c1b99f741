"""Local Lambda environments: pre-started at registration (sam local --warm-containers EAGER),
and scaled out only when a busy one would not free up within an INIT's time.

A pre-started environment runs INIT before any invoke; the first invoke it serves reports
that INIT (its output, ``Init Duration``) as a cold start does, and an INIT error is that
invoke's error. Pre-started environments keep each function's isolation.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from etl_local.context import LocalContext
from etl_local.lambdas import FunctionSpec, LambdaRunner
from etl_local.lambdas import runner as runner_module

pytestmark = pytest.mark.integration

HANDLER = """
import os, sys, time
INIT_AT = time.time()
print("init of", os.environ["AWS_LAMBDA_FUNCTION_NAME"])
def lambda_handler(event, context):
    sys.modules.setdefault("leak_" + context.function_name, object())
    return {
        "init_at": INIT_AT,
        "pid": os.getpid(),
        "own": os.environ.get("OWN"),
        "leaks": sorted(m for m in sys.modules if m.startswith("leak_")),
    }
"""


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text(HANDLER)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "app.py").write_text("print('loading')\nimport not_a_module_anywhere\n")
    return tmp_path


@pytest.fixture
def runner(code: Path) -> Iterator[LambdaRunner]:
    lambda_runner = LambdaRunner(LocalContext("http://127.0.0.1:9", code / "ws"), prestart=True)
    yield lambda_runner
    lambda_runner.close()


def _invoke(runner: LambdaRunner, name: str) -> tuple[dict[str, object], str]:
    invocation = runner.invoke(name, b"{}")
    assert invocation.error is None, invocation.error
    return json.loads(invocation.result), invocation.log_text


def test_init_runs_before_the_first_invoke_and_is_reported_by_it(
    runner: LambdaRunner, code: Path
) -> None:
    runner.register(FunctionSpec("one", "app.lambda_handler", code / "fn"))
    assert runner.prestarts_settled(60)
    assert runner.prestarted() == 1
    invoked_at = time.time()
    first, first_log = _invoke(runner, "one")
    second, second_log = _invoke(runner, "one")
    assert float(first["init_at"]) < invoked_at  # type: ignore[arg-type]
    assert first["pid"] == second["pid"]  # the pre-started environment served both
    assert "init of one" in first_log and "Init Duration" in first_log
    assert "init of one" not in second_log and "Init Duration" not in second_log


def test_an_invoke_during_init_waits_for_the_prestarted_environment(
    runner: LambdaRunner, code: Path
) -> None:
    runner.register(FunctionSpec("one", "app.lambda_handler", code / "fn"))
    first, _ = _invoke(runner, "one")  # at once: the pre-start is queued or initialising
    runner.prestarts_settled(60)
    second, _ = _invoke(runner, "one")
    assert first["pid"] == second["pid"]  # one environment, not a second cold start
    assert sum(1 for i in runner.invocations if i.init_ms is not None) == 1


def test_prestarted_environments_stay_isolated(runner: LambdaRunner, code: Path) -> None:
    for name, own in (("one", "1"), ("two", "2")):
        runner.register(
            FunctionSpec(name, "app.lambda_handler", code / "fn", environment={"OWN": own})
        )
    assert runner.prestarts_settled(60)
    one, _ = _invoke(runner, "one")
    two, _ = _invoke(runner, "two")
    assert (one["own"], one["leaks"]) == ("1", ["leak_one"])
    assert (two["own"], two["leaks"]) == ("2", ["leak_two"])
    assert one["pid"] != two["pid"]


def test_an_init_error_of_a_prestarted_environment_is_the_first_invokes_error(
    runner: LambdaRunner, code: Path
) -> None:
    runner.register(FunctionSpec("broken", "app.lambda_handler", code / "broken"))
    assert runner.prestarts_settled(60)
    assert runner.prestarted() == 0
    first = runner.invoke("broken", b"{}")
    assert first.error is not None
    assert first.error["errorType"] == "Runtime.ImportModuleError"
    assert "Unable to import module 'app'" in first.error["errorMessage"]
    assert "loading" in first.log_text  # the INIT output of the pre-started environment
    assert "Init Duration" in first.log_text
    second = runner.invoke("broken", b"{}")  # a new environment, failing its own INIT
    assert second.error is not None and second.error["errorType"] == "Runtime.ImportModuleError"


SLOW_INIT_HANDLER = """
import os, time
time.sleep(float(os.environ["INIT_SECONDS"]))
def lambda_handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid()}
"""


def _concurrently(runner: LambdaRunner, name: str, events: list[dict[str, float]]) -> list[int]:
    results: list[int] = [0] * len(events)

    def call(index: int, event: dict[str, float]) -> None:
        invocation = runner.invoke(name, json.dumps(event).encode())
        results[index] = json.loads(invocation.result)["pid"]

    threads = [threading.Thread(target=call, args=pair) for pair in enumerate(events)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)  # in this order
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize(
    ("init_seconds", "busy_seconds", "environments"),
    [(1.5, 0.1, 1), (0.1, 2.0, 2)],
    ids=["frees-up-before-an-init", "busy-longer-than-an-init"],
)
def test_a_busy_environment_is_awaited_for_at_most_one_init(
    code: Path, init_seconds: float, busy_seconds: float, environments: int
) -> None:
    (code / "slow").mkdir()
    (code / "slow" / "app.py").write_text(SLOW_INIT_HANDLER)
    runner = LambdaRunner(LocalContext("http://127.0.0.1:9", code / "ws"), max_environments=4)
    try:
        runner.register(
            FunctionSpec(
                "slow",
                "app.lambda_handler",
                code / "slow",
                timeout=10,
                environment={"INIT_SECONDS": str(init_seconds)},
            )
        )
        runner.invoke("slow", b"{}")  # one warm environment; its INIT time is known
        pids = _concurrently(runner, "slow", [{"sleep": busy_seconds}, {}])
        assert len(set(pids)) == environments
    finally:
        runner.close()


def test_queued_prestarts_run_in_rank_order(code: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "PRESTARTS_AT_ONCE", 1)  # one at a time: a strict order
    (code / "slow").mkdir()
    (code / "slow" / "app.py").write_text(SLOW_INIT_HANDLER)
    runner = LambdaRunner(LocalContext("http://127.0.0.1:9", code / "ws"), prestart=True)
    try:
        blocker = FunctionSpec(  # keeps the pre-start worker busy while the others queue
            "blocker", "app.lambda_handler", code / "slow", environment={"INIT_SECONDS": "1"}
        )
        runner.register(blocker, prestart_rank=0)
        for name, rank in (("late", 9), ("early", 1), ("middle", 5)):
            runner.register(FunctionSpec(name, "app.lambda_handler", code / "fn"), rank)
        assert runner.prestarts_settled(60)
        init_at = {
            name: float(_invoke(runner, name)[0]["init_at"])  # type: ignore[arg-type]
            for name in ("early", "middle", "late")
        }
    finally:
        runner.close()
    assert init_at["early"] < init_at["middle"] < init_at["late"]
