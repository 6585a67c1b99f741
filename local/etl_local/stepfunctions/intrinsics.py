"""Intrinsic functions (``States.Format(...)`` and friends) for JSONPath states.

An expression is parsed once into a small tree (function calls, literals, paths) and
evaluated against a path resolver. Functions live in one registry; each checks its
arguments and raises ``States.IntrinsicFailure`` with a cause, as AWS does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from etl_local.stepfunctions.errors import INTRINSIC_FAILURE, StatesError

Resolver = Callable[[str], Any]


@dataclass(frozen=True)
class Literal:
    value: Any
    raw: str | None = None  # the source text of a string literal, escapes kept (Format)


@dataclass(frozen=True)
class PathArg:
    path: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Literal | PathArg | Call, ...]


Node = Literal | PathArg | Call


class IntrinsicSyntaxError(ValueError):
    pass


_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_NAME = re.compile(r"States\.[A-Za-z0-9]+")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> Call:
        node = self._call()
        self._skip()
        if self.pos != len(self.text):
            raise IntrinsicSyntaxError(f"unexpected text at {self.pos} in {self.text!r}")
        return node

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def _call(self) -> Call:
        self._skip()
        match = _NAME.match(self.text, self.pos)
        if match is None:
            raise IntrinsicSyntaxError(f"expected an intrinsic function in {self.text!r}")
        name = match.group(0)
        if name not in FUNCTIONS:
            raise IntrinsicSyntaxError(f"unknown intrinsic function {name}")
        self.pos = match.end()
        self._expect("(")
        args: list[Node] = []
        self._skip()
        if self._peek() == ")":
            self.pos += 1
            return Call(name, ())
        while True:
            args.append(self._arg())
            self._skip()
            char = self._peek()
            self.pos += 1
            if char == ")":
                return Call(name, tuple(args))
            if char != ",":
                raise IntrinsicSyntaxError(f"expected ',' or ')' in {self.text!r}")

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _expect(self, char: str) -> None:
        self._skip()
        if self._peek() != char:
            raise IntrinsicSyntaxError(f"expected {char!r} in {self.text!r}")
        self.pos += 1

    def _arg(self) -> Node:
        self._skip()
        char = self._peek()
        if char == "'":
            return self._string()
        if char == "$":
            return self._path()
        if self.text.startswith("States.", self.pos):
            return self._call()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return Literal(value)
        match = _NUMBER.match(self.text, self.pos)
        if match is None:
            raise IntrinsicSyntaxError(f"bad argument at {self.pos} in {self.text!r}")
        self.pos = match.end()
        number = match.group(0)
        is_int = match.group(1) is None and match.group(2) is None
        return Literal(int(number) if is_int else float(number))

    def _string(self) -> Literal:
        start = self.pos + 1
        pos = start
        while pos < len(self.text):
            if self.text[pos] == "\\":
                pos += 2
                continue
            if self.text[pos] == "'":
                raw = self.text[start:pos]
                self.pos = pos + 1
                return Literal(_unescape(raw), raw)
            pos += 1
        raise IntrinsicSyntaxError(f"unterminated string in {self.text!r}")

    def _path(self) -> PathArg:
        start = self.pos
        depth = 0
        quote = ""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"" and depth:
                quote = char
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
            elif char in ",)" and depth == 0:
                break
            self.pos += 1
        return PathArg(self.text[start : self.pos].strip())


def _unescape(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw)


@lru_cache(maxsize=2048)
def parse(text: str) -> Call:
    return _Parser(text).parse()


def is_intrinsic(text: str) -> bool:
    return text.startswith("States.")


Compiled = Callable[[Resolver], Any]


def evaluate(text: str, resolve: Resolver) -> Any:
    return compile_expression(text)(resolve)


@lru_cache(maxsize=2048)
def compile_expression(text: str) -> Compiled:
    """The expression as a closure over its parsed tree (parsed once, evaluated often)."""
    return _compile(parse(text))


def _compile(node: Node) -> Compiled:
    if isinstance(node, Literal):
        value = node.value
        return lambda resolve: value
    if isinstance(node, PathArg):
        path = node.path
        return lambda resolve: resolve(path)
    args = [_compile(arg) for arg in node.args]
    if node.name == "States.Format":
        call = node
        return lambda resolve: _format(call, [arg(resolve) for arg in args])
    function = FUNCTIONS[node.name]
    return lambda resolve: function([arg(resolve) for arg in args])


def fail(message: str) -> StatesError:
    return StatesError(INTRINSIC_FAILURE, message)


def _need(name: str, args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise fail(
            f"Invalid arguments in {name}: expected {expected} argument(s) but got {len(args)}"
        )


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _typed(name: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if isinstance(value, bool) and kind is not bool:
        raise fail(f"Invalid arguments in {name}: expected {what} but got a boolean")
    if not isinstance(value, kind):
        raise fail(f"Invalid arguments in {name}: expected {what} but got {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    table: list[tuple[type, str]] = [
        (bool, "a boolean"),
        (str, "a string"),
        (int, "a number"),
        (float, "a number"),
        (list, "an array"),
        (dict, "an object"),
    ]
    for kind, label in table:
        if isinstance(value, kind):
            return label
    return "null"


def _to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e16 else json.dumps(value)
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"))


def _format(node: Call, args: list[Any]) -> str:
    if not args or not isinstance(node.args[0], Literal) or not isinstance(args[0], str):
        raise fail("Invalid arguments in States.Format: the first argument must be a string")
    first = node.args[0]
    raw = first.raw if first.raw is not None else str(first.value)
    values = args[1:]
    for value in values:
        if isinstance(value, dict | list):
            raise fail(
                "Invalid arguments in States.Format: arguments must be strings, numbers, "
                "booleans or null"
            )
    pieces = re.split(r"(?<!\\)\{\}", raw)
    if len(pieces) - 1 != len(values):
        raise fail(
            f"Invalid arguments in States.Format: the template has {len(pieces) - 1} "
            f"placeholder(s) but {len(values)} argument(s) were given"
        )
    out = [_unescape(pieces[0])]
    for value, piece in zip(values, pieces[1:], strict=True):
        out.append(_to_text(value))
        out.append(_unescape(piece))
    return "".join(out)


def _string_to_json(args: list[Any]) -> Any:
    _need("States.StringToJson", args, 1)
    text = _typed("States.StringToJson", args[0], str, "a string")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"Invalid arguments in States.StringToJson: {text!r} is not valid JSON") from exc


def _json_to_string(args: list[Any]) -> str:
    _need("States.JsonToString", args, 1)
    return json.dumps(args[0], separators=(",", ":"), ensure_ascii=False)


def _array(args: list[Any]) -> list[Any]:
    return list(args)


def _array_partition(args: list[Any]) -> list[Any]:
    _need("States.ArrayPartition", args, 2)
    array = _typed("States.ArrayPartition", args[0], list, "an array")
    size = args[1]
    if not _is_int(size) or size <= 0:
        raise fail(
            "Invalid arguments in States.ArrayPartition: chunk size must be a positive integer"
        )
    size = int(size)
    return [array[i : i + size] for i in range(0, len(array), size)]


def _array_contains(args: list[Any]) -> bool:
    _need("States.ArrayContains", args, 2)
    return args[1] in _typed("States.ArrayContains", args[0], list, "an array")


MAX_RANGE_ITEMS = 1000


def _array_range(args: list[Any]) -> list[int]:
    _need("States.ArrayRange", args, 3)
    if not all(_is_int(a) for a in args):
        raise fail("Invalid arguments in States.ArrayRange: arguments must be integers")
    start, end, step = (int(a) for a in args)
    if step == 0:
        raise fail("Invalid arguments in States.ArrayRange: step must not be 0")
    stop = end + (1 if step > 0 else -1)
    values = list(range(start, stop, step))
    if len(values) > MAX_RANGE_ITEMS:
        raise fail(
            f"Invalid arguments in States.ArrayRange: the array would have {len(values)} "
            f"items, more than the maximum of {MAX_RANGE_ITEMS}"
        )
    return values


def _array_get_item(args: list[Any]) -> Any:
    _need("States.ArrayGetItem", args, 2)
    array = _typed("States.ArrayGetItem", args[0], list, "an array")
    index = args[1]
    if not _is_int(index) or index < 0:
        raise fail("Invalid arguments in States.ArrayGetItem: index must be a non-negative integer")
    if int(index) >= len(array):
        raise fail(f"Invalid arguments in States.ArrayGetItem: index {int(index)} out of bounds")
    return array[int(index)]


def _array_length(args: list[Any]) -> int:
    _need("States.ArrayLength", args, 1)
    return len(_typed("States.ArrayLength", args[0], list, "an array"))


def _array_unique(args: list[Any]) -> list[Any]:
    _need("States.ArrayUnique", args, 1)
    out: list[Any] = []
    for value in _typed("States.ArrayUnique", args[0], list, "an array"):
        if value not in out:
            out.append(value)
    return out


MAX_BASE64_INPUT = 10_000


def _base64_encode(args: list[Any]) -> str:
    _need("States.Base64Encode", args, 1)
    text = _typed("States.Base64Encode", args[0], str, "a string")
    if len(text) > MAX_BASE64_INPUT:
        raise fail("Invalid arguments in States.Base64Encode: input exceeds 10000 characters")
    return base64.b64encode(text.encode()).decode()


def _base64_decode(args: list[Any]) -> str:
    _need("States.Base64Decode", args, 1)
    text = _typed("States.Base64Decode", args[0], str, "a string")
    if len(text) > MAX_BASE64_INPUT:
        raise fail("Invalid arguments in States.Base64Decode: input exceeds 10000 characters")
    try:
        return base64.b64decode(text, validate=True).decode()
    except ValueError as exc:
        raise fail("Invalid arguments in States.Base64Decode: input is not valid base64") from exc


HASHES: dict[str, Callable[[bytes], Any]] = {
    "MD5": hashlib.md5,
    "SHA-1": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384,
    "SHA-512": hashlib.sha512,
}


def _hash(args: list[Any]) -> str:
    _need("States.Hash", args, 2)
    data, algorithm = args
    if data is None:
        raise fail("Invalid arguments in States.Hash: the data to hash must not be null")
    if algorithm not in HASHES:
        raise fail(
            f"Invalid arguments in States.Hash: unsupported algorithm {algorithm!r}, "
            f"expected one of {', '.join(HASHES)}"
        )
    text = data if isinstance(data, str) else _to_text(data)
    return str(HASHES[algorithm](text.encode()).hexdigest())


def _json_merge(args: list[Any]) -> dict[str, Any]:
    _need("States.JsonMerge", args, 3)
    left = _typed("States.JsonMerge", args[0], dict, "an object")
    right = _typed("States.JsonMerge", args[1], dict, "an object")
    if args[2] is not False:
        raise fail("Invalid arguments in States.JsonMerge: deep merge is not supported, use false")
    return {**left, **right}


def _math_random(args: list[Any]) -> int:
    _need("States.MathRandom", args, 2, 3)
    if not all(_is_int(a) for a in args):
        raise fail("Invalid arguments in States.MathRandom: arguments must be integers")
    start, end = int(args[0]), int(args[1])
    if start >= end:
        raise fail("Invalid arguments in States.MathRandom: start must be less than end")
    rng = random.Random(int(args[2])) if len(args) == 3 else random  # noqa: S311
    return rng.randrange(start, end)


MATH_LIMIT = 2**31


def _math_add(args: list[Any]) -> int:
    _need("States.MathAdd", args, 2)
    if not all(_is_int(a) for a in args):
        raise fail("Invalid arguments in States.MathAdd: arguments must be integers")
    total = int(args[0]) + int(args[1])
    if not -MATH_LIMIT <= total < MATH_LIMIT:
        raise fail("Invalid arguments in States.MathAdd: the result is out of the integer range")
    return total


def _string_split(args: list[Any]) -> list[str]:
    _need("States.StringSplit", args, 2)
    text = _typed("States.StringSplit", args[0], str, "a string")
    delimiters = _typed("States.StringSplit", args[1], str, "a string")
    if not delimiters:
        return [text]
    pattern = "[" + re.escape(delimiters) + "]"
    return [part for part in re.split(pattern, text) if part]


def _uuid(args: list[Any]) -> str:
    _need("States.UUID", args, 0)
    return str(uuid.uuid4())


FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "States.Format": lambda args: None,  # needs the raw template: see _format
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": _array,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}
