"""Project promises: CI runs the README's test command; resources ship with the package."""

import re
from pathlib import Path

from fogwalk.core.resources import resource_path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    setup = text.split("## Set-up: two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", setup, re.S)


def test_readme_has_two_setup_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)


def test_ci_runs_exactly_the_readme_test_command():
    test_command = readme_commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci_lines[-1] == test_command


def test_resources_are_found():
    assert resource_path("icons", "fogwalk.svg").read_text().startswith("<svg")


def test_ruff_is_clean():
    import subprocess
    import sys

    ruff = [sys.executable, "-m", "ruff"]
    for command in ([*ruff, "check", "."], [*ruff, "format", "--check", "."]):
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
