"""The stage kernel: the run machinery clean and analyze share, written once.

A :class:`StageRun` is one run of one stage into one output folder. It owns what every stage needs
and no stage should spell out again:

* **leftovers** — temp files and part folders of runs that are no longer alive are swept when it
  starts (:func:`speechkit.io.sweep_stale_temp_files`; a live run's are never touched);
* **the whole-run fast path** — ``OUT/.cache/<stage>_manifest.json`` remembers the key of the last
  complete run and the exact tables it wrote (size, time, run id); :meth:`cached` answers it only
  while those very tables are still there and readable, and forgets it (``--no-cache``, a miss)
  before any table is replaced;
* **the per-item cache** — :meth:`entry` gives the path of an item's entry (JSON or Arrow, never
  pickle: :mod:`speechkit.cache`), or None without a cache;
* **publication** — :meth:`write`, :meth:`sink` and :meth:`parts` write tables atomically, each
  carrying this run's id and the id of the run it was computed from (:mod:`speechkit.integrity`);
  :meth:`finish` records the run in the manifest.

:func:`run_stage` is the one runner of both stages: the fast path, the plan (which items a worker
computes and which this process takes itself, e.g. from their cache entries), the warm-up before
workers fork, bounded numbered batches in worker processes (or Dask) taken back in item order, the
merge of their Parquet parts (:class:`PartMerger`, :func:`write_part`) and the manifest. A stage
hands it a :class:`StageJob`: its domain, declared — what an item is, how it is cleaned or
analysed, how rows become tables.
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pyarrow as pa

from speechkit.cache import entry_path
from speechkit.io import (INPUT_RUN_KEY, RUN_KEY, TableSink, TableUnreadable, new_run_id, owner_tag, read_run_manifest,
                          remove_run_manifest, sweep_stale_temp_files, write_run_manifest, write_table)
from speechkit.parallel import BatchPool, check_engine, default_jobs, pool_processes, terminate_processes

__all__ = ["StageRun", "StageJob", "run_stage", "PartMerger", "write_part", "start_beside", "stop_beside"]


class StageRun:
    """One run of ``stage`` writing ``tables`` into ``out_dir`` (see the module docstring).

    ``key`` identifies the run's inputs and settings (the whole-run cache key); ``input_run`` is
    the run id of the table the stage reads (documents.parquet for analyze), written into every
    table so that readers can tell a consistent set from a mix.
    """

    def __init__(self, *, stage: str, out_dir: Path, tables: Iterable[str], key: str, use_cache: bool = True,
                 formats: tuple[str, ...] = ("parquet",), input_run: str | None = None):
        self.stage, self.out_dir, self.tables = stage, Path(out_dir), tuple(tables)
        self.key, self.use_cache, self.formats = key, use_cache, formats
        self.out_dir.mkdir(parents=True, exist_ok=True)
        sweep_stale_temp_files(self.out_dir)  # on every path, fast or not
        self.manifest = self.out_dir / ".cache" / f"{stage}_manifest.json"
        self.cache_dir = self.out_dir / ".cache" / stage if use_cache else None
        self.run = {RUN_KEY: new_run_id(), INPUT_RUN_KEY: input_run}

    # -- the whole-run fast path ---------------------------------------------------------------

    def cached(self, read: Callable[[], object] | None = None):
        """What the last complete run saved, when its key is this run's and its tables are still the
        ones it wrote; with ``read``, also ``read()``'s result (a table that turns out damaged is a
        miss, never an error). Returns ``(saved, read_result)`` or None. A miss forgets the manifest."""
        if self.use_cache:
            saved = read_run_manifest(self.manifest, self.key, self.out_dir, self.tables)
            if saved is not None:
                try:
                    return saved, read() if read else None
                except TableUnreadable:
                    pass
        remove_run_manifest(self.manifest)  # the tables on disk are about to be replaced
        return None

    def finish(self, **saved) -> None:
        """Record this run as complete (what a later fast path reports), when the cache is on."""
        if self.use_cache:
            write_run_manifest(self.manifest, self.key, self.out_dir, self.tables, **saved)

    # -- the per-item cache ---------------------------------------------------------------------

    def entry(self, key: str | None, suffix: str) -> Path | None:
        """Where the cache entry of an item with ``key`` lives (None without a cache or a key)."""
        return entry_path(self.cache_dir, key, suffix) if self.cache_dir is not None and key else None

    @property
    def cache_arg(self) -> str | None:
        """The cache folder as a string, for worker processes (None without a cache)."""
        return str(self.cache_dir) if self.cache_dir is not None else None

    # -- workers --------------------------------------------------------------------------------

    @staticmethod
    def batch_size(todo: int, jobs: int | None, cap: int) -> int:
        """Batches small enough to keep every worker busy (about four per worker), at most ``cap``."""
        return max(1, min(cap, todo // (default_jobs(jobs) * 4) or 1))

    # -- publication ----------------------------------------------------------------------------

    def write(self, frame, name: str) -> list[Path]:
        """Write a DataFrame as ``name``.parquet (+ CSV twin) with this run's ids, atomically."""
        return write_table(frame, self.out_dir, name, self.formats, run=self.run)

    def sink(self, name: str, schema) -> TableSink:
        """A streaming writer for ``name``.parquet with this run's ids (commit or abort it)."""
        return TableSink(self.out_dir, name, schema, self.formats, run=self.run)

    @contextlib.contextmanager
    def parts(self) -> Iterator[Path]:
        """A hidden part folder owned by this process (``.parts.pidN.*``), removed afterwards."""
        folder = Path(tempfile.mkdtemp(prefix=f".parts{owner_tag()}", dir=self.out_dir))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


