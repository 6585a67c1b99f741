"""DataBrew's errors, with its error codes (``err.response["Error"]["Code"]``)."""

from __future__ import annotations

from etl_local.awserrors import AwsError, ValidationException


class RecipeValidationError(ValidationException):
    """A recipe step DataBrew rejects; the message names the step (1-based) and operation."""

    def __init__(self, step: int, operation: str, detail: str) -> None:
        super().__init__(f"Invalid recipe step {step} ({operation}): {detail}")
        self.step = step
        self.operation = operation
        self.detail = detail


class ConflictException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("ConflictException", message, 409)


class ResourceNotFoundException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message, 404)


class ServiceQuotaExceededException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("ServiceQuotaExceededException", message, 402)
