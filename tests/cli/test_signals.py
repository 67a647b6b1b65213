"""Stop signals: a killed export or trace leaves no file and no process behind (issues 15, 20)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="/proc and the parent-death signal are Linux's"
)

WITHIN = 3.0  # seconds from the signal to a clean exit, children included
STARTUP = 90.0  # generous: a cold CI machine imports Qt, starts Xvfb and compiles shaders
EXPORT = ("export", "fog_mountain", "--steps", "400", "--size", "320x240")
# Many walkers, few steps: a quick simulation, then some seconds of writing 800k rows.
TRACE = ("trace", "rosenbrock", "--steps", "5000")
TRACE_STARTS = tuple(
    arg for i in range(40) for arg in ("-s", f"{i % 7 - 3 + 0.5},{i % 5 - 2 + 0.25}")
)


def _stat(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, start time) from /proc, or None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name, in parentheses, may hold spaces
    return int(fields[1]), fields[0], fields[19]


def _descendants(root: int) -> dict[tuple[int, str], str]:
    """Children, children of children ... of ``root``: {(pid, start time): name}."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents.setdefault(stat[0], []).append(int(entry.name))
    found: dict[tuple[int, str], str] = {}
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            stat = _stat(child)
            if stat is not None:
                try:
                    name = Path(f"/proc/{child}/comm").read_text().strip()
                except OSError:
                    continue
                found[(child, stat[2])] = name
                todo.append(child)
    return found


def _running(key: tuple[int, str]) -> bool:
    """Whether this very process (same pid and start time) still runs; a zombie does not."""
    stat = _stat(key[0])
    return stat is not None and stat[2] == key[1] and stat[1] not in ("Z", "X")


def _kill(processes: dict[tuple[int, str], str]) -> None:
    """SIGKILL what a failed test left running, so that it cannot linger."""
    for key in processes:
        if _running(key):
            os.kill(key[0], signal.SIGKILL)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a shell does for a background job


class Command:
    """``python -m fogwalk ...`` without a display, its standard error read as it comes."""

    def __init__(self, *args: str, ignore_sigint: bool = False) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fogwalk", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=_ignore_sigint if ignore_sigint else None,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def wait_until(self, condition, what: str, timeout: float = STARTUP) -> None:
        """Poll ``condition()`` until it holds; fail naming ``what`` if it never does."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"exited {self.process.returncode} before {what}:\n{self.stderr}")
            if time.monotonic() > deadline:
                children = _descendants(self.process.pid)
                self.process.kill()
                _kill(children)
                pytest.fail(f"no {what} within {timeout} s:\n{self.stderr}")
            time.sleep(0.02)

    def stop(self, signum: int, children: dict) -> float:
        """Send ``signum`` to the process alone; seconds until it and ``children`` are gone."""
        sent = time.monotonic()
        os.kill(self.process.pid, signum)
        try:
            self.process.wait(timeout=WITHIN)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            _kill(children)
            pytest.fail(f"still running {WITHIN} s after signal {signum}:\n{self.stderr}")
        while any(_running(key) for key in children):
            if time.monotonic() - sent > WITHIN:
                left = {key: name for key, name in children.items() if _running(key)}
                _kill(left)
                pytest.fail(f"left running {WITHIN} s after signal {signum}: {left}")
            time.sleep(0.02)
        self._reader.join(timeout=WITHIN)
        return time.monotonic() - sent


def _exporting(tmp_path: Path, **options) -> tuple[Command, Path, dict]:
    """An export into an empty folder, once it encodes frames: its Xvfb and FFmpeg too."""
    folder = tmp_path / "out"
    folder.mkdir()
    command = Command(*EXPORT, "-o", str(folder / "walk.mp4"), **options)

    def encoding() -> bool:
        names = _descendants(command.process.pid).values()
        return "frames" in command.stderr and any(name.startswith("ffmpeg") for name in names)

    command.wait_until(encoding, "frames being encoded")
    children = _descendants(command.process.pid)
    names = sorted(children.values())
    assert any(n == "Xvfb" for n in names) and any(n.startswith("ffmpeg") for n in names), names
    return command, folder, children


def _cancelled_once(stderr: str) -> bool:
    """One line says it was cancelled, and no traceback or swallowed exception shows."""
    said = [line for line in stderr.splitlines() if line.startswith("fogwalk:")]
    return (
        len(said) == 1
        and "cancelled" in said[0]
        and "nothing was written" in said[0]
        and "Traceback" not in stderr
        and "Error while drawing" not in stderr
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stop_signal_cancels_an_export_and_stops_its_children(tmp_path, signum):
    # SIGINT goes to the process alone (kill -INT PID), not to its group as Ctrl+C does:
    # it used to land inside pyqtgraph's drawing, which printed it and went on exporting.
    command, folder, children = _exporting(tmp_path)
    command.stop(signum, children)
    assert command.process.returncode == 128 + signum, command.stderr
    assert _cancelled_once(command.stderr), command.stderr
    assert list(folder.iterdir()) == []


def test_sigkill_orphans_no_child_and_leaves_no_file(tmp_path):
    command, folder, children = _exporting(tmp_path)
    command.stop(signal.SIGKILL, children)  # the children die of the parent-death signal
    assert command.process.returncode == -signal.SIGKILL
    assert list(folder.iterdir()) == []


def test_a_background_export_ignoring_sigint_still_stops_on_sigterm(tmp_path):
    command, folder, children = _exporting(tmp_path, ignore_sigint=True)
    ignored = Path(f"/proc/{command.process.pid}/status").read_text()
    mask = int(next(line for line in ignored.splitlines() if line.startswith("SigIgn:"))[7:], 16)
    assert mask & (1 << (signal.SIGINT - 1)), "the export should have inherited SIGINT ignored"
    command.stop(signal.SIGTERM, children)
    assert command.process.returncode == 128 + signal.SIGTERM, command.stderr
    assert _cancelled_once(command.stderr), command.stderr
    assert list(folder.iterdir()) == []


def _writing_into(pid: int, folder: Path) -> bool:
    """Whether the process holds a file in ``folder`` open with rows in it (named or not)."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd).startswith(str(folder)) and fd.stat().st_size > 0:
                return True
        except OSError:
            continue  # closed meanwhile
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_a_stop_signal_cancels_a_trace_being_written(tmp_path, signum):
    folder = tmp_path / "out"
    folder.mkdir()
    command = Command(*TRACE, *TRACE_STARTS, "-o", str(folder / "walk.csv"))
    command.wait_until(lambda: _writing_into(command.process.pid, folder), "rows being written")
    command.stop(signum, _descendants(command.process.pid))
    if signum == signal.SIGKILL:
        assert command.process.returncode == -signal.SIGKILL
    else:
        assert command.process.returncode == 128 + signum, command.stderr
        assert _cancelled_once(command.stderr), command.stderr
    assert list(folder.iterdir()) == []  # not even a .part file, after SIGKILL too