# --- the stage runner -------------------------------------------------------------------------

class StageJob:
    """One run of a stage, as the stage declares it to :func:`run_stage` (subclass it).

    Set :attr:`stage`, :attr:`tables`, :attr:`key` (the whole-run cache key: a digest of the run's
    inputs and settings) and :attr:`input_run`; implement the hooks. :func:`run_stage` calls, in
    this order: :meth:`check_tables` and :meth:`from_cache` on the fast path; otherwise
    :meth:`plan`, :meth:`prepare`, :meth:`start`, then :meth:`take_batch` / :meth:`take_local` for
    the items in their order (with :meth:`batches_back` once every worker's batch is back), and
    :meth:`publish` — or :meth:`abort` when anything failed or was interrupted.
    """

    #: the stage's name (its manifest is ``OUT/.cache/<stage>_manifest.json``, its entries ``OUT/.cache/<stage>/``)
    stage: str = ""
    #: the tables a complete run leaves in the output folder
    tables: tuple[str, ...] = ()
    key: str = ""
    input_run: str | None = None
    #: most items in one worker batch, and in one run of items this process takes itself
    batch_cap: int = 32
    local_cap: int = 128

    def worker(self) -> Callable:
        """The module-level function a worker runs: ``fn(index, items, *worker_args)`` → a result."""
        raise NotImplementedError

    def worker_args(self, run: "StageRun", parts_dir: Path) -> tuple:
        """The extra arguments of :meth:`worker` (plain data: they travel to worker processes)."""
        return ()

    def worker_init(self) -> tuple[Callable | None, tuple]:
        """``(initializer, initargs)`` run once in every local worker process."""
        return None, ()

    def check_tables(self, out_dir: Path) -> object:
        """On the fast path: read what proves the tables are whole (footers, row counts); a damaged
        table raises :class:`speechkit.io.TableUnreadable` (a miss, not an error)."""
        return None

    def from_cache(self, saved: dict, read: object) -> tuple[Any, int]:
        """The stage's result when the last complete run is still valid: ``(report, items)``."""
        raise NotImplementedError

    def plan(self, run: "StageRun") -> list[bool]:
        """One flag per item, in order: True when a worker computes it, False when this process takes
        it itself (from its cache entry, or an error row)."""
        raise NotImplementedError

    def items(self) -> Iterator:
        """Every planned item, in the plan's order (read again here, so that memory stays flat)."""
        raise NotImplementedError

    def warm_worker(self, run: "StageRun") -> Callable[[], None] | None:
        """A function that readies a worker process (loads the dictionaries), when this run is likely to
        leave only a few items to compute (a re-run over tables already there): the runner forks that
        worker *before* the plan, so that it warms up while this process plans, and uses it when one
        worker is all the plan needs (else stops it). None (the default): workers start after the plan."""
        return None

    def prepare(self, run: "StageRun", *, todo: int, many: bool, engine: str) -> None:
        """Before any worker starts: compile what forked workers inherit (``many``: much to do)."""

    def start(self, run: "StageRun", parts_dir: Path) -> None:
        """Open what the results are merged into."""

    def take_batch(self, first: int, result: Any) -> int:
        """Merge a worker's result for the items from position ``first``; returns how many items it held."""
        raise NotImplementedError

    def take_local(self, first: int, items: list) -> int:
        """Compute or read the items from position ``first`` in this process and merge them; returns their number."""
        raise NotImplementedError

    def read_ahead(self, first: int, length: int) -> bool:
        """While a worker's batch that comes before them is still out, read what :meth:`take_local` will
        need for the ``length`` items from position ``first`` (their cache entries), so that this process
        works instead of waiting; False when the job does not read ahead (or holds enough read ahead
        now). What is read ahead is taken at its turn: the merged order stays the items' order."""
        return False

    def batches_back(self, results: list[tuple[int, Any]]) -> None:
        """Every worker result is in (``[(first position, result)]``, in order): corpus-level work may start.
        A job that does not override it has each result let go as soon as it is taken."""

    def publish(self, run: "StageRun") -> tuple[Any, dict]:
        """Write the tables; returns ``(report, saved)``, ``saved`` what the manifest keeps for the fast path."""
        raise NotImplementedError

    def abort(self) -> None:
        """The run failed or was interrupted: drop every half-written table."""


