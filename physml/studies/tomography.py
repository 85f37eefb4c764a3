"""Study ``tomography``: limited-angle reconstruction of the Shepp-Logan phantom from noisy projections.

30 parallel-beam projections over 180 degrees with 1 % Gaussian noise (``physml.sim.tomography``,
scikit-image's Radon transform). Filtered back-projection (ramp filter, the textbook inverse)
against a total-variation-regularised, non-negative reconstruction (FISTA on the Radon
operator, ``physml.inverse.tv_tomography``) whose weight is chosen by the discrepancy
principle: the largest weight whose sinogram misfit equals the noise level, and a learned
reconstruction (``physml.inverse.LearnedReconstruction``: a small residual CNN that cleans
the FBP image, trained on FBPs of ``n_train_phantoms`` random ellipse phantoms simulated
with the same angles and noise rule; the Shepp-Logan phantom is never in its training set).
PSNR and SSIM against the phantom, and error maps; the learned reconstruction is also
scored on ``n_test_phantoms`` held-out random phantoms (does it generalise beyond one image?).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..inverse import LearnedReconstruction, tv_tomography
from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..sim import tomography as tomo
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]


@dataclass(frozen=True)
class Config:
    """Configuration of ``tomography``."""

    size: int = 128
    """Image side in pixels."""
    n_angles: int = 30
    """Projection angles, evenly spread over ``angle_span_deg``."""
    angle_span_deg: float = 180.0
    noise_fraction: float = 0.01
    """Noise std as a fraction of the largest line integral."""
    n_iter: int = 80
    """FISTA iterations per trial weight."""
    n_bisect: int = 8
    """Bisection steps of the discrepancy rule on log(weight)."""
    n_train_phantoms: int = 200
    """Random ellipse phantoms (with their noisy FBPs) the learned reconstruction is trained on."""
    n_test_phantoms: int = 16
    """Held-out random phantoms on which FBP and the learned reconstruction are also scored."""
    learned_steps: int = 1500
    """Adam steps (batches of 8 random 64 x 64 crops) of the learned reconstruction."""
    learned_channels: int = 16
    """Channels of each hidden convolution of the learned reconstruction."""

    def __post_init__(self) -> None:
        tomo.TomographyParams(self.size, self.n_angles, self.angle_span_deg, self.noise_fraction)
        if self.n_iter < 5:
            raise ParameterError.invalid("n_iter", self.n_iter, "an integer >= 5")
        if self.n_bisect < 1:
            raise ParameterError.invalid("n_bisect", self.n_bisect, "an integer >= 1")
        for name in ("n_train_phantoms", "n_test_phantoms", "learned_steps", "learned_channels"):
            if getattr(self, name) < 1:
                raise ParameterError.invalid(name, getattr(self, name), "an integer >= 1")


QUICK = Config(size=96, n_iter=40, n_bisect=6, n_train_phantoms=48, n_test_phantoms=8, learned_steps=150)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: the noisy sinogram of the Shepp-Logan phantom
    params = tomo.TomographyParams(config.size, config.n_angles, config.angle_span_deg, config.noise_fraction)
    ds = tomo.sinogram_dataset(params, seed=ctx.seed)
    img, b, sigma = ds["image"][0], ds["sinogram"][0], float(ds.attrs["noise_std"])
    mask = tomo.circle_mask(config.size)
    # fit: FBP, TV by the discrepancy rule, and the learned reconstruction (trained on random phantoms)
    seconds = {}
    t = time.perf_counter()
    fbp = _fbp(b, params.angles, config.size, mask)
    seconds["fbp"] = time.perf_counter() - t
    t = time.perf_counter()
    tv = tv_tomography(b, params.angles, sigma, size=config.size, n_iter=config.n_iter, n_bisect=config.n_bisect)
    seconds["regularized"] = time.perf_counter() - t
    # the learned reconstruction's phantoms come from their own stream: the Shepp-Logan noise is the seed's as before
    net, held = _learned(config, params, mask, ctx.rng(1))
    t = time.perf_counter()
    learned = np.clip(net.predict(fbp), 0, None) * mask
    seconds["learned"] = seconds["fbp"] + time.perf_counter() - t  # the network cleans the FBP image
    # evaluate: PSNR and SSIM against the phantom (data range: the phantom's)
    from skimage.metrics import peak_signal_noise_ratio as psnr
    from skimage.metrics import structural_similarity as ssim
    span = float(img.max() - img.min())
    scores = {name: (psnr(img, rec, data_range=span), ssim(img, rec, data_range=span))
              for name, rec in (("fbp", fbp), ("regularized", tv.image), ("learned", learned))}
    (fbp_psnr, fbp_ssim), (tv_psnr, tv_ssim), (learned_psnr, learned_ssim) = scores.values()
    result = ctx.result("Limited-angle tomography: filtered back-projection vs TV-regularised vs learned "
                        "reconstruction")
    m = result.add_metric
    m("psnr_fbp", fbp_psnr)
    m("psnr_regularized", tv_psnr)
    m("psnr_gain_db", tv_psnr - fbp_psnr)
    m("ssim_fbp", fbp_ssim)
    m("ssim_regularized", tv_ssim)
    m("psnr_learned", learned_psnr)
    m("ssim_learned", learned_ssim)
    m("psnr_learned_gain_over_fbp_db", learned_psnr - fbp_psnr)
    m("psnr_fbp_heldout_phantoms", held["fbp"])
    m("psnr_learned_heldout_phantoms", held["learned"])
    m("seconds_training_learned", net.fit_seconds_)
    m("seconds_learned", seconds["learned"])
    m("tv_weight", tv.weight)
    m("residual_over_noise_level", tv.residual_norm / tv.target_residual)
    m("seconds_fbp", seconds["fbp"])
    m("seconds_regularized", seconds["regularized"])
    # audit
    a = Audit("tv reconstruction")
    a.check("psnr_gain_db", tv_psnr - fbp_psnr, ">=", 3.0,
            "TV-regularised reconstruction beats filtered back-projection by at least 3 dB PSNR")
    a.check("discrepancy_mismatch", abs(tv.residual_norm / tv.target_residual - 1), "<=", 0.1,
            "the chosen weight's sinogram misfit is the noise level sqrt(m) sigma (discrepancy principle)")
    a.check("min_value", float(tv.image.min()), ">=", 0.0, "attenuation is non-negative")
    result.add_audit(a)
    # report
    result.add_table("Reconstruction quality against the phantom", ("method", "PSNR (dB)", "SSIM", "seconds"),
                     [("filtered back-projection", round(fbp_psnr, 2), round(fbp_ssim, 4), round(seconds["fbp"], 3)),
                      ("TV-regularised (discrepancy principle)", round(tv_psnr, 2), round(tv_ssim, 4),
                       round(seconds["regularized"], 2)),
                      (f"learned (CNN on FBP, trained on {config.n_train_phantoms} random phantoms "
                       f"in {net.fit_seconds_:.0f} s)", round(learned_psnr, 2), round(learned_ssim, 4),
                       round(seconds["learned"], 3))])
    result.add_table(f"Mean PSNR (dB) on {config.n_test_phantoms} held-out random ellipse phantoms",
                     ("method", "PSNR (dB)"), [("filtered back-projection", round(held["fbp"], 2)),
                                               ("learned", round(held["learned"], 2))])
    result.add_table("Discrepancy rule: weights tried", ("weight", "sinogram misfit", "noise level"),
                     [(f"{w:.4g}", round(r, 3), round(tv.target_residual, 3)) for w, r in tv.history])
    _figures(result, img, b, fbp, tv.image, learned, scores)
    result.summary = (
        f"{config.n_angles} projections over {config.angle_span_deg:g} degrees, noise "
        f"{100 * config.noise_fraction:g} % of the largest line integral. Filtered back-projection: PSNR "
        f"{fbp_psnr:.2f} dB, SSIM {fbp_ssim:.3f}; TV-regularised (weight {tv.weight:.3g} by the discrepancy "
        f"principle): PSNR {tv_psnr:.2f} dB, SSIM {tv_ssim:.3f}; learned (CNN on the FBP image, trained on "
        f"{config.n_train_phantoms} random phantoms, never this one): PSNR {learned_psnr:.2f} dB, SSIM "
        f"{learned_ssim:.3f} (held-out random phantoms: FBP {held['fbp']:.2f} dB, learned "
        f"{held['learned']:.2f} dB). With so few angles FBP streaks; the TV prior (piecewise-constant tissue) "
        "removes the streaks and the noise the data cannot support; the network learns what streaks look like.")
    result.artifacts["sinogram.h5"] = lambda path: ds.save(path)
    return result


def _fbp(sinogram, angles, size, mask) -> np.ndarray:
    from skimage.transform import iradon

    return np.clip(iradon(sinogram, theta=angles, circle=True, output_size=size), 0, None) * mask


def _learned(config, params, mask, rng):
    """Train the learned reconstruction on random phantoms; score it and FBP on held-out ones."""
    from skimage.metrics import peak_signal_noise_ratio

    def pairs(n):
        imgs = [tomo.random_ellipse_phantom(config.size, rng) for _ in range(n)]
        fbps = [_fbp(tomo.sinogram_dataset(params, seed=rng, image=im)["sinogram"][0], params.angles, config.size,
                     mask) for im in imgs]
        return np.array(imgs), np.array(fbps)

    imgs, fbps = pairs(config.n_train_phantoms)
    net = LearnedReconstruction(channels=config.learned_channels, steps=config.learned_steps,
                                seed=int(rng.integers(2**31 - 1))).fit(fbps, imgs)
    test_imgs, test_fbps = pairs(config.n_test_phantoms)
    test_rec = np.clip(net.predict(test_fbps), 0, None) * mask
    held = {name: float(np.mean([peak_signal_noise_ratio(t, r, data_range=float(t.max() - t.min()))
                                 for t, r in zip(test_imgs, recs)]))
            for name, recs in (("fbp", test_fbps), ("learned", test_rec))}
    return net, held


def _figures(result, img, b, fbp, tv, learned, scores) -> None:
    fig = new_figure(figsize=(16, 8))
    axes = fig.subplots(2, 4)
    axes[0, 0].imshow(img, cmap="gray", vmin=0, vmax=1), axes[0, 0].set_title("Shepp-Logan phantom")
    recs = (("FBP", fbp, "fbp"), ("TV", tv, "regularized"), ("learned", learned, "learned"))
    for j, (name, rec, key) in enumerate(recs, start=1):
        axes[0, j].imshow(rec, cmap="gray", vmin=0, vmax=1)
        axes[0, j].set_title(f"{name}: {scores[key][0]:.1f} dB, SSIM {scores[key][1]:.3f}")
    axes[1, 0].imshow(b, aspect="auto", cmap="viridis"), axes[1, 0].set_title("noisy sinogram (detector x angle)")
    lim = float(np.abs(fbp - img).max())
    for j, (name, rec, _) in enumerate(recs, start=1):
        im = axes[1, j].imshow(rec - img, cmap="RdBu_r", vmin=-lim, vmax=lim)
        axes[1, j].set_title(f"error map, {name}")
    fig.colorbar(im, ax=axes[1, 1:].tolist(), shrink=0.8)
    for ax in axes.flat:
        ax.set_xticks([]), ax.set_yticks([])
    result.add_figure("reconstructions", fig, "Phantom, the three reconstructions, the noisy sinogram and the error "
                      "maps (same colour scale): FBP's streaks from the missing angles are gone in the TV image and "
                      "reduced by the learned one.")
