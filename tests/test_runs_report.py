"""Run directories, the SQLite registry and the self-contained report."""

import json
import re
import sqlite3

import matplotlib.pyplot as plt
import numpy as np
import pytest

from physml.errors import DataError, UnknownNameError
from physml.physics.audit import Audit
from physml.report import render_html
from physml.result import StudyResult
from physml.runs import Registry, write_run


def _result():
    r = StudyResult(study="demo", config={"a": 1}, title="Demo <study>", summary="First.\n\nSecond.")
    r.add_metric("x", 1.5)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    r.add_figure("line", fig, "a line")
    a = Audit("model")
    a.check("good", 0.1, "<=", 0.2, "passes")
    a.check("bad", 0.1, ">=", 0.2, "fails")
    r.audits.append(a)
    r.artifacts["note.txt"] = lambda path: path.write_text("hello")
    return r


def test_write_run_layout_and_registry(tmp_path):
    record = write_run(_result(), tmp_path, wall_seconds=1.25)
    d = record.path
    assert re.fullmatch(r"demo-\d{8}-\d{6}-[0-9a-f]{6}", d.name)
    assert json.loads((d / "config.json").read_text()) == {"a": 1}
    metrics = json.loads((d / "metrics.json").read_text())
    assert metrics == {"x": 1.5, "wall_seconds": 1.25}
    assert (d / "figures" / "line.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (d / "artifacts" / "note.txt").read_text() == "hello"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    reg = Registry(tmp_path)
    assert [r.id for r in reg.list()] == [record.id]
    assert reg.get(record.id[:4]).metrics["x"] == 1.5
    with sqlite3.connect(reg.path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(UnknownNameError, match="unknown run"):
        reg.get("zzzzzz")


def test_failed_artifact_leaves_no_run(tmp_path):
    r = _result()
    r.artifacts["boom"] = lambda path: 1 / 0
    with pytest.raises(ZeroDivisionError):
        write_run(r, tmp_path, wall_seconds=0.0)
    assert [p.name for p in tmp_path.iterdir()] == []


def test_missing_registry_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no run registry"):
        Registry(tmp_path / "none").list()


def test_report_is_self_contained():
    page = render_html(_result(), run_name="demo-1")
    assert "Demo &lt;study&gt;" in page  # escaped
    assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]{100,}"', page)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from elsewhere
    assert 'class="fail"' in page and 'class="pass"' in page
    assert "<p>First.</p><p>Second.</p>" in page


def test_metric_must_be_finite():
    with pytest.raises(ValueError, match="not finite"):
        StudyResult("s", {}).add_metric("m", np.nan)
