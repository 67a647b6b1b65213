"""Compiled loops kept on disk: a new process loads the loop an earlier one compiled, walks
the same path with it, and never mistakes one surface's loop for another's."""

import json
import os
import subprocess
import sys

# One process: for each formula, a compiled run's fingerprint and whether its loop came
# from the disk.
SCRIPT = """
import hashlib, json, sys
import numpy as np
from fogwalk.core import Engine
from fogwalk.core.compiled import CompiledRun

answers = {}
for formula in sys.argv[1:]:
    starts = np.random.default_rng(0).uniform(-2, 2, (300, 2))
    engine = Engine(formula, ["adam:lr=0.05", "momentum:lr=0.01"], starts, 60, compiled=True)
    engine.advance(engine.steps)
    numpy_run = Engine(formula, ["adam:lr=0.05", "momentum:lr=0.01"], starts, 60, compiled=False)
    numpy_run.advance(numpy_run.steps)
    np.testing.assert_allclose(engine.xy, numpy_run.xy, rtol=1e-12, atol=1e-300)
    digest = hashlib.sha256(engine.xy.tobytes() + engine.loss.tobytes()).hexdigest()
    answers[formula] = [digest, CompiledRun(engine).from_disk]
print(json.dumps(answers))
"""

BOWL, TILTED = "x^2 + 3*y^2", "x^2 + 2*y^2 + 0.1*x"


def _process(cache, *formulas) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *formulas], env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_a_new_process_loads_the_loop_and_walks_the_same_path(tmp_path):
    first = _process(tmp_path, BOWL)
    assert first[BOWL][1] is False  # compiled, then kept
    assert any(tmp_path.rglob("*.nbc"))
    second = _process(tmp_path, BOWL)
    assert second[BOWL] == [first[BOWL][0], True]


def test_each_surface_has_its_own_loop_and_two_from_disk_live_in_one_process(tmp_path):
    bowl = _process(tmp_path, BOWL)[BOWL]
    # The bowl's loop loaded, the tilted bowl's compiled: not the bowl's loop.
    tilted = _process(tmp_path, BOWL, TILTED)[TILTED]
    assert tilted[1] is False
    assert tilted[0] != bowl[0]
    # Both loaded into one process: each keeps its own code (the script checks the paths
    # against NumPy's).
    both = _process(tmp_path, BOWL, TILTED)
    assert both == {BOWL: [bowl[0], True], TILTED: [tilted[0], True]}
