"""Safe file output: nothing appears at the target until it is complete, even if killed.

On Linux the data goes into an unnamed file (``O_TMPFILE``) in the target's
folder, linked into place only when complete: a process killed with SIGKILL
leaves nothing behind. Elsewhere (or on a filesystem without ``O_TMPFILE``) a
hidden ``.part`` sibling is renamed into place, and one left by a killed run
is removed the next time the same target is written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import FogwalkError


def _folder_of(target: Path) -> Path:
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FogwalkError(f"cannot write {target}: folder {folder} does not exist")
    return folder


def open_unnamed(target: Path) -> tuple[int, Path | None]:
    """A descriptor open for writing in ``target``'s folder, and its ``.part`` path or None.

    None: the file has no name yet (``O_TMPFILE``) and vanishes if never
    published. Files get the usual permissions (0o666 less the umask).
    """
    folder = _folder_of(target)
    if hasattr(os, "O_TMPFILE") and Path("/proc/self/fd").is_dir():
        with contextlib.suppress(OSError):  # a filesystem without O_TMPFILE support
            return os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o666), None
    for stale in folder.glob(f".{target.name}.*.part"):
        with contextlib.suppress(OSError):
            stale.unlink()  # left by a run that was killed
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise FogwalkError(f"cannot write {target}: {error.strerror}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(handle, 0o666 & ~umask)  # mkstemp makes it private; the result is not
    return handle, Path(name)


def publish(handle: int, part: Path | None, target: Path) -> None:
    """Put the file written through ``handle`` in place at ``target`` (atomically)."""
    if part is not None:
        os.replace(part, target)
        return
    # Link the unnamed file under a temporary name, then rename over the target:
    # link() cannot replace, rename() can, and it is atomic.
    staging = target.with_name(f".{target.name}.{os.getpid()}.link")
    root = os.open("/", os.O_RDONLY)
    try:
        os.link(f"proc/self/fd/{handle}", staging, src_dir_fd=root, follow_symlinks=True)
    finally:
        os.close(root)
    os.replace(staging, target)


def discard(handle: int | None, part: Path | None) -> None:
    """Throw away an unpublished file: close it (an unnamed one then vanishes), remove a part."""
    if handle is not None:
        with contextlib.suppress(OSError):
            os.close(handle)
    if part is not None:
        with contextlib.suppress(OSError):
            part.unlink()


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike[str], mode: str = "w", **open_args: Any
) -> Iterator[IO[Any]]:
    """Open a new file for ``path``; only when the body completes does it appear there.

    If the body raises, or the process dies, even by SIGKILL, the target is
    untouched and nothing is left beside it.
    """
    target = Path(path)
    if target.is_dir():
        raise FogwalkError(f"cannot write {target}: it is a folder")
    if target.exists() and not target.is_file():
        # a device or a pipe (-o /dev/stdout): written to as it is, never replaced by a file
        try:
            with open(target, mode, **open_args) as stream:
                yield stream
        except OSError as error:
            raise FogwalkError(f"cannot write {target}: {error.strerror or error}") from None
        return
    handle, part = open_unnamed(target)
    try:
        with os.fdopen(os.dup(handle), mode, **open_args) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        publish(handle, part, target)
        os.close(handle)
    except BaseException as error:
        discard(handle, part)
        if isinstance(error, OSError):
            raise FogwalkError(f"cannot write {target}: {error.strerror or error}") from None
        raise
