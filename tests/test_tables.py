"""The table contract is declared once (speechkit.tables) and docs/tables.md, the API and the writers agree with it."""
from __future__ import annotations

import re

import pyarrow.parquet as pq

from corpus_paths import REPO
from speechkit import tables
from speechkit.api import TABLE_COLUMNS, empty_table

DOCS = (REPO / "docs" / "tables.md").read_text(encoding="utf-8")


def _doc_text_of(name: str) -> str:
    """The parts of docs/tables.md about ``name``: every block that mentions ``name.parquet``
    (up to the next blank line or table heading), plus the markdown table right below it."""
    blocks = []
    for m in re.finditer(rf"`{re.escape(name)}\.parquet`", DOCS):
        tail = DOCS[m.start():]
        end = re.search(r"\n\s*\n(?!\|)(?!<!--)", tail)
        block = tail[: end.start() if end else len(tail)]
        table = re.match(r"\s*\n(\|.*\n)+", tail[len(block):])  # a markdown table after one blank line
        blocks.append(block + (table.group(0) if table else ""))
    return "\n".join(blocks)


def test_every_declared_table_and_column_is_documented():
    missing = []
    for name, spec in tables.declared().items():
        text = _doc_text_of(name)
        if not text:
            missing.append(f"{name}: not in docs/tables.md")
            continue
        for col in spec.columns:
            if not re.search(rf"(?<![\w]){re.escape(col)}(?![\w])", text):
                missing.append(f"{name}.{col}")
    assert missing == []


def test_every_documented_table_is_declared():
    documented = set(re.findall(r"`(\w+)\.parquet`", DOCS))
    # kwic and tokens_all are written on demand (speechkit kwic / speechkit tokens), not by a stage
    extra = documented - set(tables.declared()) - {"kwic", "bench", "tokens_all"}
    assert extra == set(), "documented but not declared (compare tables live in docs under compare)"  # noqa: E501


def test_the_api_reads_the_contract_from_the_registry():
    assert TABLE_COLUMNS == tables.columns()
    assert list(empty_table("targets").columns) == list(tables.declared()["targets"].columns)
    assert tables.stage_tables("clean") == ("documents", "removals", "files")


def test_writers_write_exactly_the_declared_columns(tmp_path):
    from speechkit.analyze import analyze_corpus
    from speechkit.clean import clean_corpus

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("同志们：\n下面我讲两点意见。\n一、到2025年，普惠性幼儿园覆盖率达到90%以上。\n二、狠抓落实。\n",
                               encoding="utf-8")
    out = tmp_path / "out"
    clean_corpus(raw, out, jobs=1)
    analyze_corpus(out, jobs=1)
    for name in tables.stage_tables("clean") + tables.stage_tables("analyze"):
        assert tuple(pq.read_schema(out / f"{name}.parquet").names) == tables.declared()[name].columns, name
