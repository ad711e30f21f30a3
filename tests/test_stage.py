"""The stage kernel (speechkit.stage): fast path, per-item cache, run ids and part folders, for any stage."""
from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd
import psutil
import pytest

from speechkit.integrity import run_problems
from speechkit.io import table_run
from speechkit.stage import StageJob, StageRun, run_stage


def test_a_run_is_served_from_the_manifest_only_while_its_tables_are_the_ones_it_wrote(tmp_path):
    first = StageRun(stage="demo", out_dir=tmp_path, tables=("t",), key="k1")
    assert first.cached() is None
    first.write(pd.DataFrame({"a": [1, 2]}), "t")
    first.finish(rows=2)
    again = StageRun(stage="demo", out_dir=tmp_path, tables=("t",), key="k1")
    saved, rows = again.cached(lambda: len(pd.read_parquet(tmp_path / "t.parquet")))
    assert saved["rows"] == 2 and rows == 2
    assert StageRun(stage="demo", out_dir=tmp_path, tables=("t",), key="other").cached() is None
    # a miss forgets the manifest: the old key no longer hits either
    assert StageRun(stage="demo", out_dir=tmp_path, tables=("t",), key="k1").cached() is None


def test_no_cache_neither_reads_nor_writes_the_manifest(tmp_path):
    run = StageRun(stage="demo", out_dir=tmp_path, tables=("t",), key="k", use_cache=False)
    assert run.entry("abc", ".json") is None and run.cache_arg is None
    run.write(pd.DataFrame({"a": [1]}), "t")
    run.finish()
    assert not (tmp_path / ".cache" / "demo_manifest.json").exists()


def test_every_table_of_a_run_carries_its_id_and_its_input(tmp_path):
    import pyarrow as pa

    run = StageRun(stage="demo", out_dir=tmp_path, tables=("a", "b"), key="k", input_run="docs-run")
    run.write(pd.DataFrame({"x": [1]}), "a")
    sink = run.sink("b", pa.schema([("x", pa.int64())]))
    sink.write([{"x": 1}])
    sink.commit()
    ids = {table_run(tmp_path / f"{n}.parquet")["run_id"] for n in "ab"}
    assert ids == {run.run[b"speechkit.run_id"]}
    assert table_run(tmp_path / "b.parquet")["input_run"] == "docs-run"


def test_part_folders_belong_to_their_process_and_go_away(tmp_path):
    run = StageRun(stage="demo", out_dir=tmp_path, tables=(), key="k")
    with run.parts() as parts:
        assert parts.exists() and f".pid{os.getpid()}." in parts.name
        StageRun(stage="other", out_dir=tmp_path, tables=(), key="k")  # its sweep must not take ours
        assert parts.exists()
    assert not parts.exists()


def test_batches_keep_order_and_size():
    assert StageRun.batch_size(1000, 2, 32) == 32 and StageRun.batch_size(3, 2, 32) == 1


def test_clean_and_analyze_go_through_the_kernel(tmp_path):
    """The two stages leave one consistent run behind (the integrity check sees no mix)."""
    from speechkit.analyze import analyze_corpus
    from speechkit.clean import clean_corpus

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("同志们：\n今天召开全市妇女儿童工作会议。\n", encoding="utf-8")
    clean_corpus(raw, tmp_path / "out", jobs=1)
    analyze_corpus(tmp_path / "out", jobs=1)
    assert run_problems(tmp_path / "out") == []
    assert (tmp_path / "out" / ".cache" / "clean_manifest.json").exists()
    assert (tmp_path / "out" / ".cache" / "analyze_manifest.json").exists()


# --- the one runner: a toy stage declared as a StageJob ------------------------------------------

def _square_batch(index, items, offset):
    """A worker: the squares of its items, with the batch's index (module level: it travels to workers)."""
    return index, [(item, item * item + offset) for item in items]


