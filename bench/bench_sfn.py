"""Benchmark: state transitions per second, this interpreter vs moto 5.2's interpreter.

Runs the same definitions through ``etl_local.stepfunctions`` (virtual clock) and through
moto's own Step Functions interpreter (``mock_aws`` with ``execute_state_machine``), in the
same process, and prints transitions/s and the ratio. Not part of the test suite:

    .venv/bin/python bench/bench_sfn.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from etl_local.stepfunctions import load
from etl_local.stepfunctions.clock import VirtualClock
from etl_local.stepfunctions.execution import Execution

ENTERED = "StateEntered"
LOCAL_REPEATS = 3  # best of 3 for the local interpreter (a shared machine is noisy)


def pass_chain(n: int) -> dict[str, Any]:
    states = {
        f"P{i}": {"Type": "Pass", "ResultPath": f"$.s{i % 5}", "Result": i, "Next": f"P{i + 1}"}
        for i in range(n)
    }
    states[f"P{n}"] = {"Type": "Succeed"}
    return {"StartAt": "P0", "States": states}


def choice_chain(n: int) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for i in range(n):
        states[f"C{i}"] = {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.n", "NumericGreaterThan": 100, "Next": "Never"},
                {
                    "And": [
                        {"Variable": "$.s", "StringEquals": "go"},
                        {"Variable": "$.n", "NumericLessThanEquals": 100},
                    ],
                    "Next": f"P{i}",
                },
            ],
            "Default": "Never",
        }
        states[f"P{i}"] = {
            "Type": "Pass",
            "Parameters": {"n.$": "$.n", "s.$": "$.s", "i": i},
            "Next": f"C{i + 1}" if i + 1 < n else "Done",
        }
    states["Never"] = {"Type": "Fail", "Error": "Unexpected"}
    states["Done"] = {"Type": "Succeed"}
    return {"StartAt": "C0", "States": states}


def inline_map(n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "StartAt": "P",
                    "States": {
                        "P": {
                            "Type": "Pass",
                            "Parameters": {"t.$": "States.MathAdd($.v, $.v)"},
                            "End": True,
                        }
                    },
                },
                # small results: 10,000 of them must stay under the 256 KiB limit
                "ResultSelector": {"count.$": "States.ArrayLength($)"},
                "End": True,
            }
        },
    }
    return definition, {"items": [{"v": i} for i in range(n)]}


def count_transitions(history: list[dict[str, Any]]) -> int:
    return sum(1 for event in history if event["type"].endswith(ENTERED))


def run_local(definition: dict[str, Any], data: Any) -> tuple[float, int, str]:
    machine = load(definition)
    started = time.perf_counter()
    result = Execution(machine, data, clock=VirtualClock(), concurrent=False).run()
    elapsed = time.perf_counter() - started
    return elapsed, count_transitions(result.history), result.status


def run_moto(definition: dict[str, Any], data: Any, timeout: float) -> tuple[float, int, str]:
    import boto3
    from moto import mock_aws

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        arn = client.create_state_machine(
            name="bench",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/bench",
        )["stateMachineArn"]
        started = time.perf_counter()
        execution = client.start_execution(stateMachineArn=arn, input=json.dumps(data))[
            "executionArn"
        ]
        status = "RUNNING"
        while status == "RUNNING" and time.perf_counter() - started < timeout:
            status = client.describe_execution(executionArn=execution)["status"]
            if status == "RUNNING":
                time.sleep(0.005)
        elapsed = time.perf_counter() - started
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution, "maxResults": 1000}
        while True:
            page = client.get_execution_history(**kwargs)
            events.extend(page["events"])
            if "nextToken" not in page:
                break
            kwargs["nextToken"] = page["nextToken"]
        return elapsed, count_transitions(events), status


def report(name: str, local: tuple[float, int, str], moto: tuple[float, int, str]) -> None:
    local_rate = local[1] / local[0]
    moto_rate = moto[1] / moto[0] if moto[0] > 0 and moto[1] else 0.0
    ratio = f"{local_rate / moto_rate:8.1f}x" if moto_rate else "     n/a"
    print(
        f"{name:<28} local {local_rate:>10,.0f} tr/s ({local[1]:>6} in {local[0]:6.3f}s, {local[2]:<9})"
        f"  moto {moto_rate:>9,.0f} tr/s ({moto[1]:>6} in {moto[0]:6.3f}s, {moto[2]:<9})  ratio {ratio}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    cases: list[tuple[str, Callable[[], tuple[dict[str, Any], Any]]]] = [
        ("pass chain x1000", lambda: (pass_chain(1000 // scale), {})),
        ("choice/pass chain x500", lambda: (choice_chain(500 // scale), {"n": 1, "s": "go"})),
        ("inline map 10,000 items", lambda: inline_map(10_000 // scale)),
    ]
    print(
        "transitions = <Type>StateEntered events; same definitions and inputs for both interpreters"
    )
    print(f"local: best of {LOCAL_REPEATS} runs (virtual clock); moto: one run (it is slow)")
    for name, build in cases:
        definition, data = build()
        run_local(definition, data)  # warm-up (imports, caches)
        local = min((run_local(definition, data) for _ in range(LOCAL_REPEATS)), key=lambda r: r[0])
        moto = run_moto(definition, data, timeout=900)
        report(name, local, moto)


if __name__ == "__main__":
    main()
