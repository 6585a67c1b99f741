"""Trino functions whose DuckDB rendering by sqlglot differs from Trino's meaning.

Three tables, one entry per difference:

- ``FUNCTIONS``: Trino functions sqlglot leaves unparsed (``exp.Anonymous``), by name;
- ``NODES``: sqlglot expression classes, given the node (with its annotated ``type``);
- ``MACROS``: DuckDB macros the entries above call, created once per engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import duckdb
from sqlglot import exp

Args = list[exp.Expression]
DType = exp.DataType.Type


def call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _fn(name: str) -> Callable[[Args], exp.Expression]:
    return lambda args: call(name, *args)


def _num(value: int) -> exp.Expression:
    return exp.Literal.number(value)


def _lambda(params: list[str], body: exp.Expression) -> exp.Expression:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(p) for p in params])


def _map_lambda(lam: exp.Expression, entry: str = "__e") -> exp.Expression:
    """Trino ``(k, v) -> body`` as a DuckDB lambda over a map entry ``__e`` (key, value)."""
    assert isinstance(lam, exp.Lambda)
    key, value = (p.name for p in lam.expressions)
    fields = {key: "key", value: "value"}
    body = lam.this.copy()
    for ref in list(body.find_all(exp.Column, exp.Identifier)):
        bare = isinstance(ref, exp.Identifier) and not isinstance(ref.parent, exp.Column)
        column = isinstance(ref, exp.Column) and not ref.table
        if (bare or column) and ref.name in fields:
            replacement = exp.column(fields[ref.name], table=entry)
            if ref is body:
                return replacement
            ref.replace(replacement)
    return body


def _map_filter(args: Args) -> exp.Expression:
    entries = call("map_entries", args[0])
    return call(
        "map_from_entries", call("list_filter", entries, _lambda(["__e"], _map_lambda(args[1])))
    )


def _transform_values(args: Args) -> exp.Expression:
    value = _map_lambda(args[1])
    struct = exp.Struct(
        expressions=[
            exp.PropertyEQ(
                this=exp.to_identifier("key"), expression=exp.column("key", table="__e")
            ),
            exp.PropertyEQ(this=exp.to_identifier("value"), expression=value),
        ]
    )
    entries = call("map_entries", args[0])
    return call("map_from_entries", call("list_transform", entries, _lambda(["__e"], struct)))


def _match(kind: str, negate: bool = False) -> Callable[[Args], exp.Expression]:
    def build(args: Args) -> exp.Expression:
        result = call(kind, call("list_transform", *args))
        return exp.Not(this=result) if negate else result

    return build


FUNCTIONS: dict[str, Callable[[Args], exp.Expression]] = {
    "CODEPOINT": _fn("unicode"),
    "TO_HEX": _fn("hex"),
    "FROM_HEX": _fn("unhex"),
    "E": lambda args: call("exp", _num(1)),
    "INFINITY": lambda args: exp.cast(exp.Literal.string("inf"), "DOUBLE"),
    "NAN": lambda args: exp.cast(exp.Literal.string("nan"), "DOUBLE"),
    "IS_NAN": _fn("isnan"),
    "IS_FINITE": _fn("isfinite"),
    "IS_INFINITE": _fn("isinf"),
    "TRUNCATE": _fn("trunc"),
    "ARRAY_MAX": _fn("list_max"),
    "ARRAY_MIN": _fn("list_min"),
    "ARRAY_REMOVE": lambda args: call(
        "list_filter",
        args[0],
        _lambda(["__x"], exp.NEQ(this=exp.column("__x"), expression=args[1])),
    ),
    "ARRAY_UNION": lambda args: call("athena_array_distinct", call("list_concat", *args)),
    "ARRAYS_OVERLAP": _fn("list_has_any"),
    "ANY_MATCH": _match("list_bool_or"),
    "ALL_MATCH": _match("list_bool_and"),
    "NONE_MATCH": _match("list_bool_or", negate=True),
    "TRIM_ARRAY": lambda args: call(
        "list_slice", args[0], _num(1), exp.Sub(this=call("len", args[0]), expression=args[1])
    ),
    "MAP_FILTER": _map_filter,
    "TRANSFORM_VALUES": _transform_values,
    "MAP_AGG": lambda args: call("map", call("list", args[0]), call("list", args[1])),
    "EVERY": _fn("bool_and"),
    "AT_TIMEZONE": lambda args: exp.AtTimeZone(this=args[0], zone=args[1]),
    "HAMMING_DISTANCE": _fn("hamming"),
    "BIT_COUNT": lambda args: call("bit_count", exp.cast(args[0], "BIGINT")),
    "TO_BASE": lambda args: exp.Lower(this=call("to_base", *args)),
    "URL_ENCODE": lambda args: call(
        "replace", call("url_encode", *args), exp.Literal.string("%20"), exp.Literal.string("+")
    ),
    "URL_DECODE": lambda args: call(
        "url_decode", call("replace", args[0], exp.Literal.string("+"), exp.Literal.string(" "))
    ),
    "LUHN_CHECK": _fn("athena_luhn_check"),
    "URL_EXTRACT_HOST": _fn("athena_url_host"),
    "URL_EXTRACT_PATH": _fn("athena_url_path"),
    "URL_EXTRACT_PORT": _fn("athena_url_port"),
    "URL_EXTRACT_PROTOCOL": _fn("athena_url_protocol"),
    "URL_EXTRACT_QUERY": _fn("athena_url_query"),
    "URL_EXTRACT_FRAGMENT": _fn("athena_url_fragment"),
    "URL_EXTRACT_PARAMETER": _fn("athena_url_parameter"),
    "REGEXP_POSITION": _fn("athena_regexp_position"),
    "JSON_SIZE": _fn("athena_json_size"),
    "IS_JSON_SCALAR": lambda args: exp.Not(
        this=exp.In(
            this=call("json_type", args[0]),
            expressions=[exp.Literal.string("OBJECT"), exp.Literal.string("ARRAY")],
        )
    ),
    "TO_ISO8601": _fn("athena_to_iso8601"),
    "FORMAT_DATETIME": lambda args: call("strftime", args[0], _joda(args[1])),
}

# Joda-Time pattern letters (format_datetime/parse_datetime) -> strftime; longest first.
JODA: list[tuple[str, str]] = [
    ("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("dd", "%d"),
    ("HH", "%H"), ("hh", "%I"), ("mm", "%M"), ("ss", "%S"), ("SSS", "%g"), ("EEEE", "%A"),
    ("EEE", "%a"), ("a", "%p"), ("ZZ", "%z"), ("Z", "%z"), ("D", "%j"), ("M", "%-m"), ("d", "%-d"),
    ("H", "%-H"),
]  # fmt: skip
_JODA_TOKEN = re.compile("|".join(re.escape(k) for k, _ in JODA) + "|'[^']*'")


def _joda(pattern: exp.Expression) -> exp.Expression:
    if not isinstance(pattern, exp.Literal):
        return pattern
    table = dict(JODA)

    def convert(match: re.Match[str]) -> str:
        token = match.group(0)
        return token[1:-1] if token.startswith("'") else table[token]

    return exp.Literal.string(_JODA_TOKEN.sub(convert, pattern.name))


def _is(node: exp.Expression | None, *types: object) -> bool:
    return node is not None and node.type is not None and node.type.this in types


INTEGERS = (DType.TINYINT, DType.SMALLINT, DType.INT, DType.BIGINT)


def _date_result(node: exp.Expression) -> exp.Expression:
    """DuckDB's date arithmetic yields TIMESTAMP; Trino keeps DATE."""
    return exp.cast(node.copy(), "DATE") if _is(node, DType.DATE) else node


