"""A real Dask cluster: two worker processes give the serial numbers, even when one is killed."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from fogwalk.core import session
from fogwalk.core.above.basins import compute_basins
from fogwalk.core.distributed import Serial, dask_executor
from fogwalk.core.errors import FogwalkError

pytest.importorskip("distributed")  # the tests install it (the test extra)

SPECS = ["adam:lr=0.05", "sgd:lr=0.01,grad_noise=1.0,seed=1", "newton"]
GRID = (48, 40)


TRIM = "MALLOC_TRIM_THRESHOLD_"


@pytest.fixture(scope="module")
def scene():
    return session.override(session.open_source("himmelblau"), optimizers=SPECS, steps=120)


@pytest.fixture(scope="module")
def serial(scene):
    return compute_basins(scene, GRID, chunk=160, executor=Serial())


def _same(a, b) -> None:
    for name in ("labels", "settled", "evaluations", "end"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.attractors == b.attractors


def test_two_workers_give_the_serial_numbers(scene, serial) -> None:
    seen = []
    with dask_executor(workers=2) as executor:
        assert executor.workers == 2
        # Allocating as this process does (Dask's trim setting pins glibc's mmap threshold).
        assert set(executor.client.run(os.environ.get, TRIM).values()) == {os.environ.get(TRIM)}
        bmap = compute_basins(
            scene, GRID, chunk=160, executor=executor, progress=lambda d, t: seen.append((d, t))
        )
    _same(bmap, serial)
    assert seen[-1] == (12, 12) and [d for d, _ in seen] == list(range(1, 13))


def test_a_killed_worker_loses_nothing_and_counts_nothing_twice(scene, serial) -> None:
    with dask_executor(workers=2) as executor:
        pids = list(executor.client.run(os.getpid).values())
        killed = []

        def kill_one(done: int, total: int) -> None:
            if not killed:  # mid-run: one chunk is back, most are still to come
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        bmap = compute_basins(scene, GRID, chunk=160, executor=executor, progress=kill_one)
        assert set(executor.client.run(os.environ.get, TRIM).values()) == {os.environ.get(TRIM)}
    assert killed
    _same(bmap, serial)


def test_the_local_cluster_leaves_no_process_behind(scene) -> None:
    with dask_executor(workers=2) as executor:
        pids = list(executor.client.run(os.getpid).values())
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_an_unreachable_scheduler_is_one_clear_error() -> None:
    with (
        pytest.raises(
            FogwalkError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"
        ),
        dask_executor(scheduler="tcp://127.0.0.1:9"),
    ):
        pass


def test_a_tuning_on_two_workers_is_the_serial_tuning() -> None:
    from fogwalk.core.above.tune import Protocol, tune

    scene = session.override(session.open_source("rosenbrock"), optimizers=["adam", "sgd"])
    protocol = Protocol("fair", 150, 4, "loss")
    serial = tune(scene, protocol, trials=12, seed=5)
    with dask_executor(workers=2) as executor:
        assert tune(scene, protocol, trials=12, seed=5, executor=executor) == serial
