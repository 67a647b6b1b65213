"""Generative-model objectives: pixel and perceptual image losses, a GAN's game, a VAE's ELBO."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike

from .base import Domain, Minimum, SymbolicSurface, X, Y
from .registry import register_surface

# The generator paints a Gaussian blob of width 3 pixels centred at (x, y) on a 64 x 64
# canvas over [-6, 6]^2. The canvas reaches 2 units beyond the domain [-4, 4]^2 so that the
# blob stays whole anywhere in the domain: otherwise the loss would fall toward the edges,
# where part of the blob leaves the picture and its mismatch stops counting.
CANVAS = (-6.0, 6.0)
PIXELS = 64
PIXEL = (CANVAS[1] - CANVAS[0]) / PIXELS
WIDTH = 3.0 * PIXEL
TARGET = (1.5, -1.0)
LEVELS = 5  # the perceptual pyramid: 64, 32, 16, 8 and 4 pixels a side
CHUNK = 4096  # points per block: (4096, 64) temporaries stay a few megabytes
_IMAGE_DOMAIN: Domain = (-4.0, 4.0, -4.0, 4.0)
_IMAGE_START = (-2.5, 2.5)


@dataclass(frozen=True, eq=False)
class _Level:
    """One image of the pyramid: pixel centres on each axis, blob width and loss weight.

    The blob image is ``A exp(-((u - x)^2 + (v - y)^2) / 2w^2)``, separable in ``u`` and ``v``.
    """

    centres: np.ndarray
    width: float
    weight: float  # multiplies sum over pixels of (G - T)^2, amplitude and 1/N included
    target: tuple[np.ndarray, np.ndarray]  # the target's factor on each axis
    energy: float  # P(tx) P(ty): the target's own sum of squares

    @classmethod
    def build(cls, level: int, weight: float) -> _Level:
        # Blurring with a normalised Gaussian of std b gives width sqrt(WIDTH^2 + b^2) and
        # amplitude WIDTH^2 / width^2; b = WIDTH sqrt(4^level - 1) doubles the width per level,
        # matching the halved pixel count. Sampling at the coarse pixels' centres downsamples.
        spacing = PIXEL * 2**level
        count = PIXELS // 2**level
        centres = CANVAS[0] + (np.arange(count) + 0.5) * spacing
        width = WIDTH * 2**level
        amplitude = (WIDTH / width) ** 2
        factors = tuple(np.exp(-((centres - t) ** 2) / (2 * width**2)) for t in TARGET)
        energy = float((factors[0] ** 2).sum() * (factors[1] ** 2).sum())
        return cls(centres, width, weight * amplitude**2 / count**2, factors, energy)

    def axis(self, c: np.ndarray, t: np.ndarray, order: int) -> list[np.ndarray]:
        """``P = sum a^2``, ``Q = sum a tau`` and their derivatives in ``c`` up to ``order``.

        ``a_j = exp(-(u_j - c)^2 / 2w^2)`` is the blob's profile along one axis and
        ``tau_j`` the target's; returns ``[P, Q, P', Q', P'', Q'']`` cut to ``order``.
        """
        d = self.centres - c[:, None]
        a = np.exp(d * d * (-0.5 / self.width**2))
        aa, at = a * a, a * t
        out = [aa.sum(axis=1), at.sum(axis=1)]
        if order >= 1:
            inv = 1.0 / self.width**2
            aa_d, at_d = (aa * d).sum(axis=1), (at * d).sum(axis=1)
            out += [2 * inv * aa_d, inv * at_d]
        if order >= 2:
            d2 = d * d
            aa_d2, at_d2 = (aa * d2).sum(axis=1), (at * d2).sum(axis=1)
            out += [2 * inv * (2 * inv * aa_d2 - out[0]), inv * (inv * at_d2 - out[1])]
        return out


@dataclass(frozen=True, eq=False)
class ImageLoss:
    """A generator with parameters (x, y) drawing a blob, scored against a target image.

    The loss is ``sum_l weight_l sum_pixels (G_l - T_l)^2`` over the levels of a pyramid.
    Every image is separable, so with ``P = sum a^2`` and ``Q = sum a tau`` on each axis the
    loss is ``sum_l weight_l (P(x) P(y) - 2 Q(x) Q(y) + P(tx) P(ty))``: exact derivatives
    from one-dimensional sums, ``O(pixels per side)`` work per point.
    """

    name: str
    label: str
    levels: tuple[_Level, ...]
    description: str
    source: str
    domain: Domain = _IMAGE_DOMAIN
    minima: tuple[Minimum, ...] = (Minimum(*TARGET, 0.0),)
    start: tuple[float, float] = _IMAGE_START
    log_height: bool = False
    game: bool = False

    def _terms(self, x: ArrayLike, y: ArrayLike, order: int) -> list[np.ndarray]:
        shape = np.broadcast_shapes(np.shape(x), np.shape(y))
        xs = np.broadcast_to(np.asarray(x, dtype=float), shape).ravel()
        ys = np.broadcast_to(np.asarray(y, dtype=float), shape).ravel()
        count = [1, 3, 6][order]
        out = [np.zeros(xs.size) for _ in range(count)]
        with np.errstate(all="ignore"):  # far outside, 0 * inf gives NaN: the engine copes
            for lo in range(0, xs.size, CHUNK):
                part = slice(lo, lo + CHUNK)
                for level in self.levels:
                    terms = _combine(level, xs[part], ys[part], order)
                    for total, term in zip(out, terms, strict=True):
                        total[part] += term
        return [term.reshape(shape) for term in out]

    def value(self, x: ArrayLike, y: ArrayLike) -> np.ndarray:
        return self._terms(x, y, 0)[0]

    def grad(self, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        _, gx, gy = self._terms(x, y, 1)
        return gx, gy

    def value_and_grad(
        self, x: ArrayLike, y: ArrayLike
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f, gx, gy = self._terms(x, y, 1)
        return f, gx, gy

    def hessian(self, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        _, _, _, hxx, hxy, hyy = self._terms(x, y, 2)
        return hxx, hxy, hyy


def _combine(level: _Level, x: np.ndarray, y: np.ndarray, order: int) -> list[np.ndarray]:
    """One level's ``[f]``, ``[f, fx, fy]`` or ``[f, fx, fy, fxx, fxy, fyy]``."""
    px = level.axis(x, level.target[0], order)
    py = level.axis(y, level.target[1], order)
    k = level.weight
    # Near the target this is a difference of nearly equal sums: rounding leaves ~1e-18.
    out = [k * (px[0] * py[0] - 2 * px[1] * py[1] + level.energy)]
    if order >= 1:
        out += [k * (px[2] * py[0] - 2 * px[3] * py[1]), k * (px[0] * py[2] - 2 * px[1] * py[3])]
    if order >= 2:
        out += [
            k * (px[4] * py[0] - 2 * px[5] * py[1]),
            k * (px[2] * py[2] - 2 * px[3] * py[3]),
            k * (px[0] * py[4] - 2 * px[1] * py[5]),
        ]
    return out


