"""Self-contained HTML report of a study: metrics, audits, tables and inlined figures.

The page loads nothing from the network (no scripts, fonts or style sheets from
elsewhere): figures are PNGs inlined as data URIs, so it opens offline.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping
from typing import Any

from ._version import __version__
from .result import StudyResult

__all__ = ["render_html"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;\
max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}\
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#176b2c;font-weight:600}.fail{color:#a11;font-weight:600}
figure{margin:1em 0;display:inline-block;max-width:100%}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444;max-width:900px}.meta{color:#666;font-size:.9em}pre{background:#f7f7f7;padding:.6em;overflow:auto}
"""


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return html.escape(str(value))


def _table(columns: list[str], rows: list[list[Any]], num_cols: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            cls = ' class="num"' if i in num_cols or isinstance(v, (int, float)) else ""
            cells.append(f"<td{cls}>{v if isinstance(v, _Raw) else _fmt(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _Raw(str):
    """Already-escaped HTML."""


def _audit_html(audit: Any) -> str:
    rows = []
    for c in audit.checks:
        verdict = _Raw('<span class="pass">pass</span>' if c.passed else '<span class="fail">FAIL</span>')
        rows.append([c.name, c.value, _Raw(f"{html.escape(c.comparison)} {_fmt(c.threshold)}"), verdict, c.meaning])
    status = "pass" if audit.passed else "fail"
    return (f'<h3>{html.escape(audit.subject)} '
            f'<span class="{status}">({html.escape(audit.summary().split(": ")[1])})</span></h3>'
            + _table(["check", "measured", "threshold", "verdict", "what it means"], rows))


def render_html(result: StudyResult, *, metrics: Mapping[str, float] | None = None, run_name: str = "") -> str:
    """The complete report page as a string."""
    metrics = dict(result.metrics if metrics is None else metrics)
    title = result.title or result.study
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">study <code>{html.escape(result.study)}</code> · run <code>{html.escape(run_name)}</code>'
        f" · physml {__version__}</p>",
    ]
    if result.summary:
        parts.append("".join(f"<p>{html.escape(p)}</p>" for p in result.summary.strip().split("\n\n")))
    if result.audits:
        parts.append("<h2>Audit of the trained models</h2>")
        parts.extend(_audit_html(a) for a in result.audits)
    for table in result.tables:
        parts.append(f"<h2>{html.escape(table.title)}</h2>")
        parts.append(_table(list(table.columns), [list(r) for r in table.rows]))
    if result.figures:
        parts.append("<h2>Figures</h2>")
    for fig in result.figures:
        data = base64.b64encode(fig.png).decode("ascii")
        parts.append(
            f'<figure id="fig-{html.escape(fig.name)}"><img alt="{html.escape(fig.caption)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{html.escape(fig.caption)}</figcaption></figure>'
        )
    parts.append("<h2>Metrics</h2>")
    parts.append(_table(["metric", "value"], [[k, v] for k, v in sorted(metrics.items())]))
    parts.append("<h2>Configuration</h2>")
    parts.append(f"<pre>{html.escape(json.dumps(result.config, indent=2, default=str))}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)
