"""The router in front of moto: project APIs by protocol, AWS error shapes, S3 events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from etl_local.awsapi import ApiPlane, Request, S3EventEmitter, is_delete_objects, s3_deletions
from etl_local.awserrors import AwsError
from etl_local.context import LocalContext

pytestmark = pytest.mark.unit


class RecordingApi:
    """A stand-in service API: answers a few actions, records the calls."""

    def __init__(self, actions: set[str], answer: dict[str, Any]) -> None:
        self.ACTIONS = frozenset(actions)
        self.answer = answer
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((action, params))
        if isinstance(self.answer.get(action), AwsError):
            raise self.answer[action]
        return self.answer[action]

    def close(self) -> None:
        pass


@pytest.fixture
def glue_api(plane: ApiPlane) -> Iterator[RecordingApi]:
    api = RecordingApi(
        {"StartCrawler", "GetCrawler"},
        {
            "StartCrawler": AwsError(
                "CrawlerRunningException", "Crawler with name c has already started"
            ),
            "GetCrawler": {"Crawler": {"Name": "c", "State": "RUNNING"}},
        },
    )
    plane.register("glue", api)
    yield api
    plane.router.apis.pop("glue")


def test_json_action_reaches_the_project_api(ctx: LocalContext, glue_api: RecordingApi) -> None:
    assert ctx.client("glue").get_crawler(Name="c")["Crawler"]["State"] == "RUNNING"
    assert glue_api.calls == [("GetCrawler", {"Name": "c"})]


def test_json_error_is_a_client_error_with_aws_code(
    ctx: LocalContext, glue_api: RecordingApi
) -> None:
    with pytest.raises(ClientError) as err:
        ctx.client("glue").start_crawler(Name="c")
    assert err.value.response["Error"]["Code"] == "CrawlerRunningException"
    assert err.value.response["Error"]["Message"] == "Crawler with name c has already started"


def test_unclaimed_actions_and_passthrough_go_to_moto(
    ctx: LocalContext, glue_api: RecordingApi
) -> None:
    ctx.client("glue").create_database(DatabaseInput={"Name": "plane_db"})
    with pytest.raises(ClientError) as err:
        ctx.passthrough_client("glue").get_crawler(Name="c")
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"
    assert glue_api.calls == []


def test_rest_json_route_and_error_header(ctx: LocalContext, plane: ApiPlane) -> None:
    api = RecordingApi(
        {"StartJobRun", "DescribeJobRun"},
        {
            "StartJobRun": {"RunId": "db_123"},
            "DescribeJobRun": AwsError("ResourceNotFoundException", "Job run db_9 not found", 404),
        },
    )
    plane.register("databrew", api)
    try:
        brew = ctx.client("databrew")
        assert brew.start_job_run(Name="clean")["RunId"] == "db_123"
        with pytest.raises(ClientError) as err:
            brew.describe_job_run(Name="clean", RunId="db_9")
        assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        assert api.calls == [
            ("StartJobRun", {"Name": "clean"}),
            ("DescribeJobRun", {"Name": "clean", "RunId": "db_9"}),
        ]
    finally:
        plane.router.apis.pop("databrew")


def test_lambda_invoke_payload_and_headers(ctx: LocalContext, plane: ApiPlane) -> None:
    api = RecordingApi(
        {"Invoke"},
        {
            "Invoke": {
                "StatusCode": 200,
                "Payload": b'{"errorMessage": "x"}',
                "FunctionError": "Unhandled",
                "LogResult": "U1RBUlQ=",
                "ExecutedVersion": "$LATEST",
            }
        },
    )
    plane.register("lambda", api)
    try:
        response = ctx.client("lambda").invoke(
            FunctionName="fn", Payload=b'{"a": 1}', LogType="Tail"
        )
        assert response["FunctionError"] == "Unhandled"
        assert response["LogResult"] == "U1RBUlQ="
        assert json.loads(response["Payload"].read()) == {"errorMessage": "x"}
        action, params = api.calls[0]
        assert (action, params["FunctionName"], params["Payload"], params["LogType"]) == (
            "Invoke",
            "fn",
            b'{"a": 1}',
            "Tail",
        )
    finally:
        plane.router.apis.pop("lambda")


@pytest.fixture(scope="module")
def s3_events(
    plane: ApiPlane, ctx: LocalContext
) -> Iterator[tuple[list[dict[str, Any]], S3EventEmitter]]:
    received: list[dict[str, Any]] = []
    emitter = plane.emit_s3_events(ctx.passthrough_client("s3"), received.append)
    s3 = ctx.client("s3")
    for bucket, config in (("events-on", {"EventBridgeConfiguration": {}}), ("events-off", {})):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    s3.put_bucket_versioning(Bucket="events-on", VersioningConfiguration={"Status": "Enabled"})
    yield received, emitter
    plane.router.s3_listener = None
    emitter.close()


def _events_after(
    action: Any, received: list[dict[str, Any]], emitter: S3EventEmitter
) -> list[dict[str, Any]]:
    assert emitter.drain(10)
    received.clear()
    action()
    assert emitter.drain(10)
    return list(received)


@pytest.mark.parametrize(
    ("case", "detail_type", "reason"),
    [
        ("put", "Object Created", "PutObject"),
        ("copy", "Object Created", "CopyObject"),
        ("multipart", "Object Created", "CompleteMultipartUpload"),
        ("delete", "Object Deleted", "DeleteObject"),
    ],
)
def test_s3_write_emits_eventbridge_event(
    ctx: LocalContext, s3_events: Any, case: str, detail_type: str, reason: str
) -> None:
    s3 = ctx.client("s3")
    key = f"raw/flights/year=2013/{case} file.csv"
    s3.put_object(Bucket="events-on", Key="source.csv", Body=b"a,b\n1,2\n")

    def act() -> None:
        if case == "put":
            s3.put_object(Bucket="events-on", Key=key, Body=b"a,b\n1,2\n")
        elif case == "copy":
            s3.copy_object(
                Bucket="events-on", Key=key, CopySource={"Bucket": "events-on", "Key": "source.csv"}
            )
        elif case == "multipart":
            upload = s3.create_multipart_upload(Bucket="events-on", Key=key)["UploadId"]
            part = s3.upload_part(
                Bucket="events-on", Key=key, UploadId=upload, PartNumber=1, Body=b"a,b\n1,2\n"
            )
            s3.complete_multipart_upload(
                Bucket="events-on",
                Key=key,
                UploadId=upload,
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
            )
        else:
            s3.delete_object(Bucket="events-on", Key="source.csv")

    received, emitter = s3_events
    events = _events_after(act, received, emitter)
    assert len(events) == 1
    event = events[0]
    assert {
        k: event[k] for k in ("version", "detail-type", "source", "account", "region", "resources")
    } == {
        "version": "0",
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": "123456789012",
        "region": "us-east-1",
        "resources": ["arn:aws:s3:::events-on"],
    }
    detail = event["detail"]
    assert detail["reason"] == reason
    assert detail["bucket"] == {"name": "events-on"}
    assert detail["requester"] == "123456789012"
    assert "version-id" in detail["object"] and "sequencer" in detail["object"]
    if detail_type == "Object Created":
        assert detail["object"]["key"] == f"raw/flights/year%3D2013/{case}+file.csv"
        assert detail["object"]["size"] == 8
        assert len(detail["object"]["etag"]) >= 32
    else:
        assert detail["deletion-type"] == "Delete Marker Created"


@pytest.mark.parametrize(
    "action",
    ["disabled-bucket", "tagging", "failed-put"],
)
def test_no_event_without_an_object_change(ctx: LocalContext, s3_events: Any, action: str) -> None:
    s3 = ctx.client("s3")
    s3.put_object(Bucket="events-on", Key="tagged.csv", Body=b"x")

    def act() -> None:
        if action == "disabled-bucket":
            s3.put_object(Bucket="events-off", Key="a.csv", Body=b"x")
        elif action == "tagging":
            s3.put_object_tagging(
                Bucket="events-on",
                Key="tagged.csv",
                Tagging={"TagSet": [{"Key": "k", "Value": "v"}]},
            )
        else:
            with pytest.raises(ClientError):
                s3.put_object(Bucket="no-such-bucket-anywhere", Key="a.csv", Body=b"x")

    received, emitter = s3_events
    assert _events_after(act, received, emitter) == []


def test_sequencers_increase(ctx: LocalContext, s3_events: Any) -> None:
    s3 = ctx.client("s3")
    received, emitter = s3_events

    def act() -> None:
        for i in range(3):
            s3.put_object(Bucket="events-on", Key="seq.csv", Body=f"{i}".encode())

    events = _events_after(act, received, emitter)
    sequencers = [e["detail"]["object"]["sequencer"] for e in events]
    assert sequencers == sorted(sequencers) and len(set(sequencers)) == 3


def test_delete_objects_emits_an_object_deleted_event_per_deleted_key(
    ctx: LocalContext, s3_events: Any
) -> None:
    """DeleteObjects: one "Object Deleted" (reason DeleteObject) per deleted key; on a versioned
    bucket a key without VersionId gets a delete marker, a VersionId is deleted for good."""
    s3 = ctx.client("s3")
    s3.create_bucket(Bucket="events-plain")
    s3.put_bucket_notification_configuration(
        Bucket="events-plain", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    kept = s3.put_object(Bucket="events-on", Key="multi/old.csv", Body=b"1")["VersionId"]
    s3.put_object(Bucket="events-on", Key="multi/a b.csv", Body=b"1")
    s3.put_object(Bucket="events-plain", Key="multi/c.csv", Body=b"1")
    received, emitter = s3_events
    outcome: dict[str, Any] = {}

    def act() -> None:
        outcome["on"] = s3.delete_objects(
            Bucket="events-on",
            Delete={
                "Objects": [{"Key": "multi/a b.csv"}, {"Key": "multi/old.csv", "VersionId": kept}]
            },
        )
        outcome["plain"] = s3.delete_objects(
            Bucket="events-plain", Delete={"Objects": [{"Key": "multi/c.csv"}], "Quiet": True}
        )

    events = _events_after(act, received, emitter)
    assert {e["detail-type"] for e in events} == {"Object Deleted"}
    assert {e["detail"]["reason"] for e in events} == {"DeleteObject"}
    seen = {
        (e["detail"]["bucket"]["name"], e["detail"]["object"]["key"]): e["detail"] for e in events
    }
    assert set(seen) == {
        ("events-on", "multi/a+b.csv"),
        ("events-on", "multi/old.csv"),
        ("events-plain", "multi/c.csv"),
    }
    marker = seen[("events-on", "multi/a+b.csv")]
    assert marker["deletion-type"] == "Delete Marker Created"
    assert marker["object"]["version-id"] == outcome["on"]["Deleted"][0]["DeleteMarkerVersionId"]
    version = seen[("events-on", "multi/old.csv")]
    assert (version["deletion-type"], version["object"]["version-id"]) == (
        "Permanently Deleted",
        kept,
    )
    plain = seen[("events-plain", "multi/c.csv")]
    assert plain["deletion-type"] == "Permanently Deleted"
    assert "version-id" not in plain["object"]
    assert plain["request-id"] != marker["request-id"]
    sequencers = [e["detail"]["object"]["sequencer"] for e in events]
    assert len(set(sequencers)) == 3


def test_delete_objects_errors_are_not_deletions() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"<Deleted><Key>gone.csv</Key></Deleted>"
        b"<Error><Key>locked.csv</Key><Code>AccessDenied</Code><Message>Access Denied</Message>"
        b"</Error></DeleteResult>"
    )
    request = Request("POST", "/bkt", {"delete": [""]}, {}, b"", "10.0.0.1")
    assert is_delete_objects(request)
    changes = s3_deletions(request, 200, {"x-amz-request-id": "R1"}, body)
    assert [(c.key, c.reason, c.request_id, c.source_ip) for c in changes] == [
        ("gone.csv", "DeleteObject", "R1", "10.0.0.1")
    ]
    assert s3_deletions(request, 403, {}, body) == []


def test_services_catch_up_once_events_flow(tmp_path: Any) -> None:
    """``emit_s3_events`` (the runtime's last start step) runs each service's ``events_ready``:
    Step Functions ends there the executions a stopped runtime left running."""
    plane = ApiPlane().start()
    ready: list[str] = []
    try:
        local = LocalContext(plane.endpoint_url, tmp_path)
        hooked = RecordingApi(set(), {})
        hooked.events_ready = lambda: ready.append("glue")  # type: ignore[attr-defined]
        plane.register("glue", hooked)
        plane.register("athena", RecordingApi(set(), {}))  # no hook: nothing to catch up
        plane.emit_s3_events(local.passthrough_client("s3"), lambda event: None)
        assert ready == ["glue"]
    finally:
        plane.stop()
