"""A self-contained HTML report and an Excel workbook comparing groups of speeches.

:func:`build_report` asks a :class:`speechkit.api.Corpus` for its comparison
tables, draws the charts of :mod:`speechkit.charts`, and writes

- ``report.html`` — one file that opens anywhere offline: charts embedded as
  base64 PNG data URIs, CSS and a small click-to-sort script inlined, no
  external URL, every string that comes from a document HTML-escaped;
- ``report.xlsx`` — every table in full, one sheet each, Chinese headers;
- ``charts/*.png`` (and ``*.svg`` with ``svg=True``).

Each section says in Chinese what its chart shows and how to read it, and
says 无数据 instead of failing when its table is empty (e.g. ``analyze`` has
not been run). Every file is written atomically.
"""
from __future__ import annotations

import base64
import html
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from concurrent.futures import Future
from functools import partial
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Union

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from speechkit import charts, fonts
from speechkit.io import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:  # pragma: no cover
    from speechkit.api import Corpus

__all__ = ["build_report", "excel_sheet_name", "write_workbook", "html_table"]

#: Caps that keep the report readable on a corpus of hundreds of documents.
MAX_HEATMAP_GROUPS = 60
MAX_HEATMAP_THEMES = 20
MAX_TREND_THEMES = 8
MAX_KEYNESS_GROUPS = 12
MAX_WORDCLOUD_GROUPS = 12
MAX_SIMILARITY_DOCS = 60
MAX_HTML_ROWS = 200
MAX_HTML_CELL_CHARS = 240
KEYNESS_TOP_TABLE = 30
KEYNESS_TOP_CHART = 15
#: Words given to each word cloud: as many as it draws at most (its max_words), so the caption's count is true.
WORDCLOUD_TERMS = 150
#: Word clouds are laid out on a 450 × 280 grid and drawn this many times larger: 900 px wide, the
#: size the gallery shows them at (two a row); 3 (1,350 px) cost a third more for pixels no one sees.
WORDCLOUD_SCALE = 2.0
TOP_SIMILAR_PAIRS = 30
NEAR_DUPLICATE_THRESHOLD = 0.8

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_CONTENT_TERM = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fffA-Za-z]")
_NUMERIC_TERM = re.compile(r"^[\d.,%％]+$")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_YEAR_COLUMN = re.compile(r"年份|年限|year", re.I)



# ---------------------------------------------------------------------------
# report building blocks
# ---------------------------------------------------------------------------


@dataclass
class Chart:
    """A chart to draw, save under ``charts/<name>.png`` and embed with its caption.

    ``render`` makes the figure (a :func:`functools.partial` of a :mod:`speechkit.charts` function
    over plain frames): the report draws it in a worker process when it has more than one job.
    """

    name: str
    render: Callable[..., Figure]
    caption: str
    alt: str
    picture: Callable[..., bytes | None] | None = None   # the PNG drawn directly, when that is quicker (no SVG)
    font_text: str = ""   # text it draws: charts with one are drawn together with one font subset (_draw_with_subset)


@dataclass
class Gallery:
    """Several charts shown side by side (the word clouds)."""

    charts: list[Chart]
    caption: str = ""


@dataclass
class Table:
    """A table: shown in HTML (first ``html_rows`` rows) and written in full to the workbook."""

    sheet: str
    title: str
    frame: pd.DataFrame
    caption: str = ""
    percent: tuple[str, ...] = ()
    html_rows: int | None = None      # None: MAX_HTML_ROWS
    in_html: bool = True


@dataclass
class Note:
    """A short paragraph: ``kind`` is 'info', 'empty' (no data) or 'warn'."""

    text: str
    kind: str = "info"


Block = Union[Chart, Gallery, Table, Note]


@dataclass
class Section:
    key: str
    title: str
    intro: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class _Context:
    corpus: "Corpus"
    by: list[str]
    documents: pd.DataFrame          # ok documents with a 'group' label column
    group_sizes: pd.Series           # group label → number of documents, largest first
    record: dict = field(default_factory=dict)   # the run record of the processed folder (run.json)
    single_groups: list = field(default_factory=list)  # labels of groups holding one document
    early: dict = field(default_factory=dict)    # name → a corpus computation started in a worker (see _Jobs.early)

    def computed(self, name: str, compute: Callable):
        """The result of the worker computation ``name`` when one was started, else ``compute()`` here."""
        found = self.early.pop(name, None)
        return found.result() if found is not None else compute()


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def _frame(value) -> pd.DataFrame:
    return value if isinstance(value, pd.DataFrame) else pd.DataFrame()


def _col(df: pd.DataFrame, name: str, fill=np.nan) -> pd.Series:
    """Column ``name`` of ``df``, or a column of ``fill`` when it is absent."""
    return df[name] if name in df.columns else pd.Series(fill, index=df.index, dtype=object)


def _num(df: pd.DataFrame, name: str) -> pd.Series:
    return pd.to_numeric(_col(df, name), errors="coerce")


