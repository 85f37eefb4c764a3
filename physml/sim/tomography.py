"""Parallel-beam X-ray tomography: noisy projections of a 2D attenuation image from a few angles.

The sinogram is the Radon transform (line integrals along parallel rays) computed by
scikit-image's :func:`skimage.transform.radon`, in units of (attenuation x pixel length);
the image is the Shepp-Logan head phantom (``skimage.data.shepp_logan_phantom``,
attenuation in [0, 1]) resized to ``size`` x ``size`` pixels and set to zero outside the
inscribed circle (the Radon transform's support). Noise: independent Gaussian, std
``noise_fraction`` x the largest line integral of the noise-free sinogram.

Exact checks (tests): the projection of a centred uniform disc of radius r at offset s is
the chord length ``2 sqrt(r^2 - s^2)`` at every angle; every projection of one image has
the same total (the image's integral).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from physml.data import Dataset, provenance, seed_record

from ..validation import check_int, check_real

__all__ = ["TomographyParams", "phantom", "random_ellipse_phantom", "circle_mask", "project", "sinogram_dataset"]


@dataclass(frozen=True)
class TomographyParams:
    """``n_angles`` projection angles evenly spread over ``[0, angle_span_deg)`` (degrees)."""

    size: int = 128
    n_angles: int = 30
    angle_span_deg: float = 180.0
    noise_fraction: float = 0.01

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "size", check_int("size", self.size, 16))
        set_(self, "n_angles", check_int("n_angles", self.n_angles, 1))
        set_(self, "angle_span_deg", check_real("angle_span_deg", self.angle_span_deg, 1e-3, 360.0, "degrees"))
        set_(self, "noise_fraction", check_real("noise_fraction", self.noise_fraction, 0.0, 1.0, ""))

    @property
    def angles(self) -> np.ndarray:
        return np.arange(self.n_angles) * self.angle_span_deg / self.n_angles


def circle_mask(size: int) -> np.ndarray:
    """Pixels inside the circle inscribed in the ``size`` x ``size`` square (skimage's convention)."""
    y, x = np.mgrid[:size, :size]  # skimage: centre size // 2, radius size // 2
    return (x - size // 2) ** 2 + (y - size // 2) ** 2 <= (size // 2) ** 2


def phantom(size: int = 128) -> np.ndarray:
    """Shepp-Logan phantom resized to ``size`` x ``size`` (anti-aliased), zero outside the inscribed circle."""
    from skimage.data import shepp_logan_phantom
    from skimage.transform import resize

    img = resize(shepp_logan_phantom(), (size, size), anti_aliasing=True, mode="reflect")
    return np.where(circle_mask(size), np.clip(img, 0.0, None), 0.0)


def random_ellipse_phantom(size: int, seed: int | np.random.Generator) -> np.ndarray:
    """A random head-like phantom of ellipses, drawn from ``seed``: training images for learned reconstruction.

    Built as the Shepp-Logan phantom is (a sum of uniform ellipses), with random geometry: a
    skull (attenuation 1) around a brain (1 - 0.75 to 0.85), and 4-10 interior ellipses adding
    +-0.05 to +-0.3, clipped to [0, 1]; zero outside the inscribed circle. Rasterised at 2x
    resolution and block-averaged (partial-volume edges, as the resized Shepp-Logan has).
    """
    size = check_int("size", size, 16)
    rng = np.random.default_rng(seed)
    n = 2 * size
    c = (np.arange(n) + 0.5) / n * 2 - 1  # pixel centres in [-1, 1]
    X, Y = np.meshgrid(c, -c)
    img = np.zeros((n, n))

    def add(x0, y0, a, b, phi, value):
        cp, sp = np.cos(phi), np.sin(phi)
        u, v = (X - x0) * cp + (Y - y0) * sp, -(X - x0) * sp + (Y - y0) * cp
        img[(u / a) ** 2 + (v / b) ** 2 <= 1] += value

    a, b = rng.uniform(0.6, 0.72), rng.uniform(0.8, 0.92)
    x0, y0, phi = rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.04), rng.uniform(-0.3, 0.3)
    t = rng.uniform(0.03, 0.06)  # skull thickness
    add(x0, y0, a, b, phi, 1.0)
    add(x0, y0, a - t, b - t, phi, -rng.uniform(0.75, 0.85))
    for _ in range(int(rng.integers(4, 11))):
        r, ang = (a - t) * 0.8 * np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
        add(x0 + r * np.cos(ang), y0 + r * np.sin(ang), rng.uniform(0.02, 0.3), rng.uniform(0.02, 0.3),
            rng.uniform(0, np.pi), rng.choice([-1, 1]) * rng.uniform(0.05, 0.3))
    img = np.clip(img, 0.0, 1.0).reshape(size, 2, size, 2).mean(axis=(1, 3))
    return np.where(circle_mask(size), img, 0.0)


def project(image: np.ndarray, angles_deg) -> np.ndarray:
    """Radon transform ``(n_detector, n_angles)`` of ``image`` (zero outside the inscribed circle)."""
    from skimage.transform import radon

    return radon(np.asarray(image, np.float64), theta=np.asarray(angles_deg, np.float64), circle=True)


def sinogram_dataset(params: TomographyParams, *, seed: int | np.random.Generator,
                     image: np.ndarray | None = None) -> Dataset:
    """One noisy sinogram of ``image`` (default: the phantom), with the image and noise-free sinogram.

    Arrays (a leading axis of length 1): ``image``, ``sinogram`` (noisy), ``sinogram_true``,
    ``angles_deg``. ``noise_std`` is stored as an attribute.
    """
    if not isinstance(params, TomographyParams):
        raise TypeError(f"params must be TomographyParams; got {type(params).__name__}")
    record = seed_record(seed)
    rng = np.random.default_rng(seed)
    img = phantom(params.size) if image is None else np.asarray(image, np.float64)
    clean = project(img, params.angles)
    sigma = params.noise_fraction * float(np.abs(clean).max())
    noisy = clean + sigma * rng.standard_normal(clean.shape)
    attrs = provenance("tomography", asdict(params), record)
    attrs.update(noise_std=sigma, phantom="Shepp-Logan (skimage.data)")
    return Dataset({"image": img[None], "sinogram": noisy[None], "sinogram_true": clean[None],
                    "angles_deg": params.angles[None]},
                   {"image": "1/pixel", "sinogram": "1", "sinogram_true": "1", "angles_deg": "degree"}, attrs)
