"""The probe: how an optimizer measures the surface beyond the gradient, counted per walker."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .surfaces.base import Surface

Hessian = tuple[np.ndarray, np.ndarray, np.ndarray]  # (hxx, hxy, hyy)


class Probe:
    """Measurements of one optimizer's walkers at one step; each one adds to ``counts``.

    Parameters
    ----------
    surface
        The surface being descended.
    counts
        Evaluation counters, one per walker, incremented in place.
    loss
        The loss every walker already measured at its current point this step.
    game
        The surface is a min-max game: :meth:`grad` returns the descent-ascent
        field ``(gx, -gy)`` that the optimizer follows instead of the gradient.
        Losses and Hessians stay the surface's own.
    """

    def __init__(
        self, surface: Surface, counts: np.ndarray, loss: np.ndarray, game: bool = False
    ) -> None:
        self.surface = surface
        self.counts = counts
        self.loss = loss
        self.game = game

    def _count(self, rows: np.ndarray | None) -> None:
        if rows is None:
            self.counts += 1
        else:
            self.counts[rows] += 1  # rows are distinct walker indices

    def value(self, points: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Loss at ``points`` (n, 2) measured by walkers ``rows`` (all when None)."""
        self._count(rows)
        return self.surface.value(points[:, 0], points[:, 1])

    def grad(self, points: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Gradient at ``points`` as an (n, 2) array; on a game, the field ``(gx, -gy)``."""
        self._count(rows)
        gx, gy = self.surface.grad(points[:, 0], points[:, 1])
        return np.stack([gx, -gy if self.game else gy], axis=-1)

    def value_and_grad(
        self, points: np.ndarray, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Loss and gradient (the field, on a game) at ``points``: one evaluation per walker."""
        self._count(rows)
        f, gx, gy = self.surface.value_and_grad(points[:, 0], points[:, 1])
        return f, np.stack([gx, -gy if self.game else gy], axis=-1)

    def hessian(self, points: np.ndarray, rows: np.ndarray | None = None) -> Hessian:
        """``(hxx, hxy, hyy)`` at ``points``; one evaluation per walker."""
        self._count(rows)
        return self.surface.hessian(points[:, 0], points[:, 1])

    def jacobian(
        self,
        points: np.ndarray,
        rows: np.ndarray | None = None,
        absolute: Callable[[np.ndarray, np.ndarray, np.ndarray], Hessian] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The Jacobian ``(a, b, c, d)`` = ``[[a, b], [c, d]]`` of the field :meth:`grad`
        measures, at ``points``; one evaluation per walker.

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
