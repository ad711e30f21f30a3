"""Tests for speechkit.kwic: keyword in context."""
from __future__ import annotations

import pandas as pd
import pytest

from speechkit.kwic import LINE_BREAK_MARK, concordance


def _ok(documents: pd.DataFrame) -> pd.DataFrame:
    return documents[documents["status"] == "ok"].reset_index(drop=True)


def test_every_occurrence_with_its_offsets_and_context(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    rows = concordance(docs, "妇女", window=8)
    assert len(rows) == sum(t.count("妇女") for t in docs["text"])
    texts = dict(zip(docs["doc_id"], docs["text"]))
    for r in rows.itertuples():
        text = texts[r.doc_id]
        assert text[r.start:r.end] == r.keyword == "妇女"
        assert r.left == text[max(0, r.start - 8):r.start].replace("\n", LINE_BREAK_MARK)
        assert r.right == text[r.end:r.end + 8].replace("\n", LINE_BREAK_MARK)
    assert list(rows.columns) == ["doc_id", "title", "left", "keyword", "right", "start", "end"]


def test_windows_are_cut_at_the_ends_of_the_text_and_line_breaks_are_marked():
    docs = pd.DataFrame({"doc_id": ["d1"], "text": ["托育服务要普惠。\n发展托育"]})
    rows = concordance(docs, "托育", window=5)
    assert rows[["left", "keyword", "right", "start"]].values.tolist() == [
        ["", "托育", "服务要普惠", 0],
        [f"惠。{LINE_BREAK_MARK}发展", "托育", "", 11],
    ]


def test_regex_terms_report_the_matched_text():
    docs = pd.DataFrame({"doc_id": ["d1"], "text": ["关爱留守儿童，保障困境儿童和流动儿童。"]})
    rows = concordance(docs, r"(留守|困境)儿童", window=2, regex=True)
    assert rows["keyword"].tolist() == ["留守儿童", "困境儿童"]
    # the same characters are literal without regex=True
    assert concordance(docs, "(留守|困境)儿童").empty


def test_grouping_adds_group_columns_and_orders_by_group(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    rows = concordance(docs, "儿童", window=5, by=["city", "year"])
    assert {"city", "year", "group"} <= set(rows.columns)
    assert rows["group"].tolist() == (rows["city"] + "·" + rows["year"].astype(str)).tolist()
    assert rows[["city", "year"]].apply(tuple, axis=1).is_monotonic_increasing
    per_group = rows.groupby("group").size()
    for (city, year), part in docs.groupby(["city", "year"]):
        assert per_group.get(f"{city}·{year}", 0) == sum(t.count("儿童") for t in part["text"])


def test_no_match_gives_an_empty_frame_with_the_columns_and_bad_input_is_rejected(tiny_tables):
    docs = _ok(tiny_tables["documents"])
    empty = concordance(docs, "载人航天", by=["city"])
    assert empty.empty and list(empty.columns) == ["doc_id", "title", "city", "group", "left", "keyword",
                                                   "right", "start", "end"]
    with pytest.raises(ValueError):
        concordance(docs, "")
    with pytest.raises(ValueError):
        concordance(docs, "妇女", window=-1)
