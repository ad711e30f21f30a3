"""Target follow-through: did they do what they said? (``followup.parquet``)

A target set for year Y (``target_year``) by one document is linked to a figure of the same
indicator (``indicator_key``) that a *later* document of the *same place* reports *about* year Y —
a 政府工作报告 given early in 2026 reviews 2025, so its achievements have outcome year 2025. Then
the outcome is judged against the target:

* the indicator's direction (``data/indicators.toml``): a floor (growth, coverage, output) is met
  when the outcome reaches the target, a ceiling (unemployment, prices, energy use, mortality) when
  it stays at or below it; an explicit comparator (以上 ``>=``, 以内/不超过 ``<=``) decides over it;
* 左右 (``~``) and a bare value count at the value itself (5%左右 is met at 5.0 and missed at 4.9),
  unless a ``tolerance`` (in the target's unit, off by default) is given for 左右;
* a range (6.5%－7%) counts at its low end for a floor and its high end for a ceiling;
* units are converted where they can be (万人/人, 亿元/万亿元, 万吨/亿斤, ％/%); a pair whose units
  cannot be reconciled is ``unknown``.

Outcomes are single-year figures: figures in a clause or paragraph about several years (年均,
累计, 五年来, 过去五年, 十三五时期 …) are not outcomes, nor are figures whose own sentence sets a
target. The patterns are data (``data/followup.toml``).
"""
from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib.resources import files

import numpy as np
import pandas as pd

from speechkit.indicators import Indicator, figure_position, load_indicators

__all__ = ["DATA_FILES", "FOLLOWUP_COLUMNS", "followup_table", "summarise_followup", "place_name", "judge"]

DATA_FILES = ("followup.toml", "indicators.toml")

FOLLOWUP_COLUMNS = [
    "place", "indicator_key", "target_doc_id", "target_year", "target_value", "target_low", "target_high",
    "comparator", "target_unit", "outcome_doc_id", "outcome_year", "outcome_value", "outcome_unit", "status", "gap",
    "direction", "target_sentence", "outcome_sentence",
]


@lru_cache(maxsize=1)
def _rules() -> dict:
    data = tomllib.loads((files("speechkit") / "data" / "followup.toml").read_text(encoding="utf-8"))
    units = {}
    for family in data["units"].values():
        for unit, factor in family.items():
            units[unit] = (id(family), float(factor))
    return {
        "multi_year": re.compile(data["multi_year"]["pattern"]),
        "paragraph_multi_year": re.compile(data["multi_year"]["paragraph_pattern"]),
        "review_genre": re.compile(data["genre"]["review_report"]),
        "stated_year": re.compile(data["outcome_year"]["stated_year"]),
        "last_year": re.compile(data["outcome_year"]["last_year"]),
        "this_year": re.compile(data["outcome_year"]["this_year"]),
        "units": units,
        "max_level_ratio": float(data["plausibility"]["max_level_ratio"]),
    }


def place_name(row) -> str | None:
    """The most specific place of a documents row (district, city, province; 全国 for national documents).

    >>> place_name({"province": "浙江省", "city": "绍兴市", "district": None, "level": "市"})
    '绍兴市'
    >>> place_name({"province": None, "city": None, "district": None, "level": "国家"})
    '全国'
    """
    for col in ("district", "city", "province"):
        value = row.get(col) if hasattr(row, "get") else getattr(row, col, None)
        if isinstance(value, str) and value:
            return value
    level = row.get("level") if hasattr(row, "get") else getattr(row, "level", None)
    return "全国" if level == "国家" else None


def _place_key(row) -> tuple | None:
    name = place_name(row)
    if name is None:
        return None
    return tuple((row.get(c) or None) if isinstance(row.get(c), str) else None for c in ("province", "city", "district")) + (name,)


def _convert(value: float, unit: str | None, to_unit: str | None) -> float | None:
    """``value`` in ``unit`` expressed in ``to_unit``; None when the two cannot be reconciled."""
    a, b = (unit or "").replace("％", "%"), (to_unit or "").replace("％", "%")
    if a == b:
        return value
    units = _rules()["units"]
    if a in units and b in units and units[a][0] == units[b][0]:
        return value * units[a][1] / units[b][1]
    return None