PIXEL_LOSS = ImageLoss(
    "pixel_loss",
    "Pixel Loss",
    (_Level.build(0, 1.0),),
    "A two-parameter generator paints a soft dot at (x, y) on a 64 x 64 canvas, and the loss"
    " is the mean squared pixel difference to a real image with the dot at (1.5, -1). Once the"
    " dots stop overlapping the ground is flat - the hiker in the fog feels no slope at all -"
    " which is exactly why pixel losses are hard to descend.",
    "FogWalk: mean squared error over the pixels of a 64 x 64 image",
)

# Level l weighs 4^l / LEVELS: its blob is 4^l times dimmer in amplitude but 2^l times wider,
# so every level's mean squared difference has the same scale and the slopes add up.
PERCEPTUAL_LOSS = ImageLoss(
    "perceptual_loss",
    "Perceptual Loss",
    tuple(_Level.build(level, 4.0**level / LEVELS) for level in range(LEVELS)),
    "The same generator and target compared through a pyramid of ever more blurred,"
    " downsampled copies of both images, a stand-in for a network's perceptual features. The"
    " valley at (1.5, -1) is the same, but the coarse copies overlap from far away, so the"
    " ground slopes toward the target everywhere.",
    "After Johnson, Alahi & Fei-Fei (2016), Perceptual Losses for Real-Time Style Transfer and"
    " Super-Resolution; Gaussian pyramid of Burt & Adelson (1983), IEEE Trans. Communications",
)

