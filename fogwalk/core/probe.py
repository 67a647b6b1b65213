"""The probe: how an optimizer measures the surface beyond the gradient, counted per walker."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .measurements import GRADIENT, HESSIAN, LOSS, TRIAL
from .surfaces.base import Surface

Hessian = tuple[np.ndarray, np.ndarray, np.ndarray]  # (hxx, hxy, hyy)


class Probe:
    """Measurements of one optimizer's walkers at one step; each one adds to ``counts``.

    Parameters
    ----------
    surface
        The surface being descended.
    counts
        Evaluation counters shaped ``(walkers, len(KINDS))``, one column per kind of
        :data:`~fogwalk.core.measurements.KINDS`, incremented in place.
    loss
        The loss every walker already measured at its current point this step.
    game
        The surface is a min-max game: :meth:`grad` returns the descent-ascent
        field ``(gx, -gy)`` that the optimizer follows instead of the gradient.
        Losses and Hessians stay the surface's own.
    first
        The run-wide index of the first of these walkers, from which a random
        method keys its walkers' draws (the same however the walkers are split).
    """

    def __init__(
        self,
        surface: Surface,
        counts: np.ndarray,
        loss: np.ndarray,
        game: bool = False,
        first: int = 0,
    ) -> None:
        self.surface = surface
        self.first = first
        self.counts = counts
        self.loss = loss
        self.game = game

    def _count(self, rows: np.ndarray | None, kind: int, trial: bool = False) -> None:
        where = slice(None) if rows is None else rows  # rows are distinct walker indices
        self.counts[where, kind] += 1
        if trial:
            self.counts[where, TRIAL] += 1

    def value(
        self, points: np.ndarray, rows: np.ndarray | None = None, trial: bool = False
    ) -> np.ndarray:
        """Loss at ``points`` (n, 2) measured by walkers ``rows`` (all when None); ``trial``:
        the points are a line search's trials."""
        self._count(rows, LOSS, trial)
        return self.surface.value(points[:, 0], points[:, 1])

    def grad(self, points: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Gradient at ``points`` as an (n, 2) array; on a game, the field ``(gx, -gy)``."""
        self._count(rows, GRADIENT)
        gx, gy = self.surface.grad(points[:, 0], points[:, 1])
        return np.stack([gx, -gy if self.game else gy], axis=-1)

    def value_and_grad(
        self, points: np.ndarray, rows: np.ndarray | None = None, trial: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Loss and gradient (the field, on a game) at ``points``: one gradient evaluation per
        walker; ``trial``: the points are a line search's trials."""
        self._count(rows, GRADIENT, trial)
        f, gx, gy = self.surface.value_and_grad(points[:, 0], points[:, 1])
        return f, np.stack([gx, -gy if self.game else gy], axis=-1)

    def hessian(self, points: np.ndarray, rows: np.ndarray | None = None) -> Hessian:
        """``(hxx, hxy, hyy)`` at ``points``; one Hessian evaluation per walker."""
        self._count(rows, HESSIAN)
        return self.surface.hessian(points[:, 0], points[:, 1])

    def jacobian(
        self,
        points: np.ndarray,
        rows: np.ndarray | None = None,
        absolute: Callable[[np.ndarray, np.ndarray, np.ndarray], Hessian] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The Jacobian ``(a, b, c, d)`` = ``[[a, b], [c, d]]`` of the field :meth:`grad`
        measures, at ``points``; one Hessian evaluation per walker.

        Off a game that is the Hessian ``(hxx, hxy, hxy, hyy)``; on a game, the
        field is ``(gx, -gy)`` and its Jacobian ``(hxx, hxy, -hxy, -hyy)``.
        ``absolute`` maps the symmetric Hessian ``(hxx, hxy, hyy)`` first (the
        saddle-free Newton's ``|H|``).
        """
        hxx, hxy, hyy = self.hessian(points, rows)
        if absolute is not None:
            hxx, hxy, hyy = absolute(hxx, hxy, hyy)
        if self.game:
            return hxx, hxy, -hxy, -hyy
        return hxx, hxy, hxy, hyy
