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
* **workers** — :meth:`batches` runs numbered batches in worker processes (or Dask) in order;
* **publication** — :meth:`write`, :meth:`sink` and :meth:`parts` write tables atomically, each
  carrying this run's id and the id of the run it was computed from (:mod:`speechkit.integrity`);
  :meth:`finish` records the run in the manifest.

The stage modules keep only their domain: what an item is, how it is cleaned or analysed, how rows
become tables.
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator

from speechkit.cache import entry_path
from speechkit.io import (INPUT_RUN_KEY, RUN_KEY, TableSink, TableUnreadable, new_run_id, owner_tag, read_run_manifest,
                          remove_run_manifest, sweep_stale_temp_files, write_run_manifest, write_table)
from speechkit.parallel import default_jobs, run_batches

__all__ = ["StageRun", "batched", "start_beside"]


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Consecutive lists of at most ``size`` items (the last may be shorter).

    >>> list(batched(range(5), 2))
    [[0, 1], [2, 3], [4]]
    """
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


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

    def batches(self, work: Callable, batches: Iterable[list], extra_args: tuple = (), *, jobs: int | None = None,
                engine: str = "local", scheduler: str | None = None, initializer: Callable | None = None,
                initargs: tuple = ()) -> Iterator:
        """``work(batch, *extra_args)`` for each batch, in order, in worker processes (or Dask)."""
        return run_batches(work, batches, extra_args, default_jobs(jobs), engine, scheduler, initializer, initargs)

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
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    global _CHILD_INPUT
    if "fork" in mp.get_all_start_methods():
        _CHILD_INPUT = (fn, args)
        try:  # the child is forked inside submit(), so it sees _CHILD_INPUT
            pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"))
            future = pool.submit(_call_parent_input)
        finally:
            _CHILD_INPUT = None
        pool.shutdown(wait=False)
        return future
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="speechkit-corpus-step")
    future = pool.submit(fn, *args)
    pool.shutdown(wait=False)
    return future
