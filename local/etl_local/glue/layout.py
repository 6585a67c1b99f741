"""From objects under an include path to tables and partitions, as Glue groups them.

- Exclusion patterns use Glue's glob syntax, relative to the include path: ``*`` stays in a
  folder, ``**`` crosses folders, ``?``, ``[...]``/``[!...]`` and ``{a,b}``.
- A folder whose files are all compatible becomes one table named after the folder; the
  folders below it become partitions (``key=value`` -> column ``key``; otherwise
  ``partition_0``, ``partition_1``...). A folder with incompatible children is split: each
  child is considered on its own.
- ``TableLevelConfiguration`` fixes the table roots instead: the absolute level counted from
  the bucket (level 1 = the bucket, 2 = its top-level folders, ...), so for
  ``s3://bucket/raw/flights/year=2013/...`` level 3 makes ``raw/flights`` the table.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from etl_local.glue.classifiers.base import UNKNOWN, Classification

# two schemas whose column names overlap at least this much are "similar" (same table)
SIMILARITY_THRESHOLD = 0.7
HIDDEN_PREFIXES = ("_", ".")


@dataclass(frozen=True)
class DataFile:
    key: str  # bucket-relative key
    rel: str  # relative to the include path
    size: int
    classification: Classification

    @property
    def folder(self) -> str:
        return self.rel.rpartition("/")[0]


@dataclass
class TableGroup:
    name: str
    root: str  # bucket-relative folder of the table ("" = bucket root), or a file key
    partition_keys: list[str]
    files: list[DataFile]
    is_file: bool = False
    partitions: dict[tuple[str, ...], list[DataFile]] = field(default_factory=dict)


# --------------------------------------------------------------------------- exclusions


_GLOB_TOKENS: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
    (r"\*\*", lambda m: ".*"),
    (r"\*", lambda m: "[^/]*"),
    (r"\?", lambda m: "[^/]"),
    (r"\[!([^\]]*)\]", lambda m: f"[^{m.group(1)}]"),
    (r"\[([^\]]*)\]", lambda m: f"[{m.group(1)}]"),
    (r"\{([^}]*)\}", lambda m: "(?:" + "|".join(map(re.escape, m.group(1).split(","))) + ")"),
)
_GLOB = re.compile("|".join(f"(?P<t{i}>{token})" for i, (token, _) in enumerate(_GLOB_TOKENS)))


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Glue exclude glob -> regex over include-relative keys."""
    out: list[str] = []
    position = 0
    for match in _GLOB.finditer(pattern):
        out.append(re.escape(pattern[position : match.start()]))
        token, render = _GLOB_TOKENS[int(str(match.lastgroup)[1:])]
        out.append(render(re.fullmatch(token, match.group(0))))  # type: ignore[arg-type]
        position = match.end()
    out.append(re.escape(pattern[position:]))
    return re.compile("".join(out))


def excluded(rel: str, patterns: Sequence[re.Pattern[str]]) -> bool:
    return any(p.fullmatch(rel) for p in patterns)


def is_data_key(rel: str) -> bool:
    """Folder markers and hidden files (``_SUCCESS``, ``.crc``) are no data."""
    name = rel.rpartition("/")[2]
    return bool(name) and not name.startswith(HIDDEN_PREFIXES) and not rel.endswith("$folder$")


# --------------------------------------------------------------------------- naming


def table_name(segment: str, prefix: str = "") -> str:
    """Glue names a table after its folder: lower-case, other characters -> ``_``."""
    return prefix + re.sub(r"[^a-z0-9_]", "_", segment.lower())


def unique_names(groups: list[TableGroup]) -> None:
    """Two tables with one name: Glue suffixes them with a hash of their location."""
    seen: dict[str, int] = {}
    for group in groups:
        seen[group.name] = seen.get(group.name, 0) + 1
    for group in groups:
        if seen[group.name] > 1:
            digest = hashlib.md5(group.root.encode(), usedforsecurity=False).hexdigest()[:8]
            group.name = f"{group.name}_{digest}"


# --------------------------------------------------------------------------- compatibility


def _names(cls: Classification) -> frozenset[str]:
    return frozenset(name for name, _ in cls.columns)