def test_export_imports_nothing_from_the_ui(tmp_path):
    target = tmp_path / "tiny.mp4"
    script = (
        "import sys; from fogwalk.cli import main; "
        f"code = main(['export', 'booth', '-o', {str(target)!r}, '--steps', '2', "
        "'--size', '64x48', '-q']); "
        "print(code, sorted(m for m in sys.modules if m.startswith('fogwalk.ui')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.stdout.split() == ["0", "[]"], result.stdout + result.stderr
    assert target.stat().st_size > 0


BASINS = ("basins", "himmelblau", "-O", "newton", "--grid", "400", "--steps", "400",
          "--chunk", "2000", "--workers", "2")  # fmt: skip


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_stop_signal_stops_a_basin_map_and_its_dask_workers(tmp_path, signum):
    folder = tmp_path / "out"
    folder.mkdir()
    command = Command(*BASINS, "-o", str(folder / "basins.png"))
    command.wait_until(lambda: "chunks" in command.stderr, "chunks coming back")
    children = _descendants(command.process.pid)
    assert sum(name.startswith("python") for name in children.values()) >= 2, children
    command.stop(signum, children)
    if signum == signal.SIGKILL:
        assert command.process.returncode == -signal.SIGKILL
    else:
        assert command.process.returncode == 128 + signum, command.stderr
        assert _cancelled_once(command.stderr), command.stderr
    assert list(folder.iterdir()) == []


ZOOM = ("basins", "himmelblau", "-O", "newton", "--grid", "200", "--steps", "200",
        "--chunk", "10000", "--zoom-to=-1.7,-1.3,-1.6,-1.4", "--frames", "40",
        "--workers", "0")  # fmt: skip


def test_a_stop_signal_stops_a_basin_zoom_and_its_encoder(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    command = Command(*ZOOM, "-o", str(folder / "zoom.mp4"))
    # 4 chunks a frame, a progress line every 16: at the second line, frames are encoding.
    command.wait_until(lambda: "32/160 chunks" in command.stderr, "frames being encoded")
    children = _descendants(command.process.pid)
    assert any("ffmpeg" in name for name in children.values()), children
    command.stop(signal.SIGTERM, children)
    assert command.process.returncode == 128 + signal.SIGTERM, command.stderr
    assert _cancelled_once(command.stderr), command.stderr
    assert list(folder.iterdir()) == []
