"""Rich tables that summarise each stage's run (the CLI prints them; the library never does)."""
from __future__ import annotations

from pathlib import Path

import re

from rich.markup import escape as _escape_markup
from rich.table import Table

__all__ = ["clean_summary", "clean_summary_rows", "script_note", "explain_table", "analyze_summary", "compare_summary", "kwic_table",
           "printable", "escape", "followup_summary_table"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    r"""``text`` with control characters shown as ``\xNN``, so that a file name or a page's text
    cannot move the cursor or clear the terminal (``ESC[2J``).

    >>> printable("三亚\x1b[2J.txt")
    '三亚\\x1b[2J.txt'
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def escape(text: str) -> str:
    """Text made safe for a rich table: control characters escaped, then rich markup escaped."""
    return _escape_markup(printable(str(text)))


def script_note(documents, to_simplified: bool = False) -> str | None:
    """A line on the documents written in Traditional characters (``script`` column), or None.

    >>> import pandas as pd
    >>> script_note(pd.DataFrame({"script": ["simplified", "traditional", "mixed"]}))
    '1 traditional, 1 mixed: the lexicons are Simplified — rerun with --to-simplified'
    """
    if "script" not in getattr(documents, "columns", ()):
        return None
    counts = documents["script"].value_counts()
    trad, mixed = int(counts.get("traditional", 0)), int(counts.get("mixed", 0))
    if not trad and not mixed:
        return None
    found = ", ".join(f"{n} {label}" for n, label in ((trad, "traditional"), (mixed, "mixed")) if n)
    if to_simplified:
        return f"{found}: converted to Simplified (--to-simplified)"
    return f"{found}: the lexicons are Simplified — rerun with --to-simplified"


def clean_summary(report, out: Path, to_simplified: bool = False) -> Table:
    """One table: documents ok / error, chars kept, removals by rule, truncated pages, Traditional
    script, errors. Printed from ``report.summary_rows`` (saved with the run: a re-run that changed
    nothing prints it without reading a table), else computed from the report's tables."""
    rows = getattr(report, "summary_rows", None)
    if rows is None:
        rows = clean_summary_rows(report.documents, report.removals, getattr(report, "files", None), to_simplified)
    table = Table(title=escape(f"speechkit clean → {Path(out)}"), show_lines=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for what, value in rows:
        table.add_row(what, str(report.cached) if value is None else value)
    return table


def clean_summary_rows(docs, rem, files=None, to_simplified: bool = False) -> list[list]:
    """The rows of :func:`clean_summary` (rich markup, escaped), from the clean tables; the value of
    ``from cache`` is None (it is the run's own: filled in when printed).

    >>> import pandas as pd
    >>> docs = pd.DataFrame({"status": ["ok"], "raw_chars": [10], "clean_chars": [8], "truncated": [False],
    ...                      "redactions": [0], "source_path": ["三亚.txt"], "error": [None]})
    >>> rem = pd.DataFrame({"rule": ["byline"], "start": [0], "end": [2]})
    >>> clean_summary_rows(docs, rem)[3:5]
    [['from cache', None], ['characters raw → clean', '10 → 8 (80.0%)']]
    """
    ok = docs[docs["status"] == "ok"]
    out: list[list] = []

    def add(what: str, value: str | None) -> None:
        out.append([what, value])

    if files is not None and len(files):
        top = files[~files["path"].str.contains("/", regex=False) | ~files["path"].map(_inside_read_archive(files))]
        read = files[files["action"] != "skipped"]
        skipped = files[files["action"] == "skipped"]
        add("files read", f"{len(read):,}")
        add("files skipped", f"{len(skipped):,}")
        for reason, n in skipped["reason"].value_counts().items():
            add(escape(f"  skipped: {reason}"), f"{n:,}")
        for fmt, n in read["format"].fillna("?").value_counts().items():
            add(escape(f"  read as {fmt}"), f"{n:,}")
        if len(read) <= MAX_LISTED_READ:  # a small folder: name every file (files.parquet always does)
            for _, row in read.iterrows():
                what = f"{row['format'] or ''}, {int(row['documents'])} document{'s' if row['documents'] != 1 else ''}"
                add(f"[green]read[/] {escape(str(row['path']))}",
                              escape(what if row["action"] == "read" else "error (see below)"))
        for _, row in skipped.head(20).iterrows():
            add(f"[yellow]skipped[/] {escape(str(row['path']))}", escape(str(row["reason"])))
        if len(skipped) > 20:
            add(f"[yellow]skipped[/] … {len(skipped) - 20:,} more", "see files.parquet")
        for _, row in top[top["note"].notna() & top["format"].isin(_TABLE_FORMATS)].head(20).iterrows():
            add(f"table {escape(str(row['path']))}", escape(f"{row['documents']} rows; {row['note']}"))
        add("documents", str(len(docs)))
    else:
        add("files", str(len(docs)))
    add("ok", str(len(ok)))
    add("errors", str(int((docs["status"] == "error").sum())))
    add("from cache", None)
    raw, clean = int(ok["raw_chars"].sum()), int(ok["clean_chars"].sum())
    add("characters raw → clean", f"{raw:,} → {clean:,} ({clean / raw:.1%})" if raw else "0")
    add("truncated by paywall", str(int(ok["truncated"].sum())))
    add("redaction marks kept", str(int(ok["redactions"].sum())))
    note = script_note(ok, to_simplified)
    if note:
        add("[yellow]written in Traditional script[/]", escape(note))
    if len(rem):
        by_rule = rem.assign(chars=rem["end"] - rem["start"]).groupby("rule")["chars"].agg(["count", "sum"])
        for rule, row in by_rule.sort_values("sum", ascending=False).iterrows():
            add(escape(f"  removed by {rule}"), f"{int(row['count'])} × / {int(row['sum']):,} chars")
    for _, row in docs[docs["status"] == "error"].head(20).iterrows():
        add(f"[red]error[/] {escape(str(row['source_path']))}", escape(str(row["error"])))
    return out


def explain_table(info: dict) -> Table:
    """One page's cuts rule by rule (from :func:`speechkit.clean.explain_file`): each cut in red
    between the raw text around it, then the candidate cuts the guard kept, with the reason."""
    title = f"speechkit clean --explain {info['source_path']}"
    table = Table(title=escape(title), show_lines=True)
    table.add_column("rule")
    table.add_column("cut ⟦in context⟧ (⏎ = line break)")
    if info["status"] != "ok":
        table.add_row("[red]error[/]", escape(str(info["error"])))
        return table
    facts = [f"{info['encoding']}", f"{info['format']}", f"script {info['script']}",
             f"{info['raw_chars']:,} → {info['clean_chars']:,} characters"] + list(info["notes"])
    table.caption = escape("; ".join(facts))

    def shown(sample: dict, style: str) -> str:
        where = f"[dim]{sample['start']}–{sample['end']}[/] "
        return (where + "[dim]…[/]" + escape(sample["before"]) + f"[{style}]⟦" + escape(sample["text"]) + f"⟧[/{style}]"
                + escape(sample["after"]) + "[dim]…[/]")

    for entry in info["rules"]:
        head = f"[bold]{escape(entry['rule'])}[/]\n{entry['cuts']} × / {entry['chars']:,} chars"
        if entry["rule"] == "whitespace":
            table.add_row(head, "[dim]blank lines and margins[/]")
            continue
        body = "\n".join(shown(sample, "bold red") for sample in entry["samples"])
        if entry["description"]:
            body = f"[dim]{escape(entry['description'])}[/]\n" + body
        table.add_row(head, body)
    if not info["rules"]:
        table.add_row("[dim]—[/]", "nothing removed")
    for kept in info["kept"]:
        table.add_row(f"[green]kept[/] {escape(kept['rule'])}", f"[green]{escape(kept['reason'])}[/]\n" + shown(kept, "bold green"))
    return table


MAX_LISTED_READ = 30
_TABLE_FORMATS = ("csv", "tsv", "jsonl", "ndjson", "json", "xlsx", "xlsm", "xls", "parquet")


def _inside_read_archive(files):
    archives = set(files.loc[files["format"].isin(("zip", "tar")), "path"])

    def inside(path: str) -> bool:
        return any(path.startswith(a + "/") for a in archives)
    return inside


def analyze_summary(report) -> list[Table]:
    """Tables: per-table row counts, theme coverage, top themes, outline completeness."""
    tables = []
    t = Table(title="speechkit analyze")
    t.add_column("table")
    t.add_column("rows", justify="right")
    for name, n in report.row_counts.items():
        t.add_row(escape(name), f"{n:,}")
    t.add_row("documents analysed", str(report.documents))
    t.add_row("from cache", str(report.cached))
    t.add_row("theme coverage (sentences with ≥1 theme)", f"{report.theme_coverage:.1%}")
    tables.append(t)
    rows = getattr(report, "top_theme_rows", None)
    if rows is None:  # a report without the records (a hand-made one): its DataFrame
        rows = report.top_themes.to_dict("records") if report.top_themes is not None else []
    if rows:
        th = Table(title="themes across the corpus (pooled share of theme hits)")
        th.add_column("theme")
        th.add_column("field")
        th.add_column("documents", justify="right")
        th.add_column("share", justify="right")
        for row in rows[:15]:
            th.add_row(escape(str(row["theme"])), escape(str(row["field"])), str(int(row["docs"])), f"{row['share']:.1%}")
        tables.append(th)
    return tables


def compare_summary(result) -> list[Table]:
    """Tables: written files, near-duplicate groups."""
    t = Table(title=f"speechkit compare --by {','.join(result.by)}")
    t.add_column("output")
    t.add_column("rows", justify="right")
    for name, n in result.row_counts.items():
        t.add_row(escape(name), f"{n:,}")
    t.add_row("charts", str(len(result.charts)))
    t.add_row("folder", escape(str(result.out_dir)))
    return [t]


def _cells(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def _keep_right(text: str, width: int) -> str:
    """The end of ``text`` that fits ``width`` terminal cells (a Chinese character takes two), with … in front."""
    if _cells(text) <= width:
        return text
    out, used = [], 1
    for ch in reversed(text):
        used += _cells(ch)
        if used > width:
            break
        out.append(ch)
    return "…" + "".join(reversed(out))


def _keep_left(text: str, width: int) -> str:
    """The start of ``text`` that fits ``width`` cells, with … at the end."""
    if _cells(text) <= width:
        return text
    out, used = [], 1
    for ch in text:
        used += _cells(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(out) + "…"


def kwic_table(lines, term: str, by: list[str] | None, limit: int, width: int | None = None) -> Table:
    """A concordance as a rich table: left context right-aligned, the term, right context.

    With ``width`` (the terminal's columns) the contexts are cut at their far ends so that every
    line fits: the keyword and the words next to it always stay visible (a Jupyter ``!speechkit
    kwic`` has 80 columns). Missing group values show as 未知, never as nan.
    """
    from speechkit.compare import MISSING_LABEL

    t = Table(title=escape(f"KWIC: {term} ({len(lines)} hits)"), pad_edge=False)
    shown = lines.head(limit)
    by = list(by or [])

    def group_value(value) -> str:
        import pandas as pd

        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return MISSING_LABEL
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    groups = {c: [group_value(v) for v in shown[c]] if c in shown.columns else [MISSING_LABEL] * len(shown) for c in by}
    keywords = [str(v) for v in shown["keyword"]] if len(shown) else [term]
    key_w = max([_cells(k) for k in keywords] + [_cells(term)])
    side = None
    if width:
        group_w = sum(max([_cells(c)] + [_cells(v) for v in vals]) + 3 for c, vals in groups.items())
        # borders and padding: 4 columns of separators, 2 spaces of padding per column
        side = max(6, (width - group_w - key_w - 10) // 2)
    for col in by:
        t.add_column(escape(col), no_wrap=True, overflow="ellipsis")
    t.add_column("left", justify="right", no_wrap=True, min_width=side, max_width=side)
    t.add_column(escape(term), style="bold yellow", no_wrap=True, min_width=key_w)
    t.add_column("right", no_wrap=True, min_width=side, max_width=side)
    for i, (_, row) in enumerate(shown.iterrows()):
        left, right = str(row["left"]), str(row["right"])
        if side is not None:
            left, right = _keep_right(left, side), _keep_left(right, side)
        t.add_row(*[escape(groups[c][i]) for c in by], escape(left), escape(str(row["keyword"])), escape(right))
    return t


def followup_summary_table(summary, path: Path) -> Table:
    """Targets linked per indicator (and group): met, missed, share met, mean gap."""
    table = Table(title=escape(f"speechkit followup → {path}"))
    cols = ["indicator_key"] + (["group"] if "group" in summary.columns else [])
    for col in cols:
        table.add_column({"indicator_key": "indicator", "group": "group"}[col])
    for name in ("linked", "met", "missed", "share met", "mean gap"):
        table.add_column(name, justify="right")
    if not len(summary):
        table.add_row(*(["no target could be linked to a later document of the same place"] + [""] * (len(cols) + 4)))
    for _, row in summary.iterrows():
        share = "" if row["share_met"] != row["share_met"] else f"{row['share_met']:.0%}"
        gap = "" if row["mean_gap"] != row["mean_gap"] else f"{row['mean_gap']:+.2f}"
        table.add_row(*[escape(str(row[c])) for c in cols], str(row["linked"]), str(row["met"]), str(row["missed"]),
                      share, gap)
    return table
