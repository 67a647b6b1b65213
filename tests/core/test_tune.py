"""Fair tuning: the same trials, starts and budget for every optimizer, and the peers' protocol."""

from __future__ import annotations

import numpy as np
import pytest

from fogwalk.core import session
from fogwalk.core.above.tune import (
    PEERS,
    Protocol,
    search_space,
    tune,
    tuned_scene,
    tuning_starts,
)
from fogwalk.core.above.walks import Walks, walk
from fogwalk.core.errors import FogwalkError
from fogwalk.core.optimizers import make_optimizer


def _scene(specs, source="rosenbrock"):
    return session.override(session.open_source(source), optimizers=list(specs))


def test_the_search_space_is_the_optimizer_s_own_declared_ranges() -> None:
    dims = {d.name: d for d in search_space(make_optimizer("adam"))}
    assert set(dims) == {"lr", "betas.0", "betas.1", "eps"}  # not weight_decay, not amsgrad
    assert dims["lr"].log and not dims["betas.0"].log
    assert dims["betas.1"].high < 1.0  # betas live in [0, 1)
    assert [d.name for d in search_space(make_optimizer("adam"), only_lr=True)] == ["lr"]
    assert {d.name for d in search_space(make_optimizer("newton"))} == {"lr", "damping"}


def test_a_walk_stops_where_its_budget_runs_out() -> None:
    """Newton pays a gradient and a Hessian (2) a step: a budget of 50 buys 16 steps."""
    chunk = Walks("rosenbrock", None, None, ("newton:lr=0.5",), np.array([[-1.5, 2.0]]), 50, 0,
                  0.0, budget=50.0)  # fmt: skip
    ends = walk(chunk)
    assert ends.spent[0, 0] == 48.0  # 16 steps x 3, the next would cost 51
    unlimited = walk(Walks("rosenbrock", None, None, ("newton:lr=0.5",), chunk.starts, 16, 0, 0.0))
    assert ends.loss[0, 0] == unlimited.loss[0, 0]


def test_every_optimizer_gets_the_same_trials_starts_and_budget() -> None:
    scene = _scene(["sgd", "adam", "newton"])
    ranking = tune(scene, Protocol("fair", 200, 4, "loss"), trials=10, seed=3)
    assert [t.rank for t in ranking] == [1, 2, 3]
    assert sorted(t.base for t in ranking) == ["adam", "newton", "sgd"]
    assert {t.trials for t in ranking} == {10} and {t.spent for t in ranking} == {10 * 4 * 200}
    assert all(t.q25 <= t.objective <= t.q75 for t in ranking)
    objectives = [t.objective for t in ranking]
    assert objectives == sorted(objectives)
    # tuning beats the defaults (which barely move on Rosenbrock), on the same starts
    starts = tuning_starts(scene, session.resolve_surface(scene), 4, 3)
    default = walk(Walks("rosenbrock", None, None, ("adam",), starts, 200, 0, 0.0))
    assert min(objectives) < np.median(default.loss)


def test_a_grid_search_walks_a_grid() -> None:
    (tuned,) = tune(_scene(["sgd:dampening=0"]), Protocol("fair", 50, 2, "loss"), trials=30,
                    search="grid")  # fmt: skip
    assert tuned.trials == 27  # 3 values of lr, momentum and dampening


def test_the_same_seed_gives_the_same_tuning() -> None:
    scene = _scene(["rmsprop"])
    one = tune(scene, Protocol("fair", 100, 3, "auc"), trials=9, seed=1)
    two = tune(scene, Protocol("fair", 100, 3, "auc"), trials=9, seed=1)
    assert one == two


def test_the_peers_protocol_tunes_only_the_learning_rate_with_clipping() -> None:
    ranking = tune(_scene(["sgd", "adam"]), PEERS, trials=8)
    for tuned in ranking:
        changed = {item.split("=")[0] for item in tuned.spec.partition(":")[2].split(",")}
        assert changed <= {"lr", "clip_grad_norm"} and "clip_grad_norm=1.0" in tuned.spec
        assert tuned.spent == 8 * 100


def test_the_tuned_scene_carries_the_tuned_hikers() -> None:
    scene = _scene(["sgd", "adam"])
    ranking = tune(scene, Protocol("fair", 50, 2, "loss"), trials=3, search="random")
    tuned = tuned_scene(scene, ranking, 50)
    specs = {t.base: t.spec for t in ranking}
    assert [h.spec for h in tuned.hikers] == [specs["sgd"], specs["adam"]] and tuned.steps == 50


@pytest.mark.parametrize(
    ("protocol", "source", "trials", "message"),
    [
        (Protocol("fair", 0.2, 4, "loss"), "rosenbrock", 4, "less than one step"),
        (Protocol("fair", 100, 4, "steps"), "x^2 + y", 4, "no known minimum"),
        (Protocol("fair", 100, 0, "loss"), "rosenbrock", 4, "at least one start"),
        (Protocol("fair", 100, 4, "loss"), "rosenbrock", 0, "at least one trial"),
        (Protocol("fair", 100, 4, "height"), "rosenbrock", 4, "objective must be one of"),
    ],
)
def test_bad_tunings_are_refused_before_any_trial(protocol, source, trials, message) -> None:
    with pytest.raises(FogwalkError, match=message):
        tune(_scene(["sgd"], source), protocol, trials=trials)
