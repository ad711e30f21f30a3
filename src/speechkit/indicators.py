"""Canonical indicators: which quantity a target or an achievement measures (``indicator_key``).

The extracted ``indicator`` of a figure is the words before it (国内生产总值增长, 比上年增长,
居民消费价格总水平涨幅控制在 …). :func:`indicator_key` maps it to a canonical key from the data file
``data/indicators.toml`` — trying the extracted words, then the clause that holds the figure, then,
when that clause has no subject of its own (比上年增长9.9%), the clause before it — and falls back
to a normalised form of the extracted words. Each indicator also says its direction (a floor such
as growth, or a ceiling such as unemployment or prices) and the units it can have, which
:mod:`speechkit.followup` uses to judge whether a target was met.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from speechkit.firstchars import with_first_char_lookahead

__all__ = ["DATA_FILES", "Indicator", "load_indicators", "indicator_key", "normalise_indicator",
           "figure_position", "IndicatorFileError"]

DATA_FILES = ("indicators.toml",)
DIRECTIONS = ("floor", "ceiling")


class IndicatorFileError(ValueError):
    """An indicators file is missing, not TOML, or has an invalid entry."""


@dataclass(frozen=True)
class Indicator:
    """One canonical indicator (an ``[[indicator]]`` of indicators.toml)."""

    key: str
    direction: str
    units: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]
    label: str = ""

    def accepts_unit(self, unit: str | None) -> bool:
        """Whether a figure in ``unit`` can be this indicator (no units listed: any)."""
        return not self.units or _norm_unit(unit) in self.units


def _norm_unit(unit: str | None) -> str:
    return (unit or "").replace("％", "%").strip()


def _parse(data: dict, source: str) -> list[Indicator]:
    entries = data.get("indicator", [])
    if not isinstance(entries, list):
        raise IndicatorFileError(f"{source}: expected [[indicator]] tables")
    out = []
    for i, entry in enumerate(entries, 1):
        key = entry.get("key")
        if not isinstance(key, str) or not key.strip():
            raise IndicatorFileError(f"{source}: indicator #{i} has no key")
        direction = entry.get("direction", "floor")
        if direction not in DIRECTIONS:
            raise IndicatorFileError(f"{source}: indicator {key!r} has direction {direction!r} (use floor or ceiling)")
        patterns = entry.get("patterns", [])
        if not patterns or not all(isinstance(p, str) for p in patterns):
            raise IndicatorFileError(f"{source}: indicator {key!r} needs a list of patterns")
        try:
            compiled = tuple(re.compile(p) for p in patterns)
        except re.error as exc:
            raise IndicatorFileError(f"{source}: indicator {key!r}: bad pattern: {exc}") from exc
        units = tuple(_norm_unit(u) for u in entry.get("units", []))
        out.append(Indicator(key.strip(), direction, units, compiled, str(entry.get("label", ""))))
    return out


@lru_cache(maxsize=1)
def _matching() -> tuple[int, re.Pattern]:
    bundled = tomllib.loads((files("speechkit") / "data" / "indicators.toml").read_text(encoding="utf-8"))
    matching = bundled.get("matching", {})
    return int(matching.get("max_gap", 10)), re.compile(matching.get("gap_blockers", "的"))


@lru_cache(maxsize=8)
def _load(extra: str | None) -> tuple[Indicator, ...]:
    bundled = tomllib.loads((files("speechkit") / "data" / "indicators.toml").read_text(encoding="utf-8"))
    indicators = {ind.key: ind for ind in _parse(bundled, "indicators.toml")}
    if extra:
        path = Path(extra)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise IndicatorFileError(f"{path}: cannot read the indicators file: {exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise IndicatorFileError(f"{path}: not valid TOML: {exc}") from exc
        user = _parse(data, str(path))
        # the user's entries come first (they win where patterns overlap) and replace same-key ones
        rest = [ind for key, ind in indicators.items() if key not in {u.key for u in user}]
        return tuple(user) + tuple(rest)
    return tuple(indicators.values())


def load_indicators(extra: Path | str | None = None) -> tuple[Indicator, ...]:
    """The bundled indicators, with the entries of ``extra`` (a TOML file) first and replacing same keys.

    >>> [i.key for i in load_indicators()][:3]
    ['地区生产总值增长', '居民消费价格涨幅', '城镇新增就业']
    """
    return _load(str(extra) if extra else None)


_CLAUSE_BREAK = re.compile(r"[，,；;：:、。！？!?（(）)]")
_LAST_CLAUSE_BREAK = re.compile(r"(?s:.*)" + _CLAUSE_BREAK.pattern)
_NO_SUBJECT = re.compile(r"^\s*(?:全年|去年|今年|同期|其中)?\s*(?:比上年|比去年|较上年|较去年|同比|环比|分别|实际|扣除价格因素|"
                         r"增长|增速|增幅|上涨|下降|降低|提高|达到|为|年均)")


@lru_cache(maxsize=4096)
def _number_strings(value: float) -> tuple[str, ...]:
    """How a value may be written in the sentence: 9.9 -> ('9.9',), 12000 -> ('12000', '12,000')."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    if "." not in text and len(text) > 4:
        return text, f"{int(value):,}"
    return (text,)