def judge(*, direction: str, comparator: str | None, value: float | None, low: float | None, high: float | None,
          outcome: float | None, tolerance: float = 0.0) -> tuple[str, float | None]:
    """``(status, gap)`` of an outcome against a target; the gap is outcome minus the threshold.

    >>> judge(direction="floor", comparator="~", value=5.0, low=None, high=None, outcome=4.9)
    ('missed', -0.1)
    >>> judge(direction="ceiling", comparator="~", value=3.0, low=None, high=None, outcome=0.2)
    ('met', -2.8)
    >>> judge(direction="floor", comparator="=", value=6.5, low=6.5, high=7.0, outcome=6.7)
    ('met', 0.2)
    """
    if outcome is None or (value is None and low is None and high is None):
        return "unknown", None
    if comparator == ">=":
        direction = "floor"
    elif comparator == "<=":
        direction = "ceiling"
    if direction == "floor":
        threshold = low if low is not None and not np.isnan(low) else value
    else:
        threshold = high if high is not None and not np.isnan(high) else value
    if threshold is None or np.isnan(threshold):
        return "unknown", None
    gap = round(outcome - threshold, 6)
    slack = tolerance if comparator == "~" else 0.0
    met = gap >= -slack - 1e-9 if direction == "floor" else gap <= slack + 1e-9
    return ("met" if met else "missed"), gap


def _num(value) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(out) else out


def _year(value) -> int | None:
    out = _num(value)
    return int(out) if out is not None else None


def _target_year(row, doc_year: int | None) -> int | None:
    """The year a target is for: the analysis's ``target_year``; without it the deadline, or the
    document's year for a target without a horizon or with 今年/年内."""
    if "target_year" in row and _year(row["target_year"]) is not None:
        return _year(row["target_year"])
    if "target_year" in row:
        return None  # the analysis looked and found none
    if _year(row.get("deadline_year")) is not None:
        return _year(row["deadline_year"])
    horizon = row.get("horizon")
    if not isinstance(horizon, str) or re.search(r"今年|年内|本年", horizon):
        return doc_year
    return None


def _year_cue(text: str, doc_year: int) -> int | None:
    """The year named by the last year cue in ``text`` (2004年 / 去年, 过去一年 / 今年), or None."""
    rules = _rules()
    cues = [(m.start(), int(m.group(1))) for m in rules["stated_year"].finditer(text) if int(m.group(1)) <= doc_year]
    cues += [(m.start(), doc_year - 1) for m in rules["last_year"].finditer(text)]
    cues += [(m.start(), doc_year) for m in rules["this_year"].finditer(text)]
    return max(cues)[1] if cues else None


def _outcome_year(row, doc: dict) -> int | None:
    """The year an achievement reports on: its status date (到2023年底); the last year cue before it
    in its sentence (2004年，… / 去年 …), else earlier in its paragraph (2025年是收官之年。……; 过去一年，……);
    else, for a report that reviews the past year (政府工作报告), the year before it."""
    doc_year = _year(doc.get("year"))
    if _year(row.get("as_of_year")) is not None:
        return _year(row["as_of_year"])
    if doc_year is None:
        return None
    sentence = row.get("sentence") or ""
    head = sentence[:figure_position(sentence, row.get("indicator"), _num(row.get("value")))]
    year = _year_cue(head, doc_year)
    if year is not None:
        return year
    text, start = doc.get("text") or "", _year(row.get("start"))
    if text and start is not None:
        lo = text.rfind("\n", 0, max(start, 0)) + 1
        year = _year_cue(text[lo:start], doc_year)
        if year is not None:
            return year
    if doc.get("_review_genre"):
        return doc_year - 1
    return None


def _paragraph(text: str, start: int) -> str:
    lo = text.rfind("\n", 0, max(start, 0)) + 1
    hi = text.find("\n", max(start, 0))
    return text[lo: hi if hi >= 0 else len(text)]


def _is_multi_year(row, doc: dict, paragraph: bool = True) -> bool:
    rules = _rules()
    sentence = row.get("sentence") or ""
    pos = figure_position(sentence, row.get("indicator"), _num(row.get("value")))
    clause_start = max((m.end() for m in re.finditer(r"[，；。,;]", sentence[:pos])), default=0)
    if rules["multi_year"].search(sentence[clause_start:pos + 12]):
        return True
    text = doc.get("text") or ""
    start = _year(row.get("start"))
    if paragraph and text and start is not None:
        return bool(rules["paragraph_multi_year"].search(_paragraph(text, start)[:80]))
    return False


