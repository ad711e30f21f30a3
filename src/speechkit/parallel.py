"""Running batches of per-document work: in this process, in worker processes, or on Dask.

Workers are long-lived (one ``ProcessPoolExecutor`` or Dask worker per core), so
each loads jieba and the dictionaries once. At most ``2 × jobs`` batches are in
flight, so memory stays flat however many documents there are; results come back
in submission order, so tables are identical whatever the engine.
"""
from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator

__all__ = ["ENGINES", "run_batches", "default_jobs", "BatchPool"]

ENGINES = ("local", "dask")


def default_jobs(jobs: int | None) -> int:
    """``jobs`` or all cores."""
    return max(1, jobs or os.cpu_count() or 1)


def run_batches(
    work: Callable,
    batches: Iterable[list],
    extra_args: tuple = (),
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    initializer: Callable | None = None,
    initargs: tuple = (),
) -> Iterator[list]:
    """Yield ``work(batch, *extra_args)`` for each batch, in order.

    ``engine='local'`` uses ``jobs`` worker processes (or this process when
    ``jobs == 1``); ``engine='dask'`` submits to the Dask scheduler at
    ``scheduler``, or to a local cluster of ``jobs`` single-threaded worker processes.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if engine == "dask":
        yield from _run_dask(work, batches, extra_args, jobs, scheduler)
    elif jobs <= 1:
        if initializer is not None:
            initializer(*initargs)
        for batch in batches:
            yield work(batch, *extra_args)
    else:
        pool = ProcessPoolExecutor(jobs, initializer=initializer, initargs=initargs)
        try:
            yield from _in_order(lambda batch: pool.submit(work, batch, *extra_args), batches, jobs * 2)
        except BaseException:  # Ctrl-C, or an error: stop the workers now instead of waiting for their batches
            _terminate(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes (they may be deep in one long document)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        try:
            process.terminate()
        except (OSError, AttributeError):
            pass


def _in_order(submit: Callable, batches: Iterable[list], limit: int) -> Iterator:
    """Submit batches, at most ``limit`` in flight (memory stays flat), and yield results in order."""
    inflight: deque = deque()
    for batch in batches:
        inflight.append(submit(batch))
        while len(inflight) >= limit:
            yield inflight.popleft().result()
    for fut in inflight:
        yield fut.result()


def _dask_client(jobs: int, scheduler: str | None) -> tuple[Any, Any]:
    """``(client, cluster)``: a client of the cluster at ``scheduler``, or of a local cluster of ``jobs``
    one-thread worker processes (``cluster`` is None when it is not ours to close)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise ValueError("--engine dask needs the dask extra: pip install 'speechkit[dask]'") from exc
    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def _run_dask(work, batches, extra_args, jobs, scheduler) -> Iterator[list]:
    client, cluster = _dask_client(jobs, scheduler)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or jobs)
        yield from _in_order(lambda batch: client.submit(work, batch, *extra_args, pure=False), batches,
                             n_workers * 2)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class BatchPool:
    """Submit batches one by one and collect each result when it is wanted (a context manager).

    :func:`run_batches` pulls its batches itself; a driver that decides as it goes which items need a
    worker at all (the analyze stage takes cached documents itself) submits them here instead.
    ``jobs <= 1`` runs each batch in this process at submission; ``engine='dask'`` submits to Dask.
    Leaving the ``with`` block on an error (or Ctrl-C) stops the workers at once.

    >>> with BatchPool(sum, jobs=1) as pool:
    ...     pool.submit([1, 2, 3]).result()
    6
    """

    def __init__(self, work: Callable, extra_args: tuple = (), jobs: int = 1, engine: str = "local",
                 scheduler: str | None = None, processes: int | None = None):
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
        self.work, self.extra_args, self.jobs, self.engine, self.scheduler = work, extra_args, jobs, engine, scheduler
        #: local worker processes (default ``jobs``); with ``jobs > 1``, fewer may do a little work
        self.processes = max(1, min(jobs, processes)) if processes else jobs
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        self._cluster: Any = None

    def submit(self, batch: list):
        """A future of ``work(batch, *extra_args)`` (already done when ``jobs <= 1``)."""
        from concurrent.futures import Future

        if self.engine == "dask":
            if self._client is None:
                self._start_dask()
            assert self._client is not None
            return self._client.submit(self.work, batch, *self.extra_args, pure=False)
        if self.jobs <= 1:
            future: Future = Future()
            future.set_result(self.work(batch, *self.extra_args))
            return future
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes)
        return self._pool.submit(self.work, batch, *self.extra_args)

    def _start_dask(self) -> None:
        self._client, self._cluster = _dask_client(self.jobs, self.scheduler)

    def __enter__(self) -> "BatchPool":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._pool is not None:
            if exc_type is not None:
                _terminate(self._pool)
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
