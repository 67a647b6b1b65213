"""Optimizers of one's own: an installed plug-in package (a ``fogwalk.optimizers`` entry
point) and ``--optimizer-file``, used end to end like a built-in optimizer."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import imageio_ffmpeg
import pytest

ROOT = Path(__file__).resolve().parents[2]
SIGNUM_FILE = ROOT / "resources" / "optimizers" / "signum.py"

PLUGIN = """
import numpy as np
from fogwalk.core.optimizers import Algorithm, HyperParam, register

@register(
    "plugin_sign",
    params=(HyperParam("lr", 0.01, low=0.0, help="step length"),),
    summary="fixed steps along the sign of the slope (a test plug-in)",
    source="signSGD: Bernstein et al. (2018)",
)
def plugin_sign(h):
    def init(params):
        return None

    def update(grad, state, params, lr, step, probe):
        return params - lr * np.sign(grad), state

    return Algorithm(init, update)
"""


def install_plugin(site: Path, package: str, module_text: str, entry: str) -> None:
    """Install a plug-in package into ``site`` as pip lays one out: the module and its
    ``.dist-info`` with the entry point (``site`` is then put on the interpreter's path)."""
    (site / package).mkdir(parents=True)
    (site / package / "__init__.py").write_text(textwrap.dedent(module_text))
    info = site / f"{package}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[fogwalk.optimizers]\n{entry}\n")


def fogwalk(*argv, site=None, cwd=None):
    env = dict(os.environ)
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "fogwalk", *map(str, argv)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_an_installed_plugin_walks_in_trace_scenarios_and_export(tmp_path):
    site = tmp_path / "site"
    install_plugin(site, "fogwalk_plugin_demo", PLUGIN, "sign = fogwalk_plugin_demo")

    listing = fogwalk("optimizers", "plugin_sign", site=site)
    assert listing.returncode == 0, listing.stderr
    assert "plugin_sign: fixed steps along the sign of the slope" in listing.stdout

    trace = fogwalk(
        "trace",
        "rosenbrock",
        "-O",
        "plugin_sign:lr=0.1",
        "-s",
        "-1.5,2",
        "-n",
        "3",
        "-f",
        "json",
        site=site,
    )
    assert trace.returncode == 0, trace.stderr
    walker = json.loads(trace.stdout)["optimizers"][0]["walkers"][0]
    # Rosenbrock's slope at (-1.5, 2) is (-155, -50): the sign step goes +0.1 along both axes.
    assert (walker["x"][1], walker["y"][1]) == pytest.approx((-1.4, 2.1))

    scenario = tmp_path / "plugin.toml"
    scenario.write_text(
        'schema_version = 1\n[surface]\nsource = "himmelblau"\n'
        '[[hikers]]\noptimizer = "plugin_sign:lr=0.05"\ncolor = "#ff5a36"\n'
        '[[hikers]]\noptimizer = "adam:lr=0.05"\ncolor = "#3fa9ff"\n'
        "[start]\npoints = [[0.0, 0.0]]\nsteps = 40\n"
    )
    video = tmp_path / "plugin.mp4"
    export = fogwalk(
        "export", scenario, "-o", video, "--frames", "3", "--size", "320x240", "--quiet", site=site
    )
    assert export.returncode == 0, export.stderr
    reader = imageio_ffmpeg.read_frames(str(video))
    meta = next(reader)
    frames = list(reader)
    assert meta["size"] == (320, 240) and len(frames) == 3

    # Without the plug-in installed, the same scenario names what is missing.
    missing = fogwalk("trace", scenario)
    assert missing.returncode == 2 and "unknown optimizer 'plugin_sign'" in missing.stderr


def test_a_broken_plugin_is_skipped_with_one_line(tmp_path):
    site = tmp_path / "site"
    install_plugin(site, "fogwalk_plugin_good", PLUGIN, "sign = fogwalk_plugin_good")
    install_plugin(
        site,
        "fogwalk_plugin_bad",
        "raise ImportError('no wheels here')\n",
        "bad = fogwalk_plugin_bad",
    )
    result = fogwalk("trace", "booth", "-O", "plugin_sign", "-n", "2", site=site)
    assert result.returncode == 0, result.stderr
    assert (
        "optimizer plug-in 'bad' (fogwalk_plugin_bad) did not load and is skipped: "
        "ImportError: no wheels here" in result.stderr
    )
    assert "Traceback" not in result.stderr and "plugin_sign" in result.stdout


def test_an_optimizer_file_is_the_users_own_code(tmp_path):
    help_text = fogwalk("--help").stdout
    assert "--optimizer-file" in help_text and "your own Python code" in help_text
    result = fogwalk(
        "trace", "rosenbrock", "-O", "signum:lr=0.01", "-n", "5", "--optimizer-file", SIGNUM_FILE
    )
    assert result.returncode == 0, result.stderr
    assert "signum:lr=0.01,0,5," in result.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = (\n", "line 1: '(' was never closed"),
        ("import math\nmath.sqrt(-1)\n", "line 2: ValueError: math domain error"),
        ("x = 1\n", "registered no optimizer"),
        (
            "from fogwalk.core.optimizers import Algorithm, HyperParam, register\n"
            "register('adam', params=(HyperParam('lr', 0.1),), summary='', source='')"
            "(lambda h: Algorithm(None, None))\n",
            "optimizer 'adam' is already registered",
        ),
        (
            "from fogwalk.core.optimizers import Algorithm, HyperParam, register\n"
            "register('no_lr', params=(HyperParam('beta', 0.1),), summary='', source='')"
            "(lambda h: Algorithm(None, None))\n",
            "optimizer 'no_lr' cannot be built: ValueError: optimizer no_lr declares no lr",
        ),
    ],
)
def test_a_bad_optimizer_file_is_one_line_and_exit_2(tmp_path, text, message):
    path = tmp_path / "mine.py"
    path.write_text(text)
    result = fogwalk("--optimizer-file", path, "optimizers")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"fogwalk: error: optimizer file {path}")
