"""The Athena API on the local plane: query executions run by the local engine.

Work groups stay in moto (read through the passthrough client); this API owns query
executions: ``StartQueryExecution`` queues a query, a worker thread runs it on the engine,
and ``GetQueryExecution``/``GetQueryResults`` report what really happened.
"""

from __future__ import annotations

import base64
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from etl_local.athena.engine import AthenaEngine
from etl_local.athena.errors import AthenaQueryError
from etl_local.athena.results import QueryResult
from etl_local.awserrors import InvalidRequestException
from etl_local.context import LocalContext

ENGINE_VERSION = {
    "SelectedEngineVersion": "AUTO",
    "EffectiveEngineVersion": "Athena engine version 3",
}
MAX_RESULTS = 1000
MAX_LIST_RESULTS = 50
MAX_BATCH = 50
WORKERS = 8  # queries run concurrently, as in Athena; each on its own DuckDB cursor

# The query lifecycle: state -> the states it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "QUEUED": frozenset({"RUNNING", "FAILED", "CANCELLED"}),
    "RUNNING": frozenset({"SUCCEEDED", "FAILED", "CANCELLED"}),
    "SUCCEEDED": frozenset(),
    "FAILED": frozenset(),
    "CANCELLED": frozenset(),
}


@dataclass
class QueryExecution:
    query_id: str
    query: str
    workgroup: str
    context: dict[str, str]
    output_folder: str | None
    result_configuration: dict[str, Any]
    submitted: float = field(default_factory=time.time)
    state: str = "QUEUED"
    reason: str | None = None
    error: AthenaQueryError | None = None
    started: float | None = None
    completed: float | None = None
    result: QueryResult | None = None
    cancel_requested: bool = False
    text_rows: list[list[str | None]] | None = None  # GetQueryResults pages, formatted once

    def move(self, state: str) -> str:
        if state not in TRANSITIONS[self.state]:
            raise RuntimeError(
                f"query {self.query_id}: {self.state} -> {state} is not a transition"
            )
        previous, self.state = self.state, state
        now = time.time()
        if state == "RUNNING":
            self.started = now
        elif TRANSITIONS[state] == frozenset():
            self.completed = now
        return previous

    @property
    def output_location(self) -> str | None:
        if self.output_folder is None:
            return None
        suffix = (
            ".txt" if self.result is not None and self.result.statement_type != "DML" else ".csv"
        )
        return f"{self.output_folder}{self.query_id}{suffix}"

    def describe(self) -> dict[str, Any]:
        status: dict[str, Any] = {"State": self.state, "SubmissionDateTime": self.submitted}
        if self.completed is not None:
            status["CompletionDateTime"] = self.completed
        if self.reason:
            status["StateChangeReason"] = self.reason
        if self.error is not None:
            status["AthenaError"] = self.error.athena_error()
        result_config = dict(self.result_configuration)
        if self.output_location:
            result_config["OutputLocation"] = self.output_location
        description: dict[str, Any] = {
            "QueryExecutionId": self.query_id,
            "Query": self.query,
            "ResultConfiguration": result_config,
            "QueryExecutionContext": self.context,
            "Status": status,
            "Statistics": self._statistics(),
            "WorkGroup": self.workgroup,
            "EngineVersion": ENGINE_VERSION,
        }
        if self.result is not None:
            description["StatementType"] = self.result.statement_type
            description["SubstatementType"] = self.result.substatement_type
        return description

    def _statistics(self) -> dict[str, Any]:
        stats: dict[str, Any] = {}
        end = self.started if self.started is not None else (self.completed or time.time())
        stats["QueryQueueTimeInMillis"] = int((end - self.submitted) * 1000)
        if self.started is not None:
            engine_end = self.completed or time.time()
            stats["EngineExecutionTimeInMillis"] = int((engine_end - self.started) * 1000)
        if self.completed is not None:
            stats["TotalExecutionTimeInMillis"] = int((self.completed - self.submitted) * 1000)
        if self.result is not None:
            stats["DataScannedInBytes"] = self.result.data_scanned_bytes
            if (
                self.result.statement_type == "DML"
                and self.result.substatement_type != "SELECT"
                and self.output_folder
            ):
                stats["DataManifestLocation"] = f"{self.output_folder}{self.query_id}-manifest.csv"
        return stats


_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\?", re.S)


def bind_parameters(query: str, parameters: list[str]) -> str:
    """Substitute ExecutionParameters for the ``?`` placeholders, in order."""
    values = iter(parameters)
    count = 0

    def substitute(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) != "?":
            return match.group(0)
        count += 1
        return next(values, "?")

    bound = _PLACEHOLDER.sub(substitute, query)
    if count != len(parameters):
        raise InvalidRequestException(
            f"Incorrect number of parameters: expected {count} but found {len(parameters)}"
        )
    return bound


def _folder(location: str) -> str:
    return location if location.endswith("/") else location + "/"


