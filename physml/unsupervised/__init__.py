"""Unsupervised learning on physics data: embeddings, clustering, autoencoders, anomaly scores, their metrics.

scikit-learn-shaped (``fit``, ``transform``, ``fit_predict``, ``score_samples``) and seeded; every input is
checked before any compute (finite values, enough samples for the clusters or neighbours asked for), so a bad
call is one line (:class:`~physml.errors.ParameterError` or :class:`~physml.errors.DataError`).

* :class:`Embedding`: PCA, kernel PCA, t-SNE (scikit-learn), UMAP (umap-learn);
* :class:`ConvAutoencoder`: a periodic convolutional autoencoder or VAE for lattice and grid fields (PyTorch),
  odd under a global flip by default (the Ising model's Z2);
* :class:`Clustering`: k-means, Gaussian mixture, DBSCAN, agglomerative (scikit-learn);
* :class:`AnomalyDetector`: isolation forest, local outlier factor, autoencoder reconstruction error;
* :func:`twonn_dimension`: intrinsic dimension (TwoNN, Facco et al. 2017);
* metrics: :func:`explained_variance`, :func:`trustworthiness`, :func:`silhouette`, :func:`adjusted_rand`,
  :func:`roc_auc_interval` (bootstrap interval), :func:`significance_improvement` (at signal efficiency 0.2),
  :func:`latent_spearman`.
"""

from ._anomaly import DETECTORS as DETECTORS
from ._anomaly import AnomalyDetector as AnomalyDetector
from ._autoencoder import LIKELIHOODS as LIKELIHOODS
from ._autoencoder import ConvAutoencoder as ConvAutoencoder
from ._checks import check_matching as check_matching
from ._checks import check_samples as check_samples
from ._clustering import CLUSTERINGS as CLUSTERINGS
from ._clustering import Clustering as Clustering
from ._embedding import EMBEDDINGS as EMBEDDINGS
from ._embedding import Embedding as Embedding
from ._intrinsic import TwoNNResult as TwoNNResult
from ._intrinsic import twonn_dimension as twonn_dimension
from ._metrics import RocAuc as RocAuc
from ._metrics import adjusted_rand as adjusted_rand
from ._metrics import explained_variance as explained_variance
from ._metrics import latent_spearman as latent_spearman
from ._metrics import roc_auc_interval as roc_auc_interval
from ._metrics import significance_improvement as significance_improvement
from ._metrics import silhouette as silhouette
from ._metrics import trustworthiness as trustworthiness

__all__ = ["Embedding", "EMBEDDINGS", "ConvAutoencoder", "LIKELIHOODS", "Clustering", "CLUSTERINGS",
           "AnomalyDetector", "DETECTORS", "TwoNNResult", "twonn_dimension", "explained_variance",
           "trustworthiness", "silhouette", "adjusted_rand", "RocAuc", "roc_auc_interval",
           "significance_improvement", "latent_spearman", "check_samples", "check_matching"]
