"""Huge documents analysed in chunks (speechkit.chunked): the same rows as one pass, in bounded memory.

The threshold is lowered (a few hundred thousand characters instead of ~8 MB) so that a text of a
few MB is cut into many chunks; the memory figures of a 150 MB text are measured by
scripts/bench_bigdoc.py (not a test: it takes minutes).
"""
import dataclasses
import re

import pandas as pd
import pytest

import speechkit.chunked as chunked
from corpus_paths import shared
from speechkit.analyze import ANALYZE_TABLES, analyze_corpus
from speechkit.chunked import chunk_bounds, chunk_rules
from speechkit.clean import clean_corpus
from speechkit.segment import split_sentences

HEADING = chunk_rules().heading

BLOCK = """一、{y0}年工作回顾
过去一年，全市地区生产总值增长{a}.{b}%，城镇新增就业{c}万人。
我们坚持以人民为中心，办好民生实事，新建普惠性托育机构{d}所，开展妇女两癌筛查{e}万人次。
（一）推动高质量发展。规模以上工业增加值增长{b}.{a}%，研发经费投入强度达到2.{a}%。
二、{y1}年工作安排
今年经济社会发展的主要预期目标是：地区生产总值增长{f}%左右，城镇调查失业率控制在5.5%以内。
到{y2}年，普惠性幼儿园覆盖率达到8{a}%以上，每千人口拥有3岁以下婴幼儿托位数达到4.{b}个。
我们要抓好两癌筛查和妇女儿童健康服务，“办实事！”让群众有更多获得感。
三、全面加强政府自身建设
坚持依法行政，政务服务事项网上可办率保持在9{b}%以上。

"""


def _synthetic(chars: int) -> str:
    """A work-report-like text of about ``chars`` characters: headings 一、二、三、, figures, targets, themes."""
    parts, i, size = [], 0, 0
    while size < chars:
        a, b = i % 9 + 1, (i * 7) % 9 + 1
        y = 2000 + i % 25
        piece = BLOCK.format(y0=y, y1=y + 1, y2=y + 3, a=a, b=b, c=10 + i % 40, d=i % 300, e=i % 90 + 1, f=5 + i % 3)
        parts.append(piece)
        size += len(piece)
        i += 1
    return "".join(parts)


def test_chunks_cover_the_text_and_end_at_a_line_break_before_a_heading():
    text = _synthetic(60_000)
    bounds = chunk_bounds(text, 5_000, HEADING)
    assert len(bounds) > 10
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(a_end == b_start for (_, a_end), (b_start, _) in zip(bounds, bounds[1:]))
    for start, end in bounds:
        assert end - start <= 5_000 or end == len(text)
        if start:
            assert text[start - 1] == "\n" and HEADING.match(text, start), text[start:start + 20]


def test_without_headings_a_cut_falls_on_a_blank_line_then_a_line_then_a_sentence_end():
    lines = "今年要抓好两癌筛查。\n" * 40
    blank = chunk_bounds(lines + "\n" + lines, 600, HEADING)
    assert blank[0][1] == len(lines) + 1  # after the blank line
    twice = lines * 2
    assert all(twice[start - 1] == "\n" for start, _ in chunk_bounds(twice, 600)[1:])  # else at a line break
    one_line = "办好民生实事，“办实事！”" * 100
    cuts = chunk_bounds(one_line, 300)
    for start, _ in cuts[1:]:
        assert one_line[start - 1] == "”" and one_line[start - 2] == "！"  # the quote stays with its sentence
    assert chunk_bounds("一二三四五六" * 10, 20)[0] == (0, 20)  # no boundary at all: cut at the size


def test_no_sentence_is_cut():
    text = _synthetic(40_000).replace("\n\n", "\n")
    bounds = chunk_bounds(text, 3_000, HEADING)
    cuts = {start for start, _ in bounds[1:]}
    for start, end, _ in split_sentences(text):
        assert not any(start < cut < end for cut in cuts)


def _analyze(processed, out, monkeypatch, threshold=None):
    rules = chunk_rules()
    if threshold:
        small = dataclasses.replace(rules, threshold_chars=threshold, chunk_chars=threshold // 3)
        monkeypatch.setattr(chunked, "chunk_rules", lambda: small)
    else:
        monkeypatch.setattr(chunked, "chunk_rules", lambda: rules)
    analyze_corpus(processed, out, jobs=1, use_cache=True)
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in ANALYZE_TABLES}


def _same_rows(raw, tmp_path, monkeypatch, threshold):
    processed = tmp_path / "processed"
    clean_corpus(raw, processed, jobs=1, use_cache=False)
    one_pass = _analyze(processed, tmp_path / "one", monkeypatch)
    in_chunks = _analyze(processed, tmp_path / "chunks", monkeypatch, threshold)
    big = max(pd.read_parquet(processed / "documents.parquet")["text"], key=len)
    assert len(big) > 3 * threshold  # the big document really was cut (several chunks)
    for table in ANALYZE_TABLES:
        pd.testing.assert_frame_equal(one_pass[table], in_chunks[table], obj=table)
    assert len(one_pass["targets"]) > 100 and len(one_pass["sentence_themes"]) > 100
    return tmp_path / "chunks"


def test_a_huge_document_in_chunks_gives_the_rows_of_one_pass(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("同志们：下面我讲两点意见。一、到2025年，普惠性幼儿园覆盖率达到85%以上。二、抓好两癌筛查。\n", encoding="utf-8")
    (raw / "b_big.txt").write_text(_synthetic(150_000), encoding="utf-8")
    (raw / "c.txt").write_text("一、2023年工作回顾\n全市新增就业12万人。\n二、2024年工作安排\n城镇新增就业10万人以上。\n", encoding="utf-8")
    out = _same_rows(raw, tmp_path, monkeypatch, threshold=40_000)
    # the chunked document has no cache entry; the two small ones have theirs
    entries = [p for p in (out / ".cache" / "analyze").rglob("*.arrow")]
    assert len(entries) == 2


def test_real_reports_in_chunks_give_the_rows_of_one_pass(tmp_path, monkeypatch):
    """Work reports of the shared corpus glued into one text of ~250,000 characters (headings, tables of figures, appendices)."""
    reports = sorted(shared("city-reports-2024").glob("*.txt"))[:15]
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "all.txt").write_text("\n\n".join(p.read_text(encoding="utf-8") for p in reports), encoding="utf-8")
    _same_rows(raw, tmp_path, monkeypatch, threshold=60_000)


def test_chunk_rules_are_data():
    rules = chunk_rules()
    assert rules.chunk_chars <= rules.threshold_chars
    assert rules.heading.match("二、2024年工作安排") and not rules.heading.match("二是抓落实")
    assert isinstance(rules.heading, re.Pattern)


@pytest.mark.parametrize("text", ["", "一"])
def test_tiny_texts_are_one_chunk(text):
    assert chunk_bounds(text, 1000) == [(0, len(text))]