class AthenaApi:
    ACTIONS = frozenset(
        {
            "StartQueryExecution",
            "GetQueryExecution",
            "BatchGetQueryExecution",
            "GetQueryResults",
            "StopQueryExecution",
            "ListQueryExecutions",
        }
    )

    def __init__(self, ctx: LocalContext, workers: int = WORKERS) -> None:
        self.ctx = ctx
        self._queries: dict[str, QueryExecution] = {}
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="athena-query")
        self._engine: AthenaEngine | None = None
        self._handlers = {
            "StartQueryExecution": self.start_query_execution,
            "GetQueryExecution": self.get_query_execution,
            "BatchGetQueryExecution": self.batch_get_query_execution,
            "GetQueryResults": self.get_query_results,
            "StopQueryExecution": self.stop_query_execution,
            "ListQueryExecutions": self.list_query_executions,
        }

    @property
    def engine(self) -> AthenaEngine:
        with self._lock:
            if self._engine is None:
                self._engine = AthenaEngine.for_context(self.ctx)
            return self._engine

    def result(self, query_id: str) -> QueryResult | None:
        """The typed result of a finished query (for ``etl-local query --format json``)."""
        return self._get(query_id).result

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        return self._handlers[action](params)

    def close(self) -> None:
        if self._engine is not None:
            for query in list(self._queries.values()):
                if query.state == "RUNNING":
                    self._engine.interrupt(query.query_id)
        self._pool.shutdown(wait=True, cancel_futures=True)  # interrupted: they end at once
        if self._engine is not None:
            self._engine.close()  # and its local copies of S3 objects go

    # ------------------------------------------------------------------------- actions

    def start_query_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        query_string = params.get("QueryString", "")
        if not 1 <= len(query_string) <= 262144:
            raise InvalidRequestException("QueryString must be between 1 and 262144 characters")
        token = params.get("ClientRequestToken")
        with self._lock:
            if token and token in self._tokens:
                return {"QueryExecutionId": self._tokens[token]}
        workgroup_name = params.get("WorkGroup") or "primary"
        workgroup = self._workgroup(workgroup_name)
        result_configuration = dict(params.get("ResultConfiguration") or {})
        output = self._output_location(workgroup, result_configuration)
        if output is None:
            raise InvalidRequestException(
                "No output location provided. An output location is required either through "
                "the Workgroup result configuration setting or as an API input."
            )
        result_configuration.pop("OutputLocation", None)
        query = query_string
        if params.get("ExecutionParameters"):
            query = bind_parameters(query_string, list(params["ExecutionParameters"]))
        execution = QueryExecution(
            query_id=str(uuid.uuid4()),
            query=query,
            workgroup=workgroup_name,
            context=dict(params.get("QueryExecutionContext") or {}),
            output_folder=_folder(output) if output else None,
            result_configuration=result_configuration,
        )
        with self._lock:
            self._queries[execution.query_id] = execution
            if token:
                self._tokens[token] = execution.query_id
        self._publish(execution, None)
        self._pool.submit(self._run, execution)
        return {"QueryExecutionId": execution.query_id}

    def get_query_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"QueryExecution": self._get(params.get("QueryExecutionId", "")).describe()}

    def batch_get_query_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        ids = list(params.get("QueryExecutionIds") or [])
        if not 1 <= len(ids) <= MAX_BATCH:
            raise InvalidRequestException(
                f"QueryExecutionIds must contain between 1 and {MAX_BATCH} items"
            )
        found, missing = [], []
        for query_id in ids:
            execution = self._queries.get(query_id)
            if execution is None:
                missing.append(
                    {
                        "QueryExecutionId": query_id,
                        "ErrorCode": "INVALID_INPUT",
                        "ErrorMessage": f"QueryExecution {query_id} was not found",
                    }
                )
            else:
                found.append(execution.describe())
        return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}

    def get_query_results(self, params: dict[str, Any]) -> dict[str, Any]:
        execution = self._get(params.get("QueryExecutionId", ""))
        if execution.state in ("QUEUED", "RUNNING"):
            raise InvalidRequestException(
                f"Query has not yet finished. Current state: {execution.state}"
            )
        if execution.state != "SUCCEEDED" or execution.result is None:
            raise InvalidRequestException(
                f"Query did not finish successfully. Final query state: {execution.state}"
                + (f"\n{execution.reason}" if execution.reason else "")
            )
        max_results = int(params.get("MaxResults") or MAX_RESULTS)
        if not 1 <= max_results <= MAX_RESULTS:
            raise InvalidRequestException(f"MaxResults must be between 1 and {MAX_RESULTS}")
        result = execution.result
        if execution.text_rows is None:
            execution.text_rows = self._rows(result)
        rows = execution.text_rows
        start = _decode_token(params.get("NextToken"), execution.query_id)
        page = rows[start : start + max_results]
        response: dict[str, Any] = {
            "ResultSet": {
                "Rows": [
                    {"Data": [{} if v is None else {"VarCharValue": v} for v in row]}
                    for row in page
                ],
                "ResultSetMetadata": {"ColumnInfo": [c.column_info() for c in result.columns]},
            },
        }
        if result.update_count is not None:
            response["UpdateCount"] = result.update_count
        if start + max_results < len(rows):
            response["NextToken"] = _encode_token(execution.query_id, start + max_results)
        return response

    def stop_query_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        execution = self._get(params.get("QueryExecutionId", ""))
        with self._lock:
            execution.cancel_requested = True
            if execution.state == "QUEUED":
                self._finish(execution, "CANCELLED", None)
                return {}
        if execution.state == "RUNNING":
            self.engine.interrupt(execution.query_id)
        return {}

    def list_query_executions(self, params: dict[str, Any]) -> dict[str, Any]:
        workgroup = params.get("WorkGroup") or "primary"
        max_results = int(params.get("MaxResults") or MAX_LIST_RESULTS)
        if not 0 <= max_results <= MAX_LIST_RESULTS:
            raise InvalidRequestException(f"MaxResults must be between 0 and {MAX_LIST_RESULTS}")
        ids = [
            q.query_id
            for q in sorted(self._queries.values(), key=lambda q: q.submitted, reverse=True)
            if q.workgroup == workgroup
        ]
        start = _decode_token(params.get("NextToken"), workgroup)
        response: dict[str, Any] = {"QueryExecutionIds": ids[start : start + max_results]}
        if start + max_results < len(ids):
            response["NextToken"] = _encode_token(workgroup, start + max_results)
        return response

    # ------------------------------------------------------------------------- internals

    def _get(self, query_id: str) -> QueryExecution:
        execution = self._queries.get(query_id)
        if execution is None:
            raise InvalidRequestException(f"QueryExecution {query_id} was not found")
        return execution

    def _workgroup(self, name: str) -> dict[str, Any]:
        try:
            workgroup = self.ctx.passthrough_client("athena").get_work_group(WorkGroup=name)[
                "WorkGroup"
            ]
        except ClientError as exc:
            raise InvalidRequestException(f"WorkGroup {name} is not found.") from exc
        if workgroup.get("State") == "DISABLED":
            raise InvalidRequestException(f"WorkGroup {name} is disabled.")
        return dict(workgroup)

    @staticmethod
    def _output_location(workgroup: dict[str, Any], requested: dict[str, Any]) -> str | None:
        config = workgroup.get("Configuration") or {}
        enforced = (config.get("ResultConfiguration") or {}).get("OutputLocation")
        if config.get("EnforceWorkGroupConfiguration") and enforced:
            return str(enforced)
        location = requested.get("OutputLocation") or enforced
        return str(location) if location else None

    def _rows(self, result: QueryResult) -> list[list[str | None]]:
        rows = result.text_rows()
        if result.header and result.columns:
            header: list[str | None] = [c.name for c in result.columns]
            return [header, *rows]
        return rows

    def _run(self, execution: QueryExecution) -> None:
        with self._lock:
            if execution.state != "QUEUED":
                return
            previous = execution.move("RUNNING")
        self._publish(execution, previous)
        try:
            result = self.engine.execute(
                execution.query,
                database=execution.context.get("Database", "default"),
                query_id=execution.query_id,
                output_location=execution.output_folder,
            )
        except AthenaQueryError as err:
            if execution.cancel_requested:
                self._finish(execution, "CANCELLED", None)
            else:
                self._finish(execution, "FAILED", err)
            return
        except Exception as exc:  # the engine's own bug: still a FAILED query, never a hang
            self._finish(
                execution,
                "FAILED",
                AthenaQueryError("GENERIC_INTERNAL_ERROR", f"{type(exc).__name__}: {exc}"),
            )
            return
        if execution.cancel_requested:
            self._finish(execution, "CANCELLED", None)
            return
        execution.result = result
        self._finish(execution, "SUCCEEDED", None)

    def _finish(
        self, execution: QueryExecution, state: str, error: AthenaQueryError | None
    ) -> None:
        if error is not None:
            execution.error = error
            execution.reason = error.reason
        elif state == "CANCELLED":
            execution.reason = "Query cancelled by user"
        previous = execution.move(state)
        self._publish(execution, previous)

    def _publish(self, execution: QueryExecution, previous: str | None) -> None:
        detail: dict[str, Any] = {
            "currentState": execution.state,
            "queryExecutionId": execution.query_id,
            "sequenceNumber": str(list(TRANSITIONS).index(execution.state) + 1),
            "versionId": "0",
            "workgroupName": execution.workgroup,
        }
        if previous is not None:
            detail["previousState"] = previous
        if execution.result is not None:
            detail["statementType"] = execution.result.statement_type
        self.ctx.publish_event(
            {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Athena Query State Change",
                "source": "aws.athena",
                "account": self.ctx.account_id,
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "region": self.ctx.region,
                "resources": [],
                "detail": detail,
            }
        )


def _encode_token(scope: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{scope}:{offset}".encode()).decode()


def _decode_token(token: str | None, scope: str) -> int:
    if not token:
        return 0
    try:
        owner, _, offset = base64.urlsafe_b64decode(token.encode()).decode().rpartition(":")
        if owner != scope:
            raise ValueError(owner)
        return int(offset)
    except ValueError as exc:
        raise InvalidRequestException("Invalid NextToken") from exc
