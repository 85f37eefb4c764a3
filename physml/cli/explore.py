"""``physml explore``: embeddings, clusterings and their scores for one array of an HDF5 file, as a run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ._options import Quiet, RunsDir, Seed, device_option

__all__ = ["explore"]


def explore(
    data: Path = typer.Argument(..., help="HDF5 file (a physml dataset or any HDF5 file)."),
    field: str = typer.Option(..., "--field", help="Array to explore: (n, features) or lattices (n, H, W)."),
    label: str | None = typer.Option(None, "--label", help="Array colouring the maps and judging the clusters: "
                                     "categorical (ARI) or a physical variable (|Spearman| per latent direction)."),
    methods: str = typer.Option("pca,tsne,kmeans", "--methods",
                                help="Comma list: pca, kernel_pca, tsne, umap, autoencoder, kmeans, gmm, dbscan, "
                                     "agglomerative."),
    n_clusters: int | None = typer.Option(None, "--n-clusters", help="Clusters (default: label categories, or 2)."),
    n_components: int = typer.Option(2, "--n-components", help="Embedding dimension."),
    perplexity: float = typer.Option(30.0, help="t-SNE perplexity."),
    n_neighbors: int = typer.Option(15, "--n-neighbors", help="UMAP neighbours."),
    eps: float = typer.Option(0.5, help="DBSCAN radius."),
    max_samples: int = typer.Option(3000, "--max-samples", help="Explore a seeded random subset of this size."),
    epochs: int = typer.Option(30, help="Autoencoder training epochs."),
    cluster_on: str = typer.Option("embedding", "--cluster-on", help="embedding (the first one in --methods) | "
                                   "field (the raw array)."),
    seed: Seed = 0,
    runs_dir: RunsDir = Path("runs"),
    device: Annotated[str, device_option("auto | cpu | cuda (for the autoencoder).")] = "cpu",
    quiet: Quiet = False,
) -> None:
    """Embed and cluster an array of an HDF5 file; write a run with the report; print its directory last."""
    from ..runs import write_run
    from ..workflows.explore import ExploreOptions
    from ..workflows.explore import explore as run_explore
    from ._options import echo_metrics

    start = time.perf_counter()
    options = ExploreOptions(methods=methods, n_clusters=n_clusters, n_components=n_components,
                             perplexity=perplexity, n_neighbors=n_neighbors, eps=eps, max_samples=max_samples,
                             epochs=epochs, cluster_on=cluster_on, seed=seed, device=device)
    result = run_explore(data, field, label, options, progress=not quiet)
    record = write_run(result, runs_dir, wall_seconds=time.perf_counter() - start)
    if not quiet:
        echo_metrics({k: v for k, v in result.metrics.items() if not k.startswith("pca_explained_variance_")})
    typer.echo(str(record.path))
