"""Business errors the workflow distinguishes by name.

Step Functions matches a Lambda's error by the exception's class name (``errorType``), so
these names are part of the contract with ``statemachine/pipeline.asl.json``: the
definition catches ``InputRejected`` (quarantine path) and retries ``DependencyNotReady``.
Everything else is a plain failure that fails the execution at that state (redrivable).
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class of the pipeline's own errors."""


class InputRejected(PipelineError):
    """The landed object is not acceptable input (wrong prefix/format, empty, too large...).

    Caught by the state machine: the object is quarantined with a JSON error report.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class DependencyNotReady(PipelineError):
    """A table this dataset depends on does not exist yet (retried by the state machine)."""


class ConfigError(PipelineError):
    """The dataset configuration bundle is invalid or missing."""


class CrawlFailed(PipelineError):
    """The crawler's last crawl did not succeed."""


class CommitFailed(PipelineError):
    """A committed table is missing or cannot be pointed at the run's location."""


class QualityGateFailed(PipelineError):
    """Row counts violate the dataset's quality thresholds."""


class UnsafeValue(PipelineError):
    """A value about to be rendered into SQL failed its strict pattern."""