def _same_type_as_argument(node: exp.Expression) -> exp.Expression:
    """Trino returns the argument's type where DuckDB returns a double (approx_percentile)."""
    argument = node.this
    if _is(argument, *INTEGERS) and argument.type is not None:
        return exp.cast(node.copy(), argument.type.copy())
    return node


def _cast(node: exp.Expression) -> exp.Expression:
    assert isinstance(node, exp.Cast)
    target = node.to
    if target.is_type(DType.VARCHAR, DType.TEXT) and _is(node.this, DType.TIMESTAMP):
        return call("strftime", node.this, exp.Literal.string("%Y-%m-%d %H:%M:%S.%g"))
    if (
        target.is_type(DType.DECIMAL)
        and not target.expressions
        and isinstance(node.this, exp.Literal)
    ):
        digits = node.this.name.strip().lstrip("+-")
        whole, _, fraction = digits.partition(".")
        precision = max(len(whole.lstrip("0")) + len(fraction), 1)
        return exp.cast(node.this, f"DECIMAL({precision}, {len(fraction)})")
    return node


def _format(node: exp.Expression) -> exp.Expression:
    return call("printf", node.this, *node.expressions)


def _regexp_replace(node: exp.Expression) -> exp.Expression:
    replacement = node.args.get("replacement")
    if isinstance(replacement, exp.Literal):
        node.set("replacement", exp.Literal.string(re.sub(r"\$(\d)", r"\\\1", replacement.name)))
    return node


