"""physml.unsupervised against exact answers: a plane's intrinsic dimension, the AUC of two Gaussians, PCA's
variance of a known spectrum, the Ising autoencoder's odd symmetry and its latent as the magnetisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from physml.errors import DataError, ParameterError
from physml.physics.reweighting import MultiHistogram
from physml.sim import ising
from physml.unsupervised import (
    AnomalyDetector,
    Clustering,
    ConvAutoencoder,
    Embedding,
    adjusted_rand,
    explained_variance,
    latent_spearman,
    roc_auc_interval,
    significance_improvement,
    trustworthiness,
    twonn_dimension,
)


def test_twonn_finds_the_dimension_of_a_plane_in_ten_dimensions():
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((10, 10)))[0][:, :2]
    X = rng.uniform(size=(2000, 2)) @ basis.T
    r = twonn_dimension(X)
    # the estimator's standard error is d / sqrt(n) ~ 0.05; boundary effects of the square bias it by a few %
    assert abs(r.dimension - 2.0) < max(4 * r.stderr, 0.15), r


def test_pca_explained_variance_is_the_known_spectrum():
    rng = np.random.default_rng(1)
    sd = np.array([3.0, 2.0, 1.0, 0.5])
    X = rng.standard_normal((20000, 4)) * sd
    ratio = explained_variance(X)
    # sampling error of a variance with n = 2e4 is sqrt(2/n) ~ 1 % relative
    np.testing.assert_allclose(ratio, sd**2 / (sd**2).sum(), rtol=0.04)
    emb = Embedding("pca", 2).fit(X)
    np.testing.assert_allclose(emb.explained_variance_ratio_, ratio[:2])


def test_roc_auc_of_two_gaussians_matches_the_exact_value_inside_its_interval():
    rng = np.random.default_rng(2)
    shift = 1.5
    y = np.r_[np.zeros(3000), np.ones(300)].astype(int)
    s = np.r_[rng.standard_normal(3000), shift + rng.standard_normal(300)]
    r = roc_auc_interval(y, s, n_boot=300, level=0.99, seed=0)
    exact = norm.cdf(shift / math.sqrt(2))  # P(X_signal > X_normal)
    assert r.low <= exact <= r.high and r.low < r.auc < r.high, (r, exact)
    # the threshold keeping 20 % of the signal sits at shift + 0.8416; background passes with 1 - Phi(that)
    eps_b = norm.sf(shift + norm.ppf(0.8))
    assert significance_improvement(y, s) == pytest.approx(0.2 / math.sqrt(eps_b), rel=0.25)
    separated = 10.0 * y + rng.uniform(size=y.size)  # no background passes: eps_B is floored at 1 / 3000
    assert significance_improvement(y, separated) == pytest.approx(0.2 / math.sqrt(1 / 3000), rel=0.01)


def test_clustering_recovers_separated_blobs_and_refuses_more_clusters_than_samples():
    rng = np.random.default_rng(3)
    centres = np.array([[0, 0], [10, 0], [0, 10]])
    truth = np.repeat([0, 1, 2], 50)
    X = centres[truth] + rng.standard_normal((150, 2))
    for method in ("kmeans", "gmm", "agglomerative"):
        assert adjusted_rand(truth, Clustering(method, 3).fit_predict(X)) == 1.0
    assert adjusted_rand(truth, Clustering("dbscan", eps=2.0, min_samples=5).fit_predict(X)) > 0.95
    with pytest.raises(ParameterError, match="n_clusters.*number of samples"):
        Clustering("kmeans", 4).fit(X[:3])
    with pytest.raises(DataError, match="non-finite"):
        Clustering("kmeans", 2).fit(np.where(X > 9, np.nan, X))
    with pytest.raises(ParameterError, match="perplexity"):
        Embedding("tsne", perplexity=30).fit(X[:20])
    with pytest.raises(ParameterError, match="n_neighbors"):
        AnomalyDetector("lof", n_neighbors=20).fit(X[:20])


def test_tsne_keeps_neighbours_of_separated_blobs():
    rng = np.random.default_rng(4)
    X = np.repeat(rng.standard_normal((4, 20)) * 5, 40, axis=0) + rng.standard_normal((160, 20))
    E = Embedding("tsne", perplexity=20, random_state=0).fit_transform(X)
    assert trustworthiness(X, E, n_neighbors=5) > 0.9


@pytest.fixture(scope="module")
def ising_l8():
    temps = (1.5, 1.9, 2.1, 2.3, 2.5, 2.8, 3.5)
    return ising.simulate(ising.IsingParams(L=8, temperatures=temps, samples=40), seed=0)


def test_ising_autoencoder_is_odd_its_latent_is_the_magnetisation_and_it_reproduces(ising_l8):
    X, m = ising_l8["spins"].astype(np.float32), ising_l8["magnetization"]
    kw = dict(channels=(4, 4), hidden=16, epochs=12, batch_size=32, seed=1)
    ae = ConvAutoencoder(1, **kw).fit(X)
    z = ae.transform(X)
    assert ae.transform(X[:, :6, :6]).shape == (len(X), 1)  # the encoder reads any lattice size
    np.testing.assert_array_equal(ae.transform(-X), -z)  # no bias, tanh: odd by construction, to the bit
    # Wetzel 2017: the one-number summary that reconstructs a configuration best is its magnetisation
    assert latent_spearman(np.abs(z), np.abs(m))[0] > 0.9
    np.testing.assert_array_equal(ConvAutoencoder(1, **kw).fit(X).transform(X), z)  # same seed, same numbers
    vae = ConvAutoencoder(1, variational=True, **kw).fit(X)
    assert latent_spearman(vae.transform(X), m)[0] > 0.9
    # trained on the ordered phase only, the reconstruction error grows with disorder
    ordered = ising_l8["temperature"] <= 1.9
    one_class = ConvAutoencoder(1, **{**kw, "epochs": 40, "validation_fraction": 0.0})
    detector = AnomalyDetector("autoencoder", autoencoder=one_class).fit(X[ordered])
    err = detector.anomaly_score(X)
    T = ising_l8["temperature"]
    assert err[T == 3.5].mean() > 3 * err[T == 1.5].mean()
    with pytest.raises(DataError, match=r"\[-1, 1\]"):
        ConvAutoencoder(1, **kw).fit(2 * X)


def test_multi_histogram_reweighting_matches_exact_enumeration_at_l4():
    # samples at three temperatures of the 4x4 lattice, reweighted to one in between, against the exact <e>
    L, temps = 4, (2.0, 2.4, 2.8)
    ds = ising.simulate(ising.IsingParams(L=L, temperatures=temps, samples=4000), seed=5)
    mh = MultiHistogram(1.0 / ds["temperature"], ds["energy"] * L * L)
    levels, p = ising.exact_energy_distribution(L, 2.2)
    exact = float(levels @ p)
    est = mh.average(ds["energy"], 1 / 2.2)
    # ~12000 correlated samples, sd(e) ~ 0.3 per spin: the statistical error is ~0.01; 0.03 is 3 sigma
    assert abs(est - exact) < 0.03, (est, exact)
