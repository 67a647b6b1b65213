"""Stopping cleanly: SIGINT, SIGTERM and SIGHUP become one cancellation; children die with us."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

STOP_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class Stopped(KeyboardInterrupt):
    """A signal asked the command to stop; the command exits with 128 + ``signum``.

    A KeyboardInterrupt, so that every clean-up written for Ctrl+C (temporary
    files, encoders, the virtual display) runs for SIGTERM and SIGHUP alike.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        """The signal's name, such as ``"SIGTERM"``."""
        return signal.Signals(self.signum).name


class _State:
    """Process-wide, as signal dispositions are: the first stop signal and the deferral depth."""

    signum: int | None = None
    deferring = 0


_state = _State()


def _on_stop_signal(signum: int, frame: Any) -> None:
    if _state.signum is not None:
        return  # already stopping: let the clean-up of the first one finish
    _state.signum = signum
    if not _state.deferring:
        raise Stopped(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Stopped` for the duration.

    A signal that is ignored when this is entered stays ignored: a background
    job's SIGINT or ``nohup``'s SIGHUP are the caller's choice. Only the first
    signal raises; later ones are dropped while its clean-up runs. Outside the
    main thread (where Python cannot set handlers) this does nothing.

    Yields
    ------
    None
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _state.signum, _state.deferring = None, 0
    previous = {}
    for signum in STOP_SIGNALS:
        handler = signal.getsignal(signum)
        if handler is not signal.SIG_IGN and handler is not None:
            previous[signum] = signal.signal(signum, _on_stop_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _state.signum, _state.deferring = None, 0


@contextlib.contextmanager
def deferred_stop() -> Iterator[Callable[[], bool]]:
    """Within this, a stop signal is only recorded; the body polls for it.

    For code that calls back into libraries which catch every exception (pyqtgraph
    prints and swallows one raised while it draws): the body checks the yielded
    function between units of work and winds down on its own. If a signal came
    and the body ended with an exception (its own way of cancelling),
    :class:`Stopped` replaces that exception; a body that finished anyway keeps
    its result.

    Yields
    ------
    callable
        ``requested()``: True once a stop signal has arrived.
    """
    _state.deferring += 1
    try:
        yield lambda: _state.signum is not None
    except BaseException:
        if _state.signum is not None:
            raise Stopped(_state.signum) from None
        raise
    finally:
        _state.deferring -= 1


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl on Linux, looked up in the parent: a forked child only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def preexec(parent: int, prctl: Callable[..., int] | None = None) -> None:
    """Run in a child between fork and exec: its own process group, death with ``parent``.

    Parameters
    ----------
    parent
        The process id of the parent, taken before the fork.
    prctl
        libc's prctl (Linux), or None where there is no parent-death signal.

    Notes
    -----
    Its own process group keeps a terminal's Ctrl+C (sent to the whole group)
    away from the child: the parent alone decides how to cancel, and stops its
    children itself. ``PR_SET_PDEATHSIG`` covers what the parent cannot catch
    (SIGKILL): the kernel kills the child when the *thread* that forked it ends,
    so start children from a thread that outlives them (the main thread). If the
    parent died before prctl took effect, the child is already an orphan and
    exits at once.
    """
    os.setpgid(0, 0)
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)


def child_options() -> dict[str, Any]:
    """Keyword arguments for :class:`subprocess.Popen` of every child FogWalk starts.

    Returns
    -------
    dict
        ``preexec_fn`` running :func:`preexec` on POSIX; empty elsewhere.
    """
    if os.name != "posix":
        return {}
    return {"preexec_fn": functools.partial(preexec, os.getpid(), _prctl())}
