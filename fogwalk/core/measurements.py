"""What a hiker's measurements cost: the kinds of evaluation, and their declared prices.

The engine counts every evaluation a walker pays for, by kind, per step
(:class:`~fogwalk.core.engine.Run` keeps the history); the cost clock and the
loss plot weigh the counts with :class:`Costs`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The kinds of measurement, as counted: a gradient (its loss comes with it, as in
# backpropagation), a loss alone, a Hessian (or the Jacobian of a game's field), and how
# many of those loss and gradient evaluations were trial points of a line search.
KINDS = ("gradient", "loss", "hessian", "trial")
GRADIENT, LOSS, HESSIAN, TRIAL = range(len(KINDS))


@dataclass(frozen=True, slots=True)
class Costs:
    """The relative price of each kind of measurement, a gradient being 1.

    A loss alone is about a third of a gradient (a forward pass without the
    backward one); a 2-D Hessian is two gradients' worth (two Hessian-vector
    products). Trials are priced by their kind already, so they cost nothing
    more.
    """

    gradient: float = 1.0
    loss: float = 1.0 / 3.0
    hessian: float = 2.0

    def __post_init__(self) -> None:
        from .errors import FogwalkError

        for kind in ("gradient", "loss", "hessian"):
            value = getattr(self, kind)
            if isinstance(value, bool) or not (
                isinstance(value, int | float) and 0 <= value <= 1e6
            ):
                raise FogwalkError(f"the cost of a {kind} must be 0 to 1e6, got {value!r}")
        if self.gradient == self.loss == 0.0:
            raise FogwalkError("a gradient and a loss cannot both cost nothing")

    @property
    def weights(self) -> np.ndarray:
        """The prices in :data:`KINDS` order (a trial: 0)."""
        return np.array([self.gradient, self.loss, self.hessian, 0.0])


def parse_costs(text: str) -> Costs:
    """``"hessian=4,loss=0.5"`` -> :class:`Costs` (the kinds not named keep their price)."""
    from .errors import FogwalkError

    values: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, number = part.partition("=")
        kind = kind.strip().lower()
        if kind not in ("gradient", "loss", "hessian"):
            raise FogwalkError(
                f"unknown measurement {kind!r} in {text!r}; valid: gradient, loss, hessian"
            )
        try:
            values[kind] = float(number)
        except ValueError:
            raise FogwalkError(f"the cost of a {kind} must be a number, got {number!r}") from None
    return Costs(**values)


class Ledger:
    """What every walker has paid, kept as a history that stays small for huge runs.

    While all running walkers of an optimizer pay alike at a step (every
    element-wise rule, Newton, a fixed-cost probe), one row per step and
    optimizer says what each paid (``per_step``); a frozen walker pays nothing
    after its status step, so its totals follow from that row's sums. Only an
    optimizer whose walkers paid differently (a line search, L-BFGS,
    Nelder-Mead) gets a per-walker history (``dense``), from that step on
    rebuilt for the steps before.

    Attributes
    ----------
    totals : (KINDS, optimizers, walkers)
        What each walker has paid so far; the probes and the engine add to it.
    per_step : (steps + 1, optimizers, KINDS)
        What each running walker paid at a step, while they paid alike.
    dense : per optimizer, None or (steps + 1, walkers, KINDS)
        Its walkers' running totals at each step, once they paid differently.
    """

    def __init__(self, steps: int, optimizers: int, walkers: int) -> None:
        self.totals = np.zeros((len(KINDS), optimizers, walkers), dtype=np.int64)
        self.per_step = np.zeros((steps + 1, optimizers, len(KINDS)), dtype=np.int64)
        self.dense: list[np.ndarray | None] = [None] * optimizers

    def record_alike(self, k: int, first: int, last: int, paid: np.ndarray) -> None:
        """Every running walker of optimizer ``k`` paid ``paid`` at steps ``first..last``."""
        self.per_step[first : last + 1, k] = paid

    def record(
        self, k: int, t: int, before: np.ndarray, running: np.ndarray, status_step: np.ndarray
    ) -> None:
        """Note step ``t`` of optimizer ``k``, whose totals were ``before`` (KINDS, walkers)
        when its ``running`` walkers set out; ``status_step`` is the engine's, as of now."""
        dense = self.dense[k]
        if dense is None:
            paid = (self.totals[:, k] - before)[:, running]
            if paid.shape[1] == 0 or (paid == paid[:, :1]).all():
                self.per_step[t, k] = paid[:, 0] if paid.shape[1] else 0
                return
            dense = self.dense[k] = self._densify(k, t, status_step[k])
        dense[t] = self.totals[:, k].T

    def _densify(self, k: int, t: int, stops: np.ndarray) -> np.ndarray:
        """Optimizer ``k``'s per-walker history, rows ``0..t-1`` rebuilt from ``per_step``."""
        steps = self.per_step.shape[0]
        walkers = self.totals.shape[2]
        dense = np.zeros((steps, walkers, len(KINDS)), dtype=np.int32)
        dense[:t] = totals_from_rows(self.per_step[:t, k], stops, np.arange(t)[:, None])
        return dense


def totals_from_rows(per_step: np.ndarray, stops: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Totals at ``steps`` of walkers whose running walkers paid ``per_step`` rows alike and
    which stopped at ``stops`` (-1: still running); shaped ``steps.shape + (KINDS,)``."""
    sums = np.cumsum(per_step, axis=0)
    stopped = (stops >= 0) & (stops < steps)
    return sums[np.where(stopped, stops, steps)]


def measured_at(
    per_step: np.ndarray,
    dense: tuple[np.ndarray | None, ...],
    status_step: np.ndarray,
    computed: int,
    steps: int | np.ndarray,
    walkers: slice = slice(None),
) -> np.ndarray:
    """The totals of ``walkers`` (default all) at ``steps``, clamped to ``computed``: an int,
    one step per optimizer and walker, or a stack of those ``(..., optimizers, walkers)``;
    shaped ``steps' shape + (KINDS,)``, at least ``(optimizers, walkers, KINDS)``."""
    stops = status_step[:, walkers]
    at = np.clip(steps, 0, computed)
    at = np.broadcast_to(at, np.broadcast_shapes(np.shape(at), stops.shape))
    out = np.empty((*at.shape, len(KINDS)), dtype=np.int64)
    columns = np.arange(status_step.shape[1])[walkers]
    for k, history in enumerate(dense):
        rows = at[..., k, :]
        if history is None:
            out[..., k, :, :] = totals_from_rows(per_step[: computed + 1, k], stops[k], rows)
        else:
            out[..., k, :, :] = history[rows, columns]
    return out


def measurements_text(counts: np.ndarray) -> str:
    """``"38 gradients, 245 losses (200 trials)"``: one walker's counts in words."""
    gradients, losses, hessians, trials = (int(c) for c in counts)
    parts = [
        f"{number} {word}{'' if number == 1 else plural}"
        for number, word, plural in (
            (gradients, "gradient", "s"),
            (losses, "loss", "es"),
            (hessians, "Hessian", "s"),
        )
        if number
    ]
    text = ", ".join(parts) or "nothing measured"
    return f"{text} ({trials} line-search trial{'' if trials == 1 else 's'})" if trials else text