def figure_position(sentence: str, indicator: str | None, value: float | None) -> int:
    """Where the figure of a target row stands in its sentence (the offset of its number).

    The number is looked up after the extracted indicator; without a number (Chinese numerals,
    a redacted figure) the end of the indicator stands in.

    >>> figure_position("全年国内生产总值达到18.23万亿元，比上年增长9.9%", "比上年增长", 9.9)
    24
    """
    anchor = sentence.find(indicator) if indicator else -1
    if value is not None and value == value:
        for number in _number_strings(float(value)):
            at = sentence.find(number)
            while at >= 0:
                end = at + len(number)
                before = sentence[at - 1] if at else ""
                after = sentence[end] if end < len(sentence) else ""
                glued = before.isdigit() or before == "." or after.isdigit() or (
                    after == "." and end + 1 < len(sentence) and sentence[end + 1].isdigit())
                if not glued and (anchor < 0 or at >= anchor):
                    return at
                at = sentence.find(number, at + 1)
    if anchor >= 0 and indicator:
        return anchor + len(indicator)
    return len(sentence)


def _clauses(sentence: str, position: int) -> tuple[str, str]:
    """(the clause ending at ``position``, the clause before it)."""
    head = sentence[:position]
    last = _LAST_CLAUSE_BREAK.match(head)  # the last break, found from the end (not a list of all)
    if last is None:
        return head, ""
    start = last.end()
    before = _LAST_CLAUSE_BREAK.match(head, 0, start - 1)
    prev_start = before.end() if before else 0
    return head[start:], head[prev_start:start]


_ANY: dict[int, re.Pattern] = {}
_MEMO: dict[tuple, str | None] = {}


def _any_pattern(indicators: tuple[Indicator, ...]) -> re.Pattern:
    """One alternation of every pattern: a text that matches none of them is rejected in one search."""
    key = id(indicators)
    if key not in _ANY:
        union = "|".join(f"(?:{p.pattern})" for ind in indicators for p in ind.patterns)
        _ANY[key] = re.compile(with_first_char_lookahead(union))  # same matches, positions skipped fast
    return _ANY[key]


def _first_match(text: str, indicators: tuple[Indicator, ...], unit: str | None) -> str | None:
    """The key whose pattern matches ``text`` nearest to its end (the words right before the figure),
    with no word of another quantity in between (see ``[matching]`` in indicators.toml)."""
    memo = (text, unit, id(indicators))
    if memo in _MEMO:
        return _MEMO[memo]
    if len(_MEMO) > 200_000:
        _MEMO.clear()
    best = _scan(text, indicators, unit) if _any_pattern(indicators).search(text) else None
    _MEMO[memo] = best
    return best


