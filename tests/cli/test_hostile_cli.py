"""Hostile requests to the command line: one line, exit 2 (or the work done), in seconds."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from fogwalk.cli import main


def refused(capsys, *argv) -> str:
    """Run fogwalk in this process; it must exit 2 with exactly one line on stderr."""
    assert main(list(argv)) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fogwalk: error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def fogwalk(*argv, env=None, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fogwalk", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("fogwalk: error: "), result.stderr
    return lines[0]


def test_steps_beyond_memory_on_the_command_line(capsys):
    line = refused(capsys, "trace", "fog_mountain", "--steps", "1000000000000")
    assert "steps = 1,000,000,000,000 would record 160 TB for 4 hikers x 1 walker" in line
    assert "fit in the memory limit" in line


def test_int64_max_steps_in_a_scenario_names_the_file(tmp_path, capsys):
    path = tmp_path / "steps.toml"
    path.write_text(f"schema_version = 1\n[start]\nsteps = {2**63 - 1}\n")
    line = refused(capsys, "trace", str(path))
    assert f"{path}: steps = 9,223,372,036,854,775,807 would record" in line


def test_a_billion_frames_in_a_scenario_are_refused_before_any_drawing(tmp_path, capsys):
    path = tmp_path / "frames.toml"
    path.write_text("schema_version = 1\n[export]\nframes = 1000000000\n")
    line = refused(capsys, "export", str(path), "-o", str(tmp_path / "out.mp4"))
    assert "a video of 1,000,000,000 frames" in line and "at most 100,000 frames" in line
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[hikers]]\noptimizer = "adam"\ncolor = "not a colour"\n', "hikers[0].color:"),
        ("x = " + "[" * 20_000 + "]" * 20_000 + "\n", "nests arrays or tables too deeply"),
    ],
)
def test_bad_scenarios_give_one_line(tmp_path, capsys, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text("schema_version = 1\n" + text)
    assert expected in refused(capsys, "trace", str(path))


@pytest.fixture
def full_disk(tmp_path):
    """A 64 kB tmpfs: the disk fills a few frames into any export."""
    folder = tmp_path / "full"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.decode()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("name", ["frames", "walk.mp4"])
def test_a_full_disk_fails_in_one_line_and_leaves_nothing(full_disk, name):
    out = full_disk / name
    result = fogwalk(
        "export", "fog_mountain", "-o", str(out), "-n", "60", "--size", "640x480", "-q"
    )
    line = one_error_line(result)
    assert f"cannot write {out}" in line and "No space left on device" in line
    assert list(full_disk.iterdir()) == []


def free_display() -> str:
    """A display number no X server answers on."""
    number = 90 + uuid.uuid4().int % 400
    while Path(f"/tmp/.X11-unix/X{number}").exists():
        number += 1
    return f":{number}"


def test_an_export_on_a_display_that_does_not_answer_starts_its_own(tmp_path):
    display = free_display()
    out = tmp_path / "walk.gif"
    result = fogwalk(
        "export",
        "fog_mountain",
        "-o",
        str(out),
        "-n",
        "4",
        "--size",
        "160x120",
        "-q",
        env={"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
    )
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 0


def test_the_app_on_a_display_that_does_not_answer_says_so():
    display = free_display()
    result = fogwalk(env={"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}, timeout=30)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"DISPLAY={display} does not answer: no X server listens on" in lines[0]