def _call_indexed(item: tuple[int, list], worker: Callable, *args):
    """In a worker: ``worker(index, items, *args)``."""
    index, items = item
    return worker(index, items, *args)


def _item_runs(plan: list[bool], size: int, local_cap: int) -> Iterator[tuple[bool, int, int]]:
    """``(needs a worker, first position, length)`` of the runs the planned items are cut into: items
    for workers in batches of ``size``, items this process takes in runs of ``local_cap``.

    >>> list(_item_runs([True, True, True, False, False, True], 2, 128))
    [(True, 0, 2), (True, 2, 1), (False, 3, 2), (True, 5, 1)]
    """
    first, kind = 0, None
    for position, this in enumerate(plan):
        if position > first and (this != kind or position - first >= (size if kind else local_cap)):
            yield bool(kind), first, position - first
            first = position
        kind = this
    if len(plan) > first:
        yield bool(kind), first, len(plan) - first


def run_stage(job: StageJob, *, out_dir: Path, jobs: int | None = None, engine: str = "local",
              scheduler: str | None = None, use_cache: bool = True, formats: tuple[str, ...] = ("parquet",),
              progress: Callable[[int, int], None] | None = None):
    """Run ``job`` into ``out_dir`` and return its report — the one run skeleton of clean and analyze.

    The whole-run fast path (the manifest, bound to the very tables it describes); otherwise the
    plan, the warm-up before workers fork, numbered batches of at most ``job.batch_cap`` items in
    ``jobs`` worker processes (``engine='dask'``: on Dask) with at most ``2 × jobs`` in flight, the
    items this process takes itself in between, every result merged in item order while the
    workers go on, the tables published and the run recorded. Any error or Ctrl-C aborts the job
    (no half-written table) and stops the workers at once.
    """
    check_engine(engine)  # before the plan, which may read the whole corpus
    run = StageRun(stage=job.stage, out_dir=out_dir, tables=job.tables, key=job.key, use_cache=use_cache,
                   formats=formats, input_run=job.input_run)
    hit = run.cached(lambda: job.check_tables(run.out_dir))
    if hit is not None:
        report, total = job.from_cache(*hit)
        if progress:
            progress(total, total)
        return report
    workers = default_jobs(jobs)
    warm = job.warm_worker(run) if engine == "local" and workers > 1 else None
    early = start_warm_beside(warm) if warm is not None else None  # warms up while the plan is read
    try:  # until the pool takes it over, the early worker is stopped with any failure
        plan = job.plan(run)
        total, todo = len(plan), sum(plan)
        if progress:  # the total at once (a first batch may take a while)
            progress(0, total)
        many = todo > workers * 4  # much to do: every core works; a few items: one worker loads the dictionaries
        if early is not None and (many or not todo):
            stop_warm_beside(early)  # every core is wanted, or none
            early = None
        with run.parts() as parts_dir:
            job.prepare(run, todo=todo, many=many, engine=engine)
            size = StageRun.batch_size(todo, jobs, job.batch_cap)
            runs = list(_item_runs(plan, size, job.local_cap))
            n_batches = sum(1 for work, _, _ in runs if work)
            initializer, initargs = job.worker_init()
            if early is not None and initializer is not None:  # it ran no initializer of the workers
                stop_warm_beside(early)
                early = None
            job.start(run, parts_dir)
            try:
                pool = BatchPool(_call_indexed, (job.worker(), *job.worker_args(run, parts_dir)), jobs=workers,
                                 engine=engine, scheduler=scheduler, processes=None if many else 1,
                                 initializer=initializer, initargs=initargs, warm_pool=early)
                early = None  # the pool's now
                with pool:
                    _drive(job, pool, job.items(), runs, n_batches, 2 * workers, total, progress)
                report, saved = job.publish(run)
            except BaseException:
                job.abort()
                raise
    except BaseException:
        if early is not None:
            stop_warm_beside(early)
        raise
    run.finish(**saved)
    return report


