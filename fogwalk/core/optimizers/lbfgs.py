"""L-BFGS, exactly as ``torch.optim.LBFGS``: one engine step is one call of its ``step(closure)``.

torch's step is a loop of up to ``max_iter`` iterations, each of which may
evaluate the loss and slope again (a fixed step, or a strong-Wolfe line
search). Here that loop is written once per walker as a generator
(:func:`_step`): it yields each point it wants measured and receives the
loss and slope there. :func:`lbfgs`'s update runs every walker's generator
together and measures all their pending points in one call of the probe, so
a surface is evaluated for all walkers at once and every evaluation is
counted, as the closure calls of torch's step are.

The walker's first closure call of a step is the engine's own measurement,
so a walker's evaluations are torch's ``func_evals``. The evaluations inside
a step see the exact slope, without gradient noise or clipping.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .common import lr_param
from .hyper import HyperParam
from .registry import Algorithm, register
from .torch_classic import TORCH

Measured = tuple[float, np.ndarray]  # loss and slope at a point
Walk = Generator[np.ndarray, Measured, tuple[np.ndarray, "Memory"]]


@dataclass(frozen=True)
class Memory:
    """What torch's LBFGS keeps between two ``step`` calls, for one walker."""

    n_iter: int = 0
    func_evals: int = 0
    d: np.ndarray | None = None
    t: float = 0.0
    old_dirs: tuple[np.ndarray, ...] = ()
    old_stps: tuple[np.ndarray, ...] = ()
    ro: tuple[float, ...] = ()
    H_diag: float = 1.0
    prev_flat_grad: np.ndarray | None = None
    prev_loss: float = 0.0


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    return a[0] * b[0] + a[1] * b[1]


def _step(
    x: np.ndarray, loss: float, g: np.ndarray, memory: Memory, h: Mapping[str, Any], lr: float
) -> Walk:
    """One ``LBFGS.step(closure)`` from ``x`` (where the loss and slope are ``loss``, ``g``):
    yields the points it evaluates, returns the new point and memory."""
    max_iter, tolerance_grad = h["max_iter"], h["tolerance_grad"]
    tolerance_change, history_size = h["tolerance_change"], h["history_size"]
    max_eval = h["max_eval"] if h["max_eval"] is not None else max_iter * 5 // 4
    func_evals, total_iter = memory.func_evals + 1, memory.n_iter
    current_evals = 1
    if np.abs(g).max() <= tolerance_grad:
        return x, replace(memory, func_evals=func_evals)

    d, t, H_diag = memory.d, memory.t, memory.H_diag
    old_dirs, old_stps, ro = list(memory.old_dirs), list(memory.old_stps), list(memory.ro)
    prev_flat_grad, prev_loss = memory.prev_flat_grad, memory.prev_loss
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        total_iter += 1
        if total_iter == 1:
            d = -g
            old_dirs, old_stps, ro, H_diag = [], [], [], 1.0
        else:
            assert d is not None and prev_flat_grad is not None  # kept since iteration 1
            d, H_diag = _direction(
                g, g - prev_flat_grad, d * t, old_dirs, old_stps, ro, H_diag, history_size
            )
        prev_flat_grad, prev_loss = g.copy(), loss
        t = min(1.0, 1.0 / np.abs(g).sum()) * lr if total_iter == 1 else lr
        gtd = _dot(g, d)
        if gtd > -tolerance_change:
            break

        evals = 0
        if h["line_search_fn"] == "strong_wolfe":
            loss, g, t, evals = yield from _strong_wolfe(
                x, t, d, loss, g, gtd, max_ls=max_eval - current_evals
            )
            x = x + t * d
            opt_cond = np.abs(g).max() <= tolerance_grad
        else:
            x = x + t * d
            if n_iter != max_iter:
                loss, g = yield x
                opt_cond = np.abs(g).max() <= tolerance_grad
                evals = 1
        current_evals += evals
        func_evals += evals

        if n_iter == max_iter or current_evals >= max_eval or opt_cond:
            break
        if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
            break

    return x, Memory(
        total_iter,
        func_evals,
        d,
        t,
        tuple(old_dirs),
        tuple(old_stps),
        tuple(ro),
        H_diag,
        prev_flat_grad,
        prev_loss,
    )