def followup_table(*, documents: pd.DataFrame, targets: pd.DataFrame, indicators: tuple[Indicator, ...] | None = None,
                   tolerance: float = 0.0) -> pd.DataFrame:
    """One row per target whose year a later document of the same place reports on (columns :data:`FOLLOWUP_COLUMNS`).

    ``documents`` needs doc_id, year, province, city, district, level (title, meeting, source_path
    and text help); ``targets`` is targets.parquet with ``indicator_key``.
    """
    indicators = load_indicators() if indicators is None else indicators
    by_key = {ind.key: ind for ind in indicators}
    if targets is None or not len(targets) or "indicator_key" not in targets.columns:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FOLLOWUP_COLUMNS})
    rules = _rules()
    docs: dict[str, dict] = {}
    for row in documents.to_dict("records"):
        genre = " ".join(str(row.get(c) or "") for c in ("title", "meeting", "source_path"))
        genre += " " + str(row.get("text") or "")[:400]
        row["_review_genre"] = bool(rules["review_genre"].search(genre))
        row["_place"] = _place_key(row)
        docs[row["doc_id"]] = row
    rows = targets[targets["indicator_key"].isin(by_key) & targets["doc_id"].isin(docs)]
    rows = rows[~rows.get("redacted", pd.Series(False, index=rows.index)).fillna(False).astype(bool)]
    planned: list[tuple[dict, dict, int]] = []
    reported: dict[tuple, list[tuple[dict, dict]]] = {}
    for record in rows.to_dict("records"):
        doc = docs[record["doc_id"]]
        if doc["_place"] is None or _num(record.get("value")) is None and _num(record.get("value_low")) is None:
            continue
        if record["kind"] == "target":
            if _is_multi_year(record, doc, paragraph=False):  # “十五”期间年均增长7%: not a target for one year
                continue
            year = _target_year(record, _year(doc.get("year")))
            if year is not None:
                planned.append((record, doc, year))
        elif record["kind"] == "achievement" and not _is_multi_year(record, doc):
            year = _outcome_year(record, doc)
            if year is not None:
                reported.setdefault((doc["_place"], record["indicator_key"], year), []).append((record, doc))
    out = []
    seen: set[tuple] = set()
    for record, doc, year in planned:
        key = (doc["_place"], record["indicator_key"], year)
        if (key, record["doc_id"]) in seen:  # one row per (target document, indicator, year): its first statement
            continue
        doc_year = _year(doc.get("year"))
        candidates = [(r, d) for r, d in reported.get(key, [])
                      if d["doc_id"] != doc["doc_id"] and doc_year is not None and (_year(d.get("year")) or 0) > doc_year]
        indicator = by_key[record["indicator_key"]]
        value, low, high = _num(record.get("value")), _num(record.get("value_low")), _num(record.get("value_high"))
        choice = None
        for r, d in sorted(candidates, key=lambda rd: (_year(rd[1].get("year")) or 0, _year(rd[0].get("start")) or 0)):
            reported_value = _num(r.get("value"))
            converted = _convert(reported_value, r.get("unit"), record.get("unit")) if reported_value is not None else None
            if converted is not None and indicator.units and "%" not in indicator.units and value:
                ratio = converted / value if value else 1.0
                if not (1 / rules["max_level_ratio"] <= ratio <= rules["max_level_ratio"]):
                    continue  # a five-year total or another quantity under the same words
            choice = (r, d, converted)
            break
        if choice is None:
            continue
        seen.add((key, record["doc_id"]))
        r, d, converted = choice
        status, gap = judge(direction=indicator.direction, comparator=record.get("comparator"), value=value,
                            low=low, high=high, outcome=converted, tolerance=tolerance)
        out.append({
            "place": doc["_place"][-1], "indicator_key": record["indicator_key"], "target_doc_id": record["doc_id"],
            "target_year": year, "target_value": value, "target_low": low, "target_high": high,
            "comparator": record.get("comparator"), "target_unit": record.get("unit"), "outcome_doc_id": d["doc_id"],
            "outcome_year": year, "outcome_value": _num(r.get("value")), "outcome_unit": r.get("unit"), "status": status,
            "gap": gap, "direction": indicator.direction, "target_sentence": record.get("sentence"),
            "outcome_sentence": r.get("sentence"),
        })
    table = pd.DataFrame(out, columns=FOLLOWUP_COLUMNS)
    for col in ("target_year", "outcome_year"):
        table[col] = table[col].astype("Int64")
    for col in ("target_value", "target_low", "target_high", "outcome_value", "gap"):
        table[col] = table[col].astype("float64")
    return table.sort_values(["place", "indicator_key", "target_year"], kind="stable").reset_index(drop=True)