def schemas_compatible(left: Classification, right: Classification, combine: bool) -> bool:
    if left.signature != right.signature:
        return False
    a, b = _names(left), _names(right)
    if not a and not b:
        return True
    similar = len(a & b) / len(a | b) >= SIMILARITY_THRESHOLD
    return similar or (combine and (a <= b or b <= a))


def compatible(files: Iterable[DataFile], combine: bool) -> bool:
    distinct: dict[tuple[object, ...], Classification] = {}
    for item in files:
        cls = item.classification
        distinct.setdefault((cls.signature, tuple(cls.columns)), cls)
    schemas = list(distinct.values())
    return all(
        schemas_compatible(a, b, combine) for i, a in enumerate(schemas) for b in schemas[i + 1 :]
    )


def known(files: list[DataFile]) -> list[DataFile]:
    """Unclassifiable files next to classified ones are left out of the table."""
    classified = [f for f in files if f.classification.classification != UNKNOWN]
    return classified or files


# --------------------------------------------------------------------------- grouping


def _segments(folder: str) -> list[str]:
    return [s for s in folder.split("/") if s]


def _partition_keys(groups_of_segments: list[list[str]]) -> list[str]:
    keys: list[str] = []
    for level in range(len(groups_of_segments[0])):
        names = {seg[level].partition("=")[0] for seg in groups_of_segments if "=" in seg[level]}
        all_named = all("=" in seg[level] for seg in groups_of_segments)
        keys.append(names.pop().lower() if all_named and len(names) == 1 else f"partition_{level}")
    return keys


def _partition_value(segment: str, key: str) -> str:
    return segment.partition("=")[2] if key == segment.partition("=")[0].lower() else segment


def make_group(name: str, root: str, files: list[DataFile], base: str) -> TableGroup | None:
    """One table rooted at ``root`` (include-relative ``base``): None if depths differ."""
    files = known(files)
    below = [_segments(f.folder[len(base) :]) for f in files]
    if len({len(s) for s in below}) != 1:
        return None
    keys = _partition_keys(below) if below[0] else []
    group = TableGroup(name, root, keys, files)
    for item, segments in zip(files, below, strict=True):
        values = tuple(_partition_value(s, k) for s, k in zip(segments, keys, strict=True))
        group.partitions.setdefault(values, []).append(item)
    return group


def group_tables(
    files: list[DataFile], include_root: str, root_name: str, combine: bool
) -> list[TableGroup]:
    """Tables under one include path (``include_root``: its bucket-relative folder)."""
    return _group(files, "", include_root, root_name, combine)


def _join(root: str, rel: str) -> str:
    return "/".join(part for part in (root.rstrip("/"), rel) if part)


def _group(
    files: list[DataFile], base: str, include_root: str, name: str, combine: bool
) -> list[TableGroup]:
    if not files:
        return []
    if compatible(known(files), combine):
        group = make_group(name, _join(include_root, base.rstrip("/")), files, base)
        if group:
            return [group]
    here = [f for f in files if f.folder + "/" == base or (not base and not f.folder)]
    children: dict[str, list[DataFile]] = {}
    for item in files:
        if item not in here:
            child = _segments(item.folder[len(base) :])[0]
            children.setdefault(child, []).append(item)
    groups = [
        TableGroup(table_name(f.rel.rpartition("/")[2]), _join(include_root, f.rel), [], [f], True)
        for f in here
    ]
    for group in groups:
        group.partitions[()] = group.files
    for child, child_files in sorted(children.items()):
        groups += _group(child_files, f"{base}{child}/", include_root, table_name(child), combine)
    return groups


def group_by_level(
    files: list[DataFile], include_root: str, level: int, combine: bool
) -> list[TableGroup]:
    """``TableLevelConfiguration``: the table root is the folder at absolute ``level``."""
    depth = level - 1  # folders below the bucket
    roots: dict[str, list[DataFile]] = {}
    for item in files:
        segments = _segments(item.key.rpartition("/")[0])
        if len(segments) >= depth:
            roots.setdefault("/".join(segments[:depth]), []).append(item)
    groups: list[TableGroup] = []
    for root, root_files in sorted(roots.items()):
        base = root[len(include_root.rstrip("/")) :].strip("/")
        base = f"{base}/" if base else ""
        group = make_group(table_name(root.rpartition("/")[2]), root, root_files, base)
        if group:
            groups.append(group)
    return groups
