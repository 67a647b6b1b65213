"""Chunks of work onto Dask: an embedded local cluster or an existing scheduler, same numbers.

A field computation (a basin map, a sweep, a tuning) is a list of independent
chunks, each a pure function of plain data. :class:`Serial` runs them here,
one after the other; :func:`dask_executor` runs them on a Dask cluster: its
own ``LocalCluster`` of worker processes by default, or the cluster behind a
scheduler's address. Results come back in chunk order whatever finished
first, so the numbers do not depend on the number of workers; a chunk whose
worker died is run again by the scheduler, and its result is taken once.
dask and distributed are imported here only, when a cluster is asked for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from ..errors import FogwalkError

Item = TypeVar("Item")
Result = TypeVar("Result")
Progress = Callable[[int, int], None]
"""``progress(done, total)``: called as chunks finish (``done`` of ``total``)."""

INSTALL = 'pip install "fogwalk[field]"'
CONNECT_SECONDS = 10.0


class Executor(Protocol):
    """Runs a function over chunks and returns the results in the chunks' order."""

    workers: int

    def map(
        self,
        function: Callable[[Item], Result],
        items: Sequence[Item],
        progress: Progress | None = None,
    ) -> list[Result]: ...


class Serial:
    """Every chunk here, one after the other: the reference the clusters must equal."""

    workers = 1

    def map(
        self,
        function: Callable[[Item], Result],
        items: Sequence[Item],
        progress: Progress | None = None,
    ) -> list[Result]:
        results = []
        for done, item in enumerate(items, start=1):
            results.append(function(item))
            if progress is not None:
                progress(done, len(items))
        return results


class DaskExecutor:
    """Chunks as Dask tasks on ``client``'s cluster."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))

    def map(
        self,
        function: Callable[[Item], Result],
        items: Sequence[Item],
        progress: Progress | None = None,
    ) -> list[Result]:
        from distributed import as_completed

        # pure=False: a fresh key per call, so that a second map of equal chunks is
        # computed again rather than served from a result another client holds.
        with warnings.catch_warnings():  # a million starts are 16 MB of chunks: as meant
            warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
            futures = self.client.map(function, items, pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        try:
            for done, future in enumerate(as_completed(futures, loop=self.client.loop), start=1):
                results[index[future.key]] = future.result()
                future.release()
                if progress is not None:
                    progress(done, len(futures))
        except BaseException:
            self.client.cancel(futures)  # Ctrl+C or a failed chunk: the rest are dropped
            raise
        return results


def import_distributed() -> Any:
    """The ``distributed`` module, or a FogwalkError saying what to install."""
    try:
        import distributed
    except ImportError:
        raise FogwalkError(
            f"running on a Dask cluster needs dask and distributed: {INSTALL}"
        ) from None
    return distributed


@contextlib.contextmanager
def dask_executor(
    workers: int | None = None, scheduler: str | None = None
) -> Iterator[DaskExecutor]:
    """A Dask executor for the duration: ``scheduler``'s cluster, or a local one.

    Parameters
    ----------
    workers
        Worker processes of the local cluster (one thread each); default the
        number of cores. Ignored with ``scheduler``.
    scheduler
        The address of a running scheduler, such as ``tcp://10.0.0.5:8786``.

    Raises
    ------
    FogwalkError
        Without dask, or when the scheduler cannot be reached.
    """
    distributed = import_distributed()
    import dask  # installed with distributed

    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = distributed.Client(
                    scheduler, timeout=CONNECT_SECONDS, set_as_default=False
                )
            except (OSError, TimeoutError, ValueError) as error:
                raise FogwalkError(
                    f"cannot reach the Dask scheduler at {scheduler}: {error}"
                ) from None
        else:
            count = workers or os.cpu_count() or 1
            if count < 1:
                raise FogwalkError(f"--workers must be 1 or more, got {count}")
            # Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_ set, which also pins
            # glibc's mmap threshold at 128 kB: every chunk's records were then mapped and
            # faulted in afresh, and a worker walked at half this process's speed
            # (bench/basins.py). Unset, workers allocate as this process does.
            with dask.config.set(
                {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
            ):
                cluster = distributed.LocalCluster(
                    n_workers=count,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    # Workers whose scheduler (this process) is gone close themselves.
                    death_timeout=CONNECT_SECONDS,
                )
            stack.callback(cluster.close)
            client = distributed.Client(cluster, set_as_default=False)
            client.wait_for_workers(count, timeout=60 + 5 * count)
        stack.callback(client.close)
        yield DaskExecutor(client)
