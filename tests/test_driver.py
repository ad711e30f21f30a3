"""The analyze driver (issue 17): parts merged as batches come back, the theme matcher built only
when a document is analysed, and a failed run leaves no half-written table behind."""
from __future__ import annotations

import pandas as pd
import pytest

import speechkit.analyze as analyze_mod
import speechkit.themes as themes_mod
from speechkit.analyze import ANALYZE_TABLES, analyze_corpus
from speechkit.io import read_table


def _write_documents(folder, texts: list[str]) -> None:
    rows = [{"doc_id": f"d{i}", "text": t, "status": "ok", "year": 2024} for i, t in enumerate(texts)]
    pd.DataFrame(rows).to_parquet(folder / "documents.parquet")


TEXTS = [
    "同志们：下面我讲两点意见。一、发展普惠托育服务。到2025年，普惠性幼儿园覆盖率达到85%以上。二、开展两癌筛查。",
    "今年主要预期目标是：地区生产总值增长5%左右，城镇新增就业1.2万人以上。加快建设现代化产业体系。",
    "坚持科技创新引领，培育科技人才。推进乡村全面振兴，农村居民人均可支配收入增长6%。",
]


def test_fast_path_never_builds_the_theme_matcher(tmp_path, monkeypatch):
    _write_documents(tmp_path, TEXTS)
    first = analyze_corpus(tmp_path, jobs=1)
    assert first.documents == 3 and not first.skipped_unchanged
    built = []
    original = themes_mod.ThemeMatcher.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(themes_mod.ThemeMatcher, "__init__", counting)
    second = analyze_corpus(tmp_path, jobs=1)
    assert second.skipped_unchanged and built == []  # nothing analysed: jieba's dictionary not read
    (tmp_path / ".cache" / "analyze_manifest.json").unlink()
    analyze_corpus(tmp_path, jobs=1, use_cache=False)  # documents to analyse: the matcher is built
    assert built


def test_merged_tables_hold_every_batch_in_order(tmp_path):
    _write_documents(tmp_path, TEXTS * 12)  # 36 documents: several batches on two workers
    report = analyze_corpus(tmp_path, jobs=2, use_cache=False)
    sentences = read_table(tmp_path, "sentences")
    assert report.row_counts["sentences"] == len(sentences)
    order = sentences["doc_id"].drop_duplicates().tolist()
    assert order == sorted(order, key=lambda d: int(d[1:]))  # batch order = document order
    keywords = read_table(tmp_path, "keywords")
    assert set(keywords.loc[keywords["method"] == "textrank", "doc_id"]) == {f"d{i}" for i in range(36)}
    assert not list(tmp_path.glob(".parts*")) and not list(tmp_path.glob(".*.tmp"))


def test_a_failing_batch_leaves_no_table_and_no_temp_file(tmp_path, monkeypatch):
    _write_documents(tmp_path, TEXTS * 4)
    calls = []
    real = analyze_mod._analyze_batch

    def failing(index, *args):
        calls.append(index)
        if index == 1:
            raise RuntimeError("disk full")
        return real(index, *args)

    monkeypatch.setattr(analyze_mod, "_analyze_batch", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        analyze_corpus(tmp_path, jobs=1, use_cache=False)
    assert 1 in calls
    assert not any((tmp_path / f"{t}.parquet").exists() for t in ANALYZE_TABLES)
    assert not list(tmp_path.glob(".*.tmp")) and not list(tmp_path.glob(".parts*"))
