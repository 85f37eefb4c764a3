"""The run browser: every run of a runs folder in one self-contained page, and two runs side by side.

:func:`collect_runs` reads each run directory (``config.json``, ``metrics.json``) of a runs folder;
:func:`index_html` renders them as one HTML page (inline CSS and JavaScript, no network) whose table sorts by
any column (click its header) and filters by text, kind and audit verdict; :func:`write_index` writes it to
``<runs_dir>/index.html`` atomically. :func:`compare_runs` lines up two runs' configurations and metrics.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._io import atomic_output
from ._version import __version__
from .errors import DataError, OutputExistsError

__all__ = ["RunSummary", "collect_runs", "index_html", "write_index", "compare_runs", "find_run", "MARKER"]

MARKER = "<!-- physml runs index -->"
_NAME = re.compile(r"^(?P<kind>.+)-(?P<date>\d{8})-(?P<time>\d{6})-(?P<id>[0-9a-f]+)$")
_HEADLINE = ("rel_l2_test", "eval_mean_return", "test_score", "test_r2", "test_rmse", "test_accuracy",
             "held_out_rmse_fine_tuned", "held_out_error_rate_fine_tuned", "rmse_test", "mae_test", "r2_test",
             "accuracy_test", "rel_l2_persistence", "random_eval_mean_return", "heuristic_eval_mean_return",
             "held_out_rmse_scratch", "held_out_rmse_source")


@dataclass
class RunSummary:
    """One run as the index shows it."""

    name: str
    kind: str
    date: str
    seed: Any
    headline: list[tuple[str, float]] = field(default_factory=list)
    audit: str = "none"  # passed | failed | none
    failing: list[str] = field(default_factory=list)
    wall_seconds: float | None = None
    report: str | None = None


def _audit(metrics: dict[str, Any]) -> tuple[str, list[str]]:
    """``(verdict, failing check names)`` from the ``audit_..._passed`` flags of ``metrics.json``."""
    flags = {k: v for k, v in metrics.items() if k.startswith("audit_") and k.endswith("_passed")}
    if not flags:
        return "none", []
    # a subject's overall flag audit_<subject>_passed is a prefix of its checks' flags audit_<subject>_<check>_passed
    subjects = {k for k in flags if any(o != k and o.startswith(k[: -len("passed")]) for o in flags)}
    failing = [k[len("audit_"): -len("_passed")] for k, v in flags.items() if k not in subjects and not v]
    return ("failed" if failing or any(not flags[k] for k in subjects) else "passed"), sorted(failing)


def _headline(metrics: dict[str, Any], n: int = 3) -> list[tuple[str, float]]:
    numeric = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
               and not k.startswith("audit_") and k != "wall_seconds" and math.isfinite(v)}
    chosen = [k for k in _HEADLINE if k in numeric]
    chosen += [k for k in sorted(numeric) if k not in chosen and not k.endswith("_seconds")]
    return [(k, float(numeric[k])) for k in chosen[:n]]


def collect_runs(runs_dir: str | os.PathLike) -> list[RunSummary]:
    """Every complete run directory in ``runs_dir`` (hidden, half-written ones skipped), newest first."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        raise DataError(f"runs folder {str(runs_dir)!r} does not exist")
    out = []
    for d in sorted(p for p in runs_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            metrics = json.loads((d / "metrics.json").read_text())
            config = json.loads((d / "config.json").read_text())
        except (OSError, ValueError):
            continue
        m = _NAME.match(d.name)
        kind = m.group("kind") if m else d.name
        date = (f"{m.group('date')[:4]}-{m.group('date')[4:6]}-{m.group('date')[6:]} "
                f"{m.group('time')[:2]}:{m.group('time')[2:4]}:{m.group('time')[4:]}") if m else ""
        verdict, failing = _audit(metrics)
        wall = metrics.get("wall_seconds")
        out.append(RunSummary(d.name, kind, date, config.get("seed") if isinstance(config, dict) else None,
                              _headline(metrics), verdict, failing,
                              float(wall) if isinstance(wall, (int, float)) else None,
                              f"{d.name}/report.html" if (d / "report.html").is_file() else None))
    return sorted(out, key=lambda r: (r.date, r.name), reverse=True)


def _fmt(v: float) -> str:
    return f"{v:.4g}"


_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em} .bar{margin:.8em 0;display:flex;gap:.8em;align-items:center;flex-wrap:wrap}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"} th[aria-sort=descending]::after{content:" \\25BC"}
.passed{color:#176317;font-weight:600} .failed{color:#b3261e;font-weight:600} .none{color:#777}
.metric{white-space:nowrap} .fail{color:#b3261e;font-size:.85em} td.num{text-align:right}
"""

_JS = """
(function(){
  const table=document.getElementById('runs'), body=table.tBodies[0];
  const rows=Array.from(body.rows), q=document.getElementById('q');
  const kind=document.getElementById('kind'), audit=document.getElementById('audit');
  const count=document.getElementById('count');
  function filter(){
    const text=q.value.trim().toLowerCase(); let shown=0;
    for(const r of rows){
      const ok=(!text||r.textContent.toLowerCase().includes(text))&&(!kind.value||r.dataset.kind===kind.value)
        &&(!audit.value||r.dataset.audit===audit.value);
      r.hidden=!ok; if(ok) shown++;
    }
    count.textContent=shown+' of '+rows.length+' runs';
  }
  function sortBy(th){
    const col=th.cellIndex, num=th.dataset.type==='num';
    const dir=th.getAttribute('aria-sort')==='ascending'?'descending':'ascending';
    for(const h of table.tHead.rows[0].cells) h.removeAttribute('aria-sort');
    th.setAttribute('aria-sort',dir);
    const key=r=>{const c=r.cells[col]; const v=c.dataset.sort!==undefined?c.dataset.sort:c.textContent;
      return num?(v===''?NaN:parseFloat(v)):v.toLowerCase();};
    const sorted=rows.slice().sort((a,b)=>{
      let x=key(a), y=key(b);
      if(num){ if(isNaN(x)&&isNaN(y)) return 0; if(isNaN(x)) return 1; if(isNaN(y)) return -1; }
      const c=x<y?-1:x>y?1:0; return dir==='ascending'?c:-c;});
    for(const r of sorted) body.appendChild(r);
  }
  for(const th of table.tHead.rows[0].cells) th.addEventListener('click',()=>sortBy(th));
  for(const el of [q,kind,audit]) for(const ev of ['input','change']) el.addEventListener(ev,filter);
  filter();
})();
"""


def index_html(runs: list[RunSummary], title: str = "physml runs") -> str:
    """The index page for ``runs``: self-contained, sortable and filterable."""
    e = html.escape
    kinds = sorted({r.kind for r in runs})
    body = []
    for r in runs:
        link = f'<a href="{e(r.report)}">{e(r.name)}</a>' if r.report else e(r.name)
        metrics = "<br>".join(f'<span class="metric">{e(k)} = {_fmt(v)}</span>' for k, v in r.headline)
        first = _fmt(r.headline[0][1]) if r.headline else ""
        seed = "" if r.seed is None else str(r.seed)
        seed_sort = seed if isinstance(r.seed, (int, float)) and not isinstance(r.seed, bool) else ""
        failing = " ".join(f'<span class="fail">{e(f)}</span>' for f in r.failing)
        wall = "" if r.wall_seconds is None else f"{r.wall_seconds:.1f}"
        body.append(
            f'<tr data-kind="{e(r.kind)}" data-audit="{e(r.audit)}"><td>{link}</td><td>{e(r.kind)}</td>'
            f'<td>{e(r.date)}</td><td class="num" data-sort="{e(seed_sort)}">{e(seed)}</td>'
            f'<td data-sort="{e(first)}">{metrics}</td><td class="{e(r.audit)}">{e(r.audit)}</td>'
            f'<td data-sort="{len(r.failing)}">{failing}</td><td class="num" data-sort="{wall}">{wall}</td></tr>')
    options = "".join(f'<option value="{e(k)}">{e(k)}</option>' for k in kinds)
    n_fail = sum(r.audit == "failed" for r in runs)
    return f"""<!DOCTYPE html>
{MARKER}
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body><h1>{e(title)}</h1>
<p>{len(runs)} runs, {n_fail} with a failed audit check. Click a column header to sort; physml {e(__version__)}.</p>
<div class="bar"><input id="q" type="search" placeholder="filter: any text" aria-label="filter">
<label>kind <select id="kind"><option value="">all</option>{options}</select></label>
<label>audit <select id="audit"><option value="">all</option><option value="passed">passed</option>
<option value="failed">failed</option><option value="none">none</option></select></label>
<span id="count">{len(runs)} of {len(runs)} runs</span></div>
<table id="runs"><thead><tr><th data-type="text">run</th><th data-type="text">study or command</th>
<th data-type="text">date (UTC)</th><th data-type="num">seed</th><th data-type="num">headline metrics</th>
<th data-type="text">audit</th><th data-type="num">failing checks</th><th data-type="num">wall s</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table>
<script>{_JS}</script>
</body></html>
"""


def write_index(runs_dir: str | os.PathLike, *, force: bool = False) -> tuple[Path, int]:
    """Write ``<runs_dir>/index.html``; an earlier index is replaced, any other file there only with ``force``."""
    runs = collect_runs(runs_dir)
    path = Path(runs_dir) / "index.html"
    if path.exists() and not force:
        try:
            ours = MARKER in path.read_text(encoding="utf-8", errors="replace")[:500]
        except OSError:
            ours = False
        if not ours:
            raise OutputExistsError(f"output {str(path)!r} exists already and is not a physml runs index; pass "
                                    "--force to overwrite it")
    with atomic_output(path, force=True) as tmp:
        Path(tmp).write_text(index_html(runs, f"physml runs: {Path(runs_dir).resolve().name}"), encoding="utf-8")
    return path, len(runs)


def find_run(spec: str, runs_dir: str | os.PathLike) -> Path:
    """A run directory from a path, a directory name in ``runs_dir``, or a registry id (prefix)."""
    path = Path(spec)
    for candidate in (path, Path(runs_dir) / spec):
        if (candidate / "metrics.json").is_file():
            return candidate
    from .runs import Registry

    return Registry(runs_dir).get(spec).path


def _flat(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, dict):
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: d}


def compare_runs(a: str, b: str, runs_dir: str | os.PathLike = "runs") -> list[tuple[str, str, str, str, str]]:
    """Rows ``(section, key, value in a, value in b, mark)`` of two runs' configs and metrics; ``mark`` is ``*``
    where they differ (and, for two numbers, ``b - a``)."""
    rows = []
    pa, pb = find_run(a, runs_dir), find_run(b, runs_dir)
    for section in ("config", "metrics"):
        try:
            da = _flat(json.loads((pa / f"{section}.json").read_text()))
            db = _flat(json.loads((pb / f"{section}.json").read_text()))
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot read {section}.json of a run ({exc.__class__.__name__})") from None
        for key in sorted(set(da) | set(db)):
            va, vb = da.get(key, "—"), db.get(key, "—")
            mark = ""
            if va != vb:
                mark = "*"
                if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (va, vb)):
                    mark = f"* {vb - va:+.4g}"
            rows.append((section, key, _show(va), _show(vb), mark))
    return rows


def _show(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return v if isinstance(v, str) else json.dumps(v, default=str)