def _regexp_extract(node: exp.Expression) -> exp.Expression:
    group = node.args.get("group") or _num(0)
    return call("athena_regexp_extract", node.this, node.expression, group)


def _split(node: exp.Expression) -> exp.Expression:
    limit = node.args.get("limit")
    if limit is None:
        return node
    return call("athena_split", node.this, node.expression, limit)


NODES: dict[type[exp.Expression], Callable[[exp.Expression], exp.Expression]] = {
    exp.Typeof: lambda node: call("athena_typeof", node.this),
    exp.Add: _date_result,
    exp.Sub: _date_result,
    exp.DateAdd: _date_result,
    exp.DateSub: _date_result,
    exp.DateTrunc: _date_result,
    exp.Cast: _cast,
    exp.Reverse: lambda node: (
        call("list_reverse", node.this) if _is(node.this, DType.ARRAY) else node
    ),
    exp.ArraySize: lambda node: (
        call("cardinality", node.this) if _is(node.this, DType.MAP) else node
    ),
    exp.Sign: lambda node: (
        exp.cast(node, "DOUBLE") if _is(node.this, DType.DOUBLE, DType.FLOAT) else node
    ),
    exp.GenerateSeries: lambda node: (
        exp.cast(node, "DATE[]") if _is(node.args.get("start"), DType.DATE) else node
    ),
    exp.SplitPart: lambda node: call(
        "athena_split_part", node.this, node.args["delimiter"], node.args["part_index"]
    ),
    exp.ArrayPosition: lambda node: exp.Coalesce(this=node.copy(), expressions=[_num(0)]),
    exp.ApproxQuantile: _same_type_as_argument,
    exp.ArraySlice: lambda node: call(
        "list_slice",
        node.this,
        node.args["start"],
        exp.Sub(
            this=exp.Add(this=node.args["start"], expression=node.args["end"]), expression=_num(1)
        ),
    ),
    exp.ArrayDistinct: lambda node: call("athena_array_distinct", node.this),
    exp.ArrayExcept: lambda node: call("athena_array_except", node.this, node.expression),
    exp.RegexpExtract: _regexp_extract,
    exp.RegexpReplace: _regexp_replace,
    exp.Format: _format,
    exp.Split: _split,
    exp.StrPosition: lambda node: call(
        "athena_strpos", node.this, node.args["substr"], node.args.get("occurrence") or _num(1)
    ),
    exp.StrToMap: lambda node: call(
        "athena_split_to_map", node.this, node.args["pair_delim"], node.args["key_value_delim"]
    ),
    exp.WidthBucket: lambda node: call(
        "athena_width_bucket",
        node.this,
        node.args["min_value"],
        node.args["max_value"],
        node.args["num_buckets"],
    ),
    exp.FromBase: lambda node: call("athena_from_base", node.this, node.expression),
    exp.Repeat: lambda node: call(
        "list_transform", call("range", node.args["times"]), _lambda(["__x"], node.this)
    ),
    exp.Cbrt: lambda node: call("athena_cbrt", node.this),
    exp.JSONArrayContains: lambda node: call(
        "json_contains", node.this, call("to_json", node.expression)
    ),
    exp.ParseDatetime: lambda node: exp.cast(
        call("strptime", node.this, _joda(node.args["format"])), "TIMESTAMPTZ"
    ),
    exp.DateDiff: lambda node: call(
        "date_sub",
        exp.Literal.string(str(node.args.get("unit") or "day")),
        node.expression,
        node.this,
    ),
}

