"""Executions as pictures: each state's runs from the history, and an SVG/HTML drawing.

``state_runs(events)`` reads an execution history (GetExecutionHistory's events) into one
``StateRun`` per state entered: name, status, start, end. ``render_execution`` lays the
definition's top-level states out top to bottom in flow order (``StartAt``, ``Next``,
``Default``/``Choices``, ``Catch``), colours each by the status of its last run and writes
an SVG and an HTML page that embeds it with the run table.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATUS_COLOURS = {
    "SUCCEEDED": "#2e7d32",
    "FAILED": "#c62828",
    "RUNNING": "#1565c0",
    "CAUGHT": "#ef6c00",
    "NOT_RUN": "#9e9e9e",
}

# history event type suffix -> what it says about the state being run
_FAILURE_SUFFIXES = ("Failed", "TimedOut", "Aborted")


@dataclass
class StateRun:
    name: str
    type: str
    started: dt.datetime
    ended: dt.datetime | None = None
    status: str = "RUNNING"
    error: str | None = None

    @property
    def seconds(self) -> float | None:
        return (self.ended - self.started).total_seconds() if self.ended else None


def _time(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromtimestamp(float(value), dt.UTC)


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def state_runs(events: list[dict[str, Any]]) -> list[StateRun]:
    """One run per StateEntered event, closed by its StateExited (or the execution's end)."""
    runs: list[StateRun] = []
    open_runs: dict[str, StateRun] = {}
    last_error: str | None = None
    for event in events:
        kind: str = event["type"]
        details = _details(event)
        when = _time(event["timestamp"])
        if kind.endswith("StateEntered"):
            run = StateRun(details.get("name", "?"), kind.removesuffix("StateEntered"), when)
            runs.append(run)
            open_runs[run.name] = run
        elif kind.endswith("StateExited"):
            run = open_runs.pop(details.get("name", "?"), StateRun("?", "?", when))
            run.ended, run.status = when, "SUCCEEDED"
        elif kind.endswith(_FAILURE_SUFFIXES) and "error" in details:
            last_error = f"{details.get('error')}: {details.get('cause', '')}"[:1000]
        if kind in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
            for run in open_runs.values():
                run.ended, run.status = when, "FAILED"
                run.error = last_error
            open_runs.clear()
    return runs


def _flow(definition: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """States in flow order with their outgoing edges (target, label)."""
    states: dict[str, Any] = definition.get("States", {})
    order: list[str] = []
    pending = [definition.get("StartAt")]
    while pending:
        name = pending.pop(0)
        if name is None or name in order or name not in states:
            continue
        order.append(name)
        pending += [target for target, _ in _edges(states[name])]
    order += [n for n in states if n not in order]
    return [(name, _edges(states[name])) for name in order]


def _edges(state: dict[str, Any]) -> list[tuple[str, str]]:
    edges = []
    if "Next" in state:
        edges.append((state["Next"], ""))
    for choice in state.get("Choices", []):
        if "Next" in choice:
            edges.append((choice["Next"], "choice"))
    if "Default" in state:
        edges.append((state["Default"], "default"))
    for catch in state.get("Catch", []):
        edges.append((catch["Next"], "catch"))
    return edges


BOX_W, BOX_H, GAP, MARGIN = 300, 46, 24, 20


def render_svg(definition: dict[str, Any], runs: list[StateRun]) -> str:
    last: dict[str, StateRun] = {}
    count: dict[str, int] = {}
    for run in runs:
        last[run.name] = run
        count[run.name] = count.get(run.name, 0) + 1
    flow = _flow(definition)
    position = {name: i for i, (name, _) in enumerate(flow)}
    height = MARGIN * 2 + len(flow) * (BOX_H + GAP)
    width = BOX_W + MARGIN * 2 + 160
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="13">',
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="8" refY="4" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>',
    ]
    for name, edges in flow:
        y = MARGIN + position[name] * (BOX_H + GAP)
        for target, label in edges:
            if target not in position:
                continue
            ty = MARGIN + position[target] * (BOX_H + GAP)
            if position[target] == position[name] + 1 and not label:
                parts.append(
                    f'<line x1="{MARGIN + BOX_W / 2}" y1="{y + BOX_H}" x2="{MARGIN + BOX_W / 2}" '
                    f'y2="{ty}" stroke="#555" marker-end="url(#arrow)"/>'
                )
            else:
                x = MARGIN + BOX_W
                bend = x + 30 + 10 * (abs(position[target] - position[name]) % 8)
                parts.append(
                    f'<path d="M{x},{y + BOX_H / 2} C{bend},{y + BOX_H / 2} {bend},{ty + BOX_H / 2} '
                    f'{x},{ty + BOX_H / 2}" fill="none" stroke="#999" stroke-dasharray="4 3" '
                    'marker-end="url(#arrow)"/>'
                )
    for name, _ in flow:
        y = MARGIN + position[name] * (BOX_H + GAP)
        latest = last.get(name)
        status = latest.status if latest else "NOT_RUN"
        colour = STATUS_COLOURS.get(status, "#9e9e9e")
        seconds = f"{latest.seconds:.2f}s" if latest and latest.seconds is not None else ""
        times = f" x{count[name]}" if count.get(name, 0) > 1 else ""
        error = (latest.error or "") if latest else ""
        title = html.escape(f"{name}: {status} {seconds}{times} {error}")
        parts.append(
            f'<g><title>{title}</title><rect x="{MARGIN}" y="{y}" width="{BOX_W}" height="{BOX_H}" '
            f'rx="8" fill="{colour}" fill-opacity="0.15" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{MARGIN + 10}" y="{y + 19}" font-weight="bold">{html.escape(name)}</text>'
            f'<text x="{MARGIN + 10}" y="{y + 36}" fill="{colour}">{status} {seconds}{times}'
            "</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def render_html(svg: str, execution: dict[str, Any], runs: list[StateRun]) -> str:
    rows = "\n".join(
        f"<tr><td>{html.escape(r.name)}</td><td>{r.type}</td>"
        f'<td style="color:{STATUS_COLOURS.get(r.status, "#000")}">{r.status}</td>'
        f"<td>{'' if r.seconds is None else f'{r.seconds:.3f}'}</td>"
        f"<td>{html.escape(r.error or '')}</td></tr>"
        for r in runs
    )
    name = html.escape(str(execution.get("name", "")))
    status = html.escape(str(execution.get("status", "")))
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{name}</title><style>body{{font-family:sans-serif}}"
        "td,th{padding:2px 10px;text-align:left}</style></head><body>"
        f"<h1>{name}</h1><p>status: <b>{status}</b></p>{svg}"
        "<table><tr><th>state</th><th>type</th><th>status</th><th>seconds</th><th>error</th></tr>"
        f"{rows}</table></body></html>"
    )


def render_execution(
    definition: dict[str, Any],
    events: list[dict[str, Any]],
    execution: dict[str, Any],
    target: Path,
) -> tuple[Path, Path]:
    """Write ``target`` (.svg) and the HTML page next to it; returns both paths."""
    runs = state_runs(events)
    svg = render_svg(definition, runs)
    target.parent.mkdir(parents=True, exist_ok=True)
    svg_path = target.with_suffix(".svg")
    html_path = target.with_suffix(".html")
    svg_path.write_text(svg)
    html_path.write_text(render_html(svg, execution, runs))
    return svg_path, html_path