def _drive(job: StageJob, pool: BatchPool, items: Iterator, runs: list[tuple[bool, int, int]], n_batches: int,
           limit: int, total: int, progress: Callable[[int, int], None] | None) -> None:
    """Submit the worker runs (at most ``limit`` in flight, and at most 8 runs this process takes
    besides: memory stays flat) and take every run back in item order; while the next turn is a
    worker's batch still out, the local runs queued after it are read ahead (:meth:`StageJob.read_ahead`)."""
    queue: deque = deque()
    # (first position, future) of every batch submitted, kept only for a job that has batches_back: a
    # result is otherwise let go once it is taken (on Dask, the cluster would keep every one until the end)
    keep = type(job).batches_back is not StageJob.batches_back
    futures: list = []
    pending = iter(runs)
    exhausted, back = False, not keep
    done = index = 0
    scan = 0  # the next of the runs to consider for job.read_ahead
    while True:
        while not exhausted and len(queue) < limit + 8 and sum(entry[0] for entry in queue) < limit:
            segment = next(pending, None)
            if segment is None:
                exhausted = True
                continue
            work, first, length = segment
            chunk = [next(items) for _ in range(length)]
            if work:
                future = pool.submit((index, chunk))
                index += 1
                if keep:
                    futures.append((first, future))
                queue.append((True, first, future))
                del future
            else:
                queue.append((False, first, chunk))
        if not back and len(futures) == n_batches and all(future.done() for _, future in futures):
            back = True
            job.batches_back([(first, future.result()) for first, future in futures])
        if back and index == n_batches and all(entry[2].done() for entry in queue if entry[0]):
            pool.release()  # every batch is back: the idle workers (~0.6 GB each) go before the last merges
        if not queue:
            return
        if queue[0][0] and not queue[0][2].done():  # the next turn is a worker's, still out: read ahead meanwhile
            while scan < len(runs) and (runs[scan][0] or runs[scan][1] <= queue[0][1]):
                scan += 1  # worker runs, and the runs up to the one whose turn it is
            if scan < len(runs) and job.read_ahead(runs[scan][1], runs[scan][2]):
                scan += 1
                continue
        work, first, payload = queue.popleft()
        done += job.take_batch(first, payload.result()) if work else job.take_local(first, payload)
        if progress:
            progress(done, total)


# --- Parquet parts: a worker writes its batch's rows, the driver merges them in order ----------

def write_part(parts_dir: Path | str, name: str, index: int, table: "pa.Table", extra: int | None = None) -> int:
    """Write ``table`` as batch ``index``'s part of table ``name`` (``extra``: one of the parts that
    come before the batch's own, e.g. a huge document's chunks); returns its rows."""
    import pyarrow.parquet as pq

    part = Path(parts_dir) / name / (f"{index:08d}.parquet" if extra is None else f"{index:08d}-{extra:05d}.parquet")
    part.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, part)
    return table.num_rows


class PartMerger:
    """The streamed tables' sinks, fed each batch's parts (:func:`write_part`) as soon as that batch is
    back (in batch order), so that merging overlaps the workers instead of following them. Tables
    named in ``held`` are kept in memory (:attr:`held`) for a table the stage builds at the end.
    Identical files to merging every part at the end: same tables, same order."""

    def __init__(self, parts_dir: Path, run: StageRun, schemas: dict[str, pa.Schema], held: tuple[str, ...] = ()):
        self.parts_dir, self.schemas = parts_dir, schemas
        self.sinks: dict[str, TableSink] = {}
        self.held: dict[str, list[pa.Table]] = {name: [] for name in held}
        self._writing: Any = None  # the future of rows being encoded to Parquet in a thread
        self._writer: Any = None
        try:
            for name, schema in schemas.items():
                if name not in self.held:
                    self.sinks[name] = run.sink(name, schema)
        except BaseException:
            self.abort()
            raise

    def _wait(self) -> None:
        """Let the rows handed to the writer thread reach their sinks (and raise what it raised)."""
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.result()

    def settle(self) -> None:
        """Wait until the writer thread is idle: call it before forking (:func:`start_beside`), so that
        the child never inherits a lock (Arrow's allocator, a sink's) that thread was holding."""
        self._wait()

    def add(self, index: int) -> None:
        """Append batch ``index``'s parts (and delete them: the disk holds each row once)."""
        import pyarrow.parquet as pq

        self._wait()
        for name, schema in self.schemas.items():
            folder = self.parts_dir / name
            for part in [*sorted(folder.glob(f"{index:08d}-*.parquet")), folder / f"{index:08d}.parquet"]:
                table = pq.read_table(part, schema=schema)
                if name in self.held:
                    self.held[name].append(table)
                else:
                    self.sinks[name].write_arrow(table)
                part.unlink()

    def add_tables(self, tables: dict[str, list[pa.Table]]) -> None:
        """Append rows this process holds, one row group per table. The Parquet encoding (which
        releases the GIL) runs in a thread while the next rows are read; one run at a time, in order."""
        from concurrent.futures import ThreadPoolExecutor

        joined = {}
        for name in self.schemas:
            if tables.get(name):
                table = pa.concat_tables(tables[name])
                if name in self.held:
                    self.held[name].append(table)
                else:
                    joined[name] = table
        self._wait()
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="speechkit-parquet")
        sinks = self.sinks

        def write() -> None:
            for name, table in joined.items():
                sinks[name].write_arrow(table)

        self._writing = self._writer.submit(write)

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    def commit(self) -> list[Path]:
        """Publish every streamed table (atomic each), in the schemas' order."""
        self._wait()
        self._close_writer()
        paths: list[Path] = []
        for name in list(self.sinks):
            paths += self.sinks.pop(name).commit()
        return paths

    def abort(self) -> None:
        """Drop every half-written table."""
        try:
            self._wait()
        except BaseException:  # noqa: BLE001 - aborting anyway: the error that got us here is the one raised
            pass
        self._close_writer()
        for sink in self.sinks.values():
            sink.abort()
        self.sinks = {}


