"""The built-in classifiers, in Glue's order, behind one entry point: ``classify_object``.

Glue reads the beginning of text files (a sample), the schema/metadata of columnar files,
and decompresses gzip/bzip2 before classifying. The first classifier that recognises the
data wins; none -> classification ``UNKNOWN``.
"""

from __future__ import annotations

import bz2
import functools
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from etl_local.glue.classifiers.base import Classification, unknown
from etl_local.glue.classifiers.columnar import classify_avro, classify_orc, classify_parquet
from etl_local.glue.classifiers.csvfmt import CsvOptions, classify_csv
from etl_local.glue.classifiers.jsonfmt import classify_json
from etl_local.glue.storage import ObjectStore, StoredObject

SAMPLE_BYTES = 1 << 20  # Glue samples the first megabyte of a text file

# binary formats, tried on the raw bytes, in Glue's order (Avro, ORC, Parquet)
BINARY_CLASSIFIERS: tuple[Callable[[bytes], Classification | None], ...] = (
    classify_avro,
    classify_orc,
    classify_parquet,
)
BINARY_MAGIC = (b"Obj\x01", b"ORC", b"PAR1")

TextClassifier = Callable[[str], Classification | None]

# text formats, tried on the decoded sample, in Glue's order (JSON before CSV)
TEXT_CLASSIFIERS: tuple[TextClassifier, ...] = (classify_json, classify_csv)

# custom classifier kind (GetClassifier's member) -> the classifier its settings make
CUSTOM_KINDS: dict[str, Callable[[dict[str, Any]], TextClassifier]] = {
    "CsvClassifier": lambda spec: functools.partial(
        classify_csv, options=CsvOptions.from_glue(spec)
    ),
}


def custom_classifiers(definitions: Sequence[dict[str, Any]]) -> tuple[TextClassifier, ...]:
    """The crawler's custom classifiers (GetClassifier shapes), in the crawler's order.

    Kinds this crawler does not implement (grok, XML, JSON path) are skipped.
    """
    return tuple(
        CUSTOM_KINDS[kind](spec)
        for definition in definitions
        for kind, spec in definition.items()
        if kind in CUSTOM_KINDS
    )


def _gunzip(data: bytes) -> bytes:
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)


def _bunzip(data: bytes) -> bytes:
    return bz2.BZ2Decompressor().decompress(data)


# magic bytes -> (compressionType Glue records, partial-stream decompressor)
COMPRESSIONS: dict[bytes, tuple[str, Callable[[bytes], bytes]]] = {
    b"\x1f\x8b": ("gzip", _gunzip),
    b"BZh": ("bzip2", _bunzip),
}


def _decompress(data: bytes) -> tuple[str, bytes]:
    for magic, (name, decompress) in COMPRESSIONS.items():
        if data.startswith(magic):
            return name, decompress(data)
    return "none", data


def _complete_lines(text: str, complete: bool) -> str:
    if complete:
        return text
    cut = text.rfind("\n")
    return text[: cut + 1] if cut >= 0 else ""


def classify_bytes(
    data: bytes, complete: bool, custom: Sequence[TextClassifier] = ()
) -> Classification:
    """Classify a file from its first bytes (``complete``: the whole file is ``data``).

    ``custom`` classifiers are tried before the built-in text classifiers.
    """
    for binary in BINARY_CLASSIFIERS:
        try:
            found = binary(data)
        except Exception:  # corrupt columnar file: not this format
            found = None
        if found:
            return found
    try:
        compression, raw = _decompress(data)
    except (OSError, zlib.error, EOFError, ValueError):  # corrupt archive
        return unknown()
    text = _complete_lines(raw.decode("utf-8-sig", errors="replace"), complete)
    if "\x00" in text:  # binary garbage is no text format
        return unknown()
    for classifier in (*custom, *TEXT_CLASSIFIERS):
        found = classifier(text)
        if found:
            found.compression = compression
            found.exact = complete
            found.inflation = len(raw) / len(data)
            return found
    return unknown()


def classify_object(
    store: ObjectStore, obj: StoredObject, custom: Sequence[TextClassifier] = ()
) -> Classification:
    if obj.size == 0:
        return unknown()
    data = store.read(obj.key, SAMPLE_BYTES)
    if len(data) < obj.size and data.startswith(BINARY_MAGIC):
        data = store.read(obj.key)  # columnar metadata sits at the end: read it whole
    return classify_bytes(data, complete=len(data) >= obj.size, custom=custom)