_URL = "'^[a-zA-Z][a-zA-Z0-9+.-]*://"
MACROS: dict[str, str] = {
    "athena_typeof(x)": (
        "regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(lower(typeof(x)), "
        "'^timestamp', 'timestamp(3)'), 'float', 'real', 'g'), '(\\w+)\\[\\]', 'array(\\1)', 'g'), "
        "'struct', 'row', 'g'), 'hugeint', 'bigint', 'g')"
    ),
    "athena_split(s, d, n)": (
        "CASE WHEN len(string_split(s, d)) <= n THEN string_split(s, d) ELSE list_concat("
        "list_slice(string_split(s, d), 1, n - 1), "
        "[array_to_string(list_slice(string_split(s, d), n, len(string_split(s, d))), d)]) END"
    ),
    "athena_split_part(s, d, n)": "CASE WHEN len(string_split(s, d)) >= n THEN split_part(s, d, n) END",
    "athena_strpos(s, sub, n)": (
        "CASE WHEN len(string_split(s, sub)) > n THEN "
        "length(array_to_string(list_slice(string_split(s, sub), 1, n), sub)) + 1 ELSE 0 END"
    ),
    "athena_split_to_map(s, e, kv)": (
        "map_from_entries(list_transform(string_split(s, e), "
        "x -> {'k': split_part(x, kv, 1), 'v': split_part(x, kv, 2)}))"
    ),
    "athena_luhn_check(s)": (
        "list_sum(list_transform(range(length(s)), i -> CASE WHEN i % 2 = 1 THEN "
        "CAST(substr(reverse(s), i + 1, 1) AS INTEGER) * 2 - "
        "CASE WHEN CAST(substr(reverse(s), i + 1, 1) AS INTEGER) * 2 > 9 THEN 9 ELSE 0 END "
        "ELSE CAST(substr(reverse(s), i + 1, 1) AS INTEGER) END)) % 10 = 0"
    ),
    "athena_url_host(u)": f"regexp_extract(u, {_URL}([^/:?#]*)', 1)",
    "athena_url_path(u)": f"regexp_extract(u, {_URL}[^/?#]*([^?#]*)', 1)",
    "athena_url_port(u)": f"TRY_CAST(NULLIF(regexp_extract(u, {_URL}[^/:?#]*:([0-9]+)', 1), '') AS BIGINT)",
    "athena_url_protocol(u)": "NULLIF(regexp_extract(u, '^([a-zA-Z][a-zA-Z0-9+.-]*):', 1), '')",
    "athena_url_query(u)": "NULLIF(regexp_extract(u, '\\?([^#]*)', 1), '')",
    "athena_url_fragment(u)": "NULLIF(regexp_extract(u, '#(.*)$', 1), '')",
    "athena_url_parameter(u, name)": "NULLIF(regexp_extract(u, '[?&]' || name || '=([^&#]*)', 1), '')",
    "athena_regexp_extract(s, p, g)": "CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p, g) END",
    "athena_regexp_position(s, p)": (
        "CASE WHEN regexp_matches(s, p) THEN strpos(s, regexp_extract(s, p)) ELSE -1 END"
    ),
    "athena_json_size(j, p)": (
        "CASE json_type(j, p) WHEN 'OBJECT' THEN len(json_keys(j, p)) "
        "WHEN 'ARRAY' THEN json_array_length(j, p) ELSE 0 END"
    ),
    "athena_to_iso8601(x)": (
        "CASE WHEN typeof(x) = 'DATE' THEN strftime(x, '%Y-%m-%d') "
        "ELSE strftime(x, '%Y-%m-%dT%H:%M:%S.%g') END"
    ),
    "athena_array_distinct(a)": "list_filter(a, (x, i) -> list_position(a, x) = i)",
    "athena_array_except(a, b)": "athena_array_distinct(list_filter(a, x -> NOT list_contains(b, x)))",
    "athena_width_bucket(x, lo, hi, n)": (
        "CASE WHEN x < lo THEN 0 WHEN x >= hi THEN n + 1 "
        "ELSE CAST(floor((x - lo) * n / (hi - lo)) AS BIGINT) + 1 END"
    ),
    "athena_from_base(s, radix)": (
        "CAST(list_reduce(list_transform(string_split(lower(s), ''), "
        "c -> instr('0123456789abcdefghijklmnopqrstuvwxyz', c) - 1), (a, b) -> a * radix + b) AS BIGINT)"
    ),
    "athena_cbrt(x)": "CASE WHEN round(cbrt(x)) ^ 3 = x THEN round(cbrt(x)) ELSE cbrt(x) END",
}


def create_macros(connection: duckdb.DuckDBPyConnection) -> None:
    for signature, body in MACROS.items():
        connection.execute(f"CREATE OR REPLACE MACRO {signature} AS {body}")


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous):
        build = FUNCTIONS.get(str(node.this).upper())
        return build(list(node.expressions)) if build is not None else node
    rewrite = NODES.get(type(node))
    return rewrite(node) if rewrite is not None else node


def rewrite(tree: exp.Expression) -> exp.Expression:
    """Apply the tables bottom-up (children first), in place; returns the new root."""
    for node in reversed(list(tree.walk(bfs=False))):
        assert isinstance(node, exp.Expression)
        replacement = _rewrite(node)
        if replacement is not node:
            if node is tree:
                tree = replacement
            else:
                node.replace(replacement)
    return tree