# --- corpus-level steps beside the merge -----------------------------------------------------

_CHILD_INPUT: tuple | None = None


def _call_parent_input():
    """In a forked child: call the function with the arguments the parent left in ``_CHILD_INPUT``."""
    fn, args = _CHILD_INPUT
    return fn(*args)


def start_beside(fn, *args):
    """Run ``fn(*args)`` beside this process; return a future of its result.

    Where processes can be forked, a child inherits the arguments (the corpus term counts:
    nothing to pickle) and truly runs in parallel — a thread would share the GIL with the
    merging of parts. Elsewhere (Windows) a thread does it.
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    global _CHILD_INPUT
    if "fork" in mp.get_all_start_methods():
        _CHILD_INPUT = (fn, args)
        try:  # the child is forked inside submit(), so it sees _CHILD_INPUT
            pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"))
            future = pool.submit(_call_parent_input)
        finally:
            _CHILD_INPUT = None
        return _detach(pool, future)
    return start_in_thread(fn, *args)


def start_in_thread(fn, *args):
    """Run ``fn(*args)`` in a thread of this process; return a future of its result. For a step that
    is short and releases the GIL in its array work (TF-IDF): a forked process would count the
    parent's memory once more in the run's summed RSS for little gain in time."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="speechkit-corpus-step")
    future = pool.submit(fn, *args)
    pool.shutdown(wait=False)
    return future


def start_warm_beside(warm: Callable[[], None]):
    """Fork a process now that runs ``warm()`` (slow imports: scikit-learn takes ~2 s) while this
    process goes on, and then waits for one step (:func:`run_warm_beside`). None where processes
    cannot be forked (the step then runs by :func:`start_beside`). Fork it before this process
    starts threads of its own."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in mp.get_all_start_methods():
        return None
    pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"))
    pool.submit(warm)  # forks the process
    return pool


def run_warm_beside(pool, fn, *args):
    """Run ``fn(*args)`` in the process :func:`start_warm_beside` made (the arguments are pickled);
    a future of its result, stopped by :func:`stop_beside` like one of :func:`start_beside`."""
    return _detach(pool, pool.submit(fn, *args))


def _detach(pool, future):
    """The future of a one-process pool's only step, the pool let go (it runs on): the future keeps the
    process for :func:`stop_beside` (a pool shut down forgets its processes)."""
    setattr(future, "_beside_processes", pool_processes(pool))
    pool.shutdown(wait=False)
    return future


def _stop_processes(processes) -> None:
    terminate_processes(processes)
    for process in processes:
        process.join(5)  # SIGTERM: gone at once (a step deep in NumPy included)


def stop_warm_beside(pool) -> None:
    """Stop a :func:`start_warm_beside` process that got no step (a run that failed before)."""
    processes = pool_processes(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    _stop_processes(processes)


def stop_beside(future) -> None:
    """Stop the process running a :func:`start_beside` step (a run that failed or was interrupted):
    it would run on for nothing, and the interpreter could not exit before it is done. A thread
    (where processes cannot be forked) cannot be stopped: it is only cancelled if it has not started."""
    _stop_processes(getattr(future, "_beside_processes", ()))
    future.cancel()
