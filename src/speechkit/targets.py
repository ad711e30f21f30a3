"""Stated targets and reported figures in speeches and 政府工作报告.

``extract_targets`` finds every number that carries a unit (or a redaction
mark, or a unit whose number was stripped) and returns one :class:`Target`
per figure: the measured thing, value, unit, comparator, deadline, time
horizon, and whether it is a goal ('target') or a result ('achievement').

Conventions
-----------
* The value keeps the stated magnitude: ``三万名`` is value 3.0, unit
  ``'万名'``; ``1.2万人次`` is 1.2, ``'万人次'``; ``百分之八十五`` is 85,
  ``'%'`` (full-width ``％`` is reported as ``'%'``).
* ``300余个`` / ``1000多家`` are 300 / 1000 with comparator ``'>='``.
* A figure whose number was stripped (``新建行业妇联个``, ``帮助*名妇女``)
  is a row with ``value=None`` and ``redacted=True``.
* ``deadline_year`` is the year of a 到/至…年(底) or …年前 phrase of the
  sentence; for an achievement that is the as-of year.
* Kind: a cue in the figure's clause decides (modal 要/力争/确保/将… ->
  target; 已/累计/去年/同比/…以来 -> achievement; 目标/预期/今年/到20XX年 ->
  target), else the nearest cue before it in the sentence, else the frame set
  by the last section heading ('2023年工作回顾' / '2024年工作安排'), else
  'achievement'.
* Units, cue words, indicator trimming words and non-value patterns live in
  ``speechkit/data/targets.toml``.

Everything is regex driven and linear in the text length: whole-text passes
use patterns that start with a literal or a character class (so ``re`` scans
fast), sentences are found only around figures, and context windows around a
figure are capped, so a multi-megabyte text on one line is fine.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

__all__ = ["Target", "extract_targets"]

_CJK = "\u4e00-\u9fff"
_SENTENCE_END = "。！？；!?;"
_CLOSERS = "”’\"）)》」』"
_CLAUSE_SEPS = ",，;；:：。！？!?\n\r"
_SEGMENT_SEPS = _CLAUSE_SEPS + "、"
_WINDOW = 300  # characters of context looked at on each side of a figure
_INDICATOR_WINDOW = 60  # characters before a figure that can hold its indicator

_SENT_END_RE = re.compile(f"[{_SENTENCE_END}\\n\\r]")
_LAST_SENT_END_RE = re.compile(f"(?s:.*)(?:[{_SENTENCE_END}][{_CLOSERS}]*|[\\n\\r])")
_SENT_TAIL_RE = re.compile(f"[{_SENTENCE_END}]+[{_CLOSERS}]*")
_CLAUSE_SEP_RE = re.compile(f"[{re.escape(_CLAUSE_SEPS)}]")
_LAST_CLAUSE_SEP_RE = re.compile(f"(?s:.*)[{re.escape(_CLAUSE_SEPS)}]")
_SEGMENT_SEP_RE = re.compile(f"[{re.escape(_SEGMENT_SEPS)}]")
_LAST_SEGMENT_SEP_RE = re.compile(f"(?s:.*)[{re.escape(_SEGMENT_SEPS)}]")
_LIST_JOINERS = frozenset({"、", "和", "及", "与"})
_COORDINATORS = ("和", "及", "与", "以及")
_BRACKET_RE = re.compile(r"[()（）【】\[\]]")
_YEAR_RE = re.compile(r"20\d\d")
_NUMBER_START_RE = re.compile(r"[\d一二两三四五六七八九*＊]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


@dataclass
class Target:
    """One stated target or reported figure.

    ``kind`` is 'target' (to be reached) or 'achievement' (was reached);
    ``sentence == text[start:end]`` is the sentence that holds the figure.
    ``as_of_year`` is the date of a status figure (到2023年底,全市已建成… in a 2024
    speech), set instead of ``deadline_year`` when the speech's year is known and later.
    """

    kind: str
    indicator: str
    value: float | None
    unit: str | None
    comparator: str
    deadline_year: int | None
    horizon: str | None
    redacted: bool
    sentence: str
    start: int
    end: int
    as_of_year: int | None = None


# --------------------------------------------------------------------------
# rules: data file -> compiled patterns
# --------------------------------------------------------------------------


def _literals(words) -> str:
    """Regex matching any of the literal words, longest first, as a prefix trie.

    A trie keeps the alternation cheap to try: ``个(?:百分点|工作日|月)?``
    instead of four branches starting with 个.
    """
    words = sorted({w for w in words if w})
    if not words:
        return "(?!)"
    by_first: dict[str, list[str]] = {}
    for w in words:
        by_first.setdefault(w[0], []).append(w[1:])
    branches = []
    for first, rests in by_first.items():
        tails = [t for t in rests if t]
        head = re.escape(first)
        if not tails:
            branches.append(head)
        else:
            sub = _literals(tails)
            branches.append(f"{head}(?:{sub})" + ("?" if "" in rests else ""))
    return "|".join(branches)


def _union(patterns) -> str:
    """Alternation of patterns.  It stays fast to scan when every pattern
    starts with a literal and holds no top-level '|'."""
    return "|".join(f"(?:{p})" for p in patterns)


@dataclass(frozen=True)
class _Rules:
    figure_passes: tuple  # (kind, regex), each regex starting with a character class
    percent_re: re.Pattern
    mark_start_re: re.Pattern  # where a redaction mark may start
    mark_re: re.Pattern  # redaction mark + unit, tried only at those places
    missing_end_re: re.Pattern
    missing_direct_re: re.Pattern
    mask_res: tuple
    unit_non_followers: dict
    cue_re: re.Pattern
    modal_re: re.Pattern
    past_re: re.Pattern
    deadline_re: re.Pattern
    horizon_re: re.Pattern
    inline_heading_re: re.Pattern
    line_heading_re: re.Pattern
    short_line_re: re.Pattern  # a short line without sentence punctuation
    paragraph_frame_re: re.Pattern
    paragraph_target_re: re.Pattern
    inline_frame_re: re.Pattern
    inline_target_re: re.Pattern
    target_heading_re: re.Pattern
    achievement_heading_re: re.Pattern
    chinese_units: frozenset
    bare_free: frozenset
    bare_followers: tuple
    before_words: dict  # word -> comparator
    before_lengths: tuple  # word lengths, longest first
    after_words: dict
    ge_floating: re.Pattern
    after_lengths: tuple
    trailing_re: re.Pattern
    leading_re: re.Pattern
    tail_stop_re: re.Pattern
    scope_cut_re: re.Pattern
    change_verbs: tuple
    counting_re: re.Pattern
    not_before_yu: frozenset
    not_missing_after: frozenset
    unit_prev_chars: dict
    missing_not_followed_by: tuple
    numeral_chars: frozenset
    measure_units: frozenset
    counted_units: frozenset
    magnitudes: tuple  # longest first
    max_chars: int


def _comparator_words(c: dict, keys: tuple[str, str, str]) -> tuple[dict, tuple]:
    words = {}
    for key, comp in zip(keys, ("~", ">=", "<=")):
        words.update({w: comp for w in c[key]})
    return words, tuple(sorted({len(w) for w in words}, reverse=True))


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    with (files("speechkit") / "data" / "targets.toml").open("rb") as fh:
        data = tomllib.load(fh)
    u, n, c = data["units"], data["numbers"], data["comparators"]
    cues, frames, ind, red = data["cues"], data["frames"], data["indicator"], data["redaction"]

    base = _literals(u["base"])
    mags = _literals(u["magnitudes"])
    more = "".join(u["approx_more"])
    digits, mult = n["chinese_digits"], n["chinese_multipliers"]
    cn_all = digits + mult
    not_after = re.escape(n["not_after_chars"])
    unit = (
        f"(?P<more>[{more}])?"
        f"(?:(?P<mag>{mags})(?P<more2>[{more}])?(?P<base>{base})?|(?P<base2>{base}))"
    )
    arabic_tail = r"\d*+(?:,\d{3})*+(?:[.．]\d+)?"
    # Each pass starts with a character class so that `re` scans quickly.
    # Look-behinds of width 2-3 test the character before the number: it
    # must not continue a number or a code, and must not be an ordinal/rank
    # mark (第, 前) or the start of a range (0—3岁, 5%—6%).
    arabic = (
        f"(?P<num>\\d(?<![\\d.．A-Za-z{not_after}]\\d)(?<![\\d%][-—–~～]\\d)(?<![A-Za-z\\d][-—]\\d)"
        f"{arabic_tail}){unit}"
    )
    # 四万三千多人: a magnitude inside the numeral is part of it when more
    # numeral follows; a final one belongs to the unit (三万名 -> 3, 万名)
    chinese_tail = f"[{cn_all}]*+(?:[万亿][{digits}十][{cn_all}]*+)*+(?:点[{digits}]+)?"
    chinese = f"(?P<num>[{digits}十](?<![{cn_all}万亿\\d{not_after}][{digits}十]){chinese_tail}){unit}"
    percent = f"(?:{_literals(u['percent_words'])})(?P<pnum>\\d+(?:[.．]\\d+)?|[{digits}十]{chinese_tail})"
    marks = f"(?P<num>{_union(n['redaction_mark_patterns'])}){unit}"

    # units whose number is missing, with every magnitude / 余 combination
    redactable = list(u["redactable"])
    # 百万/千万 hold a number of their own (百万名 = 1,000,000 people)
    plain_mags = [m for m in u["magnitudes"] if m[0] not in cn_all]
    combos = set(redactable) | {m + x for m in plain_mags for x in redactable}
    with_yu = combos | {"余" + x for x in redactable}
    seps = re.escape(_SEGMENT_SEPS)

    marker = frames["heading_marker_pattern"]
    heading_body = "[^\\n。；;！!？?\\s]{1,40}"
    before_words, before_lengths = _comparator_words(c, ("approx_before", "ge_before", "le_before"))
    after_words, after_lengths = _comparator_words(c, ("approx_after", "ge_after", "le_after"))
    modal, past, nominal = cues["target_modal_patterns"], cues["achievement_patterns"], cues["target_patterns"]

    return _Rules(
        figure_passes=(("arabic", re.compile(arabic)), ("chinese", re.compile(chinese))),
        percent_re=re.compile(percent),
        mark_start_re=re.compile(f"[{re.escape(n['redaction_mark_chars'])}]"),
        mark_re=re.compile(marks),
        missing_end_re=re.compile(f"(?P<unit>{_literals(with_yu)})(?=[{seps}\\s)）]|$)"),
        missing_direct_re=re.compile(
            f"(?P<verb>{_literals(red['direct_verbs'])})(?P<unit>{_literals(combos)})(?=[{_CJK}])"
        ),
        mask_res=tuple(re.compile(p) for p in data["non_values"]["patterns"]),
        unit_non_followers={k: tuple(v) for k, v in data["non_values"]["unit_non_followers"].items()},
        cue_re=re.compile(_union(modal + past + nominal)),
        modal_re=re.compile(_union(modal)),
        past_re=re.compile(_union(past)),
        deadline_re=re.compile(_union(data["deadline"]["patterns"])),
        horizon_re=re.compile(_union(data["horizons"]["patterns"])),
        inline_heading_re=re.compile(f"[\\s。](?:{marker}){heading_body}"),
        line_heading_re=re.compile(f"(?:{marker}){heading_body}"),
        short_line_re=re.compile(
            f"\\n[ \\t\u3000]*([^\\n。；;！!？?]{{2,{int(frames['heading_max_chars'])}}}[？?]?)[ \\t\u3000]*(?=\\n|\\Z)"
        ),
        paragraph_frame_re=re.compile(
            f"\\n[^\\n]{{0,{int(frames['paragraph_window'])}}}?"
            f"(?:{_union(frames['paragraph_target_patterns'] + frames['paragraph_achievement_patterns'])})"
        ),
        paragraph_target_re=re.compile(_union(frames["paragraph_target_patterns"])),
        inline_frame_re=re.compile(_union(frames["inline_target_patterns"] + frames["inline_achievement_patterns"])),
        inline_target_re=re.compile(_union(frames["inline_target_patterns"])),
        target_heading_re=re.compile(_union(frames["target_heading_patterns"])),
        achievement_heading_re=re.compile(_union(frames["achievement_heading_patterns"])),
        chinese_units=frozenset(u["chinese_numeral_units"]),
        bare_free=frozenset(u["bare_magnitude_free"]),
        bare_followers=tuple(u["bare_magnitude_followers"]),
        before_words=before_words,
        before_lengths=before_lengths,
        after_words=after_words,
        ge_floating=re.compile(_literals(c["ge_floating"])),
        after_lengths=after_lengths,
        trailing_re=re.compile(f"(?:{_union(ind['trailing_link_patterns'])})+\\Z"),
        leading_re=re.compile(
            f"(?:{_union(ind['leading_patterns'] + ind['leading_time_patterns'] + data['horizons']['patterns'])})+"
        ),
        tail_stop_re=re.compile(_literals(ind["tail_stop_words"])),
        scope_cut_re=re.compile(f"(?:{_literals(ind['scope_cut_words'])})(?=.)"),
        change_verbs=tuple(sorted(ind["change_verbs"], key=len, reverse=True)),
        counting_re=re.compile(_literals(red["counting_verbs"])),
        not_before_yu=frozenset(red["not_missing_before_yu"]),
        not_missing_after=frozenset(red["not_missing_after"]),
        unit_prev_chars=dict(red["unit_prev_chars"]),
        missing_not_followed_by=tuple(red["missing_not_followed_by"]),
        numeral_chars=frozenset(cn_all + "万亿几数0123456789０１２３４５６７８９"),
        measure_units=frozenset(u["measure_units"]),
        counted_units=frozenset(u["counted_units"]),
        magnitudes=tuple(sorted(u["magnitudes"], key=len, reverse=True)),
        max_chars=int(ind["max_chars"]),
    )


# --------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _chinese_value(numeral: str) -> float | None:
    import cn2an  # lazily: slow to import, needed only for Chinese numerals

    try:
        return float(cn2an.cn2an(numeral, "normal"))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _arabic_value(s: str) -> float | None:
    try:
        return float(s.translate(_FULLWIDTH).replace(",", ""))
    except ValueError:
        return None


# --------------------------------------------------------------------------
# document structure
# --------------------------------------------------------------------------


def _sentence_at(text: str, pos: int, lo: int) -> tuple[int, int]:
    """The sentence around pos; sentences end at 。！？；!?; (plus closing
    quotes) and at line breaks.  lo is a known boundary at or before pos (the
    end of the previous sentence), so the backward search stays linear."""
    m = _LAST_SENT_END_RE.match(text, lo, pos)
    start = m.end() if m else lo
    m = _SENT_END_RE.search(text, pos)
    end = m.start() if m else len(text)
    tail = _SENT_TAIL_RE.match(text, end)
    if tail:
        end = tail.end()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _heading_kind(heading: str, r: _Rules) -> str | None:
    t = r.target_heading_re.search(heading)
    a = r.achievement_heading_re.search(heading)
    if not t and not a:
        return None
    return "achievement" if a and (not t or a.start() <= t.start()) else "target"


def _frames(text: str, r: _Rules) -> tuple[list[int], list[str]]:
    """Positions where a section heading sets the frame ('target' / 'achievement').

    Headings are outline lines ('一、2023年工作回顾', also inline after a
    blank or 。) and short lines without sentence punctuation.
    """
    found: dict[int, str] = {}
    for m in r.inline_heading_re.finditer(text):
        kind = _heading_kind(m.group(), r)
        if kind:
            found[m.start() + 1] = kind
    first = r.line_heading_re.match(text)
    if first:
        kind = _heading_kind(first.group(), r)
        if kind:
            found[0] = kind
    for m in r.short_line_re.finditer("\n" + text):
        kind = _heading_kind(m.group(1), r)
        if kind:
            found[m.start()] = kind  # offset of the line in text
    for m in r.inline_frame_re.finditer(text):
        found[m.start()] = "target" if r.inline_target_re.fullmatch(m.group()) else "achievement"
    for m in r.paragraph_frame_re.finditer("\n" + text):
        if m.start() not in found:
            found[m.start()] = "target" if r.paragraph_target_re.search(m.group()) else "achievement"
    pos = sorted(found)
    return pos, [found[p] for p in pos]


def _mask_spans(text: str, r: _Rules) -> tuple[list[int], list[int]]:
    spans = []
    for pat in r.mask_res:
        spans += [m.span() for m in pat.finditer(text)]
    spans.sort()
    starts, ends = [], []
    for s, e in spans:  # merge overlaps so that bisect finds the covering span
        if e == s:
            continue
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def _masked(pos: int, mask_starts: list[int], mask_ends: list[int]) -> bool:
    i = bisect.bisect_right(mask_starts, pos) - 1
    return i >= 0 and mask_ends[i] > pos


def _clause_start(text: str, pos: int, lo: int, last_sep_re: re.Pattern = _LAST_CLAUSE_SEP_RE) -> int:
    lo = max(lo, pos - _WINDOW)
    m = last_sep_re.match(text, lo, pos)
    return m.end() if m else lo


def _clause_end(text: str, pos: int, hi: int) -> int:
    hi = min(hi, pos + _WINDOW)
    m = _CLAUSE_SEP_RE.search(text, pos, hi)
    return m.start() if m else hi


# --------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------


@dataclass
class _Figure:
    start: int  # where the number (or the unit, when the number is missing) starts
    unit_end: int  # after the unit and an after-comparator (以上, 左右)
    value: float | None
    unit: str | None
    comparator: str | None
    redacted: bool


def _after_comparator(text: str, pos: int, r: _Rules) -> tuple[str | None, int]:
    """Comparator word right after the unit (以上, 以内, 左右) and the position after it."""
    words = r.after_words
    for n in r.after_lengths:
        comp = words.get(text[pos : pos + n])
        if comp:
            return comp, pos + n
    return None, pos


def _figure_matches(text: str, r: _Rules):
    """(kind, match) for every number + unit; kind 'arabic' | 'chinese' | 'mark'."""
    for kind, pattern in r.figure_passes:
        for m in pattern.finditer(text):
            yield kind, m
    last_end = -1
    for s in r.mark_start_re.finditer(text):
        if s.start() < last_end:
            continue  # inside the previous mark (**)
        m = r.mark_re.match(text, s.start())
        if m:
            last_end = m.end()
            yield "mark", m


def _figures(text: str, r: _Rules, mask_starts, mask_ends) -> list[_Figure]:
    out: list[_Figure] = []
    for m in r.percent_re.finditer(text):  # 百分之八十五
        if mask_starts and _masked(m.start(), mask_starts, mask_ends):
            continue
        num = m.group("pnum")
        value = _arabic_value(num) if num[0].isdigit() else _chinese_value(num)
        if value is not None:
            comp, end = _after_comparator(text, m.end(), r)
            out.append(_Figure(m.start(), end, value, "%", comp, False))

    bare_free, bare_followers, non_followers = r.bare_free, r.bare_followers, r.unit_non_followers
    for kind, m in _figure_matches(text, r):
        start = m.start()
        if mask_starts and _masked(start, mask_starts, mask_ends):
            continue
        num, more, mag, more2, base, base2 = m.group("num", "more", "mag", "more2", "base", "base2")
        end = m.end()
        base = base or base2
        if base is None:  # bare magnitude: 人口1000万, not 50亿企业
            if mag not in bare_free:
                nxt = text[end : end + 2]
                if nxt and "\u4e00" <= nxt[0] <= "\u9fff" and not nxt.startswith(bare_followers):
                    continue
            unit = mag
        else:
            if base in non_followers and text.startswith(non_followers[base], end):
                continue  # 二次会议
            unit = mag + base if mag else base
        if unit[-1] == "％":
            unit = unit[:-1] + "%"
        if kind == "arabic":
            value = _arabic_value(num)
            if value is None:
                continue
        elif kind == "chinese":
            if not mag and base not in r.chinese_units:
                continue  # 四个意识, 八项规定: slogans, not figures
            if mag and ("万" in num or "亿" in num):
                continue  # 两亿三千万: magnitude split between numeral and unit
            value = _chinese_value(num)
            if value is None or (value == 1 and not mag):
                continue  # 一名同志, 一家企业: articles
        else:
            value = None
        comp, end = _after_comparator(text, end, r)
        if comp is None and (more or more2):
            comp = ">="
        out.append(_Figure(start, end, value, unit, comp, kind == "mark"))
    return out


def _missing_figures(text: str, r: _Rules, mask_starts, mask_ends) -> list[_Figure]:
    """Units whose number was stripped: 新建行业妇联个, 吸纳会员万人, 其中户家庭.

    A candidate unit must follow a counting verb of its clause and be a word
    of its own (rjieba segmentation), so 市场, 国家, 个人 are left alone.
    """
    out: list[_Figure] = []
    cut = None  # rjieba.cut, imported when a candidate passes the cheap tests

    def token_aligned(clause: str, offset: int, length: int) -> bool:
        nonlocal cut
        if cut is None:
            import rjieba

            cut = rjieba.cut
        pos, bounds = 0, {0}
        for tok in cut(clause):
            pos += len(tok)
            bounds.add(pos)
        return offset in bounds and offset + length in bounds

    seen = set()
    for m in r.missing_end_re.finditer(text):  # 新建行业妇联个,
        ustart = m.start()
        if ustart == 0:
            continue
        prev = text[ustart - 1]
        if not ("\u4e00" <= prev <= "\u9fff") or prev in r.numeral_chars:
            continue
        unit = m.group("unit")
        if unit[0] == "余":
            if prev in r.not_before_yu:
                continue
        elif prev in r.not_missing_after or prev not in r.unit_prev_chars.get(unit, prev):
            continue
        if mask_starts and _masked(ustart, mask_starts, mask_ends):
            continue
        cstart = _clause_start(text, ustart, 0)
        if not r.counting_re.search(text, cstart, ustart):
            continue
        before = text[cstart:ustart]
        if not token_aligned(before + unit, len(before), len(unit)):
            continue
        seen.add(ustart)
        comp, end = _after_comparator(text, m.end(), r)
        if unit[0] == "余":
            unit, comp = unit[1:], comp or ">="
        out.append(_Figure(ustart, end, None, unit, comp, True))

    for m in r.missing_direct_re.finditer(text):  # 其中户家庭获评, 为万户家庭提供
        ustart = m.start("unit")
        if ustart in seen or (mask_starts and _masked(ustart, mask_starts, mask_ends)):
            continue
        cstart = _clause_start(text, ustart, 0)
        cend = _clause_end(text, ustart, len(text))
        unit = m.group("unit")
        if unit in r.unit_prev_chars or text.startswith(r.missing_not_followed_by, m.end("unit")):
            continue
        if not token_aligned(text[cstart:cend], ustart - cstart, len(unit)):
            continue
        comp, end = _after_comparator(text, m.end("unit"), r)
        out.append(_Figure(ustart, end, None, unit, comp, True))
    return out


# --------------------------------------------------------------------------
# per-figure attributes
# --------------------------------------------------------------------------


def _before_comparator(before: str, r: _Rules) -> str | None:
    words = r.before_words
    for n in r.before_lengths:  # longest first: 不低于 before 低于
        comp = words.get(before[-n:])
        if comp:
            return comp
    if r.ge_floating.search(before):  # 至少新建3所
        return ">="
    return None


def _strip_indicator(s: str, r: _Rules) -> str:
    """Trim connectives, time phrases and copulas around the measured thing."""
    m = r.trailing_re.search(s, max(0, len(s) - 24))
    if m:
        s = s[: m.start()]
    m = r.leading_re.match(s)
    if m:
        s = s[m.end() :]
        m = r.trailing_re.search(s, max(0, len(s) - 24))
        if m:
            s = s[: m.start()]
    last = None
    for m in r.scope_cut_re.finditer(s):
        last = m.end()
    if last is not None:
        s = s[last:]
    return _balance_brackets(s.strip(" \t\u3000"))


def _balance_brackets(s: str) -> str:
    """Drop a dangling bracket at either end: '(村)建成' keeps, '园位）' -> '园位'."""
    if not _BRACKET_RE.search(s):
        return s
    for open_, close in (("(", ")"), ("（", "）"), ("【", "】"), ("[", "]")):
        if s.endswith(open_):
            s = s[:-1]
        if s.startswith(close):
            s = s[1:]
        if s.endswith(close) and s.count(open_) < s.count(close):
            s = s[:-1]
        if s.startswith(open_) and s.count(open_) > s.count(close):
            s = s[1:]
    return s.strip()


def _tail_phrase(text: str, pos: int, hi: int, r: _Rules) -> str:
    """The noun phrase after a figure: '85%的县级妇幼保健机构达到…' -> 县级妇幼保健机构."""
    seg = text[pos : min(hi, pos + 40)]
    if seg.startswith("的"):
        seg = seg[1:]
    if not seg or seg[0] in _SEGMENT_SEPS:
        return ""
    m = r.tail_stop_re.search(seg)
    if m and m.start() == 0:
        return ""
    cut = m.start() if m else len(seg)
    m = _NUMBER_START_RE.search(seg, 0, cut)  # another figure: stop before its list item
    if m:
        cut = m.start()
        k = seg.rfind("、", 0, cut)
        if k != -1:
            cut = k
    tail = seg[: min(cut, 14)]
    if tail.count("“") > tail.count("”"):  # keep a quoted name whole
        close = seg.find("”", len(tail))
        tail = seg[: close + 1] if 0 < close < 30 else tail[: tail.rfind("“")]
    return tail.strip().rstrip("、")


def _drop_change_verb(ind: str, r: _Rules) -> str:
    for v in r.change_verbs:
        if ind.endswith(v) and len(ind) > len(v):
            return ind[: -len(v)]
    return ind


def _sentence_cues(text: str, lo: int, hi: int, r: _Rules) -> tuple[list[int], list[str]]:
    """Positions and kinds ('modal' | 'past' | 'nominal') of the kind cues in text[lo:hi]."""
    pos, kinds = [], []
    for m in r.cue_re.finditer(text, lo, hi):
        p = m.start()
        pos.append(p)
        if r.modal_re.match(text, p):
            kinds.append("modal")
        elif r.past_re.match(text, p):
            kinds.append("past")
        else:
            kinds.append("nominal")
    return pos, kinds


def _kind(pos: int, window_start: int, cstart: int, cend: int, cues, frames) -> str:
    """Target or achievement: clause cues, then the nearest cue before, then the frame."""
    cue_pos, cue_kinds = cues
    a = bisect.bisect_left(cue_pos, cstart)
    b = bisect.bisect_left(cue_pos, cend, a)
    if b > a:
        found = set(cue_kinds[a:b])
        if "modal" in found:
            return "target"
        if "past" in found:
            return "achievement"
        return "target"
    if a > 0 and cue_pos[a - 1] >= window_start:
        return "achievement" if cue_kinds[a - 1] == "past" else "target"
    frame_pos, frame_kinds = frames
    i = bisect.bisect_right(frame_pos, pos) - 1
    return frame_kinds[i] if i >= 0 else "achievement"


def _nearest(spans: tuple[list[int], list], pos: int, clause_end: int):
    """Value of the last span starting before pos, else of the first one before clause_end."""
    starts, values = spans
    i = bisect.bisect_left(starts, pos)
    if i > 0:
        return values[i - 1]
    if i < len(starts) and starts[i] < clause_end:
        return values[i]
    return None


def _deadlines(text: str, lo: int, hi: int, r: _Rules) -> tuple[list[int], list[int]]:
    starts, years = [], []
    for m in r.deadline_re.finditer(text, lo, hi):
        starts.append(m.start())
        years.append(int(_YEAR_RE.search(m.group()).group()))
    return starts, years


def _horizons(text: str, lo: int, hi: int, r: _Rules) -> tuple[list[int], list[str]]:
    starts, names = [], []
    for m in r.horizon_re.finditer(text, lo, hi):
        h = m.group()
        if len(h) > 2 and h[0] in "“\"‘" and h[-1] in "”\"’":
            h = h[1:-1]  # “十四五”规划 -> 十四五; “十四五”期间 stays as written
        starts.append(m.start())
        names.append(h)
    return starts, names


def _base_unit(unit: str, r: _Rules) -> str:
    for mag in r.magnitudes:
        if unit.startswith(mag) and len(unit) > len(mag):
            return unit[len(mag) :]
    return unit


def _attributive_figures(text: str, figures: list[_Figure], r: _Rules) -> set[int]:
    """Indexes of figures that qualify the next one: '100亿元以上项目6个'."""
    out = set()
    for k in range(len(figures) - 1):
        f, g = figures[k], figures[k + 1]
        gap = g.start - f.unit_end
        if not 0 < gap <= 12 or f.unit is None or g.unit is None:
            continue
        if _base_unit(f.unit, r) not in r.measure_units or _base_unit(g.unit, r) not in r.counted_units:
            continue
        if not _SEGMENT_SEP_RE.search(text, f.unit_end, g.start):
            out.add(k)
    return out


def _indicator(text: str, fig: _Figure, lo: int, cend: int, prev_indicator: str, r: _Rules) -> tuple[str, str | None]:
    """The measured thing and a comparator word before the number.

    Usually the text since the last separator or figure, trimmed
    ('普惠性幼儿园覆盖率要达到' -> 普惠性幼儿园覆盖率); the phrase after the
    figure when nothing is left before it ('85%的县级妇幼保健机构'); the
    previous indicator for a bare follow-up ('增长5.2%、约4.4万亿元').
    """
    lo = max(lo, fig.start - _INDICATOR_WINDOW)
    seg_start = _clause_start(text, fig.start, lo, _LAST_SEGMENT_SEP_RE)
    before = text[seg_start : fig.start]
    if before.count("”") > before.count("“"):  # a separator inside a quote
        q = text.rfind("“", lo, seg_start)
        if q != -1:
            seg_start = _clause_start(text, q, lo, _LAST_SEGMENT_SEP_RE)
            before = text[seg_start : fig.start]
    comparator = _before_comparator(before, r)
    indicator = _strip_indicator(before, r)
    tail = _tail_phrase(text, fig.unit_end, cend, r)
    if tail and (indicator.endswith("等") or before.rstrip().endswith(_COORDINATORS)):
        indicator = tail  # 孤儿等6项社保救助标准; 福成煤矿和6个光伏项目
    elif tail:
        indicator += tail  # 推动校企共建18个现代产业学院
    elif not indicator and prev_indicator:
        indicator = _drop_change_verb(prev_indicator, r)  # 增长5.2%、约4.4万亿元
    elif indicator in r.change_verbs and prev_indicator:
        indicator = _drop_change_verb(prev_indicator, r) + indicator  # 突破1000万只、增长278%
    if len(indicator) > r.max_chars:
        indicator = indicator[-r.max_chars :]
    return indicator, comparator


def _respectively(clause_before: str, fig_end: int, r: _Rules):
    """Items of 'A、B、C分别增长' before a figure, as (items, suffix, 1, fig_end)."""
    k = clause_before.rfind("分别")
    if k <= 0 or "、" not in clause_before[:k]:
        return None
    items = [_strip_indicator(x, r) for x in clause_before[:k].split("、")]
    if len(items) < 2 or not all(items):
        return None
    suffix = _strip_indicator(clause_before[k + 2 :], r)
    return items, suffix, 1, fig_end


# --------------------------------------------------------------------------
# public
# --------------------------------------------------------------------------


def extract_targets(text: str, year: int | None = None) -> list[Target]:
    """Find stated targets and reported figures in a speech or work report.

    Every number with a unit from the data file (or '%'), and every unit whose
    number was redacted or stripped, becomes one row, in text order; one
    sentence can give several rows.  Years, dates, plan periods, titles in
    《》, quoted slogans, ordinals (第…) and bare numbers give none.

    >>> r = extract_targets("到2025年底,普惠性幼儿园覆盖率要达到85%以上。")[0]
    >>> (r.kind, r.indicator, r.value, r.unit, r.comparator, r.deadline_year)
    ('target', '普惠性幼儿园覆盖率', 85.0, '%', '>=', 2025)
    >>> [(t.indicator, t.value, t.unit, t.redacted) for t in extract_targets("去年新建行业妇联个。")]
    [('新建行业妇联', None, '个', True)]

    ``year``, the year the speech was given, tells a deadline from a status date: a
    到…年(底) on or after it is a deadline, so the figure is a target; one before it
    dates an achievement (``as_of_year``, ``deadline_year`` null).

    >>> r = extract_targets("到2023年底,全市累计建成托育机构120所。", year=2024)[0]
    >>> (r.kind, r.deadline_year, r.as_of_year)
    ('achievement', None, 2023)
    >>> r = extract_targets("到2027年累计建成示范村500个。", year=2024)[0]
    >>> (r.kind, r.deadline_year, r.as_of_year)
    ('target', 2027, None)
    """
    if not text:
        return []
    r = _rules()
    mask_starts, mask_ends = _mask_spans(text, r)
    figures = _figures(text, r, mask_starts, mask_ends)
    figures += _missing_figures(text, r, mask_starts, mask_ends)
    if not figures:
        return []
    figures.sort(key=lambda f: f.start)
    frames = _frames(text, r)

    attributive = _attributive_figures(text, figures, r)

    rows: list[Target] = []
    s0 = s1 = 0  # current sentence
    deadlines: tuple = ([], [])
    horizons: tuple = ([], [])
    cues: tuple = ([], [])
    prev_end, prev_indicator, sentence = 0, "", ""
    respectively = None  # (items, suffix, next item, end of the last figure) of an A、B分别增长x、y list
    for k, fig in enumerate(figures):
        if fig.start >= s1:
            s0, s1 = _sentence_at(text, fig.start, s1)
            deadlines = _deadlines(text, s0, s1, r)
            horizons = _horizons(text, s0, s1, r)
            cues = _sentence_cues(text, s0, s1, r)
            prev_end, prev_indicator, sentence, respectively = s0, "", text[s0:s1], None
        if fig.start < prev_end or k in attributive:
            continue  # overlaps the previous figure / qualifies the next one
        cstart = _clause_start(text, fig.start, s0)
        cend = _clause_end(text, fig.unit_end, s1)
        comparator = fig.comparator
        if (
            respectively
            and respectively[2] < len(respectively[0])
            and text[respectively[3] : fig.start].strip() in _LIST_JOINERS
        ):
            items, suffix, i, _ = respectively
            indicator = items[i] + suffix
            respectively = (items, suffix, i + 1, fig.unit_end)
        else:
            indicator, before_comp = _indicator(text, fig, max(prev_end, s0), cend, prev_indicator, r)
            comparator = comparator or before_comp
            respectively = _respectively(text[cstart : fig.start], fig.unit_end, r)
            if respectively:
                indicator = respectively[0][0] + respectively[1]

        rows.append(
            Target(
                kind=_kind(fig.start, max(s0, fig.start - _WINDOW), cstart, cend, cues, frames),
                indicator=indicator,
                value=fig.value,
                unit=fig.unit,
                comparator=comparator or "=",
                deadline_year=_nearest(deadlines, fig.start, cend),
                horizon=_nearest(horizons, fig.start, cend),
                redacted=fig.redacted,
                sentence=sentence,
                start=s0,
                end=s1,
            )
        )
        prev_end, prev_indicator = fig.unit_end, indicator
    if year is not None:
        for row in rows:
            if row.deadline_year is None:
                continue
            if row.deadline_year >= year:
                row.kind = "target"  # a date still ahead is what is to be reached
            else:
                row.as_of_year, row.deadline_year = row.deadline_year, None
    return rows