def summarise_followup(followup: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Per indicator (and group): targets linked, met, missed, unknown, share met (of judged) and mean gap.

    >>> f = pd.DataFrame({"indicator_key": ["城镇新增就业", "城镇新增就业"], "status": ["met", "missed"], "gap": [100.0, -5.0]})
    >>> summarise_followup(f)[["indicator_key", "linked", "share_met", "mean_gap"]].to_dict("records")
    [{'indicator_key': '城镇新增就业', 'linked': 2, 'share_met': 0.5, 'mean_gap': 47.5}]
    """
    keys = ["indicator_key"] + list(by or [])
    if followup is None or not len(followup):
        return pd.DataFrame(columns=keys + ["linked", "met", "missed", "unknown", "share_met", "mean_gap"])
    f = followup.assign(_met=followup["status"].eq("met"), _missed=followup["status"].eq("missed"),
                        _unknown=followup["status"].eq("unknown"))
    g = f.groupby(keys, dropna=False)
    out = g.agg(linked=("status", "size"), met=("_met", "sum"), missed=("_missed", "sum"), unknown=("_unknown", "sum"),
                mean_gap=("gap", "mean")).reset_index()
    judged = out["met"] + out["missed"]
    out["share_met"] = (out["met"] / judged.where(judged > 0)).astype("float64")
    for col in ("linked", "met", "missed", "unknown"):
        out[col] = out[col].astype("int64")
    return out[keys + ["linked", "met", "missed", "unknown", "share_met", "mean_gap"]]


def followup_corpus(*, processed_dir, out_dir=None, indicators_file=None, tolerance: float = 0.0,
                    formats: tuple[str, ...] = ("parquet",)) -> pd.DataFrame:
    """Link the targets of ``processed_dir`` to later outcomes and write ``followup.parquet`` (returned too).

    Needs documents.parquet and targets.parquet (``speechkit analyze``). The table carries the run
    id of the documents it was computed from, like the analyze tables.
    """
    from pathlib import Path

    from speechkit.io import INPUT_RUN_KEY, RUN_KEY, new_run_id, read_table, require_table, table_run, write_table

    processed_dir = Path(processed_dir)
    out_dir = Path(out_dir) if out_dir else processed_dir
    columns = ["doc_id", "year", "province", "city", "district", "level", "title", "meeting", "source_path", "text",
               "status"]
    documents_path = require_table(processed_dir, "documents")
    documents = read_table(processed_dir, "documents", columns=columns)
    documents = documents[documents["status"] == "ok"]
    targets = read_table(processed_dir, "targets")
    if "indicator_key" not in targets.columns:
        raise ValueError(f"{processed_dir / 'targets.parquet'}: no indicator_key column (written by an older "
                         "speechkit): re-run `speechkit analyze`")
    if indicators_file:  # re-key with the user's indicators
        from speechkit.indicators import indicator_key

        inds = load_indicators(indicators_file)
        targets = targets.assign(indicator_key=[
            indicator_key(indicator=r.indicator, sentence=r.sentence, value=r.value, unit=r.unit, indicators=inds)
            for r in targets.itertuples()])
    else:
        inds = load_indicators()
    table = followup_table(documents=documents, targets=targets, indicators=inds, tolerance=tolerance)
    run = {RUN_KEY: new_run_id(), INPUT_RUN_KEY: table_run(documents_path).get("run_id")}
    write_table(table, out_dir, "followup", formats, run=run)
    return table
