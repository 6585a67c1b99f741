"""Landed objects: one typed shape for S3 notifications and EventBridge Object Created events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, S3EventBridgeNotificationEvent


@dataclass(frozen=True)
class LandedObject:
    bucket: str
    key: str  # decoded
    size: int
    etag: str = ""
    version_id: str = ""
    sequencer: str = ""
    event_time: str = ""

    @property
    def is_folder(self) -> bool:
        return self.key.endswith("/")

    def identity(self) -> str:
        """What distinguishes two landings of the same key: version, else etag, else sequencer."""
        return self.version_id or self.etag or self.sequencer

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LandedObject:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


def _from_s3_notification(event: dict[str, Any]) -> Iterator[LandedObject]:
    for record in S3Event(event).records:
        if not record.event_name.startswith("ObjectCreated:"):
            continue
        obj = record.s3.get_object
        yield LandedObject(
            bucket=record.s3.bucket.name,
            # S3 notifications URL-encode keys ('+' for space); the data class leaves it to us.
            key=unquote_plus(obj.key),
            size=int(obj.size or 0),
            etag=obj.etag or "",
            version_id=obj.version_id or "",
            sequencer=obj.sequencer or "",
            event_time=record.event_time,
        )


def _from_eventbridge(event: dict[str, Any]) -> Iterator[LandedObject]:
    parsed = S3EventBridgeNotificationEvent(event)
    if parsed.detail_type != "Object Created":
        return
    obj = parsed.detail.object
    yield LandedObject(
        bucket=parsed.detail.bucket.name,
        key=obj.key,  # the data class URL-decodes EventBridge keys
        size=int(obj.size or 0),
        etag=obj.etag or "",
        version_id=obj.version_id or "",
        sequencer=obj.sequencer or "",
        event_time=parsed.time,
    )


def landed_objects(event: dict[str, Any]) -> list[LandedObject]:
    """Every created object an S3 notification or EventBridge event reports."""
    if "Records" in event:
        return list(_from_s3_notification(event))
    if event.get("source") == "aws.s3" and "detail" in event:
        return list(_from_eventbridge(event))
    raise ValueError("not an S3 notification or an EventBridge S3 event")
