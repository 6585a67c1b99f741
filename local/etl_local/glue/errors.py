"""Glue's error codes with AWS's messages."""

from __future__ import annotations

from botocore.exceptions import ClientError

from etl_local.awserrors import AwsError


def crawler_not_found(name: str) -> AwsError:
    return AwsError("EntityNotFoundException", f"Crawler entry with name {name} does not exist")


def crawler_running(name: str) -> AwsError:
    return AwsError("CrawlerRunningException", f"Crawler with name {name} has already started")


def crawler_not_running(name: str) -> AwsError:
    return AwsError("CrawlerNotRunningException", f"Crawler with name {name} isn't running")


def crawler_stopping(name: str) -> AwsError:
    return AwsError("CrawlerStoppingException", f"Crawler with name {name} is stopping")


def job_metadata_missing() -> AwsError:
    return AwsError("EntityNotFoundException", "Failed to start job run due to missing metadata")


def job_not_found(name: str) -> AwsError:
    return AwsError("EntityNotFoundException", f"Job with name: {name} not found")


def job_run_not_found(run_id: str) -> AwsError:
    return AwsError("EntityNotFoundException", f"Job Run Id {run_id} not found")


def concurrent_runs_exceeded(job: str) -> AwsError:
    return AwsError("ConcurrentRunsExceededException", f"Concurrent runs exceeded for {job}")


def invalid_input(message: str) -> AwsError:
    return AwsError("InvalidInputException", message)


def from_client_error(error: ClientError) -> AwsError:
    """The API plane's answer, re-raised as this API's own error."""
    detail = error.response.get("Error", {})
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
    return AwsError(str(detail.get("Code", "")), str(detail.get("Message", "")), status)


def not_found(message: str) -> AwsError:
    return AwsError("EntityNotFoundException", message)
