"""Step ``targets``: the stated targets of a document (到2025年…达到85%以上), each with its indicator key.

Reads the text and the year the speech was given (a deadline vs a status date); writes ``targets``.
"""
from __future__ import annotations

import pyarrow as pa

from speechkit.indicators import DATA_FILES as INDICATOR_FILES
from speechkit.steps import Doc, Step
from speechkit.targets import DATA_FILES as TARGET_FILES

TARGETS = pa.schema([("doc_id", pa.string()), ("kind", pa.string()), ("indicator", pa.string()), ("value", pa.float64()),
                     ("unit", pa.string()), ("comparator", pa.string()), ("deadline_year", pa.int64()),
                     ("horizon", pa.string()), ("redacted", pa.bool_()), ("sentence", pa.string()), ("start", pa.int64()),
                     ("end", pa.int64()), ("as_of_year", pa.int64()), ("indicator_key", pa.string()),
                     # targets (issue 13): range bounds, the year a target is for and how it was found, how binding it is,
                     # and where the figure itself stands in the text
                     ("value_low", pa.float64()), ("value_high", pa.float64()), ("target_year", pa.int64()),
                     ("year_source", pa.string()), ("commitment", pa.string()), ("figure_start", pa.int64()),
                     ("figure_end", pa.int64())])


def run(doc: Doc) -> dict:
    """The ``targets`` table of one document.

    >>> from speechkit.analyze import AnalysisTools, AnalyzeOptions
    >>> row = run(Doc("d1", "到2025年，普惠性幼儿园覆盖率达到85%以上。", 2021, AnalysisTools(AnalyzeOptions())))["targets"].to_pylist()[0]
    >>> row["value"], row["deadline_year"]
    (85.0, 2025)
    """
    from speechkit.indicators import indicator_key
    from speechkit.targets import extract_targets

    text, indicators = doc.text, doc.tools.indicators
    found = extract_targets(text, year=doc.year)
    # column by column (no dict per row): every field of Target is a column of the table
    columns = {name: [getattr(t, name) for t in found] for name in TARGETS.names if name not in _NOT_FIELDS}
    columns["doc_id"] = [doc.doc_id] * len(found)
    columns["indicator_key"] = [indicator_key(indicator=t.indicator, sentence=t.sentence, value=t.value, unit=t.unit,
                                              indicators=indicators, before=line_before(text, t.start)) for t in found]
    return {"targets": pa.Table.from_pydict(columns, schema=TARGETS)}


_NOT_FIELDS = ("doc_id", "indicator_key")  # the columns the step adds to the fields of a Target


def line_before(text: str, start: int, chars: int = 40) -> str:
    """The text of the line just before ``start`` when a sentence begins a line without ending the one before
    (a figure broken across lines: …74.4⏎万亿元), else "".

    >>> line_before("全年生产总值74.4\\n万亿元", 11), line_before("句子。\\n下一句", 4)
    ('全年生产总值74.4', '')
    """
    if start <= 0 or text[start - 1] != "\n":
        return ""
    lo = max(0, start - 1 - chars)
    prev = text[lo:start - 1]
    return "" if not prev or prev[-1] in "。！？；!?;：:" else prev


STEP: Step = Step("targets", run=run, reads=("text", "year"), writes={"targets": TARGETS},
            data_files=(*TARGET_FILES, *INDICATOR_FILES))
