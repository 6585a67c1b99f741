"""Local Lambda: worker processes per function, warm reuse, timeouts, errors, isolation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from etl_local.awserrors import AwsError
from etl_local.context import LocalContext
from etl_local.lambdas import FunctionSpec, LambdaRunner

pytestmark = pytest.mark.integration

HANDLER = """
import json, os, sys, time
import shared_helper
COLD = time.time()
print("init", os.environ["AWS_LAMBDA_FUNCTION_NAME"])
def lambda_handler(event, context):
    print("handling", json.dumps(event))
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise ValueError("bad input: " + event["fail"])
    if event.get("unserialisable"):
        return {"x": object()}
    sys.modules.setdefault("leak_" + context.function_name, object())
    return {
        "cold": COLD,
        "name": context.function_name,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "request": context.aws_request_id,
        "remaining": context.get_remaining_time_in_millis(),
        "own": os.environ.get("OWN"),
        "other": os.environ.get("OTHER_ONLY"),
        "leaks": sorted(m for m in sys.modules if m.startswith("leak_")),
        "layer": shared_helper.VALUE,
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
    }
"""


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaRunner]:
    root = tmp_path_factory.mktemp("lambda")
    (root / "fn").mkdir()
    (root / "fn" / "app.py").write_text(HANDLER)
    (root / "layer" / "python").mkdir(parents=True)
    (root / "layer" / "python" / "shared_helper.py").write_text("VALUE = 'from-layer'\n")
    (root / "broken").mkdir()
    (root / "broken" / "app.py").write_text("import not_a_module_anywhere\n")
    ctx = LocalContext("http://127.0.0.1:9", root / "workspace")
    lambda_runner = LambdaRunner(ctx, max_environments=2)
    for name, env in (("first", {"OWN": "1"}), ("second", {"OWN": "2", "OTHER_ONLY": "x"})):
        lambda_runner.register(
            FunctionSpec(
                name,
                "app.lambda_handler",
                root / "fn",
                timeout=1.0,
                memory_mb=256,
                environment=env,
                layers=(root / "layer",),
            )
        )
    lambda_runner.register(FunctionSpec("broken", "app.lambda_handler", root / "broken"))
    lambda_runner.register(
        FunctionSpec("nohandler", "app.missing", root / "fn", layers=(root / "layer",))
    )
    yield lambda_runner
    lambda_runner.close()


def _call(
    runner: LambdaRunner, name: str, event: dict[str, object]
) -> tuple[dict[str, object], str | None, str]:
    invocation = runner.invoke(name, json.dumps(event).encode())
    return json.loads(invocation.result), invocation.function_error, invocation.log_text


def test_context_environment_and_layer(runner: LambdaRunner) -> None:
    result, error, log = _call(runner, "first", {"a": 1})
    assert error is None
    assert result["name"] == "first"
    assert result["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:first"
    assert result["memory"] == 256
    assert 0 < int(result["remaining"]) <= 1000  # type: ignore[call-overload]
    assert (result["own"], result["other"], result["layer"]) == ("1", None, "from-layer")
    assert result["endpoint"] == "http://127.0.0.1:9"
    assert 'handling {"a": 1}' in log and "REPORT RequestId:" in log


def test_warm_start_reuses_the_environment(runner: LambdaRunner) -> None:
    first, _, cold_log = _call(runner, "first", {})
    second, _, warm_log = _call(runner, "first", {})
    assert first["cold"] == second["cold"]
    assert "Init Duration" not in warm_log


def test_functions_are_isolated(runner: LambdaRunner) -> None:
    _call(runner, "first", {})
    result, _, _ = _call(runner, "second", {})
    assert result["leaks"] == ["leak_second"]
    assert (result["own"], result["other"]) == ("2", "x")


@pytest.mark.parametrize(
    ("event", "error_type", "message"),
    [
        ({"fail": "x"}, "ValueError", "bad input: x"),
        ({"unserialisable": True}, "Runtime.MarshalError", "Unable to marshal response"),
        ({"sleep": 3}, "Sandbox.Timedout", "Task timed out after 1.00 seconds"),
    ],
    ids=["unhandled", "marshal", "timeout"],
)
def test_errors_as_lambda_reports_them(
    runner: LambdaRunner, event: dict[str, object], error_type: str, message: str
) -> None:
    result, error, log = _call(runner, "first", event)
    assert error == "Unhandled"
    assert result["errorType"] == error_type
    assert message in str(result["errorMessage"])
    if error_type == "ValueError":
        assert any("app.py" in frame for frame in result["stackTrace"])  # type: ignore[attr-defined]
    if error_type == "Sandbox.Timedout":
        assert "Task timed out after 1.00 seconds" in log
        after, after_error, _ = _call(runner, "first", {})  # a fresh environment serves next
        assert after_error is None and after["name"] == "first"


@pytest.mark.parametrize(
    ("name", "error_type", "message"),
    [
        ("broken", "Runtime.ImportModuleError", "Unable to import module 'app'"),
        ("nohandler", "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'app'"),
    ],
)
def test_init_errors(runner: LambdaRunner, name: str, error_type: str, message: str) -> None:
    result, error, _ = _call(runner, name, {})
    assert (error, result["errorType"]) == ("Unhandled", error_type)
    assert message in str(result["errorMessage"])


@pytest.mark.parametrize(
    ("name", "payload", "code"),
    [
        ("nope", b"{}", "ResourceNotFoundException"),
        ("first", b"not json", "InvalidRequestContentException"),
    ],
    ids=["unknown-function", "bad-json"],
)
def test_request_errors(runner: LambdaRunner, name: str, payload: bytes, code: str) -> None:
    with pytest.raises(AwsError) as err:
        runner.invoke(name, payload)
    assert err.value.code == code


def test_logs_written_per_function(runner: LambdaRunner) -> None:
    _call(runner, "second", {"log": "me"})
    log_file = runner._log_dir / "second.log"
    assert 'handling {"log": "me"}' in log_file.read_text()


def test_interpreter_choice_is_explained(runner: LambdaRunner) -> None:
    pool = runner.pool("first")
    assert pool.python_note.startswith(("python3.13", "python3.11"))
    assert Path(pool.python).exists()
