"""Running batches of per-document work: in this process, in worker processes, or on Dask.

Workers are long-lived (one ``ProcessPoolExecutor`` or Dask worker per core), so
each loads jieba and the dictionaries once. At most ``2 × jobs`` batches are in
flight, so memory stays flat however many documents there are; results come back
in submission order, so tables are identical whatever the engine.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

__all__ = ["ENGINES", "check_engine", "default_jobs", "BatchPool"]

ENGINES = ("local", "dask")


def default_jobs(jobs: int | None) -> int:
    """``jobs`` or all cores."""
    return max(1, jobs or os.cpu_count() or 1)


def check_engine(engine: str) -> None:
    """Raise ValueError naming the choices unless ``engine`` is one of :data:`ENGINES`.

    >>> check_engine("local")
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")


def pool_processes(pool: ProcessPoolExecutor) -> list:
    """The worker processes of ``pool`` now (a pool that is shut down forgets them)."""
    return list((getattr(pool, "_processes", None) or {}).values())


def terminate_processes(processes) -> None:
    """Kill worker processes at once (they may be deep in one long document)."""
    for process in processes:
        try:
            process.terminate()
        except (OSError, AttributeError):
            pass


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes."""
    terminate_processes(pool_processes(pool))


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


class BatchPool:
    """Submit batches one by one and collect each result when it is wanted (a context manager).

    The stage runner (:func:`speechkit.stage.run_stage`) decides as it goes which items need a worker
    at all (cached ones it takes itself) and submits the others here, at most ``2 × jobs`` in
    flight, so memory stays flat; results are taken in submission order. ``jobs <= 1`` runs each batch in this process at submission; ``engine='dask'`` submits to Dask.
    Leaving the ``with`` block on an error (or Ctrl-C) stops the workers at once.

    >>> with BatchPool(sum, jobs=1) as pool:
    ...     pool.submit([1, 2, 3]).result()
    6
    """

    def __init__(self, work: Callable, extra_args: tuple = (), jobs: int = 1, engine: str = "local",
                 scheduler: str | None = None, processes: int | None = None, initializer: Callable | None = None,
                 initargs: tuple = (), warm_pool: ProcessPoolExecutor | None = None):
        check_engine(engine)
        self.work, self.extra_args, self.jobs, self.engine, self.scheduler = work, extra_args, jobs, engine, scheduler
        #: local worker processes (default ``jobs``); with ``jobs > 1``, fewer may do a little work
        self.processes = max(1, min(jobs, processes)) if processes else jobs
        #: run once in every local worker process (and once here when ``jobs <= 1``)
        self.initializer, self.initargs = initializer, initargs
        #: ``warm_pool``: a one-process pool already started (its worker warmed up while this process
        #: planned; given only when one local worker with no initializer is all it takes): the local workers
        self._pool: ProcessPoolExecutor | None = warm_pool
        self._client: Any = None
        self._cluster: Any = None

    def submit(self, batch):
        """A future of ``work(batch, *extra_args)`` (already done when ``jobs <= 1``)."""
        from concurrent.futures import Future

        if self.engine == "dask":
            if self._client is None:
                self._start_dask()
            assert self._client is not None
            return self._client.submit(self.work, batch, *self.extra_args, pure=False)
        if self.jobs <= 1:
            if self.initializer is not None:
                self.initializer(*self.initargs)
                self.initializer = None
            future: Future = Future()
            future.set_result(self.work(batch, *self.extra_args))
            return future
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, initializer=self.initializer, initargs=self.initargs)
        return self._pool.submit(self.work, batch, *self.extra_args)

    def release(self) -> None:
        """Let the local worker processes go now (every submitted batch is done; results stay readable);
        a later :meth:`submit` would start new ones. Nothing to do on Dask or with ``jobs <= 1``."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

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