def _scan(text: str, indicators: tuple[Indicator, ...], unit: str | None) -> str | None:
    max_gap, blockers = _matching()
    best, best_end = None, -1
    for ind in indicators:
        if not ind.accepts_unit(unit):
            continue
        for pattern in ind.patterns:
            for m in pattern.finditer(text):
                gap = text[m.end():]
                if len(gap) > max_gap or blockers.search(gap):
                    continue
                if m.end() > best_end:
                    best, best_end = ind.key, m.end()
    return best


def indicator_key(*, indicator: str | None, sentence: str, value: float | None, unit: str | None,
                  indicators: tuple[Indicator, ...] | None = None, before: str = "") -> str | None:
    """The canonical key of the quantity a figure measures, or the normalised indicator (fallback).

    >>> indicator_key(indicator="比上年增长", sentence="全年国内生产总值达到18.23万亿元，比上年增长9.9%；", value=9.9, unit="%")
    '地区生产总值增长'
    >>> indicator_key(indicator="国内生产总值", sentence="全年国内生产总值达到18.23万亿元，比上年增长9.9%；", value=18.23, unit="万亿元")
    '国内生产总值'
    >>> indicator_key(indicator="涨幅控制在", sentence="国内生产总值增长10.3%，居民消费价格涨幅控制在3.3%", value=3.3, unit="%")
    '居民消费价格涨幅'

    ``before`` is the text just before the sentence: a figure whose sentence was cut by a line break
    inside it (…达到74.4⏎万亿元，增长6.7%) takes its subject from there.

    >>> indicator_key(indicator=None, sentence="万亿元，增长6.7%。", value=6.7, unit="%", before="国内生产总值达到74.4")
    '地区生产总值增长'
    """
    indicators = load_indicators() if indicators is None else indicators
    if indicator:
        key = _first_match(indicator, indicators, unit)
        if key:
            return key
    clause, previous = _clauses(sentence or "", figure_position(sentence or "", indicator, value))
    if before:  # the sentence continues the line before it: its first clause starts there
        previous = _CLAUSE_BREAK.split(before)[-1] + previous
    key = _first_match(clause, indicators, unit)
    if key:
        return key
    if previous and (_NO_SUBJECT.match(clause) or not _CJK.search(clause)):
        key = _first_match(previous + "，" + clause, indicators, unit)
        if key:
            return key
    return normalise_indicator(indicator)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LEADING = re.compile(r"^(?:全年|去年|今年|明年|全市|全省|全区|全县|全国|力争|确保|争取|预计|实现|其中|累计|新增?)+")
_TRAILING = re.compile(r"(?:达到|达|增长|增加|提高到|提高|提升到|提升|控制在|保持在|稳定在|下降|降低|减少|为|比上年|同比|分别|"
                       r"以上|以内|左右|超过|突破|不低于|不超过|要|将|的)+$")
_PUNCT = re.compile(r"[\s“”\"'‘’《》（）()【】\[\]、，,：:；;]")


_NORMALISED: dict[str, str | None] = {}


def normalise_indicator(text: str | None) -> str | None:
    """The extracted indicator without leading scope words, trailing verbs and punctuation (None when nothing is left).

    >>> normalise_indicator("全年粮食播种面积稳定在"), normalise_indicator("比上年增长")
    ('粮食播种面积', None)
    """
    if not text:
        return None
    if text in _NORMALISED:  # the same words stand before many figures
        return _NORMALISED[text]
    if len(_NORMALISED) > 100_000:
        _NORMALISED.clear()
    _NORMALISED[text] = out = _normalise(text)
    return out


def _normalise(text: str) -> str | None:
    out = _PUNCT.sub("", text)
    for _ in range(3):
        new = _TRAILING.sub("", _LEADING.sub("", out))
        if new == out:
            break
        out = new
    if _COMPARISON_ONLY.match(out):  # 比上一年, 比一九五七年, 年均: a comparison, not a quantity
        return None
    return out if len(_CJK.findall(out)) >= 2 else None


_COMPARISON_ONLY = re.compile(r"^(?:比|较|同比|环比|年均|平均每年|实际|占)")