# The game's regularisation: f is a-strongly convex in x and concave in y, so simultaneous
# descent-ascent contracts when lr < 2a / (1 + a^2), about 0.55.
GAN_REGULARIZATION = 0.3
# The VAE: one observation, a unit-variance Gaussian likelihood and a standard-normal prior.
VAE_OBSERVATION = 2.0
_VAE_RECONSTRUCTION = sp.log(2 * sp.pi) / 2 + ((VAE_OBSERVATION - X) ** 2 + sp.exp(2 * Y)) / 2
_VAE_KL = (X**2 + sp.exp(2 * Y) - 1) / 2 - Y
_GAN_SOURCE = "Goodfellow et al. (2014), Generative Adversarial Nets"

GAN_BILINEAR = SymbolicSurface(
    "gan_bilinear",
    X * Y,
    (-2.0, 2.0, -2.0, 2.0),
    (),
    (1.0, 1.0),
    "GAN Game (Bilinear)",
    "A GAN's min-max game at its simplest: the generator holds x and descends f = x y while"
    " the discriminator holds y and ascends it, both at once. Plain descent-ascent circles the"
    " equilibrium at the origin and spirals outward; alternating steps keep circling, and"
    " extragradient and optimistic steps settle.",
    _GAN_SOURCE + "; the bilinear game of Daskalakis et al. (2018), Training GANs with Optimism",
    game=True,
)

GAN_REGULARIZED = SymbolicSurface(
    "gan_regularized",
    X * Y + GAN_REGULARIZATION / 2 * (X**2 - Y**2),
    (-2.0, 2.0, -2.0, 2.0),
    (),
    (1.0, 1.0),
    "GAN Game (Regularised)",
    "The bilinear game with a bowl added for the generator and a dome for the discriminator:"
    " f = x y + 0.15 x^2 - 0.15 y^2. Now plain descent-ascent with small steps (lr below about"
    " 0.55) spirals in to the equilibrium at the origin, while large steps still fly out.",
    _GAN_SOURCE + "; strongly-convex-concave games as in Mokhtari, Ozdaglar & Pattathil (2020),"
    " A Unified Analysis of Extra-gradient and Optimistic Gradient Methods",
    game=True,
)

VAE_ELBO = SymbolicSurface(
    "vae_elbo",
    _VAE_RECONSTRUCTION + _VAE_KL,
    (-2.5, 4.5, -3.0, 1.5),
    # The bowl's bottom is the exact posterior N(1, 1/2): the loss there is -log p(o = 2).
    (Minimum(1.0, -math.log(2) / 2, math.log(4 * math.pi) / 2 + 1),),
    (-2.0, -2.5),
    "VAE ELBO",
    "The negative ELBO of a Gaussian guess q = N(x, e^2y) for the cause of one observation"
    " o = 2 under a standard-normal prior: reconstruction pulls the mean toward 2 and the"
    " spread toward zero, while the KL term pulls them back toward the prior's 0 and 1. They"
    " balance in a smooth bowl at the exact posterior, mean 1 and standard deviation"
    " sqrt(1/2) (y = -0.35), where the loss equals -log p(o).",
    "Kingma & Welling (2014), Auto-Encoding Variational Bayes, eq. 3 and appendix B",
)

for _surface in (PIXEL_LOSS, PERCEPTUAL_LOSS, GAN_BILINEAR, GAN_REGULARIZED, VAE_ELBO):
    register_surface(_surface)
