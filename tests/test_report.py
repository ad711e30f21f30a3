"""Tests for speechkit.report: a self-contained, escaped HTML report and a tidy workbook."""
from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from speechkit import report
from speechkit.report import build_report, excel_sheet_name, html_table, write_workbook

EVIL_TITLE = "<script>alert(1)</script>"


# ---------------------------------------------------------------------------
# a stand-in Corpus with the methods of the api contract, built from small frames
# ---------------------------------------------------------------------------

def _label_part(values: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(values.dtype):
        values = values.astype("Int64")
    return values.astype("string").fillna("未知")


class FakeCorpus:
    """Implements the contract's data methods with plain pandas over synthetic tables."""

    def __init__(self, tables: dict[str, pd.DataFrame], directory: Path = Path("fake")):
        self.tables = tables
        self.dir = directory

    @property
    def documents(self) -> pd.DataFrame:
        docs = self.tables["documents"]
        return docs[docs["status"] == "ok"].reset_index(drop=True)

    def group_columns(self) -> list[str]:
        return ["province", "city", "district", "year", "meeting", "speaker", "level"]

    def group_label(self, df: pd.DataFrame, by) -> pd.Series:
        by = [by] if isinstance(by, str) else list(by)
        if not by:
            return pd.Series("全部", index=df.index, dtype="string", name="group")
        label = _label_part(df[by[0]])
        for col in by[1:]:
            label = label + "·" + _label_part(df[col])
        return label.rename("group")

    def _doc_groups(self, by) -> pd.DataFrame:
        docs = self.documents
        by = [by] if isinstance(by, str) else list(by)
        out = docs[["doc_id", *by]].copy()
        out["group"] = self.group_label(out, by).to_numpy()
        return out

    def themes(self, by) -> pd.DataFrame:
        by = [by] if isinstance(by, str) else list(by)
        groups = self._doc_groups(by)
        themes = self.tables["themes"]
        names = sorted(themes["theme"].unique())
        rows = []
        for key, part in groups.groupby("group", sort=True):
            ids = set(part["doc_id"])
            for theme in names:
                t = themes[(themes["theme"] == theme) & themes["doc_id"].isin(ids)]
                row = {col: part[col].iloc[0] for col in by}
                row.update(group=key, theme=theme, field="妇女与发展", docs=len(ids),
                           mean_share=t["share"].sum() / len(ids), pooled_share=t["share"].mean() if len(t) else 0.0,
                           hits=int(t["hits"].sum()))
                rows.append(row)
        return pd.DataFrame(rows)

    def targets(self, by=None, kind=None, indicator=None) -> pd.DataFrame:
        by = [] if by is None else ([by] if isinstance(by, str) else list(by))
        groups = self._doc_groups(by)
        out = self.tables["targets"].merge(groups, on="doc_id")
        return out

    def followup(self, by=None, tolerance=0.0) -> pd.DataFrame:
        from speechkit.followup import followup_table

        targets = self.tables["targets"]
        if "indicator_key" not in targets.columns:
            targets = targets.assign(indicator_key=targets["indicator"])
        return followup_table(documents=self.documents, targets=targets, tolerance=tolerance)

    def outlines(self, by=None) -> pd.DataFrame:
        by = [] if by is None else ([by] if isinstance(by, str) else list(by))
        groups = self._doc_groups(by)
        o = self.tables["outlines"].merge(groups, on="doc_id")
        stats = groups.groupby("group").agg(docs=("doc_id", "size")).reset_index()
        agg = o.groupby("group").agg(announced_points_mean=("announced_points", "mean"),
                                     found_points_mean=("found_points", "mean"),
                                     incomplete=("complete", lambda s: int((~s).sum()))).reset_index()
        return stats.merge(agg, on="group", how="left")

    def term_frequencies(self, by) -> pd.DataFrame:
        groups = self._doc_groups(by)
        tokens = self.tables["tokens"].explode("tokens").merge(groups, on="doc_id")
        return (tokens.groupby(["group", "tokens"]).size().rename("freq").reset_index()
                .rename(columns={"tokens": "term"}))

    def keyness(self, by, top=30) -> pd.DataFrame:
        freqs = self.term_frequencies(by)
        total = freqs.groupby("group")["freq"].transform("sum")
        overall = freqs.groupby("term")["freq"].transform("sum")
        n = freqs["freq"].sum()
        freqs = freqs.assign(freq_rest=overall - freqs["freq"], freq_group=freqs["freq"])
        rest_total = n - total
        a, b = freqs["freq_group"].astype(float), freqs["freq_rest"].astype(float)
        e1 = total * (a + b) / n
        e2 = rest_total * (a + b) / n
        g2 = 2 * (np.where(a > 0, a * np.log(np.maximum(a, 1e-12) / e1), 0)
                  + np.where(b > 0, b * np.log(np.maximum(b, 1e-12) / e2), 0))
        lr = np.log2(((a + 0.5) / total) / ((b + 0.5) / rest_total))
        freqs = freqs.assign(g2=g2, log_ratio=lr)
        freqs = freqs[freqs["log_ratio"] > 0].sort_values(["group", "g2"], ascending=[True, False])
        freqs["rank"] = freqs.groupby("group").cumcount() + 1
        return freqs[freqs["rank"] <= top][["group", "term", "freq_group", "freq_rest", "g2", "log_ratio", "rank"]]

    def similarity(self) -> pd.DataFrame:
        tokens = self.tables["tokens"].explode("tokens")
        counts = pd.crosstab(tokens["doc_id"], tokens["tokens"]).astype(float)
        unit = counts.to_numpy() / np.linalg.norm(counts.to_numpy(), axis=1, keepdims=True)
        return pd.DataFrame(unit @ unit.T, index=counts.index, columns=counts.index)

    def near_duplicates(self, threshold=0.8, num_perm=128, shingle=5) -> pd.DataFrame:
        ids = self.documents["doc_id"].tolist()
        group = [0 if i in ("d1", "d2") else k + 1 for k, i in enumerate(ids)]
        rep = [i != "d2" for i in ids]
        return pd.DataFrame({"doc_id": ids, "dup_group": group, "representative": rep,
                             "jaccard_to_representative": [0.91 if i == "d2" else 1.0 for i in ids]})


def _documents() -> pd.DataFrame:
    rows = [
        # doc_id, title, city, year, truncated, declared, omitted, clean_chars, status, error
        ("d1", "在全市妇女儿童工作会议上的讲话", "甲市", 2022, False, None, None, 2400, "ok", None),
        ("d2", "在全市妇女儿童工作会议上的讲话（转载）", "甲市", 2023, False, None, None, 2380, "ok", None),
        ("d3", EVIL_TITLE, "乙市", 2022, True, 5000, 1800, 3100, "ok", None),
        ("d4", "两纲两规划推进会讲话", "乙市", 2023, False, None, None, 2900, "ok", None),
        ("d5", "妇女代表大会开幕讲话", "丙州", 2023, False, None, None, 1800, "ok", None),
        ("e1", None, None, None, False, None, None, 0, "error", "cannot decode bytes as GB18030 or UTF-8"),
    ]
    docs = pd.DataFrame(rows, columns=["doc_id", "title", "city", "year", "truncated", "declared_chars",
                                       "omitted_chars", "clean_chars", "status", "error"])
    docs["year"] = docs["year"].astype("Int64")
    docs["declared_chars"] = docs["declared_chars"].astype("Int64")
    docs["omitted_chars"] = docs["omitted_chars"].astype("Int64")
    docs["province"] = ["某省", "某省", "某省", "某省", "另一省", None]
    docs["source_path"] = [f"seeds/{i}.txt" for i in docs["doc_id"]]
    docs["redactions"] = [0, 0, 2, 1, 0, 0]
    docs["text"] = "正文"
    return docs


def _tables() -> dict[str, pd.DataFrame]:
    vocab = {
        "d1": ["妇女", "就业", "托育", "妇女", "家庭", "就业", "创业"],
        "d2": ["妇女", "就业", "托育", "妇女", "家庭", "就业"],
        "d3": ["儿童", "健康", "儿童", "学前教育", "家庭", "=SUM(A1)", "，", "2025"],
        "d4": ["儿童", "健康", "规划", "监测", "评估", "家庭"],
        "d5": ["妇联", "改革", "代表", "妇女", "基层"],
    }
    tokens = pd.DataFrame({"doc_id": list(vocab), "sentence_id": 0, "tokens": list(vocab.values())})
    themes = pd.DataFrame([
        (d, t, "妇女与发展", h, s) for d, t, h, s in [
            ("d1", "妇女就业", 4, 0.4), ("d1", "家庭建设", 2, 0.2), ("d2", "妇女就业", 3, 0.35),
            ("d3", "儿童健康", 5, 0.5), ("d3", "家庭建设", 1, 0.1), ("d4", "儿童健康", 3, 0.3),
            ("d4", "规划监测", 2, 0.25), ("d5", "妇联改革", 4, 0.45)]
    ], columns=["doc_id", "theme", "field", "hits", "share"])
    targets = pd.DataFrame([
        ("d1", "预期", "托位数", 3.5, "个", "达到", 2025, "到2025年", False, "到2025年每千人托位数达到3.5个。", 10, 30),
        ("d3", "约束", "孕产妇死亡率", 9.5, "/10万", "控制在", 2030, "到2030年", False, "孕产妇死亡率控制在9.5/10万以下。", 40, 60),
        ("d4", "预期", "新建行业妇联", None, "个", "新建", None, None, True, "新建行业妇联个。", 5, 12),
    ], columns=["doc_id", "kind", "indicator", "value", "unit", "comparator", "deadline_year", "horizon",
                "redacted", "sentence", "start", "end"])
    targets["deadline_year"] = targets["deadline_year"].astype("Int64")
    outlines = pd.DataFrame([
        ("d1", "提出三点意见", 3, 3, [], True),
        ("d3", "讲四点意见", 4, 2, [3, 4], False),
    ], columns=["doc_id", "announced_phrase", "announced_points", "found_points", "missing_numbers", "complete"])
    removals = pd.DataFrame([
        ("d1", "site_footer", 0, 120, "版权所有"), ("d3", "paywall", 500, 560, "付费阅读"),
        ("d3", "site_footer", 0, 100, "版权所有"),
    ], columns=["doc_id", "rule", "start", "end", "text"])
    return {"documents": _documents(), "removals": removals, "tokens": tokens, "themes": themes,
            "targets": targets, "outlines": outlines}


def _empty_tables() -> dict[str, pd.DataFrame]:
    tables = _tables()
    return {
        "documents": tables["documents"],
        "removals": tables["removals"].iloc[0:0],
        "tokens": tables["tokens"].iloc[0:0],
        "themes": tables["themes"].iloc[0:0],
        "targets": tables["targets"].iloc[0:0],
        "outlines": tables["outlines"].iloc[0:0],
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    paths = build_report(FakeCorpus(_tables()), ["city"], out, svg=True)
    return out, paths


def _html(built) -> str:
    return built[1]["html"].read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

def test_report_writes_html_xlsx_and_charts(built):
    out, paths = built
    assert paths["html"] == out / "report.html" and paths["html"].stat().st_size > 0
    assert paths["xlsx"] == out / "report.xlsx" and paths["xlsx"].stat().st_size > 0
    pngs = sorted(p.name for p in (out / "charts").glob("*.png"))
    svgs = sorted(p.name for p in (out / "charts").glob("*.svg"))
    assert {"theme_heatmap.png", "theme_trends.png", "keyness.png", "target_timeline.png",
            "similarity.png"} <= set(pngs)
    assert [n[:-4] for n in svgs] == [n[:-4] for n in pngs]
    for name in pngs:
        assert paths[f"charts/{name}"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.rglob("*.tmp")), "temporary files left behind"


def test_html_is_self_contained(built):
    page = _html(built)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<link" not in page.lower()
    assert "@import" not in page
    # the only url() is the embedded CJK font, as a data: URI
    assert re.findall(r"url\(([^)]{0,20})", page) and all(u.startswith("data:font/") for u in re.findall(r"url\(([^)]{0,20})", page))
    images = re.findall(r'<img src="([^"]+)"', page)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    # each embedded image is the chart written next to the report
    first = base64.b64decode(images[0].split(",", 1)[1])
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<style>" in page and "table.sortable" in page and "<script>" in page


def test_document_strings_are_escaped(built):
    page = _html(built)
    assert EVIL_TITLE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the only script element is the report's own sort script
    assert page.count("<script>") == 1


def test_report_has_header_toc_and_sections(built):
    page = _html(built)
    toc = re.search(r'<nav class="toc">(.*?)</nav>', page, re.S).group(1)
    anchors = re.findall(r'href="#([a-z]+)"', toc)
    for anchor in anchors:
        assert f'<section id="{anchor}">' in page
    for title in ("语料概览", "清洗审计", "主题分布", "主题的年度变化", "各组关键词", "词云",
                  "量化目标", "意见提纲", "近似重复文档", "文档相似度"):
        assert title in toc
    assert len(re.findall(r"<figcaption>[^<]{10,}</figcaption>", page)) >= 6
    # summary cards: 5 ok documents, 1 error
    cards = dict((lbl, num) for num, lbl in re.findall(
        r'<div class="num">([^<]*)</div><div class="lbl">([^<]*)</div>', page))
    assert cards["文档"] == "5" and cards["出错文件"] == "1" and cards["分组"] == "3"


def test_report_contents_reflect_the_data(built):
    page = _html(built)
    assert "被截断的文档（1 篇）" in page          # d3 is truncated
    assert "cannot decode bytes as GB18030 or UTF-8" in page
    assert "不完整的提纲（1 个）" in page and "3、4" in page
    assert "近似重复文档（1 组，2 篇）" in page
    assert "site_footer" in page and "paywall" in page


def test_tables_are_sortable_with_numeric_sort_keys():
    frame = pd.DataFrame({"分组": ["甲市", "乙市"], "文档数": [12, 3], "占比": [0.25, 0.5]})
    table = html_table(frame, percent=("占比",))
    assert table.count('<table class="sortable">') == 1
    assert 'data-v="12"' in table and "25.0%" in table and 'data-v="0.25"' in table


def test_long_tables_are_cut_in_html_with_a_pointer_to_the_workbook(monkeypatch):
    monkeypatch.setattr(report, "MAX_HTML_ROWS", 10)
    frame = pd.DataFrame({"标题": [f"第{i}篇讲话" for i in range(35)], "字数": range(35)})
    block = report.Table("文档列表", "文档列表", frame, "每篇文档一行。")
    page = report._block_html(block, {}, {id(block): "文档列表"})
    assert page.count("<tr>") == 1 + 10
    assert "仅显示前 10 行（共 35 行），完整表格见 report.xlsx 的工作表“文档列表”。" in page
    empty = report._block_html(report.Table("空表", "空表", frame.iloc[0:0]), {}, {})
    assert "无数据" in empty and "<table" not in empty


def test_empty_analysis_tables_degrade_gracefully(tmp_path):
    paths = build_report(FakeCorpus(_empty_tables()), ["city"], tmp_path)
    page = paths["html"].read_text(encoding="utf-8")
    assert "没有主题数据" in page and "没有分词数据" in page
    assert page.count('class="note empty"') >= 5
    assert (tmp_path / "charts" / "target_timeline.png").exists()   # the 无数据 figure
    assert "<section id=\"overview\">" in page and "甲市" in page


def test_unknown_group_column_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="valid columns"):
        build_report(FakeCorpus(_tables()), ["no_such_column"], tmp_path)


# ---------------------------------------------------------------------------
# workbook
# ---------------------------------------------------------------------------

def test_workbook_sheets_headers_and_widths(built):
    wb = load_workbook(built[1]["xlsx"])
    assert all(len(name) <= 31 for name in wb.sheetnames)
    assert {"各组文档数", "文档列表", "清洗规则", "主题占比", "关键词", "量化目标"} <= set(wb.sheetnames)
    ws = wb["各组文档数"]
    assert [c.value for c in ws[1]][:2] == ["分组", "文档数"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= 8
    docs = wb["文档列表"]
    titles = [c.value for c in docs["B"]]
    assert EVIL_TITLE in titles          # raw text in the workbook, not HTML entities
    assert ws.max_row == 1 + 3           # three cities


def test_workbook_never_stores_formulas(tmp_path):
    frame = pd.DataFrame({"词": ["=SUM(A1)", "妇女"], "占比": [0.1, 0.2], "序号": [[1, 2], []]})
    path = write_workbook(tmp_path / "t.xlsx", [("表", frame, ("占比",))])
    ws = load_workbook(path)["表"]
    assert ws["A2"].value == "=SUM(A1)" and ws["A2"].data_type == "s"
    assert ws["B2"].number_format == "0.0%"
    assert ws["C2"].value == "1、2"
    assert ws.column_dimensions["A"].width >= len("=SUM(A1)")


@pytest.mark.parametrize("dtype", ["string", "str", object])
def test_workbook_drops_xml_illegal_characters_from_every_kind_of_text_column(tmp_path, dtype):
    texts = pd.Series(["妇女\x07儿童", None, "=1+1\x1f", "工作"], dtype=dtype)
    frame = pd.DataFrame({"原句": texts, "数": [1.0, 2.0, np.nan, 4.0]})
    path = write_workbook(tmp_path / "t.xlsx", [("表", frame, ())])
    ws = load_workbook(path)["表"]
    assert [c.value for c in ws["A"]] == ["原句", "妇女儿童", None, "=1+1", "工作"]
    assert ws["A4"].data_type == "s" and [c.value for c in ws["B"]] == ["数", 1, 2, None, 4]


def test_excel_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    long_name = "各组主题平均占比与合并占比的完整明细表（按城市和年份分组）"
    first = excel_sheet_name(long_name, taken)
    second = excel_sheet_name(long_name, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not set("[]:*?/\\") & set(excel_sheet_name("a/b[c]:d*e?f\\g"))


# ---------------------------------------------------------------------------
# against the real Corpus, when api.py and its fixture exist
# ---------------------------------------------------------------------------

def test_report_on_real_corpus(tmp_path, request, monkeypatch):
    pytest.importorskip("speechkit.api", reason="speechkit.api not written yet")
    monkeypatch.setattr(report, "MAX_WORDCLOUD_GROUPS", 1)       # keep the test quick
    try:
        processed = request.getfixturevalue("tiny_processed")
    except pytest.FixtureLookupError:
        pytest.skip("fixture tiny_processed not defined in tests/conftest.py")
    from speechkit.api import Corpus

    corpus = Corpus.load(processed)
    by = ["city"]
    paths = build_report(corpus, by, tmp_path)
    page = paths["html"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    cards = dict((lbl, num) for num, lbl in re.findall(
        r'<div class="num">([^<]*)</div><div class="lbl">([^<]*)</div>', page))
    docs = corpus.documents
    errors = int((corpus.tables["documents"]["status"] != "ok").sum())
    assert cards["文档"] == str(len(docs)) and cards["出错文件"] == str(errors)
    assert cards["分组"] == str(docs["city"].nunique())
    for title in docs["title"].dropna().astype(str):
        assert html.escape(title) in page
    dups = corpus.near_duplicates()
    sets = dups.groupby("dup_group")["doc_id"].size()
    if (sets > 1).any():
        assert f"近似重复文档（{int((sets > 1).sum())} 组，{int(sets[sets > 1].sum())} 篇）" in page
    wb = load_workbook(paths["xlsx"])
    assert wb["各组文档数"].max_row == 1 + docs["city"].nunique()
    assert {"主题占比", "关键词", "量化目标"} <= set(wb.sheetnames)


# ---------------------------------------------------------------------------
# the cleaning audit: per-rule samples with context
# ---------------------------------------------------------------------------

def _tables_with_raw_text() -> dict[str, pd.DataFrame]:
    tables = _tables()
    docs = tables["documents"].copy()
    footer = "<b>某某网</b>版权所有 京ICP备12345号"
    docs["raw_text"] = [f"同志们：今天召开会议，部署工作。\n{footer}\n评论0\n" for _ in docs["doc_id"]]
    start = docs["raw_text"].iloc[0].index(footer)
    rows = []
    for doc_id, raw in zip(docs["doc_id"], docs["raw_text"]):
        if doc_id == "e1":
            continue
        rows.append((doc_id, "licence_footer", start, start + len(footer) + 1, raw[start:start + len(footer) + 1]))
        c = raw.index("评论0")
        rows.append((doc_id, "comment_counter", c, c + 4, raw[c:c + 4]))
        rows.append((doc_id, "whitespace", len(raw) - 1, len(raw), "\n"))
    tables["documents"] = docs
    tables["removals"] = pd.DataFrame(rows, columns=["doc_id", "rule", "start", "end", "text"])
    return tables


def test_cleaning_section_shows_three_sample_cuts_per_rule_with_context():
    ctx = report._context(FakeCorpus(_tables_with_raw_text()), ["city"])
    section = report._cleaning(ctx)
    samples = next(b for b in section.blocks if isinstance(b, report.Table) and b.sheet == "删除样例").frame
    assert list(samples.columns) == ["规则", "源文件", "位置", "上文", "删除内容", "下文"]
    # three per rule, from different documents; whitespace is counted in the rule table, not sampled
    assert samples["规则"].value_counts().to_dict() == {"comment_counter": 3, "licence_footer": 3}
    assert samples.groupby("规则")["源文件"].nunique().to_dict() == {"comment_counter": 3, "licence_footer": 3}
    row = samples[samples["规则"] == "licence_footer"].iloc[0]
    assert row["删除内容"] == "<b>某某网</b>版权所有 京ICP备12345号⏎"
    assert row["上文"].endswith("部署工作。⏎") and row["下文"].startswith("评论0")
    rules = next(b for b in section.blocks if isinstance(b, report.Table) and b.sheet == "清洗规则").frame
    assert rules.set_index("规则").loc["licence_footer", "说明"].startswith("licence")


def test_sample_cuts_are_escaped_in_the_html_and_written_to_the_workbook(tmp_path):
    paths = build_report(FakeCorpus(_tables_with_raw_text()), ["city"], tmp_path)
    page = paths["html"].read_text(encoding="utf-8")
    assert "<b>某某网</b>" not in page and "&lt;b&gt;某某网&lt;/b&gt;版权所有" in page
    wb = load_workbook(paths["xlsx"])
    assert "删除样例" in wb.sheetnames
    values = [c.value for row in wb["删除样例"].iter_rows() for c in row]
    assert "<b>某某网</b>版权所有 京ICP备12345号⏎" in values


def test_cleaning_section_warns_about_traditional_documents_unless_converted():
    tables = _tables()
    tables["documents"] = tables["documents"].assign(script=["simplified", "traditional", "mixed", "simplified",
                                                              "simplified", None], notes=None)
    section = report._cleaning(report._context(FakeCorpus(tables), ["city"]))
    warn = [b.text for b in section.blocks if isinstance(b, report.Note) and "繁体" in b.text]
    assert warn and "2 篇文档含繁体字" in warn[0] and "--to-simplified" in warn[0]
    tables["documents"]["notes"] = "written in traditional script; converted to Simplified (--to-simplified)"
    section = report._cleaning(report._context(FakeCorpus(tables), ["city"]))
    assert not [b for b in section.blocks if isinstance(b, report.Note) and "繁体" in b.text]


# ---------------------------------------------------------------------------
# chart jobs in worker processes
# ---------------------------------------------------------------------------

def _page_without_time(path: Path) -> str:
    return re.sub(r"生成时间：[^<]*", "", path.read_text(encoding="utf-8"))


def test_worker_processes_give_the_same_report_as_one_process(tmp_path, monkeypatch):
    monkeypatch.setenv("SPEECHKIT_CACHE_DIR", str(tmp_path / "cache"))
    one = build_report(FakeCorpus(_tables()), ["city"], tmp_path / "one", jobs=1)
    two = build_report(FakeCorpus(_tables()), ["city"], tmp_path / "two", jobs=2)
    pngs = sorted(p.name for p in (tmp_path / "one" / "charts").glob("*.png"))
    assert pngs and pngs == sorted(p.name for p in (tmp_path / "two" / "charts").glob("*.png"))
    assert any(name.startswith("wordcloud_") for name in pngs)
    for name in pngs:
        assert one[f"charts/{name}"].read_bytes() == two[f"charts/{name}"].read_bytes(), name
    assert _page_without_time(one["html"]) == _page_without_time(two["html"])
    wb_one, wb_two = load_workbook(one["xlsx"]), load_workbook(two["xlsx"])
    assert wb_one.sheetnames == wb_two.sheetnames
    for name in wb_one.sheetnames:
        rows = lambda wb: [tuple(c.value for c in row) for row in wb[name].iter_rows()]  # noqa: E731
        assert rows(wb_one) == rows(wb_two), name
    assert not list(tmp_path.rglob("*.tmp"))


def test_every_chart_is_embedded_in_its_slot_at_its_drawn_size(built):
    page = _html(built)
    assert "<!--chart:" not in page                                   # every slot filled
    out, paths = built
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="[^"]*" width="(\d+)"', page)
    assert len(images) == len(list((out / "charts").glob("*.png")))
    for data, width in images:
        png = base64.b64decode(data)
        assert int(width) == int(report._png_width(png) * 96 / report._png_dpi(png))


@pytest.mark.parametrize("dpi", [96, 150, 200])
def test_a_chart_is_shown_at_the_size_it_was_drawn(dpi):
    # pHYs stores whole pixels per metre (150 dpi → 5906 → 150.01 dpi): read back as the whole dpi drawn
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (900, 10), "white").save(buffer, format="PNG", dpi=(dpi, dpi))
    png = buffer.getvalue()
    assert report._png_dpi(png) == dpi
    assert f'width="{900 * 96 // dpi}"' in report._figure_html(report.Chart("c", lambda: None, "说明", "图"), png)


class _PidCorpus(FakeCorpus):
    """Records the process that computed the near duplicates (in ``pid_file``)."""

    pid_file: Path

    def near_duplicates(self, threshold=0.8, num_perm=128, shingle=5) -> pd.DataFrame:
        import os

        with open(self.pid_file, "a", encoding="ascii") as fh:
            fh.write(f"{os.getpid()}\n")
        return super().near_duplicates(threshold, num_perm, shingle)


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_jobs_run_in_workers_under_any_default_start_method(tmp_path, monkeypatch, method):
    import multiprocessing
    import os

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    monkeypatch.setenv("SPEECHKIT_CACHE_DIR", str(tmp_path / "cache"))
    one = build_report(FakeCorpus(_tables()), ["city"], tmp_path / "one", jobs=1)
    corpus = _PidCorpus(_tables())
    corpus.pid_file = tmp_path / "pids"
    before = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method(method, force=True)
    try:
        two = build_report(corpus, ["city"], tmp_path / "two", jobs=2)
    finally:
        multiprocessing.set_start_method(before, force=True)
    pids = corpus.pid_file.read_text(encoding="ascii").split()
    assert len(pids) == 1 and int(pids[0]) != os.getpid()       # the MinHash ran beside, not in its section
    assert _page_without_time(one["html"]) == _page_without_time(two["html"])
    for name in (p.name for p in (tmp_path / "one" / "charts").glob("*.png")):
        assert one[f"charts/{name}"].read_bytes() == two[f"charts/{name}"].read_bytes(), name


def test_every_section_is_computed_once_and_only_table_less_ones_after_the_workbook():
    order = report.COMPUTE_ORDER + report.AFTER_WORKBOOK
    assert sorted(b.__name__ for b in order) == sorted(b.__name__ for b in report.SECTION_BUILDERS)
    assert len(set(order)) == len(order)
    ctx = report._context(FakeCorpus(_tables()), ["city"])
    for builder in report.AFTER_WORKBOOK:
        assert not [b for b in builder(ctx).blocks if isinstance(b, report.Table)], builder.__name__


def test_a_word_cloud_is_given_only_the_words_it_draws_and_its_caption_counts_them(monkeypatch):
    monkeypatch.setattr(report, "WORDCLOUD_TERMS", 2)
    section = report._wordclouds(report._context(FakeCorpus(_tables()), ["city"]))
    clouds = [c for b in section.blocks if isinstance(b, report.Gallery) for c in b.charts]
    assert clouds
    for chart in clouds:
        weights = chart.picture.args[0]
        assert 0 < len(weights) <= chart.picture.keywords["max_words"] == chart.render.keywords["max_words"] == 2
        assert f"出现最多的 {len(weights)} 个词" in chart.caption