class _Squares(StageJob):
    """Squares of 0..n-1 into squares.parquet; the multiples of 3 are "cached" (taken by the driver)."""

    stage, tables, batch_cap = "squares", ("squares",), 4

    def __init__(self, n, key="k", fail_at=None):
        self.n, self.key, self.fail_at = n, key, fail_at
        self.rows, self.local_positions, self.batches, self.back, self.aborted = [], [], [], None, False

    def check_tables(self, out_dir):
        return pd.read_parquet(out_dir / "squares.parquet")

    def from_cache(self, saved, read):
        return ("cached", saved["rows"], len(read)), self.n

    def plan(self, run):
        return [i % 3 != 0 for i in range(self.n)]

    def items(self):
        return iter(range(self.n))

    def worker(self):
        return _square_batch

    def worker_args(self, run, parts_dir):
        return (0,)

    def take_batch(self, first, result):
        index, pairs = result
        if index == self.fail_at:
            raise RuntimeError("disk full")
        self.batches.append(index)
        self.rows += pairs
        return len(pairs)

    def take_local(self, first, items):
        self.local_positions += list(range(first, first + len(items)))
        self.rows += [(item, item * item) for item in items]
        return len(items)

    def batches_back(self, results):
        self.back = [first for first, _ in results]

    def publish(self, run):
        run.write(pd.DataFrame(self.rows, columns=["n", "square"]), "squares")
        return ("ran", len(self.rows)), {"rows": len(self.rows)}

    def abort(self):
        self.aborted = True


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_stage_declared_as_a_job_runs_through_the_one_runner(tmp_path, jobs):
    seen = []
    job = _Squares(20)
    assert run_stage(job, out_dir=tmp_path, jobs=jobs, progress=lambda done, total: seen.append((done, total))) == ("ran", 20)
    table = pd.read_parquet(tmp_path / "squares.parquet")
    assert table["n"].tolist() == list(range(20)) and (table["square"] == table["n"] ** 2).all()  # item order kept
    assert job.local_positions == [0, 3, 6, 9, 12, 15, 18]  # the plan's False items never went to a worker
    assert job.batches == list(range(len(job.batches)))  # numbered batches, taken back in order
    assert len(job.back) == len(job.batches) and job.back == sorted(job.back)  # batches_back saw every one
    assert {1, 4, 7, 10, 13, 16, 19} <= set(job.back) <= {i for i in range(20) if i % 3}
    assert seen[-1] == (20, 20) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert run_problems(tmp_path) == [] and not list(tmp_path.glob(".parts*"))
    again = _Squares(20)
    assert run_stage(again, out_dir=tmp_path, jobs=jobs) == ("cached", 20, 20)  # the fast path: nothing planned
    assert again.rows == [] and again.back is None
    other = _Squares(20, key="other settings")
    assert run_stage(other, out_dir=tmp_path, jobs=jobs)[0] == "ran"


def _slow_square_batch(index, items, offset):
    """A worker that takes a while (a page of new work whose dictionaries load first)."""
    import time

    time.sleep(1.0)
    return _square_batch(index, items, offset)


class _NewWorkFirst(_Squares):
    """Two new items first, then cached runs: the driver reads the cached runs ahead while the
    worker's batch is out, and takes them at their turn."""

    local_cap = 3

    def __init__(self, n):
        super().__init__(n)
        self.events = []

    def plan(self, run):
        return [i < 2 for i in range(self.n)]

    def worker(self):
        return _slow_square_batch

    def read_ahead(self, first, length):
        self.events.append(("ahead", first, length))
        return True

    def take_batch(self, first, result):
        self.events.append(("batch", first))
        return super().take_batch(first, result)

    def take_local(self, first, items):
        self.events.append(("local", first, len(items)))
        return super().take_local(first, items)


def test_cached_runs_are_read_ahead_while_a_worker_batch_before_them_is_out(tmp_path):
    job = _NewWorkFirst(11)
    assert run_stage(job, out_dir=tmp_path, jobs=2) == ("ran", 11)
    first_batch = job.events.index(("batch", 0))
    ahead = [e for e in job.events[:first_batch] if e[0] == "ahead"]
    assert ahead == [("ahead", 2, 3), ("ahead", 5, 3), ("ahead", 8, 3)]  # every cached run, before the batch was taken
    taken = [e for e in job.events if e[0] != "ahead"]
    assert taken[-3:] == [("local", 2, 3), ("local", 5, 3), ("local", 8, 3)]  # still taken at their turn, in order
    assert {e[0] for e in taken[:-3]} == {"batch"}
    table = pd.read_parquet(tmp_path / "squares.parquet")
    assert table["n"].tolist() == list(range(11)) and (table["square"] == table["n"] ** 2).all()  # order kept


def _note_pid(folder):
    """Warm-up of an early worker: leave its pid behind (module level: it travels to the worker)."""
    (Path(folder) / f"warm-{os.getpid()}").touch()


def _pid_batch(index, items, offset):
    return index, [(item, os.getpid()) for item in items]


class _Rerun(_Squares):
    """A re-run: ``new`` items to compute, the rest cached; its worker can warm up before the plan."""

    def __init__(self, n, new, folder):
        super().__init__(n)
        self.new, self.folder = new, folder

    def plan(self, run):
        return [i < self.new for i in range(self.n)]

    def worker(self):
        return _pid_batch

    def warm_worker(self, run):
        return functools.partial(_note_pid, str(self.folder))


