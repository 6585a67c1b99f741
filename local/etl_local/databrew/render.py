"""A profile report rendered for a person: one self-contained HTML page (inline SVG charts, no
scripts, no links) and one PNG picture (matplotlib): the correlations and, per column, its
histogram (numeric) or its most common values, with the key statistics."""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence
from typing import Any

BAR_WIDTH, CHART_HEIGHT = 28, 120
STATS = [
    ("valuesCount", "values"),
    ("missingValuesCount", "missing"),
    ("distinctValuesCount", "distinct"),
    ("min", "min"),
    ("max", "max"),
    ("mean", "mean"),
    ("median", "median"),
    ("standardDeviation", "std dev"),
]

CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:20px} h2{font-size:16px;margin:0 0 6px}
.grid{display:flex;flex-wrap:wrap;gap:16px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px;width:340px}
table{border-collapse:collapse;font-size:12px} td{padding:1px 8px 1px 0}
.type{color:#777;font-size:12px} svg text{font-size:9px;fill:#444}
"""


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    return html.escape(str(value))


def bar_chart(labels: Sequence[str], counts: Sequence[int]) -> str:
    """Vertical bars, one per label, heights scaled to the largest count."""
    top = max(counts, default=0) or 1
    width = BAR_WIDTH * max(len(counts), 1)
    parts = [f'<svg width="{width}" height="{CHART_HEIGHT + 24}" role="img">']
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        height = round(CHART_HEIGHT * count / top)
        x = i * BAR_WIDTH
        parts.append(
            f'<rect x="{x + 2}" y="{CHART_HEIGHT - height}" width="{BAR_WIDTH - 4}" '
            f'height="{height}" fill="#4a7ebb"><title>{html.escape(label)}: {count}</title></rect>'
        )
        parts.append(
            f'<text x="{x + BAR_WIDTH / 2}" y="{CHART_HEIGHT + 12}" text-anchor="middle">'
            f"{html.escape(label[:5])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def heatmap(matrix: dict[str, dict[str, float | None]]) -> str:
    """Correlations as coloured cells: blue positive, red negative."""
    names = list(matrix)
    if len(names) < 2:
        return "<p>Fewer than two numeric columns: no correlations.</p>"
    cell, pad = 26, 90
    size = pad + cell * len(names)
    parts = [f'<svg width="{size}" height="{size}" role="img">']
    for i, row in enumerate(names):
        parts.append(
            f'<text x="{pad - 4}" y="{pad + i * cell + 16}" text-anchor="end">{html.escape(row[:14])}</text>'
        )
        parts.append(
            f'<text transform="translate({pad + i * cell + 16},{pad - 4}) rotate(-60)">{html.escape(row[:14])}</text>'
        )
        for j, col in enumerate(names):
            value = matrix[row].get(col)
            shade = 0.0 if value is None else max(-1.0, min(1.0, value))
            colour = (
                f"rgba(74,126,187,{shade:.2f})" if shade >= 0 else f"rgba(200,60,60,{-shade:.2f})"
            )
            label = "n/a" if value is None else f"{value:.2f}"
            parts.append(
                f'<rect x="{pad + j * cell}" y="{pad + i * cell}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="{colour}" stroke="#eee"><title>{html.escape(row)} / {html.escape(col)}: {label}</title></rect>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _column_card(column: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{label}</td><td>{_fmt(column[key])}</td></tr>"
        for key, label in STATS
        if column.get(key) is not None
    )
    if column.get("histogram"):
        buckets = column["histogram"]
        chart = bar_chart([_fmt(b["min"]) for b in buckets], [b["count"] for b in buckets])
    else:
        top = column.get("mostCommonValues") or []
        chart = bar_chart([str(v["value"]) for v in top], [v["count"] for v in top])
    return (
        f'<div class="card"><h2>{html.escape(column["name"])} '
        f'<span class="type">{html.escape(column["type"])}</span></h2>'
        f"<table>{rows}</table>{chart}</div>"
    )


def render_html(report: dict[str, Any]) -> str:
    title = html.escape(report.get("datasetName") or "dataset")
    cards = "".join(_column_card(c) for c in report["columns"])
    summary = (
        f"{report['rowsCount']:,} rows, {report['columnsCount']} columns, "
        f"{report['duplicateRowsCount']:,} duplicate rows"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Profile of {title}</title>"
        f"<style>{CSS}</style></head><body><h1>Profile of {title}</h1><p>{summary}</p>"
        f"<h2>Correlations</h2>{heatmap(report['correlations'])}"
        f"<h2>Columns</h2><div class='grid'>{cards}</div></body></html>"
    )


# ----------------------------------------------------------------------------- PNG
# matplotlib's object API with the Agg canvas: no pyplot global state and no display, so
# profile jobs can render on their own threads.

PANELS_PER_ROW = 4
PANEL_INCHES = (3.6, 2.6)
BAR_COLOUR = "#4a7ebb"


def _number(value: Any) -> str:
    return f"{value:,.4g}" if isinstance(value, float) else str(value)


def _label(value: Any, width: int = 10) -> str:
    text = f"{value:.3g}" if isinstance(value, float) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _column_panel(ax: Any, column: dict[str, Any]) -> None:
    buckets = column.get("histogram")
    if buckets:
        labels = [_label(b["min"]) for b in buckets]
        counts = [b["count"] for b in buckets]
    else:
        top = column.get("mostCommonValues") or []
        labels = [_label(v["value"]) for v in top]
        counts = [v["count"] for v in top]
    ax.bar(range(len(counts)), counts, color=BAR_COLOUR)
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=6)
    ax.tick_params(axis="y", labelsize=6)
    missing = column.get("missingValuesCount", 0)
    distinct = column.get("distinctValuesCount", 0)
    detail = f"missing {missing:,}  distinct {distinct:,}"
    if column.get("mean") is not None:
        detail += f"\nmean {_number(column['mean'])}  sd {_number(column.get('standardDeviation'))}"
    ax.set_title(f"{column['name']} ({column['type']})\n{detail}", fontsize=7)


def _correlation_panel(ax: Any, matrix: dict[str, dict[str, float | None]]) -> None:
    names = list(matrix)
    values = [
        [math.nan if matrix[r].get(c) is None else matrix[r][c] for c in names] for r in names
    ]
    image = ax.imshow(values, cmap="RdBu", vmin=-1, vmax=1)
    ticks = [_label(n, 12) for n in names]
    ax.set_xticks(range(len(names)), ticks, rotation=60, ha="right", fontsize=5)
    ax.set_yticks(range(len(names)), ticks, fontsize=5)
    ax.set_title("correlations (Pearson)", fontsize=7)
    ax.figure.colorbar(image, ax=ax, shrink=0.8)


def render_png(report: dict[str, Any]) -> bytes:
    """The picture of ``report`` (``profile.profile``'s result) as PNG bytes."""
    # imported here: matplotlib costs ~0.5 s of start-up to every process that loads the jobs
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    columns = report["columns"]
    with_correlations = len(report.get("correlations") or {}) >= 2
    panels = len(columns) + int(with_correlations)
    rows = max(1, math.ceil(panels / PANELS_PER_ROW))
    figure = Figure(
        figsize=(PANEL_INCHES[0] * PANELS_PER_ROW, PANEL_INCHES[1] * rows + 0.6),
        layout="constrained",
    )
    FigureCanvasAgg(figure)
    title = report.get("datasetName") or "dataset"
    figure.suptitle(
        f"Profile of {title}: {report['rowsCount']:,} rows, {report['columnsCount']} columns, "
        f"{report['duplicateRowsCount']:,} duplicate rows",
        fontsize=10,
    )
    axes = figure.subplots(rows, PANELS_PER_ROW, squeeze=False).flatten()
    if with_correlations:
        _correlation_panel(axes[0], report["correlations"])
    for ax, column in zip(axes[int(with_correlations) :], columns, strict=False):
        _column_panel(ax, column)
    for ax in axes[panels:]:
        ax.set_axis_off()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
