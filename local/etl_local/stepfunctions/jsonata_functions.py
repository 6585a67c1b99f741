"""The functions Step Functions adds to JSONata: $partition, $range, $hash, $random, $uuid, $parse."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from typing import Any

from etl_local.stepfunctions.intrinsics import HASHES


class JsonataFunctionError(ValueError):
    pass


def _partition(array: Any, size: Any) -> list[Any]:
    if not isinstance(array, list) or not isinstance(size, int | float) or size < 1:
        raise JsonataFunctionError("$partition expects an array and a positive chunk size")
    step = int(size)
    return [array[i : i + step] for i in range(0, len(array), step)]


def _range(start: Any, end: Any, step: Any) -> list[int]:
    if (
        not all(isinstance(v, int | float) and float(v).is_integer() for v in (start, end, step))
        or step == 0
    ):
        raise JsonataFunctionError("$range expects integer start, end and a non-zero step")
    stop = int(end) + (1 if step > 0 else -1)
    values = list(range(int(start), stop, int(step)))
    if len(values) > 1000:
        raise JsonataFunctionError("$range would produce more than 1000 items")
    return values


def _hash(data: Any, algorithm: Any) -> str:
    if algorithm not in HASHES:
        raise JsonataFunctionError(f"$hash does not support the algorithm {algorithm!r}")
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return str(HASHES[algorithm](text.encode()).hexdigest())


def _random(seed: Any = None) -> float:
    rng = random.Random(seed) if seed is not None else random  # noqa: S311
    return rng.random()


def _uuid() -> str:
    return str(uuid.uuid4())


def _parse(text: Any) -> Any:
    if not isinstance(text, str):
        raise JsonataFunctionError("$parse expects a string")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonataFunctionError(f"$parse: invalid JSON: {exc.msg}") from exc


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "partition": _partition,
    "range": _range,
    "hash": _hash,
    "random": _random,
    "uuid": _uuid,
    "parse": _parse,
}


def register(expression: Any) -> None:
    for name, function in FUNCTIONS.items():
        expression.register_lambda(name, function)