def _with_group(ctx: _Context, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a 'group' label column (kept when the Corpus already added one)."""
    if df.empty or "group" in df.columns:
        return df
    if all(col in df.columns for col in ctx.by):
        out = df.copy()
        out["group"] = ctx.corpus.group_label(df, ctx.by).to_numpy()
        return out
    return df


def _top_groups(ctx: _Context, labels, cap: int) -> list[str]:
    """The ``cap`` largest groups (by documents) among ``labels``, in corpus order."""
    present = list(dict.fromkeys(str(x) for x in labels))
    if len(present) <= cap:
        return present
    size = ctx.group_sizes
    ranked = sorted(present, key=lambda g: -int(size.get(g, 0)))  # stable: ties keep corpus order
    keep = set(ranked[:cap])
    return [g for g in present if g in keep]


def _capped_groups(ctx: _Context, labels, cap: int) -> tuple[list[str], str]:
    """:func:`_top_groups`, and the caption sentence (no final 。) saying so when some were left out."""
    groups = _top_groups(ctx, labels, cap)
    n_groups = pd.Series(labels).nunique()
    if n_groups <= len(groups):
        return groups, ""
    return groups, f"只画出文档最多的 {len(groups)} 组（共 {n_groups} 组，文档数相同时按分组顺序取前者）"


def _doc_titles(documents: pd.DataFrame) -> pd.Series:
    """doc_id → readable name: the title, else the file name."""
    if documents.empty:
        return pd.Series(dtype=object)
    title = documents["title"] if "title" in documents.columns else pd.Series(None, index=documents.index)
    path = documents["source_path"] if "source_path" in documents.columns else pd.Series("", index=documents.index)
    name = title.where(title.notna() & (title.astype(str).str.strip() != ""), path.astype(str).map(lambda p: Path(p).name))
    return pd.Series(name.astype(str).to_numpy(), index=documents["doc_id"].to_numpy())


def _doc_labels(ctx: _Context, doc_ids: list[str]) -> list[str]:
    """Short labels of documents for chart axes: group label (and year), then the title.

    e.g. ``"杭州市 2022 在全市妇女儿童工作会议上的讲话"`` when grouping by city.
    """
    docs = ctx.documents.assign(doc_id=ctx.documents["doc_id"].astype(str)).set_index("doc_id")
    titles = _doc_titles(ctx.documents)
    add_year = "year" in docs.columns and "year" not in ctx.by
    labels = []
    for doc_id in doc_ids:
        parts = []
        if ctx.by and doc_id in docs.index:
            parts.append(str(docs.at[doc_id, "group"]))
        if add_year and doc_id in docs.index and not _is_missing(docs.at[doc_id, "year"]):
            parts.append(str(int(docs.at[doc_id, "year"])))
        parts.append(str(titles.get(doc_id, doc_id)))
        labels.append(" ".join(parts))
    return labels


def excel_sheet_name(name: str, taken: set[str] | None = None) -> str:
    """A valid, unique Excel sheet name: forbidden characters replaced, at most 31 characters.

    >>> excel_sheet_name("主题/年份 [宽表]")
    '主题_年份 _宽表_'
    """
    clean = _SHEET_FORBIDDEN.sub("_", str(name)).strip("'") or "Sheet"
    clean = clean[:31]
    taken = taken if taken is not None else set()
    candidate, k = clean, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f"({k})"
        candidate = clean[: 31 - len(suffix)] + suffix
        k += 1
    taken.add(candidate)
    return candidate


# ---------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------


def _overview(ctx: _Context) -> Section:
    docs = ctx.documents
    section = Section(
        "overview", "语料概览",
        "本节列出参与比较的文档及其分组。后面各节的图表都按这里的分组统计；"
        "“未知”表示该文档缺少这一分组变量。",
    )
    if docs.empty:
        section.blocks.append(Note("没有可用的文档（documents.parquet 中没有 status 为 ok 的行）。", "empty"))
        return section
    chars = _num(docs, "clean_chars")
    per_group = (
        docs.assign(_chars=chars)
        .groupby("group", sort=False)
        .agg(docs=("doc_id", "size"), chars=("_chars", "sum"), mean_chars=("_chars", "mean"))
        .reset_index()
    )
    if "year" in docs.columns and "year" not in ctx.by:  # grouped by year: the workbook gets a numeric 年份
        years = pd.to_numeric(docs["year"], errors="coerce")
        span = docs.assign(_y=years).groupby("group", sort=False)["_y"].agg(["min", "max"])
        per_group["years"] = per_group["group"].map(
            lambda g: "" if pd.isna(span.loc[g, "min"]) else (
                f"{int(span.loc[g, 'min'])}" if span.loc[g, "min"] == span.loc[g, "max"]
                else f"{int(span.loc[g, 'min'])}–{int(span.loc[g, 'max'])}"))
    per_group = per_group.sort_values(["docs", "group"], ascending=[False, True], kind="stable")
    table = per_group.rename(columns={"group": "分组", "docs": "文档数", "chars": "总字数",
                                      "mean_chars": "平均字数", "years": "年份"})
    table["平均字数"] = table["平均字数"].round(0)
    section.blocks.append(Table("各组文档数", "各组文档数", table,
                                f"按 {'、'.join(ctx.by) if ctx.by else '（不分组）'} 分组，共 {len(table)} 组。"))
    if ctx.single_groups:
        shown = "、".join(ctx.single_groups[:12]) + ("…" if len(ctx.single_groups) > 12 else "")
        section.blocks.append(Note(
            f"注意：{len(ctx.single_groups)} 组只有一篇文档（{shown}）。这些组的主题占比、关键词和量化目标"
            "只反映那一篇讲话，不能代表该地区或年份；比较时请谨慎解读，或改用更粗的分组。", "warn"))
    columns = [("group", "分组"), ("title", "标题"), ("date", "日期"), ("province", "省份"),
               ("city", "城市"), ("meeting", "会议"), ("speaker", "讲话人"), ("speaker_role", "职务"),
               ("clean_chars", "字数"), ("source_path", "源文件")]
    ordered = docs.sort_values(["group", *[c for c in ("date", "source_path") if c in docs.columns]],
                               kind="stable", na_position="last")
    listing = pd.DataFrame({label: ordered[col].to_numpy() for col, label in columns
                            if col in ordered.columns and col not in ctx.by})
    section.blocks.append(Table("文档列表", "文档列表", listing, "每篇参与分析的文档一行。"))
    return section


_SAMPLES_PER_RULE = 3
_SAMPLE_CONTEXT = 20  # characters of raw text shown on each side of a sample cut


def _rule_descriptions() -> dict[str, str]:
    from speechkit.boilerplate import load_rules
    from speechkit.htmlmain import rule_descriptions as html_rules  # html (issue 11)

    return {rule.name: rule.description for rule in load_rules()} | html_rules()


def _removal_samples(ctx: _Context, removals: pd.DataFrame) -> pd.DataFrame:
    """Up to three cuts per rule (from different documents where it can), with the raw text around them."""
    from speechkit.boilerplate import cut_in_context

    needed = {"doc_id", "rule", "start", "end"}
    if not needed <= set(removals.columns):
        return pd.DataFrame()
    ok_ids = set(ctx.documents["doc_id"]) if "doc_id" in ctx.documents.columns else set()
    rem = removals[(removals["rule"] != "whitespace") & removals["doc_id"].isin(ok_ids)]
    if rem.empty:
        return pd.DataFrame()
    rem = rem.sort_values(["rule", "doc_id", "start"], kind="stable")
    picked = []
    for _rule, group in rem.groupby("rule", sort=True):
        first_per_doc = group.drop_duplicates("doc_id")
        rows = first_per_doc.head(_SAMPLES_PER_RULE)
        if len(rows) < _SAMPLES_PER_RULE:  # fewer documents than samples: more cuts of the same ones
            rows = pd.concat([rows, group.drop(rows.index).head(_SAMPLES_PER_RULE - len(rows))])
        picked.append(rows)
    sample = pd.concat(picked)
    store = ctx.corpus.tables
    try:
        docs = store.read("documents", columns=("doc_id", "raw_text", "source_path")) if hasattr(store, "read") \
            else store["documents"][["doc_id", "raw_text", "source_path"]]
    except (KeyError, ValueError):
        return pd.DataFrame()
    if "raw_text" not in docs.columns:
        return pd.DataFrame()
    docs = docs[docs["doc_id"].isin(set(sample["doc_id"]))].drop_duplicates("doc_id").set_index("doc_id")
    rows = []
    for record in sample.itertuples(index=False):
        if record.doc_id not in docs.index:
            continue
        raw = docs.at[record.doc_id, "raw_text"]
        if not isinstance(raw, str):
            continue
        start, end = int(record.start), int(record.end)
        before, text, after = cut_in_context(raw, start, end, _SAMPLE_CONTEXT)
        rows.append({"规则": record.rule, "源文件": docs.at[record.doc_id, "source_path"], "位置": f"{start}–{end}",
                     "上文": before, "删除内容": text, "下文": after})
    return pd.DataFrame(rows)


def _script_note(ctx: _Context) -> str | None:
    docs = ctx.documents
    if "script" not in docs.columns:
        return None
    notes = docs["notes"].astype("string").fillna("") if "notes" in docs.columns else pd.Series("", index=docs.index)
    unconverted = ~notes.str.contains("converted to Simplified", regex=False).to_numpy(dtype=bool)
    counts = docs.loc[unconverted, "script"].value_counts()
    trad, mixed = int(counts.get("traditional", 0)), int(counts.get("mixed", 0))
    if not trad and not mixed:
        return None
    return (f"{trad + mixed} 篇文档含繁体字（繁体 {trad} 篇、繁简混排 {mixed} 篇，见 documents 的 script 列）。"
            "主题词表和词典是简体的，这些文档的主题覆盖会偏低；用 speechkit clean --to-simplified 重新清洗可转换为简体。")


def _cleaning(ctx: _Context) -> Section:
    tables = ctx.corpus.tables
    removals = _frame(tables.get("removals"))
    section = Section(
        "cleaning", "清洗审计",
        "清洗阶段从网页原文中删去了站点模板、付费提示、分页标记等内容。本节按规则统计删除了多少，"
        "并列出被付费墙截断的文档和无法读取的文件，便于判断数据是否完整。",
    )
    if not removals.empty and {"rule", "doc_id"} <= set(removals.columns):
        removed_chars = _num(removals, "end") - _num(removals, "start")
        per_rule = (
            removals.assign(_chars=removed_chars)
            .groupby("rule", sort=True)
            .agg(times=("doc_id", "size"), docs=("doc_id", "nunique"), chars=("_chars", "sum"))
            .reset_index()
            .sort_values(["times", "rule"], ascending=[False, True])
            .rename(columns={"rule": "规则", "times": "删除次数", "docs": "涉及文档数", "chars": "删除字数"})
        )
        descriptions = _rule_descriptions()
        per_rule["说明"] = per_rule["规则"].map(lambda r: descriptions.get(r, "")).to_numpy()
        section.blocks.append(Table("清洗规则", "各清洗规则的删除量", per_rule,
                                    "一次删除即原文中被该规则去掉的一段文字；删除字数按原文字符计。"))
        samples = _removal_samples(ctx, removals)
        if not samples.empty:
            section.blocks.append(Table(
                "删除样例", f"各规则的删除样例（每条规则至多 {_SAMPLES_PER_RULE} 例）", samples,
                "“删除内容”是从原文中去掉的文字，左右两列是它前后的原文（⏎ 表示换行），"
                "不必打开 removals.parquet 就能核对删掉的是否真是网页杂质。"
                "规则不会删去读起来像讲话正文的行（提纲标题、带逗号句号或数字的句子），除非有确凿证据；"
                "单篇文档的完整删除清单见 speechkit clean --explain 文件。", html_rows=len(samples)))
    else:
        section.blocks.append(Note("没有删除记录（removals.parquet 为空或不存在）。", "empty"))

    note = _script_note(ctx)
    if note:
        section.blocks.append(Note(note, "warn"))

    ok = ctx.documents
    if not ok.empty and "truncated" in ok.columns:
        cut = ok[ok["truncated"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    else:
        cut = pd.DataFrame()
    if not cut.empty:
        declared = _num(cut, "declared_chars")
        kept = _num(cut, "clean_chars")
        truncated = pd.DataFrame({
            "分组": cut["group"].to_numpy(),
            "标题": _doc_titles(cut).to_numpy(),
            "源文件": _col(cut, "source_path", "").to_numpy(),
            "声明字数": declared.to_numpy(),
            "省略字数": _num(cut, "omitted_chars").to_numpy(),
            "保留字数": kept.to_numpy(),
            "保留比例": (kept / declared.where(declared > 0)).to_numpy(),
        })
        section.blocks.append(Table("截断文档", f"被截断的文档（{len(truncated)} 篇）", truncated,
                                    "“声明字数”取自页面上的“全文共N字”，“省略字数”为“省略N字”之和；"
                                    "保留比例低的文档在比较中代表性较弱。", percent=("保留比例",)))
    else:
        section.blocks.append(Note("没有被付费墙截断的文档。", "info"))

    if not ok.empty and "redactions" in ok.columns:
        red = pd.to_numeric(ok["redactions"], errors="coerce").fillna(0)
        if (red > 0).any():
            section.blocks.append(Note(
                f"{int((red > 0).sum())} 篇文档含有脱敏标记（如 *、〔*〕、_），共 {int(red.sum())} 处；"
                "这些位置的人名或数字在原网页上已被隐去。", "warn"))

    errors = _failed_documents(ctx)
    if not errors.empty:
        frame = pd.DataFrame({
            "源文件": _col(errors, "source_path", "").to_numpy(),
            "错误": _col(errors, "error", "").to_numpy(),
        })
        section.blocks.append(Table("出错文件", f"无法处理的文件（{len(frame)} 个）", frame,
                                    "这些文件没有进入分析。"))
    return section


def _themes(ctx: _Context) -> Section:
    section = Section(
        "themes", "主题分布",
        "主题按词表在句子中的命中统计（词须与分词结果对齐，并受词表中的上下文规则约束）。"
        "“平均占比”是组内每篇文档主题占比的平均值（每篇文档权重相同）；“合并占比”把组内所有命中合在一起计算"
        "（长文档权重更大）。占比是构成性的：其他主题命中增加时，它会下降，即使本主题的命中不变；"
        "因此明细表同时给出“每万字命中数”（不受其他主题影响、可跨长度比较）和“句子占比”（含该主题的句子所占比例），"
        "以及“可靠文档数”（命中不少于 5 次的文档数；命中很少时任何比例都不稳定）。"
        "词表的准确率可用 speechkit themes validate / score 抽样核验。",
    )
    if ctx.documents.empty or _frame(ctx.corpus.tables.get("themes")).empty:
        section.blocks.append(Note("没有主题数据：请先运行 speechkit analyze。", "empty"))
        return section
    shares = _with_group(ctx, ctx.corpus.themes(ctx.by))
    if shares.empty:
        section.blocks.append(Note("各组均没有主题命中。", "empty"))
        return section
    theme_order = (shares.groupby("theme")["mean_share"].mean().sort_values(ascending=False))
    top_themes = theme_order.index[:MAX_HEATMAP_THEMES].tolist()
    groups, groups_note = _capped_groups(ctx, shares["group"], MAX_HEATMAP_GROUPS)
    shown = shares[shares["theme"].isin(top_themes) & shares["group"].astype(str).isin(groups)]
    cap_note = []
    if len(theme_order) > len(top_themes):
        cap_note.append(f"只画出平均占比最高的 {len(top_themes)} 个主题（共 {len(theme_order)} 个）")
    if groups_note:
        cap_note.append(groups_note)
    section.blocks.append(Chart(
        "theme_heatmap",
        partial(charts.theme_heatmap, shown.assign(group=shown["group"].astype(str)), title="各组主题平均占比（%）"),
        "每行一组、每列一个主题，格中数字是该组文档的主题平均占比（%），颜色越深占比越高。"
        "本图用占比，因为它回答“一组文档把注意力如何分配在各主题之间”；比较长度或文体差别很大的组时，"
        "请看明细表中的每万字命中数。"
        "横向比较一行可看出该组最重视哪些主题，纵向比较一列可看出哪些组更强调该主题。"
        + ("；".join(cap_note) + "，完整数据见 report.xlsx。" if cap_note else ""),
        "主题热力图",
    ))
    wide = shares.pivot_table(index="group", columns="theme", values="mean_share", sort=False)
    wide = wide[[t for t in theme_order.index if t in wide.columns]].reset_index().rename(columns={"group": "分组"})
    if "docs" in shares.columns:
        wide.insert(1, "文档数", wide["分组"].map(shares.drop_duplicates("group").set_index("group")["docs"]))
    section.blocks.append(Table("主题占比", "各组主题平均占比", wide,
                                "点击列名可排序，例如找出某一主题占比最高的组。",
                                percent=tuple(str(t) for t in theme_order.index)))
    long_columns = {"group": "分组", "theme": "主题", "field": "领域", "docs": "文档数",
                    "docs_with_theme": "提及文档数", "hits": "命中次数", "mean_share": "平均占比",
                    "pooled_share": "合并占比", "rate": "每万字命中数", "sentence_share": "句子占比",
                    "reliable_docs": "可靠文档数"}
    long = shares[[c for c in long_columns if c in shares.columns]].rename(columns=long_columns)
    section.blocks.append(Table("主题明细", "主题明细（长表）", long, in_html=False,
                                percent=("平均占比", "合并占比", "句子占比")))
    return section


def _trends(ctx: _Context) -> Section:
    section = Section(
        "trends", "主题的年度变化",
        "把所有文档按年份分组，画出各主题每万字命中数随时间的变化。各年份的文档构成（地区、会议类型）"
        "可能不同，曲线的起伏可能部分来自文档构成的变化，解读时请结合概览表。",
    )
    docs = ctx.documents
    years = pd.to_numeric(docs["year"], errors="coerce").dropna() if "year" in docs.columns else pd.Series(dtype=float)
    if docs.empty or _frame(ctx.corpus.tables.get("themes")).empty:
        section.blocks.append(Note("没有主题数据：请先运行 speechkit analyze。", "empty"))
        return section
    if years.nunique() < 2:
        section.blocks.append(Note("文档只涉及一个年份（或缺少年份），无法画出年度变化。", "empty"))
        return section
    by_year = ctx.corpus.themes(["year"])
    by_year = by_year.assign(year=pd.to_numeric(by_year["year"], errors="coerce")).dropna(subset=["year"])
    if by_year.empty:
        section.blocks.append(Note("各年份均没有主题命中。", "empty"))
        return section
    # a per-length rate: the years' documents differ in length and genre, and a share is compositional
    use_rate = "rate" in by_year.columns and by_year["rate"].notna().any()
    measure = "rate" if use_rate else "mean_share"
    order = by_year.groupby("theme")[measure].mean().sort_values(ascending=False)
    top = order.index[:MAX_TREND_THEMES].tolist()
    if use_rate:
        title, caption = "主要主题每万字命中数的年度变化", (
            f"横轴为年份，纵轴为当年文档中每万字的主题命中数；只画出整体命中率最高的 {len(top)} 个主题。"
            "本图用每万字命中数而不用占比：各年份文档的长度和文体不同，占比又是构成性的（某一主题命中增加会压低"
            "其他主题的占比），而命中率只随本主题的提及而变。")
    else:
        title, caption = "主要主题平均占比的年度变化", (
            f"横轴为年份，纵轴为当年文档的主题平均占比；只画出整体占比最高的 {len(top)} 个主题"
            "（这些表没有每万字命中数：用新版 speechkit analyze 重新分析即可得到）。")
    section.blocks.append(Chart(
        "theme_trends",
        partial(charts.theme_trends, by_year[by_year["theme"].isin(top)], x="year", series="theme",
                            value=measure, title=title),
        caption + "某年没有文档时曲线断开，而不是按 0 计。",
        "主题年度趋势图",
    ))
    wide = by_year.pivot_table(index="year", columns="theme", values=measure)
    wide = wide[[t for t in order.index if t in wide.columns]].reset_index()
    wide["year"] = wide["year"].astype(int)
    wide = wide.rename(columns={"year": "年份"})
    if "docs" in by_year.columns:
        docs_per_year = by_year.drop_duplicates("year").set_index("year")["docs"]
        wide.insert(1, "文档数", wide["年份"].map(docs_per_year))
    section.blocks.append(Table("主题年度变化", "各年份主题每万字命中数" if use_rate else "各年份主题平均占比", wide,
                                percent=() if use_rate else tuple(str(t) for t in order.index)))
    return section


def _keyness(ctx: _Context) -> Section:
    section = Section(
        "keyness", "各组关键词",
        "关键词用对数似然比 G² 衡量：某词在本组中的相对频率显著高于其他各组时 G² 大。"
        "它回答“这一组和其他组相比，特别爱说什么”，比单纯的高频词更能区分各组。",
    )
    if ctx.documents.empty or not _has_rows(ctx, "tokens"):
        section.blocks.append(Note("没有分词数据：请先运行 speechkit analyze。", "empty"))
        return section
    if len(ctx.group_sizes) < 2:
        section.blocks.append(Note("只有一组文档，关键词需要至少两组才能比较。", "empty"))
        return section
    key = _with_group(ctx, ctx.corpus.keyness(ctx.by, top=KEYNESS_TOP_TABLE))
    if key.empty:
        section.blocks.append(Note("没有显著的关键词。", "empty"))
        return section
    groups, groups_note = _capped_groups(ctx, key["group"], MAX_KEYNESS_GROUPS)
    shown = key[key["group"].astype(str).isin(groups)].assign(group=lambda d: d["group"].astype(str))
    section.blocks.append(Chart(
        "keyness",
        partial(charts.keyness_bars, shown, top=KEYNESS_TOP_CHART, title="各组关键词（G²）"),
        f"每个小图是一组，条形长度为该词的 G²，越长越能代表该组；每组列出前 {KEYNESS_TOP_CHART} 个词。"
        + (groups_note + "。" if groups_note else ""),
        "各组关键词条形图",
    ))
    columns = {"group": "分组", "rank": "名次", "term": "词", "freq_group": "本组频次",
               "freq_rest": "其他组频次", "g2": "G²", "p_value": "p 值", "log_ratio": "对数比"}
    table = key[[c for c in columns if c in key.columns]].rename(columns=columns)
    html_rows = min(MAX_HTML_ROWS * 2, len(table))
    section.blocks.append(Table("关键词", "各组关键词", table,
                                "对数比 = log2(本组相对频率 / 其他组相对频率)，+1 表示本组用得多一倍。"
                                "只列出 G² ≥ 3.84（p < 0.05，逐词检验、未作多重比较校正）的词；"
                                "同时检验成千上万个词时，p 值很小（如 < 0.0001，G² ≥ 15.1）的词更可靠。",
                                html_rows=html_rows))
    return section


def _wordclouds(ctx: _Context) -> Section:
    section = Section(
        "wordclouds", "词云",
        "每组一张词云，字号与该组中词的出现次数成正比（已去掉标点、数字和停用词）。"
        "词云直观但不精确：各组共有的高频词会在每张图中都很显眼，区分各组请看上一节的关键词。",
    )
    if ctx.documents.empty or not _has_rows(ctx, "tokens"):
        section.blocks.append(Note("没有分词数据：请先运行 speechkit analyze。", "empty"))
        return section
    freqs = _with_group(ctx, ctx.corpus.term_frequencies(ctx.by))
    if freqs.empty:
        section.blocks.append(Note("没有词频数据。", "empty"))
        return section
    terms = freqs["term"].astype(str)
    keep = terms.str.contains(_CONTENT_TERM) & (terms.str.len() >= 2) & ~terms.str.match(_NUMERIC_TERM)
    freqs = freqs[keep.to_numpy()]
    groups, groups_note = _capped_groups(ctx, freqs["group"], MAX_WORDCLOUD_GROUPS)
    clouds = []
    parts = {group: freqs[freqs["group"].astype(str) == group].nlargest(WORDCLOUD_TERMS, "freq") for group in groups}
    for group, stem in zip(groups, charts.chart_file_stems("wordcloud", groups)):
        part = parts[group]
        weights = dict(zip(part["term"].astype(str), pd.to_numeric(part["freq"], errors="coerce")))
        # font_text: all clouds are drawn by one job with one font subset of their words (the same pixels as the full font)
        clouds.append(Chart(stem, partial(charts.group_wordcloud, weights, group, max_words=WORDCLOUD_TERMS,
                                          scale=WORDCLOUD_SCALE),
                            f"{group}：出现最多的 {len(weights)} 个词。", f"{group} 词云",
                            picture=partial(charts.wordcloud_png, weights, group, max_words=WORDCLOUD_TERMS,
                                            scale=WORDCLOUD_SCALE),
                            font_text="".join(weights)))
    section.blocks.append(Gallery(clouds, groups_note + "。" if groups_note else ""))
    return section


#: The columns of the targets table that the timeline chart reads (the chart job carries only these).
_TIMELINE_COLUMNS = ("indicator", "deadline_year", "target_year", "kind", "group")


def _targets(ctx: _Context) -> Section:
    section = Section(
        "targets", "量化目标",
        "从文本中抽取的量化目标，如“到2025年……达到90%以上”。时间表按目标的完成年限排列，"
        "便于看出各组把哪些指标定在哪一年完成。",
    )
    if ctx.documents.empty or _frame(ctx.corpus.tables.get("targets")).empty:
        section.blocks.append(Chart("target_timeline", partial(charts.target_timeline, pd.DataFrame()),
                                    "没有抽取到量化目标。", "量化目标时间表（无数据）"))
        return section
    targets = _with_group(ctx, ctx.corpus.targets(ctx.by))
    if targets.empty:
        section.blocks.append(Note("没有量化目标。", "empty"))
        return section
    if "kind" in targets.columns:
        targets = targets.assign(kind=targets["kind"].map(lambda k: charts.TARGET_KIND_LABELS.get(k, k)))
    has_year = _num(targets, "deadline_year").notna()
    if "target_year" in targets.columns:  # the year a target is for (deadline, 今年/明年, the plan section's year)
        has_year = has_year | _num(targets, "target_year").notna()
    n_ind = targets["indicator"].nunique() if "indicator" in targets.columns else 0
    kinds = targets["kind"].value_counts() if "kind" in targets.columns else pd.Series(dtype=int)
    kind_text = "、".join(f"{k} {n} 条" for k, n in kinds.items())
    section.blocks.append(Note(
        f"共抽取 {len(targets)} 条带数字的表述（{kind_text}），涉及 {n_ind} 个指标，"
        f"其中 {int(has_year.sum())} 条可确定目标年份（写明的期限、今年/明年、所在的工作安排或预期目标部分）。"
        "“目标”是要达到的数字，“已达成”是讲话中回顾的成绩。" if kind_text else
        f"共抽取 {len(targets)} 条量化表述，其中 {int(has_year.sum())} 条可确定目标年份。"))
    section.blocks.append(Chart(
        "target_timeline",
        partial(charts.target_timeline, targets[[c for c in _TIMELINE_COLUMNS if c in targets.columns]],
                title="量化目标的目标年份", group_col="group"),
        "只有能确定目标年份的表述出现在图中（写明的期限；今年、明年按报告年份推算；工作安排、预期目标部分按该部分的年份）。纵轴为指标（按出现次数排序，最多 40 个），"
        "点的形状表示类型，点越大表示同一年同一指标的表述越多；分组不超过 10 个时用颜色区分分组。",
        "量化目标时间表",
    ))
    titles = _doc_titles(ctx.documents)
    columns = {"group": "分组", "indicator": "指标", "comparator": "比较", "value": "数值",
               "unit": "单位", "target_year": "目标年份", "deadline_year": "完成年限", "horizon": "期限", "kind": "类型",
               "commitment": "约束力",
               "redacted": "含脱敏", "sentence": "原句"}
    table = targets[[c for c in columns if c in targets.columns]].rename(columns=columns)
    if "doc_id" in targets.columns:
        table.insert(1 if "分组" in table.columns else 0, "文档", targets["doc_id"].map(titles).to_numpy())
    section.blocks.append(Table("量化目标", "量化目标列表", table,
                                "“原句”为目标所在的句子；含脱敏的目标数值可能不完整。"))
    return section


def _outlines(ctx: _Context) -> Section:
    section = Section(
        "outlines", "意见提纲",
        "讲话常先说“提出三点意见”，再用“一是、二是……”展开。本节比较宣布的点数和实际找到的点数；"
        "找到的少于宣布的，多半说明文本被截断或抓取不全。",
    )
    outlines = _frame(ctx.corpus.tables.get("outlines"))
    if ctx.documents.empty or outlines.empty:
        section.blocks.append(Note("没有识别到“提出N点意见”式的提纲。", "empty"))
        return section
    stats = _with_group(ctx, ctx.corpus.outlines(ctx.by))
    columns = {"group": "分组", "docs": "文档数", "docs_with_outline": "有提纲的文档",
               "outlines": "提纲数", "announced_points_mean": "宣布点数（平均）",
               "found_points_mean": "找到点数（平均）", "incomplete": "不完整提纲",
               "incomplete_share": "不完整比例"}
    table = stats[[c for c in columns if c in stats.columns]].rename(columns=columns)
    for col in ("宣布点数（平均）", "找到点数（平均）"):
        if col in table.columns:
            table[col] = pd.to_numeric(table[col], errors="coerce").round(2)
    section.blocks.append(Table("提纲统计", "各组提纲统计", table, percent=("不完整比例",)))
    if "complete" in outlines.columns:
        bad = outlines[~outlines["complete"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
        bad = bad[bad["doc_id"].isin(ctx.documents["doc_id"])]
    else:
        bad = pd.DataFrame()
    if bad.empty:
        section.blocks.append(Note("所有提纲宣布的点数都已找到。", "info"))
    else:
        docs = ctx.documents.set_index("doc_id")
        missing = _col(bad, "missing_numbers", None).map(_join_list)
        frame = pd.DataFrame({
            "分组": bad["doc_id"].map(docs["group"]).to_numpy(),
            "文档": bad["doc_id"].map(_doc_titles(ctx.documents)).to_numpy(),
            "宣布语": _col(bad, "announced_phrase", "").to_numpy(),
            "宣布点数": _num(bad, "announced_points").to_numpy(),
            "找到点数": _num(bad, "found_points").to_numpy(),
            "缺少的序号": missing.to_numpy(),
        })
        section.blocks.append(Table("不完整提纲", f"不完整的提纲（{len(frame)} 个）", frame))
    return section


def _join_list(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (list, tuple, np.ndarray)):
        return "、".join(str(v) for v in value)
    return str(value)


def _near_duplicates(ctx: _Context) -> Section:
    section = Section(
        "duplicates", "近似重复文档",
        f"用 MinHash 估计文档之间的 Jaccard 相似度（按 5 字片段），相似度不低于 {NEAR_DUPLICATE_THRESHOLD} "
        "的文档归为一组。同一篇讲话被多个网站转载时会出现在这里；比较各组时应只保留每组的代表文档。",
    )
    if len(ctx.documents) < 2:
        section.blocks.append(Note("文档少于两篇，无需查重。", "empty"))
        return section
    dups = ctx.computed("near_duplicates", lambda: ctx.corpus.near_duplicates(threshold=NEAR_DUPLICATE_THRESHOLD))
    if dups.empty or "dup_group" not in dups.columns:
        section.blocks.append(Note("未发现近似重复的文档。", "info"))
        return section
    sizes = dups.groupby("dup_group")["doc_id"].transform("size")
    dups = dups[sizes > 1]
    if dups.empty:
        section.blocks.append(Note("未发现近似重复的文档。", "info"))
        return section
    docs = ctx.documents.set_index("doc_id")
    dups = dups.sort_values(["dup_group", "representative"], ascending=[True, False], kind="stable")
    frame = pd.DataFrame({
        "重复组": dups["dup_group"].to_numpy(),
        "代表文档": dups["representative"].map({True: "是", False: "否"}).to_numpy()
        if "representative" in dups.columns else "",
        "分组": dups["doc_id"].map(docs["group"]).to_numpy(),
        "文档": dups["doc_id"].map(_doc_titles(ctx.documents)).to_numpy(),
        "源文件": dups["doc_id"].map(docs["source_path"]).to_numpy() if "source_path" in docs.columns else "",
        "与代表文档的相似度": _num(dups, "jaccard_to_representative").round(3).to_numpy(),
    })
    n_sets = dups["dup_group"].nunique()
    section.blocks.append(Table("近似重复", f"近似重复文档（{n_sets} 组，{len(frame)} 篇）", frame))
    return section


MAX_SIMILARITY_POOL = 2000


def _has_rows(ctx: _Context, name: str) -> bool:
    """Whether a table has rows, without reading a large table just to find out."""
    tables = ctx.corpus.tables
    if hasattr(tables, "num_rows"):
        return tables.num_rows(name) > 0
    return not _frame(tables.get(name)).empty


def _failed_documents(ctx: _Context) -> pd.DataFrame:
    """The documents rows whose status is not 'ok' (only the columns the report shows)."""
    tables = ctx.corpus.tables
    if hasattr(tables, "read"):
        docs = tables.read("documents", columns=("status", "source_path", "error"))
    else:
        docs = _frame(tables.get("documents"))
    if docs.empty or "status" not in docs.columns:
        return docs.iloc[0:0]
    return docs[docs["status"].astype(str) != "ok"]


def _similarity(ctx: _Context) -> Section:
    section = Section(
        "similarity", "文档相似度",
        "按词语的 TF-IDF 向量计算两两文档的余弦相似度：1 表示用词分布完全相同，0 表示没有共同的词。"
        "热力图按相似度聚类排列，相似的文档会聚成色块。",
    )
    if len(ctx.documents) < 2 or not _has_rows(ctx, "tokens"):
        section.blocks.append(Note("文档少于两篇或没有分词数据，无法计算相似度。", "empty"))
        return section
    pool = ctx.documents["doc_id"].astype(str).tolist()
    pool_note = ""
    if len(pool) > MAX_SIMILARITY_POOL:  # a dense n×n matrix: keep it to a size that fits in memory
        pool_note = f"（相似度只在前 {MAX_SIMILARITY_POOL} 篇文档中计算，共 {len(pool)} 篇。）"
        pool = pool[:MAX_SIMILARITY_POOL]
    sim = ctx.corpus.similarity(doc_ids=pool) if len(pool) < len(ctx.documents) else ctx.corpus.similarity()
    if sim.empty or len(sim) < 2:
        section.blocks.append(Note("没有可比较的文档。", "empty"))
        return section
    values = sim.to_numpy(dtype=float).copy()
    np.fill_diagonal(values, np.nan)
    titles = _doc_titles(ctx.documents)
    ids = [str(i) for i in sim.index]
    if len(ids) > MAX_SIMILARITY_DOCS:
        strongest = np.nanmax(values, axis=1)
        keep = np.sort(np.argsort(-strongest, kind="stable")[:MAX_SIMILARITY_DOCS])
        shown = sim.iloc[keep, keep]
        cap = f"文档较多，只画出与其他文档最相似的 {MAX_SIMILARITY_DOCS} 篇（共 {len(ids)} 篇）。"
    else:
        shown, cap = sim, ""
    labels = _doc_labels(ctx, [str(i) for i in shown.index])
    section.blocks.append(Chart(
        "similarity",
        partial(charts.similarity_heatmap, shown, labels=labels, title="文档相似度（TF-IDF 余弦）"),
        "行列都是文档（以分组和标题标注），颜色越深越相似；对角线是文档与自身的相似度 1。" + cap + pool_note,
        "文档相似度热力图",
    ))
    group_of = dict(zip(ctx.documents["doc_id"].astype(str), ctx.documents["group"]))
    upper = np.triu_indices(len(ids), k=1)
    pair_values = sim.to_numpy(dtype=float)[upper]
    order = np.argsort(-pair_values, kind="stable")[:TOP_SIMILAR_PAIRS]
    pairs = pd.DataFrame({
        "分组甲": [group_of.get(ids[upper[0][k]], "") for k in order],
        "文档甲": [titles.get(ids[upper[0][k]], ids[upper[0][k]]) for k in order],
        "分组乙": [group_of.get(ids[upper[1][k]], "") for k in order],
        "文档乙": [titles.get(ids[upper[1][k]], ids[upper[1][k]]) for k in order],
        "余弦相似度": pair_values[order].round(3),
    })
    section.blocks.append(Table("最相似文档对", f"最相似的 {len(pairs)} 对文档", pairs))
    return section


def _followup(ctx: _Context) -> Section:
    """目标完成情况: targets linked to what a later document of the same place reports (speechkit.followup)."""
    section = Section(
        "followup", "目标完成情况",
        "把一份文档提出的目标（某年要达到的数字）与同一地方后来的文档对该年的实际数字对上，判断是否完成。"
        "增长、覆盖率等指标达到目标即为完成；失业率、物价、能耗、死亡率等指标不超过目标即为完成；"
        "“左右”按目标值本身计（5%左右，4.9% 为未完成），区间按下限（或上限）计。",
    )
    if ctx.documents.empty or _frame(ctx.corpus.tables.get("targets")).empty:
        section.blocks.append(Note("没有量化目标，无法判断完成情况。", "empty"))
        return section
    linked = ctx.corpus.followup(by=ctx.by) if ctx.by else ctx.corpus.followup()
    if linked.empty:
        section.blocks.append(Note("没有哪个目标能与同一地方后来文档中该年的实际数字对上"
                                   "（需要同一地方相继年份的文档，例如相邻两年的政府工作报告）。", "empty"))
        return section
    status_label = {"met": "完成", "missed": "未完成", "unknown": "无法判断"}
    met, missed = int((linked["status"] == "met").sum()), int((linked["status"] == "missed").sum())
    section.blocks.append(Note(
        f"共有 {len(linked)} 个目标与后来文档中的实际数字对上：完成 {met} 个，未完成 {missed} 个，"
        f"其余 {len(linked) - met - missed} 个单位无法换算。"))
    section.blocks.append(Chart("followup", partial(charts.followup_chart, linked),
                                "每个小图一个指标：空心圆为目标（竖条为目标区间），箭头指向实际数字，"
                                "绿色为完成，红色为未完成。最多画出对上次数最多的 6 个指标。", "目标与实际完成情况"))
    from speechkit.followup import summarise_followup

    summary = summarise_followup(linked, ["group"] if "group" in linked.columns else None)
    summary = summary.rename(columns={"indicator_key": "指标", "group": "分组", "linked": "对上的目标", "met": "完成",
                                      "missed": "未完成", "unknown": "无法判断", "share_met": "完成比例",
                                      "mean_gap": "平均差距"})
    section.blocks.append(Table("目标完成汇总", "各指标的完成情况", summary,
                                "完成比例 = 完成 /（完成 + 未完成）；平均差距 = 实际减目标，单位同目标。",
                                percent=("完成比例",)))
    titles = _doc_titles(ctx.documents)
    columns = {"group": "分组", "place": "地方", "indicator_key": "指标", "target_year": "目标年份",
               "comparator": "比较", "target_value": "目标值", "target_low": "目标下限", "target_high": "目标上限",
               "target_unit": "目标单位", "outcome_value": "实际值", "outcome_unit": "实际单位", "status": "完成情况",
               "gap": "差距", "target_sentence": "目标原句", "outcome_sentence": "实际原句"}
    table = linked[[c for c in columns if c in linked.columns]].copy()
    table["status"] = table["status"].map(lambda v: status_label.get(v, v))
    table = table.rename(columns=columns)
    table.insert(len(table.columns) - 2, "目标文档", linked["target_doc_id"].map(titles).to_numpy())
    table.insert(len(table.columns) - 2, "实际文档", linked["outcome_doc_id"].map(titles).to_numpy())
    section.blocks.append(Table("目标完成情况", "目标与实际（逐条）", table,
                                "实际值取自同一地方后来的文档对目标年份的回顾（如次年政府工作报告的“过去一年”）；"
                                "多年平均、累计数不作为实际值。"))
    return section


SECTION_BUILDERS = (_overview, _cleaning, _themes, _trends, _keyness, _wordclouds,
                    _targets, _followup, _outlines, _near_duplicates, _similarity)

#: The order the sections are computed in (the page shows them in :data:`SECTION_BUILDERS` order): the
#: ones with the costliest charts first, so that their jobs start early; the near duplicates late (their
#: MinHash runs beside this process meanwhile). The workbook job is submitted after these.
COMPUTE_ORDER = (_similarity, _keyness, _themes, _targets, _trends, _followup, _overview, _cleaning, _outlines,
                 _near_duplicates)
#: Sections computed after the workbook job is submitted: they add no table (the word clouds: one job
#: for all, with one font subset, submitted last).
AFTER_WORKBOOK = (_wordclouds,)


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------


def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _is_text(series: pd.Series) -> bool:
    """Object or string column (pandas 3 infers a ``str`` dtype for text)."""
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _format_cell(value, percent: bool, plain: bool = False) -> tuple[str, str | None, str]:
    """(display text, sort value or None, css class) of one table cell; ``plain``: no thousands separator (years)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return _join_list(value), None, ""
    if _is_missing(value):
        return "", "", ""
    if isinstance(value, (bool, np.bool_)):
        return ("是" if value else "否"), None, ""
    if isinstance(value, (int, np.integer)):
        return (f"{int(value)}" if plain else f"{int(value):,}"), str(int(value)), "n"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if percent:
            return f"{v * 100:.1f}%", repr(v), "n"
        if v.is_integer() and abs(v) < 1e15:
            return (f"{int(v)}" if plain else f"{int(v):,}"), repr(v), "n"
        digits = 0 if abs(v) >= 100 else 2 if abs(v) >= 1 else 3
        return f"{v:,.{digits}f}", repr(v), "n"
    text = str(value)
    if len(text) > MAX_HTML_CELL_CHARS:
        text = text[: MAX_HTML_CELL_CHARS - 1] + "…"
    return text, None, ""


def html_table(frame: pd.DataFrame, percent=(), max_rows: int = MAX_HTML_ROWS) -> str:
    """A sortable HTML table of ``frame`` (first ``max_rows`` rows), every cell HTML-escaped.

    >>> "&lt;b&gt;" in html_table(pd.DataFrame({"标题": ["<b>妇女</b>"]}))
    True
    """
    percent = set(percent)
    plain = {c for c in frame.columns if _YEAR_COLUMN.search(str(c))}
    numeric = {c for c in frame.columns
               if pd.api.types.is_numeric_dtype(frame[c].dtype) and not pd.api.types.is_bool_dtype(frame[c].dtype)}
    head = "".join(('<th scope="col" class="n">' if c in numeric else '<th scope="col">') + f"{_esc(c)}</th>"
                   for c in frame.columns)
    shown = frame.head(max_rows)
    long_text = {c for c in frame.columns
                 if _is_text(shown[c]) and shown[c].map(lambda v: len(v) if isinstance(v, str) else 0).max() > 40}
    rows = []
    for record in shown.itertuples(index=False, name=None):
        cells = []
        for column, value in zip(frame.columns, record):
            text, sort, css = _format_cell(value, str(column) in percent, column in plain)
            if column in long_text:
                css = "long"
            attrs = (f' class="{css}"' if css else "") + (f' data-v="{_esc(sort)}"' if sort is not None else "")
            cells.append(f"<td{attrs}>{_esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table-wrap"><table class="sortable"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _png_width(png: bytes) -> int:
    """Pixel width of a PNG, read from its IHDR header."""
    return int.from_bytes(png[16:20], "big") if png[:8] == b"\x89PNG\r\n\x1a\n" else 0


def _png_dpi(png: bytes) -> float:
    """The dpi a chart PNG was drawn at, from its pHYs chunk (:data:`charts.PNG_DPI` when it has none).

    pHYs holds whole pixels per metre (150 dpi is stored as 5906, i.e. 150.01 dpi); charts are drawn
    at whole dpi, so the value is rounded back — else a 900-pixel chart would be shown 575 px wide, not 576."""
    at = png.find(b"pHYs", 0, 4096)
    if at < 0 or png[at + 12] != 1:  # unit 1: pixels per metre
        return float(charts.PNG_DPI)
    return float(round(int.from_bytes(png[at + 4:at + 8], "big") * 0.0254))


#: Content width of the page (see report.css .page), in CSS pixels.
_PAGE_WIDTH = 1176
_ZOOM_NOTE = "（图较大，点击图片可按原始大小查看，再点击还原。）"


def _figure_html(chart: Chart, png: bytes, in_gallery: bool = False) -> str:
    data = base64.b64encode(png).decode("ascii")
    natural = int(_png_width(png) * 96 / _png_dpi(png))   # CSS has 96 px per inch: the figure's size in inches
    zoom = not in_gallery and natural > _PAGE_WIDTH * 1.05
    caption = chart.caption + (_ZOOM_NOTE if zoom else "")
    figure_open = '<figure class="zoomable">' if zoom else "<figure>"
    width = f' width="{natural}"' if natural else ""
    return (f'{figure_open}<div class="fig-scroll"><img src="data:image/png;base64,{data}" '
            f'alt="{_esc(chart.alt)}"{width}></div><figcaption>{_esc(caption)}</figcaption></figure>')


#: Where a chart goes in the page before its PNG is drawn: ``<!--chart:NAME:0-->`` (1 inside a gallery).
_CHART_SLOT = re.compile(r"<!--chart:(\d+):([01])-->")


def _block_html(block: Block, slots: dict[str, int], sheet_of: dict[int, str]) -> str:
    """The HTML of one block; a chart is a numbered slot (``slots``: chart name → number) filled in later."""
    if isinstance(block, Note):
        return f'<p class="note {block.kind}">{_esc(block.text)}</p>'
    if isinstance(block, Chart):
        return f"<!--chart:{slots.setdefault(block.name, len(slots))}:0-->"
    if isinstance(block, Gallery):
        figures = "".join(f"<!--chart:{slots.setdefault(c.name, len(slots))}:1-->" for c in block.charts)
        caption = f'<p class="table-caption">{_esc(block.caption)}</p>' if block.caption else ""
        return f'<div class="gallery">{figures}</div>{caption}'
    if isinstance(block, Table):
        if not block.in_html:
            return ""
        parts = [f"<h3>{_esc(block.title)}</h3>"]
        if block.frame.empty:
            parts.append('<p class="note empty">无数据。</p>')
            return "".join(parts)
        limit = block.html_rows or MAX_HTML_ROWS
        parts.append(html_table(block.frame, block.percent, limit))
        caption = block.caption
        sheet = sheet_of.get(id(block), block.sheet)
        if len(block.frame) > limit:
            caption = (f"仅显示前 {limit} 行（共 {len(block.frame):,} 行），"
                       f"完整表格见 report.xlsx 的工作表“{sheet}”。" + caption)
        if caption:
            parts.append(f'<p class="table-caption">{_esc(caption)}</p>')
        return "".join(parts)
    raise TypeError(f"unknown report block {type(block).__name__}")


def _summary_cards(ctx: _Context) -> list[tuple[str, str]]:
    docs = ctx.documents
    cards = [("文档", f"{len(docs):,}")]
    if "status" in ctx.documents.columns:
        cards.append(("出错文件", f"{len(_failed_documents(ctx)):,}"))
    if "clean_chars" in docs.columns and not docs.empty:
        total = pd.to_numeric(docs["clean_chars"], errors="coerce").sum()
        cards.append(("总字数", f"{total / 10000:,.1f} 万" if total >= 10000 else f"{int(total):,}"))
    if "year" in docs.columns and "year" not in ctx.by:  # grouped by year: the workbook gets a numeric 年份
        years = pd.to_numeric(docs["year"], errors="coerce").dropna()
        if len(years):
            lo, hi = int(years.min()), int(years.max())
            cards.append(("年份", f"{lo}" if lo == hi else f"{lo}–{hi}"))
    for col, label in (("province", "省份"), ("city", "城市")):
        if col in docs.columns and docs[col].notna().any():
            cards.append((label, f"{docs[col].nunique():,}"))
    cards.append(("分组", f"{len(ctx.group_sizes):,}"))
    return cards


def _record_lines(ctx: _Context) -> list[tuple[str, str]]:
    from speechkit import runrecord

    lines = runrecord.record_lines(ctx.record)
    if not lines:
        lines = [("运行记录", "数据目录中没有 run.json（表格不是由 speechkit 命令行生成的，或生成它的版本较旧）")]
    return lines


def _record_html(ctx: _Context) -> str:
    """The run record as a collapsed block in the report header (version and commands visible)."""
    lines = _record_lines(ctx)
    head = [f"{_esc(k)}：{_esc(v)}" for k, v in lines if k == "speechkit 版本" or k.endswith("命令")]
    rows = "".join(f"<tr><th scope=\"row\">{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in lines)
    summary = "　·　".join(head) if head else "运行记录"
    return (f'<details class="run-record"><summary>{summary}</summary>'
            f'<table class="run-record">{rows}</table>'
            '<p class="hint">完整记录（每个选项、每个规则/词典/词表文件的 SHA-256）见同目录的 run.json。</p></details>')


def _chart_blocks(sections: list[Section]) -> list[Chart]:
    """Every chart of the report, in page order (a gallery's charts in its order)."""
    found: list[Chart] = []
    for section in sections:
        for block in section.blocks:
            found.extend(block.charts if isinstance(block, Gallery) else [block] if isinstance(block, Chart) else [])
    return found


def _render_html(ctx: _Context, sections: list[Section], sheet_of: dict[int, str]) -> tuple[str, dict[str, int]]:
    """The page with a slot for each chart (see :func:`_fill_charts`), and the slots (chart name → number).

    Needs no chart: the embedded font covers the captions of every chart already, so it is
    subset while the charts are still being drawn."""
    css = (resources.files("speechkit") / "data" / "report.css").read_text(encoding="utf-8")
    js = (resources.files("speechkit") / "data" / "report.js").read_text(encoding="utf-8")
    by_text = "、".join(ctx.by) if ctx.by else "不分组"
    cards = "".join(f'<div class="card"><div class="num">{_esc(v)}</div><div class="lbl">{_esc(k)}</div></div>'
                    for k, v in _summary_cards(ctx))
    toc = "".join(f'<li><a href="#{s.key}">{_esc(s.title)}</a></li>' for s in sections)
    body = []
    slots: dict[str, int] = {}
    for s in sections:
        blocks = "".join(_block_html(b, slots, sheet_of) for b in s.blocks)
        body.append(f'<section id="{s.key}"><h2>{_esc(s.title)}</h2><p class="intro">{_esc(s.intro)}</p>{blocks}</section>')
    corpus_dir = getattr(ctx.corpus, "dir", "")
    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    html = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="speechkit">
<title>讲话语料比较报告</title>
<style>
/*speechkit-font*/
{css}
</style>
</head>
<body>
<div class="page">
<header class="report-head">
<h1>讲话语料比较报告</h1>
<p class="meta">分组变量：{_esc(by_text)}　·　数据目录：{_esc(corpus_dir)}　·　生成时间：{_esc(generated)}</p>
{_record_html(ctx)}
<div class="cards">{cards}</div>
</header>
<nav class="toc"><h2>目录</h2><ol>{toc}</ol>
<p class="hint">表格可点击列名排序；所有表格的完整数据见同目录下的 report.xlsx。</p></nav>
{''.join(body)}
<footer>由 speechkit 生成。图表为 PNG，亦保存在 charts/ 目录中。</footer>
</div>
<script>
{js}
</script>
</body>
</html>
"""
    # embed the CJK font (subset to the characters used) so the page renders anywhere, offline
    from speechkit.fonts import embedded_font_css

    font_css = embedded_font_css(_font_text(html, sections))
    if font_css:
        font_css += 'html body, html body * { font-family: "speechkit CJK", "Noto Sans CJK SC", sans-serif !important; }\n'
    return html.replace("/*speechkit-font*/", font_css, 1), slots


def _font_text(page: str, sections: list[Section]) -> str:
    """What the embedded font subset covers: the page's text and every chart's caption."""
    charts_here = _chart_blocks(sections)
    return page + "".join(c.caption + c.alt for c in charts_here) + _ZOOM_NOTE  # the page has no image yet: slots


def _fill_charts(page: str, slots: dict[str, int], sections: list[Section], pngs: dict[str, bytes]) -> str:
    """Put each chart (its PNG as a data URI, its caption) into its slot of ``page``."""
    by_number = {slots[c.name]: c for c in _chart_blocks(sections) if c.name in slots}

    def fill(match: re.Match) -> str:
        chart = by_number[int(match.group(1))]
        return _figure_html(chart, pngs[chart.name], in_gallery=match.group(2) == "1")

    return _CHART_SLOT.sub(fill, page)


# ---------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------


def _excel_value(value):
    if isinstance(value, (list, tuple, np.ndarray)):
        return _join_list(value)
    if isinstance(value, str):
        return _ILLEGAL_XLSX.sub("", value)
    return value


def _excel_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.columns = [_ILLEGAL_XLSX.sub("", str(c)) for c in out.columns]
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = series.dt.tz_localize(None)
        elif series.dtype != object and pd.api.types.is_string_dtype(series.dtype):
            # a string column holds only strings and gaps: cleaned in one vectorised pass, when it needs it
            if series.str.contains(_ILLEGAL_XLSX.pattern, regex=True).any():
                out[col] = series.str.replace(_ILLEGAL_XLSX.pattern, "", regex=True)
        elif series.dtype == object:
            out[col] = series.map(_excel_value)
    return out


def _cell_width(value) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _cell_writer(series: pd.Series):
    """How to write one column: ``(kind, values)`` with kind 'number', 'bool', 'datetime', 'text' or 'mixed'."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool", series.astype(object).tolist()
    if pd.api.types.is_numeric_dtype(dtype):
        return "number", pd.to_numeric(series, errors="coerce").astype("float64").tolist()
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime", series.astype(object).tolist()
    values = series.astype(object).tolist()
    text = [v if isinstance(v, str) else None for v in values]
    if all(t is not None or _is_missing(v) for t, v in zip(text, values)):
        return "text", text   # only strings and gaps: one check per cell instead of five
    return "mixed", values


def write_workbook(path: Path, tables: list[tuple[str, pd.DataFrame, tuple[str, ...]]]) -> Path:
    """Write ``(sheet name, frame, percent columns)`` tables to one .xlsx file atomically.

    Headers are bold and frozen, column widths fit the content (a Chinese
    character counts double, capped at 60), percent columns use the ``0.0%``
    format, and text that starts with ``=`` is stored as text, never as a formula.

    Written with XlsxWriter, one typed call per cell
    (``write_string`` for every text, so nothing is ever a formula or a link):
    about five times faster than pandas + openpyxl on a 30,000-row sheet.
    """
    import xlsxwriter

    buffer = BytesIO()
    # (XlsxWriter's in-memory mode keeps the cells until close — constant_memory is off in it; writing rows
    # to a temporary file instead holds less but is a tenth slower, and the workbook is written by a worker)
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False, "nan_inf_to_errors": False})
    _fill_workbook(book, tables)
    book.close()
    return atomic_write_bytes(Path(path), buffer.getvalue())


def _fill_workbook(book, tables: list[tuple[str, pd.DataFrame, tuple[str, ...]]]) -> None:
    import datetime as _dt

    bold = book.add_format({"bold": True})
    percent_format = book.add_format({"num_format": "0.0%"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheets = tables or [("说明", pd.DataFrame({"说明": ["无数据"]}), ())]
    for sheet, frame, percent in sheets:
        clean = _excel_frame(frame) if len(frame.columns) else pd.DataFrame({"说明": ["无数据"]})
        ws = book.add_worksheet(sheet)
        ws.freeze_panes(1, 0)
        columns = [str(c) for c in clean.columns]
        for j, column in enumerate(clean.columns):  # widths first: constant-memory mode writes rows as they come
            sample = clean.iloc[:500, j].tolist()
            width = max([_cell_width(column)] + [_cell_width(v) for v in sample])
            ws.set_column(j, j, min(60, max(8, width + 2)))
        for j, name in enumerate(columns):
            ws.write_string(0, j, name, bold)
        writers = [_cell_writer(clean.iloc[:, j]) for j in range(len(clean.columns))]
        percent_of = [percent_format if str(c) in percent else None for c in clean.columns]
        # XlsxWriter's undecorated writers: the public ones first check every cell for A1 notation
        write_number = getattr(ws, "_write_number", ws.write_number)
        write_string = getattr(ws, "_write_string", ws.write_string)
        write_boolean = ws.write_boolean
        for i in range(len(clean)):
            row = i + 1
            for j, (kind, values) in enumerate(writers):
                value = values[i]
                if kind == "text":
                    if value is not None:
                        write_string(row, j, value)
                    continue
                if kind == "number":
                    if value == value and value not in (math.inf, -math.inf):  # NaN / inf: an empty cell
                        write_number(row, j, value, percent_of[j])
                    continue
                if value is None or value is pd.NA or value is pd.NaT:
                    continue
                if isinstance(value, str):
                    write_string(row, j, value)
                elif isinstance(value, (bool, np.bool_)):
                    write_boolean(row, j, bool(value))
                elif isinstance(value, (int, float, np.integer, np.floating)):
                    number = float(value)
                    if math.isfinite(number):
                        write_number(row, j, number, percent_of[j])
                elif isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
                    ws.write_datetime(row, j, pd.Timestamp(value).to_pydatetime(), date_format)
                else:
                    write_string(row, j, _ILLEGAL_XLSX.sub("", str(value)))


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------


def _context(corpus: "Corpus", by: list[str]) -> _Context:
    from speechkit import runrecord

    record = runrecord.read_run_record(corpus.dir) if getattr(corpus, "dir", None) else {}
    docs = corpus.documents.copy()
    if docs.empty:
        docs["group"] = pd.Series(dtype="string")
        return _Context(corpus, by, docs, pd.Series(dtype=int), record)
    docs["group"] = corpus.group_label(docs, by).astype(str).to_numpy()
    sizes = docs["group"].value_counts(sort=False)
    sizes = sizes.sort_values(ascending=False, kind="stable")
    single = [str(g) for g, n in sizes.items() if n == 1] if by and len(sizes) > 1 else []
    return _Context(corpus, by, docs, sizes, record, single)


#: Workbook headers of the grouping columns (the 分组 label is split into these).
_GROUP_HEADERS = {"year": "年份", "province": "省份", "city": "城市", "district": "区县", "level": "级别",
                  "meeting": "会议", "speaker": "讲话人", "site": "网站"}


def _split_group_columns(ctx: _Context, frame: pd.DataFrame) -> pd.DataFrame:
    """For the workbook: beside each 分组 column, one column per grouping variable (years as numbers).

    ``分组 = 绍兴市·2021`` gains ``城市 = 绍兴市`` and ``年份 = 2021`` so that a researcher can filter and
    pivot in Excel without splitting strings (with one grouping variable other than year, 分组 is it).
    """
    if not ctx.by or ctx.documents.empty or (len(ctx.by) == 1 and ctx.by[0] != "year"):
        return frame  # one text variable: 分组 already is that variable
    sources = [c for c in frame.columns if str(c) in ("分组", "分组甲", "分组乙")]
    if not sources:
        return frame
    lookup = ctx.documents.drop_duplicates("group").set_index("group")
    out = frame.copy()
    for source in sources:
        suffix = str(source)[2:]
        position = list(out.columns).index(source) + 1
        for col in ctx.by:
            header = _GROUP_HEADERS.get(col, col) + suffix
            if header in out.columns or col not in lookup.columns:
                continue
            values = out[source].astype(str).map(lookup[col])
            if col == "year" or pd.api.types.is_integer_dtype(lookup[col].dtype):
                values = pd.to_numeric(values, errors="coerce").astype("Int64")
            else:
                values = values.astype(object).where(values.notna(), None)
            out.insert(position, header, values.to_numpy())
            position += 1
    return out


def _draw_chart(render: Callable[[], Figure], stem: Path, svg: bool,
                picture: Callable[[], bytes | None] | None = None) -> list[Path]:
    """Make one chart's figure, save it (PNG, and SVG with ``svg``) and let it go: the work of a chart job.

    A chart with a ``picture`` (the word clouds) has its PNG drawn directly, without a figure, unless an SVG is wanted."""
    if picture is not None and not svg:
        png = picture()
        if png is not None:
            return [atomic_write_bytes(stem.parent / f"{stem.name}.png", png)]
    figure = render()
    try:
        return charts.save_figure(figure, stem, svg=svg)
    finally:
        figure.clear()


def _draw_with_subset(charts_here: list[tuple[str, Callable[..., Figure], Callable[..., bytes | None] | None]],
                      text: str, chart_dir: Path, svg: bool) -> dict[str, list[Path]]:
    """Draw several charts (the word clouds) with one subset of the CJK font holding the characters of ``text``.

    One job for all of them: the subset is made (or read from its cache) once, in the worker, so the clouds
    start while this process is still building the page.
    """
    font_path = fonts.subset_font_file(text) or fonts.cjk_font_path()  # no subset: the full font, once for all
    drawn = {}
    for name, render, picture in charts_here:
        render = partial(render, font_path=font_path)
        picture = partial(picture, font_path=font_path) if picture is not None else None
        drawn[name] = _draw_chart(render, chart_dir / name, svg, picture)
    return drawn


def _run_job(job: list):
    """One report job, ``[function, *arguments]`` (a :class:`speechkit.parallel.BatchPool` batch)."""
    fn, *args = job
    return fn(*args)


class _Jobs:
    """The report's independent jobs (each chart, the workbook): in ``jobs`` worker processes, or here.

    A thin layer over :class:`speechkit.parallel.BatchPool` (whatever the start method, each job is
    sent to a worker with its arguments) and :func:`speechkit.stage.start_beside` for the corpus
    computation that needs no section. Results are the same either way (each job writes its own
    files); only the wall time differs.
    """

    def __init__(self, jobs: int):
        from speechkit.parallel import BatchPool

        self.jobs = jobs
        self.pool = BatchPool(_run_job, jobs=jobs)
        self.futures: dict[str, Future] = {}

    def submit(self, key: str, fn: Callable, *args) -> None:
        self.futures[key] = self.pool.submit([fn, *args])   # with one job: run here, now

    def result(self, key: str):
        return self.futures[key].result()

    def early(self, ctx: _Context) -> None:
        """Start the corpus computation that needs no section (the near-duplicate MinHash) beside this process.

        :func:`speechkit.stage.start_beside` forks a child that inherits the corpus (nothing to pickle)
        where processes can be forked, else runs it in a thread; with one job it is computed in its section."""
        if self.jobs <= 1:
            return
        from speechkit.stage import start_beside

        ctx.early["near_duplicates"] = start_beside(ctx.corpus.near_duplicates, NEAR_DUPLICATE_THRESHOLD)

    def close(self, failed: bool = False) -> None:
        """Wait for the workers to finish; on an error (or Ctrl-C) stop them at once."""
        if failed:
            self.pool.__exit__(BaseException, None, None)
        else:
            self.pool.__exit__(None, None, None)


def build_report(corpus: "Corpus", by: list[str] | str, out_dir: Path, svg: bool = False,
                 command=None, jobs: int | None = None) -> dict[str, Path]:
    """Write report.html, report.xlsx and charts/*.png for ``corpus`` grouped by ``by``.

    ``by`` names document variables (``["city", "year"]``, or ``[]`` for the
    whole corpus as one group). Returns the written paths: ``"html"``,
    ``"xlsx"``, ``"charts"`` (the folder) and one ``"charts/<name>.png"``
    (and ``.svg``) per chart. An unknown ``by`` column raises ValueError.

    Example: ``build_report(sk.load("data/processed"), ["province"], Path("out"))``
    gives a report comparing the provinces' speeches (主题、关键词、量化目标……).

    The charts and the workbook are drawn and written by ``jobs`` worker processes (default:
    all cores; 1: in this process) while this one builds the page: the files are the same
    whatever ``jobs`` is.

    The header and the workbook sheet 运行记录 show the processed folder's run record;
    ``out_dir/run.json`` is that record plus this report (``command``: the CLI's argv).
    Groups of a single document are named in a note and raise a SpeechkitWarning.
    """
    from speechkit.parallel import default_jobs

    by = [by] if isinstance(by, str) else list(by or [])
    valid = corpus.group_columns()
    unknown = [c for c in by if c not in valid]
    if unknown:
        raise ValueError(f"unknown group column(s) {unknown}; valid columns: {', '.join(valid)}")
    out_dir = Path(out_dir)
    chart_dir = out_dir / "charts"
    chart_dir.mkdir(parents=True, exist_ok=True)
    ctx = _context(corpus, by)
    if ctx.single_groups:
        import warnings

        from speechkit.compare_run import small_groups_message
        from speechkit.errors import SpeechkitWarning

        warnings.warn(small_groups_message(ctx.single_groups, len(ctx.group_sizes), by), SpeechkitWarning,
                      stacklevel=2)
    work = _Jobs(default_jobs(jobs))
    try:
        work.early(ctx)
        written = _build(ctx, out_dir, chart_dir, svg, work)
    except BaseException:
        work.close(failed=True)
        raise
    work.close()
    from speechkit import runrecord

    meta_path = getattr(corpus, "meta_path", None)
    written["run_record"] = runrecord.update_run_record(out_dir, runrecord.stage_entry(
        "report", options={"by": by, "svg": svg, "meta": str(meta_path) if meta_path else None},
        inputs={"documents": len(ctx.documents), "groups": len(ctx.group_sizes),
                "single_document_groups": len(ctx.single_groups)},
        user_files={"--meta": meta_path}, command=command, source=getattr(corpus, "dir", None)),
        inherit=getattr(corpus, "dir", None))
    return written


def _build(ctx: _Context, out_dir: Path, chart_dir: Path, svg: bool, work: _Jobs) -> dict[str, Path]:
    """The sections (in :data:`COMPUTE_ORDER`, then :data:`AFTER_WORKBOOK`), their charts and the workbook
    handed to ``work`` as they come, then the page."""
    built: dict[Callable, Section] = {}
    waiting: list[Chart] = []   # charts sharing one font subset (the word clouds): one job, submitted last

    def build(builder: Callable[[_Context], Section]) -> Section:
        section = built[builder] = builder(ctx)
        for chart in _chart_blocks([section]):
            if chart.font_text:
                waiting.append(chart)
            else:
                work.submit(f"chart:{chart.name}", _draw_chart, chart.render, chart_dir / chart.name, svg,
                            chart.picture)
        return section

    for builder in COMPUTE_ORDER:
        build(builder)
    sheet_of: dict[int, str] = {}
    workbook: list[tuple[str, pd.DataFrame, tuple[str, ...]]] = []
    taken: set[str] = set()
    for builder in SECTION_BUILDERS:   # the sheets in page order
        for block in built[builder].blocks if builder in built else []:
            if isinstance(block, Table):
                sheet = sheet_of[id(block)] = excel_sheet_name(block.sheet, taken)
                workbook.append((sheet, _split_group_columns(ctx, block.frame), block.percent))
    workbook.append((excel_sheet_name("运行记录", taken), pd.DataFrame(_record_lines(ctx), columns=["项目", "内容"]), ()))
    work.submit("xlsx", write_workbook, out_dir / "report.xlsx", workbook)
    for builder in AFTER_WORKBOOK:
        if any(isinstance(block, Table) for block in build(builder).blocks):
            raise AssertionError(f"{builder.__name__} adds a table after the workbook was written")
    if waiting:
        work.submit("subset charts", _draw_with_subset, [(c.name, c.render, c.picture) for c in waiting],
                    "".join(c.font_text for c in waiting), chart_dir, svg)
    sections = [built[builder] for builder in SECTION_BUILDERS]

    page, slots = _render_html(ctx, sections, sheet_of)   # here, while the jobs draw the charts
    written: dict[str, Path] = {"charts": chart_dir}
    pngs: dict[str, bytes] = {}
    together = work.result("subset charts") if waiting else {}
    for chart in _chart_blocks(sections):
        paths = together[chart.name] if chart.name in together else work.result(f"chart:{chart.name}")
        for p in paths:
            written[f"charts/{p.name}"] = p
        pngs[chart.name] = paths[0].read_bytes()
    written["html"] = atomic_write_text(out_dir / "report.html", _fill_charts(page, slots, sections, pngs))
    written["xlsx"] = work.result("xlsx")
    return written