def _direction(g, y, s, old_dirs, old_stps, ro, H_diag, history_size):
    """The L-BFGS direction: the memory updated with ``(y, s)`` (in place), then the two-loop
    recursion; returns the direction and the new initial Hessian scale."""
    ys = _dot(y, s)
    if ys > 1e-10:
        if len(old_dirs) == history_size:
            old_dirs.pop(0)
            old_stps.pop(0)
            ro.pop(0)
        old_dirs.append(y)
        old_stps.append(s)
        ro.append(1.0 / ys)
        H_diag = ys / _dot(y, y)
    al = [0.0] * len(old_dirs)
    q = -g
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = _dot(old_stps[i], q) * ro[i]
        q = q + -al[i] * old_dirs[i]
    r = q * H_diag
    for i in range(len(old_dirs)):
        be_i = _dot(old_dirs[i], r) * ro[i]
        r = r + (al[i] - be_i) * old_stps[i]
    return r, H_diag


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """torch's ``_cubic_interpolate``: the minimiser of the cubic through two points."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """torch's ``_strong_wolfe`` line search along ``d`` from ``x``, yielding each trial
    point; returns ``(loss, slope, t, evaluations)``."""
    d_norm = np.abs(d).max()
    f_new, g_new = yield x + t * d
    ls_func_evals = 1
    gtd_new = _dot(g_new, d)

    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
        )
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = yield x + t * d
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # Zoom: refine the bracket until a point meets the strong Wolfe conditions.
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = yield x + t * d
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


@register(
    "lbfgs",
    params=(
        lr_param(1.0),
        HyperParam(
            "max_iter",
            20,
            kind="int",
            low=1,
            ui_range=(1, 50),
            help="most iterations per step (1: one iteration per step)",
        ),
        HyperParam(
            "max_eval",
            None,
            kind="int",
            low=1,
            optional=True,
            ui_range=(1, 100),
            help="most evaluations per step (none: max_iter * 5 // 4)",
        ),
        HyperParam(
            "tolerance_grad",
            1e-7,
            low=0.0,
            log=True,
            ui_range=(1e-12, 1.0),
            help="a step ends when the largest slope component is at most this",
        ),
        HyperParam(
            "tolerance_change",
            1e-9,
            low=0.0,
            log=True,
            ui_range=(1e-15, 1.0),
            help="a step ends when the loss or the point changes less than this",
        ),
        HyperParam(
            "history_size",
            100,
            kind="int",
            low=1,
            ui_range=(1, 100),
            help="how many past steps the inverse-Hessian estimate remembers",
        ),
        HyperParam(
            "line_search_fn",
            None,
            kind="choice",
            choices=("strong_wolfe",),
            optional=True,
            help="strong_wolfe: a line search for each iteration's step; none: the fixed step lr",
        ),
    ),
    summary="a quasi-Newton method: curvature estimated from the last steps, many "
    "evaluations per step",
    source=TORCH.format("LBFGS") + "; Liu & Nocedal (1989), Nocedal & Wright (2006) "
    "Algorithms 7.4 and 3.5-3.6",
)
def lbfgs(h: Mapping[str, Any]) -> Algorithm:
    r"""L-BFGS, exactly as ``torch.optim.LBFGS.step(closure)``; every closure call counts.

    .. code-block:: text

        for each step:  evaluate f, g at theta;  stop if max |g| <= tolerance_grad
            repeat up to max_iter times:
                d <- -H g, H from the last history_size pairs (s, y) by the two-loop
                     recursion, scaled by s.y / y.y  (d <- -g at the very first iteration)
                t <- lr (min(1, 1 / sum |g|) lr at the very first)
                stop if g.d > -tolerance_change
                if strong_wolfe:  t <- a step meeting the strong Wolfe conditions
                                  (c1 = 1e-4, c2 = 0.9), each trial an evaluation
                theta <- theta + t d;  evaluate f, g there (not after the last iteration)
                stop after max_eval evaluations, at max |g| <= tolerance_grad, or when
                the step or the change of f is below tolerance_change
    """

    # With the line search every evaluation of a step is one of its trials.
    trials = h["line_search_fn"] == "strong_wolfe"

    def init(params: np.ndarray) -> tuple[Memory, ...]:
        return (Memory(),) * len(params)

    def update(grad, state, params, lr, step, probe):
        new_params = np.array(params, dtype=float)
        memories = list(state)
        walks: dict[int, Walk] = {}
        pending: dict[int, np.ndarray] = {}

        def resume(i: int, measured: Measured | None) -> None:
            try:
                pending[i] = walks[i].send(measured)  # type: ignore[arg-type]
            except StopIteration as finished:
                new_params[i], memories[i] = finished.value
                del walks[i]

        for i in range(len(params)):
            walks[i] = _step(
                new_params[i].copy(), float(probe.loss[i]), grad[i].copy(), state[i], h, lr
            )
            resume(i, None)
        while pending:
            rows = np.fromiter(pending, dtype=np.intp, count=len(pending))
            points = np.array([pending[i] for i in rows])
            pending.clear()
            losses, grads = probe.value_and_grad(points, rows, trial=trials)
            for j, i in enumerate(rows):
                resume(int(i), (float(losses[j]), grads[j]))
        return new_params, tuple(memories)

    return Algorithm(init, update)
