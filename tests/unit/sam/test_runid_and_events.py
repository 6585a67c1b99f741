"""Execution names and event parsing (S3 notifications and EventBridge, URL-decoding)."""

from __future__ import annotations

import re

import pytest
from etl_shared.objects import LandedObject, landed_objects
from etl_shared.runid import execution_name, run_table
from etl_shared.sql import check

from .conftest import load_event

pytestmark = pytest.mark.unit

NAME = re.compile(r"^[a-z0-9-]{1,80}$")


def _obj(key: str, version: str = "v1", etag: str = "e1") -> LandedObject:
    return LandedObject(bucket="raw-bucket", key=key, size=10, etag=etag, version_id=version)


def test_execution_name_is_deterministic_and_valid() -> None:
    obj = _obj("raw/flights/year=2013/month=01/flights_2013_01.csv")
    name = execution_name("flights", obj)
    assert name == execution_name("flights", obj)
    assert NAME.fullmatch(name) and name.startswith("flights-flights-2013-01-")
    check("identifier", run_table("flights", name))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (_obj("raw/a/x.csv", version="v1"), _obj("raw/a/x.csv", version="v2")),
        (_obj("raw/a/x.csv", version="", etag="e1"), _obj("raw/a/x.csv", version="", etag="e2")),
        (_obj("raw/a/x.csv"), _obj("raw/a/y.csv")),
    ],
    ids=["new-version", "new-etag", "other-key"],
)
def test_a_new_landing_gets_a_new_name(a: LandedObject, b: LandedObject) -> None:
    assert execution_name("a", a) != execution_name("a", b)


def test_long_and_unicode_keys_fit_the_80_char_rule() -> None:
    obj = _obj("raw/flights/" + "été très long nom " * 20 + ".csv")
    name = execution_name("flights", obj)
    assert len(name) <= 80 and NAME.fullmatch(name)


DECODED = [
    ("s3_put.json", "raw/flights/year=2013/month=01/flights_2013_01.csv"),
    ("s3_put_special_chars.json", "raw/flights/year=2013/month=02/flights+feb 2013 été v2.csv"),
    ("eventbridge_object_created.json", "raw/flights/year=2013/month=01/flights_2013_01.csv"),
    ("eventbridge_object_created_special_chars.json", "raw/airlines/airlines übersicht+v2.csv"),
]


@pytest.mark.parametrize(("event", "key"), DECODED, ids=[d[0] for d in DECODED])
def test_keys_are_url_decoded(event: str, key: str) -> None:
    (obj,) = landed_objects(load_event(event))
    assert obj.key == key
    assert obj.identity()


def test_non_object_events_are_refused() -> None:
    with pytest.raises(ValueError, match="not an S3"):
        landed_objects({"source": "aws.states", "detail": {}})
    removed = load_event("s3_put.json")
    removed["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    assert landed_objects(removed) == []
