"""Unsupervised exploration of one array of an HDF5 file, as a run (what ``physml explore`` calls).

:func:`explore` reads the field (``(n, features)`` or ``(n, H, W)`` lattices) and an optional label of the same
file, checks everything a method needs before any compute (the names exist, the label has one value per sample,
every value is finite, there are more samples than clusters and neighbours), then embeds, clusters and scores:

* embeddings (PCA, kernel PCA, t-SNE, UMAP, the convolutional autoencoder) drawn coloured by the label, each
  with its trustworthiness (and PCA's explained variance);
* clusterings (k-means, Gaussian mixture, DBSCAN, agglomerative) with their silhouette and, when the label is
  categorical, the adjusted Rand index against it;
* when the label is a physical variable (real numbers), |Spearman| of every latent direction with it;
* the TwoNN intrinsic dimension of the field.

The result is a :class:`~physml.result.StudyResult` (study ``"explore"``) for :func:`physml.runs.write_run`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError, ParameterError
from ..result import StudyResult, new_figure
from ..validation import check_choice, check_int, check_real, check_seed

__all__ = ["EXPLORE_METHODS", "ExploreOptions", "load_field", "explore"]

EMBEDDING_METHODS = ("pca", "kernel_pca", "tsne", "umap", "autoencoder")
CLUSTER_METHODS = ("kmeans", "gmm", "dbscan", "agglomerative")
EXPLORE_METHODS = EMBEDDING_METHODS + CLUSTER_METHODS
MAX_CATEGORIES = 20  # a label with at most this many distinct integer (or text) values is categorical


@dataclass(frozen=True)
class ExploreOptions:
    """What :func:`explore` does besides reading the data."""

    methods: tuple[str, ...] = ("pca", "tsne", "kmeans")
    n_clusters: int | None = None
    """Clusters (default: the label's categories if categorical, else 2)."""
    n_components: int = 2
    perplexity: float = 30.0
    n_neighbors: int = 15
    eps: float = 0.5
    max_samples: int = 3000
    """A seeded random subset of at most this many samples is explored (t-SNE and UMAP scale as n log n to n^2)."""
    epochs: int = 30
    cluster_on: str = "embedding"
    """``embedding``: cluster the coordinates of the first embedding in ``methods`` (PCA then k-means, the usual
    practice: raw lattices are far apart in their own space) or the field when there is none; ``field``: always the
    field itself."""
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        methods = self.methods
        if isinstance(methods, str):
            methods = tuple(m.strip() for m in methods.split(",") if m.strip())
        if not methods or any(m not in EXPLORE_METHODS for m in methods):
            raise ParameterError.invalid("methods", ",".join(methods), "a comma list of " + ", ".join(EXPLORE_METHODS))
        object.__setattr__(self, "methods", tuple(dict.fromkeys(methods)))
        if self.n_clusters is not None:
            check_int("n_clusters", self.n_clusters, 1)
        check_int("n_components", self.n_components, 1)
        check_real("perplexity", self.perplexity, 0.0, closed="neither")
        check_int("n_neighbors", self.n_neighbors, 2)
        check_real("eps", self.eps, 0.0, closed="neither")
        check_int("max_samples", self.max_samples, 10)
        check_int("epochs", self.epochs, 1)
        check_seed("seed", self.seed)
        check_choice("cluster_on", self.cluster_on, ("embedding", "field"))


def load_field(path: str | os.PathLike, field: str, label: str | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``(X, y)``: the arrays named ``field`` and ``label`` (``None``: no label) of an HDF5 file (a physml
    dataset or any HDF5 file; ``group/name`` paths work), checked: present, numeric and finite, the label 1-D
    with one value per sample of ``X``."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {str(path)!r} does not exist")
    try:
        with h5py.File(path, "r") as f:
            def read(name: str, what: str) -> np.ndarray:
                node = f.get(name)
                if not isinstance(node, h5py.Dataset):
                    names = []
                    f.visititems(lambda k, v: names.append(k) if isinstance(v, h5py.Dataset) else None)
                    raise DataError(f"{what} {name!r} is not an array of {path.name}; it has {', '.join(names)}")
                return node[()]

            X = read(field, "field")
            y = read(label, "label") if label is not None else None
    except DataError:
        raise
    except OSError as exc:
        raise DataError(f"cannot read {str(path)!r} as HDF5 ({exc.__class__.__name__})") from None
    if X.dtype.kind not in "biuf":
        raise DataError(f"field {field!r} must be numeric; got dtype {X.dtype}")
    if X.ndim < 2:
        raise DataError(f"field {field!r} must have several values per sample (shape (n, features) or (n, H, W)); "
                        f"got shape {X.shape}")
    bad = ~np.isfinite(X.astype(np.float64, copy=False))
    if bad.any():
        raise DataError(f"field {field!r} has {int(bad.sum())} non-finite values (NaN or inf)")
    if y is not None:
        if y.dtype.kind == "S" or y.dtype.kind == "O":
            y = np.array([v.decode() if isinstance(v, bytes) else str(v) for v in y.ravel()]).reshape(y.shape)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise DataError(f"label {label!r} must have one value per sample of {field!r} ({X.shape[0]}); "
                            f"got shape {y.shape}")
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise DataError(f"label {label!r} has {int((~np.isfinite(y)).sum())} non-finite values (NaN or inf)")
    return X, y


def _is_categorical(y: np.ndarray) -> bool:
    return y.dtype.kind in "biuUS" and len(np.unique(y)) <= MAX_CATEGORIES


def _precheck(n: int, opts: ExploreOptions, n_clusters: int, n_features: int) -> None:
    """Every count a method needs, against the number of samples, before any compute."""
    m = set(opts.methods)
    if m & {"kmeans", "gmm", "agglomerative"} and n_clusters > n:
        raise ParameterError.invalid("n_clusters", n_clusters, f"an integer <= the number of samples ({n})")
    if "tsne" in m and opts.perplexity >= n:
        raise ParameterError.invalid("perplexity", opts.perplexity, f"a number below the number of samples ({n})")
    if "umap" in m and opts.n_neighbors >= n:
        raise ParameterError.invalid("n_neighbors", opts.n_neighbors, f"an integer below the number of samples ({n})")
    if "dbscan" in m and 5 > n:
        raise ParameterError.invalid("samples", n, "at least 5 for DBSCAN (its min_samples)")
    if "pca" in m and opts.n_components > min(n, n_features):
        raise ParameterError.invalid("n_components", opts.n_components,
                                     f"an integer <= min(samples, features) = {min(n, n_features)}")
    if n < 10:
        raise ParameterError.invalid("samples", n, "at least 10 samples to explore")


def explore(data: str | os.PathLike, field: str, label: str | None = None,
            options: ExploreOptions | None = None, *, progress: bool = False) -> StudyResult:
    """Embed, cluster and score the array ``field`` of ``data``, coloured by ``label``; a run's result."""
    from .. import unsupervised as U

    opts = options or ExploreOptions()
    X, y = load_field(data, field, label)
    categorical = y is not None and _is_categorical(y)
    n_clusters = opts.n_clusters or (len(np.unique(y)) if categorical else 2)
    rng = np.random.default_rng(opts.seed)
    idx = np.sort(rng.choice(len(X), opts.max_samples, replace=False)) if len(X) > opts.max_samples else None
    if idx is not None:
        X, y = X[idx], (None if y is None else y[idx])
    n = len(X)
    flat = X.reshape(n, -1).astype(np.float64)
    _precheck(n, opts, n_clusters, flat.shape[1])

    config = {"data": str(data), "field": field, "label": label, "n_samples": n, "sample_shape": list(X.shape[1:]),
              "label_kind": None if y is None else ("categorical" if categorical else "physical"),
              **{k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(opts).items()}, "n_clusters": n_clusters}
    result = StudyResult(study="explore", config=config, title=f"physml explore: {field} of {Path(data).name}")
    embeddings: dict[str, np.ndarray] = {}
    k_nn = max(1, min(5, (n - 1) // 2 - 1))
    for method in (m for m in opts.methods if m in EMBEDDING_METHODS):
        if method == "autoencoder":
            if X.ndim != 3:
                raise ParameterError.invalid("methods", "autoencoder", f"methods without 'autoencoder' for a field "
                                             f"of shape {X.shape[1:]} (the autoencoder reads 2D lattices (n, H, W))")
            spins = np.abs(X).max() <= 1
            ae = U.ConvAutoencoder(opts.n_components, likelihood="bernoulli" if spins else "gaussian",
                                   epochs=opts.epochs, seed=opts.seed, device=opts.device).fit(X)
            Z = ae.transform(X)
        else:
            emb = U.Embedding(method, opts.n_components, perplexity=opts.perplexity, n_neighbors=opts.n_neighbors,
                              random_state=opts.seed)
            Z = emb.fit_transform(flat)
            if method == "pca":
                for j, r in enumerate(emb.explained_variance_ratio_):
                    result.add_metric(f"pca_explained_variance_{j + 1}", r)
        embeddings[method] = Z
        result.add_metric(f"{method}_trustworthiness", U.trustworthiness(flat, Z, n_neighbors=k_nn))
    clusters: dict[str, np.ndarray] = {}
    space_name = next(iter(embeddings)) if embeddings and opts.cluster_on == "embedding" else "field"
    space = flat if space_name == "field" else embeddings[space_name]
    result.config["clustered"] = space_name
    for method in (m for m in opts.methods if m in CLUSTER_METHODS):
        labels = U.Clustering(method, n_clusters, eps=opts.eps, random_state=opts.seed).fit_predict(space)
        clusters[method] = labels
        k = len(np.unique(labels))
        result.add_metric(f"{method}_n_clusters", k)
        if 2 <= k <= n - 1:
            result.add_metric(f"{method}_silhouette", U.silhouette(space, labels))
        if categorical:
            result.add_metric(f"{method}_ari", U.adjusted_rand(y, labels))
    try:
        twonn = U.twonn_dimension(flat)
        result.add_metric("intrinsic_dimension_twonn", twonn.dimension)
        result.add_metric("intrinsic_dimension_twonn_stderr", twonn.stderr)
    except DataError:  # fewer than 10 distinct points: no estimate, said in the summary
        twonn = None
    _report(result, embeddings, clusters, y, label, categorical, twonn)
    return result


def _report(result, embeddings, clusters, y, label, categorical, twonn) -> None:
    from .. import unsupervised as U

    physical = y is not None and not categorical
    if physical:
        rows = []
        for method, Z in embeddings.items():
            # a direction and its magnitude: under a symmetry z -> -z (the Ising spin flip) only |z| can track
            rho = U.latent_spearman(Z, y.astype(np.float64))
            rho_abs = U.latent_spearman(np.abs(Z - np.median(Z, axis=0)), y.astype(np.float64))
            for j, (r, ra) in enumerate(zip(rho, rho_abs)):
                result.add_metric(f"{method}_abs_spearman_{j + 1}", r)
                result.add_metric(f"{method}_abs_spearman_magnitude_{j + 1}", ra)
                rows.append((method, j + 1, round(float(r), 4), round(float(ra), 4)))
        if rows:
            result.add_table(f"|Spearman| of each latent direction with '{label}'",
                             ("embedding", "direction", "|Spearman(z, label)|", "|Spearman(|z - median z|, label)|"),
                             rows)
    if clusters:
        cols = ["method", "clusters", "silhouette"] + (["ARI vs label"] if categorical else [])
        rows = [(m, result.metrics[f"{m}_n_clusters"], round(result.metrics.get(f"{m}_silhouette", float("nan")), 4),
                 *([round(result.metrics[f"{m}_ari"], 4)] if categorical else [])) for m in clusters]
        result.add_table(f"Clusterings of the {result.config['clustered']} coordinates"
                         + (f" against the label '{label}'" if categorical else ""), cols, rows)
    if embeddings:
        rows = [(m, round(result.metrics[f"{m}_trustworthiness"], 4)) for m in embeddings]
        result.add_table("Embeddings: trustworthiness (k = 5 neighbours)", ("embedding", "trustworthiness"), rows)
        fig = new_figure(figsize=(4.2 * len(embeddings), 3.8), layout="constrained")
        axes = np.atleast_1d(fig.subplots(1, len(embeddings)))
        colour = None
        if y is not None:
            colour = np.unique(y, return_inverse=True)[1] if categorical else y.astype(np.float64)
        elif clusters:
            colour = next(iter(clusters.values()))
        for ax, (method, Z) in zip(axes, embeddings.items()):
            z2 = Z[:, 1] if Z.shape[1] > 1 else np.zeros(len(Z))
            sc = ax.scatter(Z[:, 0], z2, c=colour, s=4, cmap="tab10" if categorical else "viridis")
            ax.set_title(method)
            ax.set_xlabel("direction 1")
            ax.set_ylabel("direction 2")
        if colour is not None:
            fig.colorbar(sc, ax=axes.tolist(), label=label or "cluster")
        result.add_figure("embeddings", fig, "Each embedding of the samples, coloured by "
                          + (f"the label '{label}'." if y is not None else "the first clustering."))
    parts = [f"{len(embeddings)} embeddings and {len(clusters)} clusterings of '{result.config['field']}' "
             f"({result.config['n_samples']} samples)."]
    if twonn is not None:
        parts.append(f"TwoNN intrinsic dimension {twonn.dimension:.2f} ± {twonn.stderr:.2f}.")
    if physical and embeddings:
        keys = [k for k in result.metrics if "_abs_spearman_" in k]
        best = max(keys, key=lambda k: result.metrics[k])
        parts.append(f"Best tracking of '{label}': {best.replace('_abs_spearman_', ' |Spearman| ')} "
                     f"= {result.metrics[best]:.3f}.")
    if categorical and clusters:
        best = max(clusters, key=lambda m: result.metrics[f"{m}_ari"])
        parts.append(f"Best agreement with '{label}': {best}, ARI {result.metrics[f'{best}_ari']:.3f}.")
    result.summary = " ".join(parts)
