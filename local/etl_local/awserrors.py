"""AWS-shaped errors raised by the local service APIs.

The API plane turns an ``AwsError`` into the wire format of the service's protocol
(``__type`` for JSON protocols, ``x-amzn-ErrorType`` for REST-JSON), so boto3 raises a
``ClientError`` whose ``err.response["Error"]["Code"]`` is ``code`` - the same as on AWS.
"""

from __future__ import annotations


class AwsError(Exception):
    """An error with AWS's code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def not_found(code: str, message: str) -> AwsError:
    return AwsError(code, message, 400)


class InvalidRequestException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestException", message, 400)


class ValidationException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message, 400)
