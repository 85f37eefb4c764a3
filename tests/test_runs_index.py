"""``physml runs index`` / ``runs compare`` / ``--version``; the index page in headless Chromium.

The runs are real, tiny computations written by physml's own run writer: the composite trapezoid and Simpson
rules integrate sin on [0, pi] (exactly 2) with 3 to 24 points, and an audit checks the relative error against
1e-3, which the coarse trapezoid runs fail. So the folder holds 22 runs of two kinds with known verdicts.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np
import pytest

from test_cli import assert_one_line_error, cli  # noqa: E402

N_RUNS = 22


def _quadrature_run(runs_dir, i: int):
    from scipy.integrate import simpson, trapezoid

    from physml.physics.audit import Audit
    from physml.result import StudyResult
    from physml.runs import write_run

    rule = "simpson" if i % 2 else "trapezoid"
    n = 3 + i
    x = np.linspace(0.0, np.pi, n)
    value = (simpson if rule == "simpson" else trapezoid)(np.sin(x), x=x)
    res = StudyResult(rule, {"n_points": n, "seed": i}, title=f"{rule} rule on sin, {n} points")
    res.add_metric("rel_error", abs(value - 2.0) / 2.0)
    res.add_metric("integral", value)
    audit = Audit("quadrature")
    audit.check("rel_error", abs(value - 2.0) / 2.0, "<=", 1e-3, "relative error against the exact integral 2")
    res.add_audit(audit)
    return write_run(res, runs_dir, wall_seconds=0.01 * i)


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("runs")
    records = [_quadrature_run(d, i) for i in range(N_RUNS)]
    return d, records


def test_index_lists_every_run_with_its_audit(runs_dir, capsys):
    d, records = runs_dir
    code, out, err = cli(capsys, "runs", "index", "--runs-dir", str(d))
    assert code == 0, err
    assert f"indexed {N_RUNS} runs" in out
    page = (d / "index.html").read_text()
    assert "http://" not in page and "https://" not in page and "<script src" not in page  # self-contained
    for r in records:
        assert f'href="{r.path.name}/report.html"' in page
    failed = [r for r in records if r.metrics["audit_quadrature_passed"] == 0]
    assert 0 < len(failed) < N_RUNS
    assert page.count('data-audit="failed"') == len(failed)
    assert '<span class="fail">quadrature_rel_error</span>' in page
    # a second index replaces the first; a foreign index.html is kept unless --force
    assert cli(capsys, "runs", "index", "--runs-dir", str(d))[0] == 0
    other = d / "other"
    other.mkdir()
    (other / "index.html").write_text("<html>mine</html>")
    code, _, err = cli(capsys, "runs", "index", "--runs-dir", str(other))
    assert_one_line_error(code, err, "index.html", "--force")
    assert (other / "index.html").read_text() == "<html>mine</html>"


def test_compare_shows_configs_and_metrics_side_by_side(runs_dir, capsys):
    d, records = runs_dir
    a, b = records[0], records[2]
    code, out, err = cli(capsys, "runs", "compare", a.path.name, str(b.path), "--runs-dir", str(d))
    assert code == 0, err
    lines = {line.split()[1]: line for line in out.splitlines()[1:]}
    assert lines["n_points"].split()[2:] == ["3", "5", "*", "+2"]
    da, db = a.metrics["integral"], b.metrics["integral"]
    assert f"{db - da:+.4g}" in lines["integral"]
    code, _, err = cli(capsys, "runs", "compare", a.path.name, "nope", "--runs-dir", str(d))
    assert_one_line_error(code, err, "nope")


def test_version(capsys):
    from physml import __version__

    code, out, _ = cli(capsys, "--version")
    assert code == 0 and out.strip() == f"physml {__version__}"


@pytest.mark.browser
def test_index_sorts_and_filters_in_chromium(runs_dir, capsys):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not (chromium and chromedriver):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver are required in CI (.ci/run installs them)")
        pytest.skip("chromium / chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    d, records = runs_dir
    assert cli(capsys, "runs", "index", "--runs-dir", str(d))[0] == 0
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="physml-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(chromedriver), options=opts)
    try:
        drv.get((d / "index.html").resolve().as_uri())
        visible = "return Array.from(document.querySelectorAll('#runs tbody tr')).filter(r => !r.hidden)" \
                  ".map(r => Array.from(r.cells).map(c => c.textContent.trim()));"
        assert len(drv.execute_script(visible)) == N_RUNS
        headers = drv.find_elements(By.CSS_SELECTOR, "#runs thead th")
        # sort by seed: numeric (2 before 10), then reversed on a second click
        headers[3].click()
        assert [int(r[3]) for r in drv.execute_script(visible)] == list(range(N_RUNS))
        headers[3].click()
        assert [int(r[3]) for r in drv.execute_script(visible)] == list(range(N_RUNS))[::-1]
        # sort by the first headline metric (the integral; the cell reads "integral = 1.99rel_error = 0.004")
        headers[4].click()
        values = [float(r[4].split("integral = ")[1].split("rel_error")[0]) for r in drv.execute_script(visible)]
        assert values == sorted(values) and values[0] < values[-1]
        # filter by text, then by audit verdict
        drv.find_element(By.ID, "q").send_keys("simpson")
        rows = drv.execute_script(visible)
        assert len(rows) == N_RUNS // 2 and all(r[1] == "simpson" for r in rows)
        assert drv.find_element(By.ID, "count").text == f"{N_RUNS // 2} of {N_RUNS} runs"
        drv.find_element(By.ID, "q").clear()
        drv.execute_script("document.getElementById('q').dispatchEvent(new Event('input'))")
        Select(drv.find_element(By.ID, "audit")).select_by_value("failed")
        rows = drv.execute_script(visible)
        n_failed = sum(r.metrics["audit_quadrature_passed"] == 0 for r in records)
        assert len(rows) == n_failed and all(r[5] == "failed" and "quadrature_rel_error" in r[6] for r in rows)
        Select(drv.find_element(By.ID, "kind")).select_by_value("simpson")
        assert all(r[1] == "simpson" for r in drv.execute_script(visible))
        errors = [e for e in drv.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)
