"""Keyword in context (concordance) over the cleaned texts.

Each occurrence of a term becomes one row: a window of characters to the
left, the keyword itself and a window to the right, with its character
offsets into ``documents.text``. Line breaks inside the windows are shown as
``⏎`` so that each line of a concordance stays on one line.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["LINE_BREAK_MARK", "concordance"]

#: What a line break looks like inside a left or right context.
LINE_BREAK_MARK = "⏎"

_CONTEXT_COLUMNS = ("title",)


def _context(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", LINE_BREAK_MARK)


def concordance(
    documents: pd.DataFrame,
    term: str,
    window: int = 20,
    by: Sequence[str] = (),
    regex: bool = False,
    group_labels: pd.Series | None = None,
) -> pd.DataFrame:
    """Every occurrence of ``term`` in ``documents.text`` with ``window`` characters either side.

    >>> docs = pd.DataFrame({"doc_id": ["d1"], "text": ["推动妇女就业创业，促进妇女全面发展。"]})
    >>> concordance(docs, "妇女", window=4)[["left", "keyword", "right", "start"]].values.tolist()
    [['推动', '妇女', '就业创业', 2], ['业，促进', '妇女', '全面发展', 11]]

    ``regex=True`` treats ``term``
    as a regular expression (``"妇女(儿童)?"``); ``keyword`` is then the matched
    text. Columns: ``doc_id``, ``title`` (when present), the ``by`` columns and
    ``group`` (when given), ``left``, ``keyword``, ``right``, ``start``, ``end``
    (offsets of the keyword in the text). Rows follow the order of
    ``documents`` (sorted by the ``by`` columns when given) and then of the
    offsets.
    """
    if not isinstance(term, str) or not term:
        raise ValueError("term must be a non-empty string")
    if window < 0:
        raise ValueError(f"window must be >= 0, got {window}")
    by = list(by)
    context_cols = [c for c in _CONTEXT_COLUMNS if c in documents.columns]
    columns = ["doc_id", *context_cols, *by, *(["group"] if by else []), "left", "keyword", "right", "start", "end"]
    pattern = re.compile(term if regex else re.escape(term))
    texts = documents["text"].fillna("").astype(str)
    if regex:
        has = texts.map(lambda t: pattern.search(t) is not None)
    else:
        has = texts.str.contains(term, regex=False)
    hits = np.flatnonzero(has.to_numpy(dtype=bool))
    records: list[tuple[int, str, str, str, int, int]] = []
    text_values = texts.to_numpy()
    for row in hits:
        text = text_values[row]
        for match in pattern.finditer(text):
            start, end = match.span()
            if start == end:  # a regex matching the empty string
                continue
            records.append(
                (
                    int(row),
                    _context(text[max(0, start - window) : start]),
                    match.group(0),
                    _context(text[end : end + window]),
                    start,
                    end,
                )
            )
    if not records:
        return pd.DataFrame(columns=columns)
    found = pd.DataFrame.from_records(records, columns=["_row", "left", "keyword", "right", "start", "end"])
    meta = documents.iloc[found["_row"].to_numpy()].reset_index(drop=True)
    out = pd.DataFrame({"doc_id": meta["doc_id"].to_numpy()})
    for col in [*context_cols, *by]:
        out[col] = meta[col].to_numpy()
    if by:
        if group_labels is not None:
            out["group"] = group_labels.iloc[found["_row"].to_numpy()].to_numpy()
        else:
            from speechkit.compare import group_label

            out["group"] = group_label(meta, by).to_numpy()
    for col in ["left", "keyword", "right", "start", "end"]:
        out[col] = found[col].to_numpy()
    out["start"] = out["start"].astype(np.int64)
    out["end"] = out["end"].astype(np.int64)
    out = out.loc[:, columns]
    if by:
        out = out.sort_values(by, kind="stable", na_position="last").reset_index(drop=True)
    return out