@pytest.mark.parametrize("new", [3, 40])
def test_a_rerun_forks_its_worker_before_the_plan_and_uses_it_only_for_a_few_items(tmp_path, new):
    folder = tmp_path / "pids"
    folder.mkdir()
    job = _Rerun(60, new, folder)
    before = {c.pid for c in psutil.Process().children(recursive=True)}  # other tests' processes may live on
    run_stage(job, out_dir=tmp_path / "out", jobs=2)
    warmed = {int(p.name.split("-")[1]) for p in folder.iterdir()}
    computed = {pid for n, pid in job.rows if n < new}
    if new == 3:  # a few items: the worker forked before the plan warmed up once and computed them all
        assert len(warmed) == 1 and computed == warmed
    else:  # much to do: it was stopped (perhaps before it warmed up); the workers started after the plan
        assert len(warmed) <= 1 and computed and not computed & warmed
    assert [n for n, _ in job.rows] == list(range(60))
    assert {c.pid for c in psutil.Process().children(recursive=True)} <= before  # no worker of this run left behind


def test_a_failing_batch_aborts_the_job_and_leaves_no_table(tmp_path):
    job = _Squares(20, fail_at=2)
    with pytest.raises(RuntimeError, match="disk full"):
        run_stage(job, out_dir=tmp_path, jobs=2)
    assert job.aborted and not (tmp_path / "squares.parquet").exists() and not list(tmp_path.glob(".parts*"))
    assert not (tmp_path / ".cache" / "squares_manifest.json").exists()


def test_clean_and_analyze_hold_no_run_machinery():
    """The run skeleton lives in speechkit.stage alone: the two stage modules declare jobs."""
    import inspect

    import speechkit.analyze
    import speechkit.clean

    for module in (speechkit.clean, speechkit.analyze):
        source = inspect.getsource(module)
        for machinery in ("StageRun(", "BatchPool", "ProcessPoolExecutor", "run.cached(", "stage.cached(", "run.finish(",
                          "stage.finish(", "_manifest", "deque", "sweep_stale", "batch_size("):
            assert machinery not in source, f"{module.__name__} holds {machinery}"


# --- review (issue 15): what the old runners did and the one runner must keep ----------------------

class _Payload:
    """A worker's result the driver can watch (a weak reference tells whether anything still holds it)."""

    def __init__(self, index, items):
        self.index, self.items = index, list(items)


def _payload_batch(index, items):
    return _Payload(index, items)


class _Watched(StageJob):
    """Every item to a worker; no corpus-level step (no batches_back): a batch's result is needed only
    until it is taken, as with the clean stage."""

    stage, tables, batch_cap = "watched", ("watched",), 2

    def __init__(self, n):
        self.n, self.key = n, "k"
        self.refs, self.alive, self.rows = [], [], []

    def plan(self, run):
        return [True] * self.n

    def items(self):
        return iter(range(self.n))

    def worker(self):
        return _payload_batch

    def take_batch(self, first, result):
        import gc
        import weakref

        gc.collect()
        self.alive.append(sum(ref() is not None for ref in self.refs))  # earlier batches' results still held
        self.refs.append(weakref.ref(result))
        self.rows += result.items
        return len(result.items)

    def publish(self, run):
        run.write(pd.DataFrame({"n": self.rows}), "watched")
        return len(self.rows), {}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_taken_back_is_not_held_until_the_run_ends(tmp_path, jobs):
    """The old runner (parallel.run_batches) let go of a batch's result once it was taken; the one runner
    must too, for a job without batches_back (clean): else every result stays referenced until the
    loop ends — on Dask the cluster keeps them all, and the driver fetches every one again at the end."""
    job = _Watched(40)
    assert run_stage(job, out_dir=tmp_path, jobs=jobs) == 40
    assert job.rows == list(range(40)) and len(job.alive) == 20
    assert max(job.alive) <= 1, f"earlier batch results still alive: {job.alive}"


def test_progress_shows_the_total_before_the_first_batch_is_back(tmp_path):
    """The old clean runner reported ``(files already done, total)`` as soon as it had planned (the CLI's
    bar appears then, with its total); the one runner must not leave the bar absent until a first
    batch of up to 64 files is cleaned."""
    job = _Squares(20)
    seen = []
    run_stage(job, out_dir=tmp_path, jobs=1, progress=lambda done, total: seen.append((done, total, len(job.rows))))
    assert seen[0] == (0, 20, 0)  # before any item was taken
    assert seen[-1][:2] == (20, 20)
