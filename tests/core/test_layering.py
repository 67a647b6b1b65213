"""fogwalk.core never imports Qt or OpenGL: a notebook can simulate without them.

The import contracts in pyproject.toml (tests/test_layers.py) read the source; this runs it,
in an interpreter where Qt, pyqtgraph, OpenGL and the optional extras cannot be imported,
as on a machine that lacks them.
"""

import json
import subprocess
import sys

BLOCKED = ("PySide6", "shiboken6", "pyqtgraph", "OpenGL", "torch", "sklearn", "dask", "optuna")

SCRIPT = f"""
import importlib, json, pkgutil, sys, threading

BLOCKED = {BLOCKED!r}

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is blocked: not installed here")
        return None

sys.meta_path.insert(0, Block())
for name in [m for m in sys.modules if m.split(".")[0] in BLOCKED]:
    del sys.modules[name]  # a .pth file may have loaded one at start-up

import fogwalk, fogwalk.core

modules = [
    info.name for info in pkgutil.walk_packages(fogwalk.core.__path__, "fogwalk.core.")
]
for name in modules:
    importlib.import_module(name)
fogwalk.simulate("fog_mountain", ["adam", "newton"], steps=5)
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set(BLOCKED))
threads = threading.active_count()
print(json.dumps({{"modules": len(modules), "loaded": loaded, "threads": threads}}))
"""


def test_core_imports_and_simulates_without_qt_opengl_or_extras_and_starts_no_threads():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["modules"] > 30  # every module of core was imported, not just the package
    assert report["loaded"] == []
    assert report["threads"] == 1
