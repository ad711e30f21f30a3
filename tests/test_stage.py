"""The stage kernel (speechkit.stage): fast path, per-item cache, run ids and part folders, for any stage."""
from __future__ import annotations

import os

import pandas as pd

from speechkit.integrity import run_problems
from speechkit.io import table_run
from speechkit.stage import StageRun, batched


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
    assert list(batched(iter("abcde"), 2)) == [["a", "b"], ["c", "d"], ["e"]]
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
