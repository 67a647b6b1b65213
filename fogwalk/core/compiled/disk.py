"""Compiled loops kept on disk, so that a new process (a Dask worker, the next command)
loads a loop in milliseconds instead of compiling it for seconds.

numba's own cache (``cache=True``) cannot tell our loops apart: each is the
same closure of :func:`~fogwalk.core.compiled.driver.driver` over a different
surface and rule, and numba keys a closure by a pickle of its cells, which
holds a per-process identifier of every compiled function in them, so that no
process ever finds another's loop. Here a loop is keyed instead by the text
of everything it is compiled from: the surface's generated source, the rule's
module, the compiled engine's own modules and the options compiled in. numba
adds the argument types, the CPU and its own version, and keeps the files
where it keeps its cache (beside the package, or ``NUMBA_CACHE_DIR``).
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any

from numba.core.caching import FunctionCache

_PACKAGE = Path(__file__).resolve().parent.parent  # fogwalk/core
# What every loop is compiled from, besides its surface and its rule's module.
_SHARED = (
    "compiled/driver.py",
    "compiled/steps.py",
    "optimizers/common.py",
    "optimizers/rule.py",
    "engine.py",
)


class _KeyedCache(FunctionCache):
    """numba's on-disk cache of one function, its entries told apart by ``key``."""

    def __init__(self, py_func: Callable[..., Any], key: str) -> None:
        super().__init__(py_func)
        self._key = key

    def _index_key(self, sig: Any, codegen: Any) -> tuple[Any, ...]:
        return (sig, codegen.magic_tuple(), self._key)


@cache
def _shared_text() -> str:
    return "\n".join((_PACKAGE / name).read_text(encoding="utf-8") for name in _SHARED)


def source_of(function: Callable[..., Any]) -> str | None:
    """The text a compiled function is built from: its source and, for one defined in a
    file, the whole file (its helpers); None when Python has no source for it."""
    try:
        text = inspect.getsource(function)
        path = inspect.getsourcefile(function)
    except (OSError, TypeError):
        return None
    if path and Path(path).is_file():
        text += Path(path).read_text(encoding="utf-8")
    return text


def keep_on_disk(dispatcher: Any, *parts: object) -> None:
    """Have numba keep ``dispatcher``'s compilations on disk under a key made of
    ``parts`` (texts and reprs) and the compiled engine's sources. A part that is None
    (a source Python does not have) leaves the function to compile in every process."""
    if any(part is None for part in parts):
        return
    digest = hashlib.sha256(_shared_text().encode())
    for part in parts:
        digest.update(b"\0" + repr(part).encode())
    key = digest.hexdigest()
    # Named apart too: numba names a compiled function by its qualified name and a count of
    # this process's compilations, so two loops compiled in two processes may bear one name
    # and, loaded into a third, collide. The name also gives each loop its own index file.
    dispatcher.py_func.__qualname__ += f"_{key[:20]}"
    with suppress(RuntimeError):  # numba found no folder it may write to: compile as before
        dispatcher._cache = _KeyedCache(dispatcher.py_func, key)
