"""``physml explore`` on an HDF5 file written by ``physml simulate ising``: the PCA direction is the
magnetisation, k-means finds the two ordered and the disordered phase, and every bad input is one line, exit 2,
nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from scipy.stats import spearmanr

from physml.cli import main


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.fixture(scope="module")
def ising_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("explore") / "ising.h5"
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "ising", "--L", "8", "--temperatures", "1.2,1.6,2.2,2.6,3.2,6.0", "--samples", "40",
              "-o", str(path), "--quiet"])
    assert exc.value.code == 0
    return path


def _metrics(out: str) -> dict:
    run = Path(out.strip().splitlines()[-1])
    assert (run / "report.html").is_file() and (run / "figures" / "embeddings.png").is_file()
    return json.loads((run / "metrics.json").read_text())


def test_pca_magnitude_tracks_the_temperature_as_the_magnetisation_does(ising_file, tmp_path, capsys):
    code, out, err = cli(capsys, "explore", str(ising_file), "--field", "spins", "--label", "temperature",
                         "--methods", "pca,kmeans", "--runs-dir", str(tmp_path), "--quiet")
    assert code == 0, err
    m = _metrics(out)
    with h5py.File(ising_file) as f:
        mag, T = f["magnetization"][()], f["temperature"][()]
    exact = abs(spearmanr(np.abs(mag), T).statistic)
    # PC1 of raw spins is sqrt(N) m up to a sign (the uniform mode), so |PC1 - median| ranks the samples as |m|
    # does: the two Spearman coefficients agree to within the ranks scrambled near m = 0 (a few %)
    assert m["pca_abs_spearman_magnitude_1"] == pytest.approx(exact, abs=0.05)
    assert m["pca_explained_variance_1"] > m["pca_explained_variance_2"]
    assert m["kmeans_n_clusters"] == 2 and "kmeans_ari" not in m  # a physical label: no ARI


def test_kmeans_recovers_the_two_ordered_states_and_the_disordered_one(ising_file, tmp_path, capsys):
    with h5py.File(ising_file) as f:
        spins, mag, T = f["spins"][()], f["magnetization"][()], f["temperature"][()]
    far = (T <= 1.6) | (T >= 6.0)
    phase = np.where(T[far] >= 6.0, 0, np.where(mag[far] > 0, 1, 2))
    path = tmp_path / "phases.h5"
    with h5py.File(path, "w") as f:  # a plain HDF5 file, not a physml dataset
        f["spins"], f["phase"] = spins[far], phase
    code, out, err = cli(capsys, "explore", str(path), "--field", "spins", "--label", "phase", "--methods",
                         "pca,kmeans,agglomerative", "--runs-dir", str(tmp_path / "runs"), "--quiet")
    assert code == 0, err
    m = _metrics(out)
    # at T <= 1.6, |m| > 0.95 for L = 8, and at T = 6 m has a standard deviation ~ 1/L (nearly free spins): three
    # clouds along PC1 (= 8 m) at +-8 and 0, each a few standard deviations from the k-means boundaries at +-4
    assert m["kmeans_n_clusters"] == 3 and m["kmeans_ari"] > 0.95 and m["agglomerative_ari"] > 0.95


def test_bad_inputs_are_one_line_exit_2_and_write_nothing(ising_file, tmp_path, capsys):
    bad = tmp_path / "bad.h5"
    with h5py.File(bad, "w") as f:
        x = np.random.default_rng(0).standard_normal((30, 4))
        f["x"], f["short"] = x, np.arange(29.0)
        x_nan = x.copy()
        x_nan[3, 2] = np.nan
        f["x_nan"] = x_nan
    runs = tmp_path / "runs"
    cases = [
        ((str(ising_file), "--field", "nope"), "nope"),
        ((str(bad), "--field", "x", "--label", "short"), "one value per sample"),
        ((str(bad), "--field", "x_nan"), "non-finite"),
        ((str(bad), "--field", "x", "--n-clusters", "31"), "n_clusters"),
        ((str(bad), "--field", "x", "--methods", "tsne"), "perplexity"),
        ((str(bad), "--field", "x", "--methods", "umap", "--n-neighbors", "40"), "n_neighbors"),
        ((str(bad), "--field", "x", "--methods", "pca,warp"), "methods"),
        ((str(tmp_path / "missing.h5"), "--field", "x"), "does not exist"),
    ]
    for args, word in cases:
        code, out, err = cli(capsys, "explore", *args, "--runs-dir", str(runs), "--quiet")
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("physml: error: ") and word in lines[0], (
            args, err)
        assert not runs.exists(), args
