"""The layers of DESIGN.md hold: import-linter's contracts are kept and bite; core type-checks."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = [
    sys.executable,
    "-c",
    "from importlinter.cli import lint_imports_command; lint_imports_command()",
    "--no-cache",
    "--no-logo",
    str(PYPROJECT),
]


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the project's contracts on the ``fogwalk`` in ``package_parent``."""
    env = {**os.environ, "PYTHONPATH": str(package_parent), "COLUMNS": "200"}
    return subprocess.run(
        LINT_IMPORTS, cwd=package_parent, env=env, capture_output=True, text=True, timeout=120
    )


def test_import_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_import_contracts_catch_imports_against_the_layers(tmp_path):
    shutil.copytree(ROOT / "fogwalk", tmp_path / "fogwalk", ignore=shutil.ignore_patterns("*.pyc"))
    package = tmp_path / "fogwalk"
    with (package / "render" / "frame.py").open("a") as file:
        file.write("\nfrom ..ui import worker\n")  # render reaching up into ui
    with (package / "core" / "errors.py").open("a") as file:
        file.write("\nimport PySide6\n")
    with (package / "core" / "trace.py").open("a") as file:
        file.write("\nfrom fogwalk import cli\n")
    (package / "extra.py").write_text('"""A top-level module in no layer."""\n')

    result = lint_imports(tmp_path)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "fogwalk.render is not allowed to import fogwalk.ui" in output
    assert "fogwalk.core is not allowed to import PySide6" in output
    assert "fogwalk.core is not allowed to import fogwalk.cli" in output
    assert "- fogwalk.extra" in output  # exhaustive: every top-level module sits in a layer


def test_every_package_folder_is_seen_by_import_linter():
    # import-linter (grimp) skips a folder without __init__.py, and the contracts would pass
    # without seeing it; every folder of modules is a regular package under the one root.
    roots = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["root_packages"]
    assert roots == ["fogwalk"]
    namespace = [
        folder.name
        for folder in (ROOT / "fogwalk").rglob("*")
        if folder.is_dir() and any(folder.glob("*.py")) and not (folder / "__init__.py").exists()
    ]
    assert namespace == []


def test_core_type_checks():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "fogwalk/core"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
