"""JSONPath as the States Language uses it: Paths, Reference Paths and ResultPath.

Simple reference paths (``$``, ``$.a.b``, ``$['a'][0]``) compile to a tuple of keys read
directly (the hot path). Anything richer (wildcards, filters, slices, ``..``) goes to
jsonpath-ng and yields the list of matches, as Step Functions does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from jsonpath_ng.ext import parse as ext_parse

_TOKEN = re.compile(
    r"""\.(?P<name>[^.\[\]*?@()'",\s]+)"""
    r"""|\[(?:'(?P<sq>(?:[^'\\]|\\.)*)'|"(?P<dq>(?:[^"\\]|\\.)*)"|(?P<idx>\d+))\]"""
)

Key = str | int
Getter = Callable[[Any], Any]


class PathMissing(Exception):
    """The path selects nothing in the data."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class InvalidPath(ValueError):
    pass


def reference_keys(path: str) -> tuple[Key, ...] | None:
    """The keys of a simple reference path, or None if the path is not a simple one."""
    if not path.startswith("$"):
        raise InvalidPath(path)
    keys: list[Key] = []
    pos = 1
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None:
            return None
        if match.group("name") is not None:
            keys.append(match.group("name"))
        elif match.group("idx") is not None:
            keys.append(int(match.group("idx")))
        else:
            raw = match.group("sq") if match.group("sq") is not None else match.group("dq")
            keys.append(re.sub(r"\\(.)", r"\1", raw))
        pos = match.end()
    return tuple(keys)


def _lookup(data: Any, keys: tuple[Key, ...], path: str) -> Any:
    for key in keys:
        if isinstance(key, int):
            if not isinstance(data, list) or key >= len(data):
                raise PathMissing(path)
        elif not isinstance(data, dict) or key not in data:
            raise PathMissing(path)
        data = data[key]
    return data


@lru_cache(maxsize=4096)
def compile_path(path: str) -> Getter:
    """A function that reads ``path`` from data; raises PathMissing when it selects nothing."""
    keys = reference_keys(path)
    if keys is not None:
        if not keys:
            return lambda data: data
        return lambda data: _lookup(data, keys, path)
    try:
        expr = ext_parse(path)
    except Exception as exc:
        raise InvalidPath(path) from exc

    def read_many(data: Any) -> Any:
        found = expr.find(data)
        if not found and not _is_indefinite(path):
            raise PathMissing(path)
        return [m.value for m in found]

    return read_many


def _is_indefinite(path: str) -> bool:
    return any(marker in path for marker in ("*", "?(", "..", ":"))


def read(path: str, data: Any) -> Any:
    return compile_path(path)(data)


def is_valid_path(path: str) -> bool:
    try:
        compile_path(path)
    except InvalidPath:
        return False
    return True


def is_reference_path(path: str) -> bool:
    try:
        return reference_keys(path) is not None
    except InvalidPath:
        return False


class ResultPathMismatch(Exception):
    pass


def write(data: Any, path: str, value: Any) -> Any:
    """``data`` with ``value`` placed at reference path ``path`` (copies, never mutates)."""
    keys = reference_keys(path)
    if keys is None:
        raise InvalidPath(path)
    return _assign(data, keys, value)


def _assign(node: Any, keys: tuple[Key, ...], value: Any) -> Any:
    if not keys:
        return value
    key, rest = keys[0], keys[1:]
    if isinstance(key, int):
        if not isinstance(node, list) or key >= len(node):
            raise ResultPathMismatch
        copy_list = list(node)
        copy_list[key] = _assign(node[key], rest, value)
        return copy_list
    if not isinstance(node, dict):
        raise ResultPathMismatch
    copy_dict = dict(node)
    copy_dict[key] = _assign(node.get(key, {}), rest, value)
    return copy_dict
