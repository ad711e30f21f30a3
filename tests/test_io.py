"""io: atomic table writes, clear errors for damaged tables, sweeping what killed runs left."""
from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from speechkit.io import TableUnreadable, open_parquet, read_table, sweep_stale_temp_files, write_table


def test_write_table_then_read_it_back(tmp_path):
    df = pd.DataFrame({"doc_id": ["a", "b"], "city": ["杭州市", None]})
    paths = write_table(df, tmp_path, "documents", ("parquet", "csv"))
    assert {p.name for p in paths} == {"documents.parquet", "documents.csv"}
    assert read_table(tmp_path, "documents").equals(df)
    assert (tmp_path / "documents.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens Chinese CSV right
    assert list(tmp_path.glob(".*.tmp")) == []


def test_damaged_table_names_the_file(tmp_path):
    (tmp_path / "documents.parquet").write_bytes(b"PAR1 half a table")
    with pytest.raises(TableUnreadable, match="documents.parquet"):
        read_table(tmp_path, "documents")
    with pytest.raises(TableUnreadable, match="re-run"):
        open_parquet(tmp_path / "documents.parquet")


def test_sweep_removes_only_stale_leftovers(tmp_path):
    write_table(pd.DataFrame({"x": [1]}), tmp_path, "tokens")
    stale = [tmp_path / ".tokens.parquet.k1ll3d.tmp", tmp_path / ".parts-old"]
    stale[0].write_bytes(b"half")
    stale[1].mkdir()
    (stale[1] / "part-0.parquet").write_bytes(b"half")
    fresh = tmp_path / ".themes.parquet.busy.tmp"  # another run is writing it right now
    fresh.write_bytes(b"busy")
    day_ago = time.time() - 86400
    for p in stale:
        os.utime(p, (day_ago, day_ago))
    swept = sweep_stale_temp_files(tmp_path)
    assert sorted(p.name for p in swept) == sorted(p.name for p in stale)
    assert fresh.exists() and (tmp_path / "tokens.parquet").exists()
    assert not any(p.exists() for p in stale)


def test_sweep_on_a_missing_folder_is_a_no_op(tmp_path):
    assert sweep_stale_temp_files(tmp_path / "nope") == []
