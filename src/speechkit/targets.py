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
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

from speechkit.firstchars import with_first_char_lookahead

__all__ = ["Target", "extract_targets", "commitment_of", "DATA_FILES"]

#: Data files read by this module (part of the analyze stage's cache key).
DATA_FILES = ("targets.toml", "commitment.toml")

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
_UNKNOWN = "\x00unknown"  # a value not worked out yet (where None is a value)
_NUMBER_START_RE = re.compile(r"[\d一二两三四五六七八九*＊]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


@dataclass
class Target:
    """One stated target or reported figure.

    ``kind`` is 'target' (to be reached) or 'achievement' (was reached);
    ``sentence == text[start:end]`` is the sentence that holds the figure.
    ``as_of_year`` is the date of a status figure (到2023年底,全市已建成… in a 2024
    speech), set instead of ``deadline_year`` when the speech's year is known and later.
    ``value_low``/``value_high`` bound a range (6.5%－7%: value = value_low = 6.5,
    comparator 'range'). ``target_year`` is the year a target is for, ``year_source`` how it
    was found ('deadline', 'horizon', 'section'); both null for an achievement.
    ``commitment`` is 'binding', 'aspirational', 'encouraging' or null (commitment.toml).
    ``text[figure_start:figure_end]`` is the figure itself.
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
    value_low: float | None = None
    value_high: float | None = None
    target_year: int | None = None
    year_source: str | None = None
    commitment: str | None = None
    figure_start: int | None = None
    figure_end: int | None = None


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


def _compile(pattern: str) -> re.Pattern:
    """``re.compile`` with a look-ahead on the first characters when ``re`` cannot skip positions by
    itself (a union with a look-behind first, ``(?:…)+\\Z``): same matches, several times faster."""
    return re.compile(with_first_char_lookahead(pattern))


def _mask_pattern(entry) -> tuple:
    """A ``[non_values]`` pattern of targets.toml as ``(regex, anchor regex or None, lead)``: a plain
    string, or a table ``{ pattern, anchor, lead }`` for a pattern every match of which holds a match
    of ``anchor`` starting 1 to ``lead`` characters after its own start (see :func:`_mask_matches`)."""
    if isinstance(entry, str):
        return _compile(entry), None, 0
    lead = int(entry["lead"])
    if lead < 1:
        raise ValueError(f"targets.toml [non_values]: lead must be >= 1 for {entry['pattern']!r}")
    return _compile(entry["pattern"]), re.compile(entry["anchor"]), lead


def _mask_matches(text: str, pattern: re.Pattern, anchor: re.Pattern | None, lead: int) -> list[tuple[int, int]]:
    """The spans of ``pattern.finditer(text)``; with an ``anchor``, found by trying the pattern only at the
    ``lead`` positions before each anchor match (no match can start elsewhere): the same spans, without
    testing every numeral of the text (a numeral-led pattern such as 3岁以下儿童 otherwise does).

    >>> p, a = re.compile("[0-9一二三]{1,3}岁以下"), re.compile("岁")
    >>> _mask_matches("一是3岁以下婴幼儿、二岁", p, a, 3) == [m.span() for m in p.finditer("一是3岁以下婴幼儿、二岁")]
    True
    """
    if anchor is None:
        return [m.span() for m in pattern.finditer(text)]
    spans: list[tuple[int, int]] = []
    pos, tried, match = 0, -1, pattern.match
    for a in anchor.finditer(text):
        q = a.start()
        if q <= pos:
            continue  # a match starting at pos or later holds an anchor after pos
        for start in range(max(pos, q - lead, tried + 1), q):
            m = match(text, start)
            if m and m.end() > m.start():
                spans.append(m.span())
                pos = m.end()
                tried = pos - 1
                break
        else:
            tried = q - 1  # every start before q is tried (and failed) or lies before pos
    return spans


def _union(patterns) -> str:
    """Alternation of patterns.  It stays fast to scan when every pattern
    starts with a literal and holds no top-level '|'."""
    return "|".join(f"(?:{p})" for p in patterns)


def _parse_tree(pattern: re.Pattern):
    """The parse tree of ``pattern`` (``re._parser``), or None when it matches case-insensitively or
    by locale (its literals are then not the characters a match holds)."""
    from re import _parser as p  # type: ignore[attr-defined]  # a private module without stubs

    tree = p.parse(pattern.pattern, pattern.flags)
    return None if tree.state.flags & (re.IGNORECASE | re.LOCALE) else tree


def _literal_anchor(pattern: re.Pattern) -> tuple[str, int] | None:
    """``(literal, offset)`` when every match of ``pattern`` holds ``literal`` exactly ``offset`` > 0
    characters after its start (``[一二三]分之[一二]``: ``('分之', 1)``), else None.

    Read from the parse tree (``re._parser``) up to the first part of variable width; a pattern that
    starts with a literal gets None (``re`` finds such a prefix fast itself).

    >>> _literal_anchor(re.compile("(?P<d>[二三])(?<=[二三])分之[一二]")), _literal_anchor(re.compile("翻了?番"))
    (('分之', 1), None)
    """
    from re import _constants as c  # type: ignore[attr-defined]  # private modules without stubs
    from re import _parser as p  # type: ignore[attr-defined]

    try:
        tree = _parse_tree(pattern)
        if tree is None:
            return None
        best: tuple[str, int] | None = None
        offset, run, run_at = 0, "", 0
        for op, av in tree:
            if op is c.LITERAL:
                if not run:
                    run_at = offset
                run += chr(av)
                offset += 1
                continue
            if run and run_at > 0 and (best is None or len(run) > len(best[0])):
                best = (run, run_at)
            run = ""
            low, high = p.SubPattern(tree.state, [(op, av)]).getwidth()
            if low != high:
                return best
            offset += low
        if run and run_at > 0 and (best is None or len(run) > len(best[0])):
            best = (run, run_at)
        return best
    except Exception:  # another Python's internals: scan the whole text
        return None


def _finditer(text: str, pattern: re.Pattern, anchor: tuple[str, int] | None):
    """``pattern.finditer(text)``; with an ``anchor`` from :func:`_literal_anchor`, found by trying the
    pattern only ``offset`` characters before each place of the literal (``str.find``): the same
    matches, without a class test at every character of the text.

    >>> p = re.compile("[二三十]分之[一二]")
    >>> [m.span() for m in _finditer("三分之二和十分之一", p, _literal_anchor(p))]
    [(0, 4), (5, 9)]
    """
    if anchor is None:
        yield from pattern.finditer(text)
        return
    literal, offset = anchor
    yield from _matches_at(text, pattern, (q - offset for q in _places(text, literal, offset)))


def _places(text: str, literal: str, at: int = 0):
    """Every position of ``literal`` in ``text`` from ``at`` on, in order (``str.find``)."""
    q = text.find(literal, at)
    while q != -1:
        yield q
        q = text.find(literal, q + 1)


def _matches_at(text: str, pattern: re.Pattern, starts):
    """The matches of ``pattern`` tried at ``starts`` (ascending), as ``finditer`` gives them when
    every match starts at one of them: a start inside the previous match is skipped. The patterns
    tried this way hold a literal or start with one, so no match is empty."""
    match, last_end = pattern.match, 0
    for start in starts:
        if start >= last_end:
            m = match(text, start)
            if m:
                yield m
                last_end = m.end()


def _first_literals(pattern: re.Pattern) -> str | None:
    """The characters a match of ``pattern`` starts with when its first part is a class of literals
    (``[超逾近]…``), else None (also for a literal: ``re`` finds a literal prefix fast itself).

    >>> _first_literals(re.compile('[“"‘][^”]{1,14}”')), _first_literals(re.compile("[0-9]+个")), _first_literals(re.compile("翻番"))
    ('“"‘', None, None)
    """
    from re import _constants as c  # type: ignore[attr-defined]  # private modules without stubs

    try:
        tree = _parse_tree(pattern)
        if tree is None or not len(tree):
            return None
        op, av = tree[0]
        if op is c.IN and av and all(o is c.LITERAL for o, _ in av):
            return "".join(chr(v) for _, v in av)
    except Exception:  # another Python's internals: scan the whole text
        pass
    return None


def _rare_first_finditer(text: str, pattern: re.Pattern, chars: str | None):
    """``pattern.finditer(text)``; when every match starts with one of ``chars`` and they are rare in
    the text, found by trying the pattern only at their places (``str.find``): the same matches.

    >>> p = re.compile('[“"][^“”"]{1,3}[”"]')
    >>> [m.group() for m in _rare_first_finditer('他说“是的”和"好"', p, _first_literals(p))]
    ['“是的”', '"好"']
    """
    if chars is None or sum(text.count(ch) for ch in chars) * 100 > len(text):
        yield from pattern.finditer(text)  # a class test at every character is cheaper then
        return
    yield from _matches_at(text, pattern, sorted(q for ch in chars for q in _places(text, ch)))


@dataclass(frozen=True)
class _Rules:
    figure_passes: tuple  # (kind, regex), each regex starting with a character class
    percent_re: re.Pattern
    mark_start_re: re.Pattern  # where a redaction mark may start
    mark_chars: str  # the characters of that class: a text without any has no mark
    mark_re: re.Pattern  # redaction mark + unit, tried only at those places
    missing_end_re: re.Pattern
    missing_direct_re: re.Pattern
    mask_res: tuple  # (pattern, anchor or None, lead): see _mask_matches
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
    decimal_only: frozenset
    plan_past_re: re.Pattern
    review_future_re: re.Pattern
    base_re: re.Pattern
    short_target_re: re.Pattern
    short_achievement_re: re.Pattern
    sentence_frame_re: re.Pattern
    this_year: frozenset
    next_year: frozenset
    plan_end: dict
    plan_name_re: re.Pattern
    heading_year_re: re.Pattern
    double_re: re.Pattern
    cheng_re: re.Pattern
    fraction_re: re.Pattern
    bare_mag_re: re.Pattern
    range_re: re.Pattern
    commitment: tuple  # (level, compiled regex), strongest first
    not_coordinator: tuple
    base_before_re: re.Pattern
    base_after_re: re.Pattern
    # results of the pure string functions below, by their argument (the same words stand before many
    # figures): _strip_indicator, _before_comparator
    first_literals: dict = field(default_factory=dict, compare=False, repr=False)  # pattern -> _first_literals
    idiom_anchors: dict = field(default_factory=dict, compare=False, repr=False)  # name -> _literal_anchor
    range_anchor_re: re.Pattern | None = None  # a range connector before a digit (see _range_matches)
    range_chars: frozenset = frozenset()  # characters a range's low end and first unit can hold
    memo_strip: dict = field(default_factory=dict, compare=False, repr=False)
    memo_before: dict = field(default_factory=dict, compare=False, repr=False)


def _comparator_words(c: dict, keys: tuple[str, str, str]) -> tuple[dict, tuple]:
    words = {}
    for key, comp in zip(keys, ("~", ">=", "<=")):
        words.update({w: comp for w in c[key]})
    return words, tuple(sorted({len(w) for w in words}, reverse=True))


def _commitment_levels() -> tuple:
    with (files("speechkit") / "data" / "commitment.toml").open("rb") as fh:
        levels = tomllib.load(fh)["levels"]
    return tuple((name, _compile(_union(levels[name]))) for name in levels["order"])


def commitment_of(text: str) -> str | None:
    """How binding a statement is: 'binding', 'aspirational', 'encouraging' or None.

    The strongest level whose word the text holds (data/commitment.toml).

    >>> commitment_of("确保粮食产量保持在32万吨以上"), commitment_of("力争新增规上工业产值350亿元")
    ('binding', 'aspirational')
    >>> commitment_of("鼓励民间资本参与重大项目建设"), commitment_of("居民消费价格涨幅3%左右")
    ('encouraging', None)
    """
    if not text:
        return None
    for name, pattern in _rules().commitment:
        if pattern.search(text):
            return name
    return None


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    with (files("speechkit") / "data" / "targets.toml").open("rb") as fh:
        data = tomllib.load(fh)
    u, n, c = data["units"], data["numbers"], data["comparators"]
    cues, frames, ind, red = data["cues"], data["frames"], data["indicator"], data["redaction"]
    ty, idioms = data["target_year"], data["idioms"]

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
    arabic_tail = r"\d*+(?:[,，]\d{3}(?!\d))*+(?:[.．]\d+)?"
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

    rules = _Rules(
        figure_passes=(("arabic", _compile(arabic)), ("chinese", _compile(chinese))),
        percent_re=_compile(percent),
        mark_start_re=_compile(f"[{re.escape(n['redaction_mark_chars'])}]"),
        mark_chars=n["redaction_mark_chars"],
        mark_re=_compile(marks),
        missing_end_re=_compile(f"(?P<unit>{_literals(with_yu)})(?=[{seps}\\s)）]|$)"),
        missing_direct_re=_compile(
            f"(?P<verb>{_literals(red['direct_verbs'])})(?P<unit>{_literals(combos)})(?=[{_CJK}])"
        ),
        mask_res=tuple(_mask_pattern(p) for p in data["non_values"]["patterns"]),
        unit_non_followers={k: tuple(v) for k, v in data["non_values"]["unit_non_followers"].items()},
        cue_re=_compile(_union(modal + past + nominal)),
        modal_re=_compile(_union(modal)),
        past_re=_compile(_union(past)),
        deadline_re=_compile(_union(data["deadline"]["patterns"])),
        horizon_re=_compile(_union(data["horizons"]["patterns"])),
        inline_heading_re=_compile(f"[\\s。](?:{marker}){heading_body}"),
        line_heading_re=_compile(f"(?:{marker}){heading_body}"),
        short_line_re=_compile(
            f"\\n[ \\t\u3000]*([^\\n。；;！!？?]{{2,{int(frames['heading_max_chars'])}}}[？?]?)[ \\t\u3000]*(?=\\n|\\Z)"
        ),
        paragraph_frame_re=_compile(
            f"\\n[^\\n]{{0,{int(frames['paragraph_window'])}}}?"
            f"(?:{_union(frames['paragraph_target_patterns'] + frames['paragraph_achievement_patterns'])})"
        ),
        paragraph_target_re=_compile(_union(frames["paragraph_target_patterns"])),
        inline_frame_re=_compile(_union(frames["inline_target_patterns"] + frames["inline_achievement_patterns"])),
        inline_target_re=_compile(_union(frames["inline_target_patterns"])),
        target_heading_re=_compile(_union(frames["target_heading_patterns"])),
        achievement_heading_re=_compile(_union(frames["achievement_heading_patterns"])),
        chinese_units=frozenset(u["chinese_numeral_units"]),
        bare_free=frozenset(u["bare_magnitude_free"]),
        bare_followers=tuple(u["bare_magnitude_followers"]),
        before_words=before_words,
        before_lengths=before_lengths,
        after_words=after_words,
        ge_floating=_compile(_literals(c["ge_floating"])),
        after_lengths=after_lengths,
        trailing_re=_compile(f"(?:{_union(ind['trailing_link_patterns'])})+\\Z"),
        leading_re=_compile(
            f"(?:{_union(ind['leading_patterns'] + ind['leading_time_patterns'] + data['horizons']['patterns'])})+"
        ),
        tail_stop_re=_compile(_literals(ind["tail_stop_words"])),
        scope_cut_re=_compile(f"(?:{_literals(ind['scope_cut_words'])})(?=.)"),
        change_verbs=tuple(sorted(ind["change_verbs"], key=len, reverse=True)),
        counting_re=_compile(_literals(red["counting_verbs"])),
        not_before_yu=frozenset(red["not_missing_before_yu"]),
        not_missing_after=frozenset(red["not_missing_after"]),
        unit_prev_chars=dict(red["unit_prev_chars"]),
        missing_not_followed_by=tuple(red["missing_not_followed_by"]),
        numeral_chars=frozenset(cn_all + "万亿几数0123456789０１２３４５６７８９"),
        measure_units=frozenset(u["measure_units"]),
        counted_units=frozenset(u["counted_units"]),
        magnitudes=tuple(sorted(u["magnitudes"], key=len, reverse=True)),
        max_chars=int(ind["max_chars"]),
        decimal_only=frozenset(u.get("decimal_only", ())),
        plan_past_re=_compile(_union(cues["plan_past_patterns"])),
        review_future_re=_compile(_union(cues["review_future_patterns"])),
        base_re=_compile(_union(cues["base_patterns"])),
        short_target_re=_compile(_union(frames["short_line_target_patterns"])),
        short_achievement_re=_compile(_union(frames["short_line_achievement_patterns"])),
        sentence_frame_re=_compile(
            f"[。！？!?](?:{_union(frames['paragraph_target_patterns'] + frames['paragraph_achievement_patterns'])})"
        ),
        this_year=frozenset(ty["this_year"]),
        next_year=frozenset(ty["next_year"]),
        plan_end={k: int(v) for k, v in ty["plan_end"].items()},
        plan_name_re=_compile(f"(?:{_literals(ty['plan_end'])})(?=”|\"|期|时期|末|规划|计划|$)"),
        heading_year_re=_compile(r"((?:19|20)\d\d)年"),
        double_re=_compile(idioms["double_pattern"]),
        cheng_re=_compile(idioms["cheng_pattern"]),
        fraction_re=_compile(idioms["fraction_pattern"]),
        bare_mag_re=_compile(idioms["bare_magnitude_pattern"]),
        range_re=_compile(
            f"(?P<lo>\\d(?<![\\d.．A-Za-z]\\d)\\d*(?:[.．]\\d+)?)(?P<u1>(?:{mags})?(?:{base}))?(?P<conn>{_literals(data['ranges']['connectors'])})"
            f"(?P<hi>\\d+(?:[.．]\\d+)?)(?P<u2>(?:{mags})?(?:{base}))"
        ),
        commitment=_commitment_levels(),
        not_coordinator=tuple(ind["not_coordinator_words"]),
        base_before_re=_compile(cues["base_value_before_pattern"]),
        base_after_re=_compile(cues["base_value_after_pattern"]),
        **_range_prescan(data["ranges"]["connectors"], u),
    )
    for name in ("double_re", "cheng_re", "fraction_re", "bare_mag_re"):
        rules.idiom_anchors[name] = _literal_anchor(getattr(rules, name))
    rules.first_literals[rules.bare_mag_re] = _first_literals(rules.bare_mag_re)
    return rules


def _range_prescan(connectors: list[str], units: dict) -> dict:
    """The fields of :func:`_range_matches`: every range (6.5%－7%) holds a connector right before a
    digit, after a low end and a first unit made of digits, '.', '．' and unit characters only. None
    (a whole-text pass) when a connector could be part of those."""
    chars = frozenset("".join(units["base"]) + "".join(units["magnitudes"]) + ".．0123456789")
    if not connectors or any(ch in chars or ch.isdecimal() for w in connectors for ch in w):
        return {}
    return {"range_anchor_re": re.compile(f"(?:{_literals(connectors)})(?=\\d)"), "range_chars": chars}


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


@dataclass
class _Frames:
    """Section frames (from headings, until the next one) and paragraph frames (from an opener
    like '过去一年' or '今年…主要预期目标', until the end of its line): kind and year of each."""

    sec_pos: list
    sec_kind: list
    sec_year: list
    par_start: list
    par_end: list
    par_kind: list
    par_year: list

    def at(self, pos: int) -> tuple[str | None, int | None]:
        """(kind, year) of the frame that holds pos: its paragraph's, else its section's."""
        i = bisect.bisect_right(self.par_start, pos) - 1
        j = bisect.bisect_right(self.sec_pos, pos) - 1
        if i >= 0 and pos < self.par_end[i] and (j < 0 or self.sec_pos[j] <= self.par_start[i]):
            return self.par_kind[i], self.par_year[i]  # a later heading ends the paragraph's frame
        return (self.sec_kind[j], self.sec_year[j]) if j >= 0 else (None, None)


def _plan_end(s: str, r: _Rules) -> int | None:
    """Last year of the five-year plan named in s ('“十四五”末' -> 2025), else None."""
    m = r.plan_name_re.search(s)
    return r.plan_end[m.group()] if m else None


def _year_of(s: str, year: int | None, r: _Rules) -> int | None:
    """The year a heading or frame opener speaks of: '2024年工作安排' -> 2024, '今年…' -> year,
    '明年' -> year + 1, '“十四五”时期' -> 2025."""
    m = r.heading_year_re.search(s)
    if m:
        return int(m.group(1))
    if year is not None and any(w in s for w in r.this_year):
        return year
    if year is not None and any(w in s for w in r.next_year):
        return year + 1
    return _plan_end(s, r)


def _heading_frame(heading: str, year: int | None, r: _Rules) -> str | None:
    kind = _heading_kind(heading, r)
    if kind is None and year is not None:  # '二、2024年经济社会发展…' in a 2024 report: the plan
        m = r.heading_year_re.search(heading)
        if m:
            kind = "target" if int(m.group(1)) >= year else "achievement"
    return kind


def _frames(text: str, r: _Rules, year: int | None = None) -> _Frames:
    """Where a section heading or a paragraph opener sets the frame ('target' / 'achievement').

    Headings are outline lines ('一、2023年工作回顾', also inline after a blank or 。) and short
    unmarked lines that name a part of a report ('2024年工作安排'); a review's own sub-headings
    ('（三）…任务') set nothing.  Openers ('过去一年，', '今年经济社会发展的主要预期目标是：')
    frame their paragraph only.
    """
    found: dict[int, tuple[str | None, int | None]] = {}
    unknown: list[int] = []

    def add_heading(pos: int, heading: str, end: int) -> None:
        kind = _heading_frame(heading, year, r)
        if not kind:
            unknown.append(pos)  # '二、促进国民经济持续、快速、健康发展' after the review: ends it
            return
        found[pos] = (kind, _year_of(heading, year, r))
        if kind == "achievement" and r.target_heading_re.search(heading):
            # a review then a plan under one heading ('…“十三五”时期发展成就和“十四五”时期主要目标任务'):
            # the plan starts at the first line that opens with the plan's period
            horizons = [h.group() for h in r.horizon_re.finditer(heading)]
            if horizons:
                line = re.compile(f"\n[ \t\u3000]*{re.escape(horizons[-1])}").search(text, end)
                if line:
                    found[line.start() + 1] = ("target", _year_of(horizons[-1], year, r))

    for m in r.inline_heading_re.finditer(text):
        add_heading(m.start() + 1, m.group(), m.end())
    first = r.line_heading_re.match(text)
    if first:
        add_heading(0, first.group(), first.end())
    for m in r.short_line_re.finditer("\n" + text):
        line = m.group(1)
        t, a = r.short_target_re.search(line), r.short_achievement_re.search(line)
        if (t or a) and m.start() not in found:
            kind = "achievement" if a and (not t or a.start() <= t.start()) else "target"
            found[m.start()] = (kind, _year_of(line, year, r))  # offset of the line in text
    for m in r.inline_frame_re.finditer(text):
        kind = "target" if r.inline_target_re.fullmatch(m.group()) else "achievement"
        found[m.start()] = (kind, _year_of(m.group(), year, r))
    known = sorted(found)
    for pos in unknown:  # a top-level part of no known kind right after a review part: cues decide
        i = bisect.bisect_left(known, pos) - 1
        if i >= 0 and found[known[i]][0] == "achievement" and pos not in found:
            found[pos] = (None, None)
    sec_pos = sorted(found)

    paras: dict[int, tuple[int, str, int | None]] = {}

    def add_par(start: int, opener: str, lead: str) -> None:
        end = text.find("\n", start)
        kind = "target" if r.paragraph_target_re.search(opener) else "achievement"
        own = _year_of(lead, year, r) if kind == "target" else None
        paras[start] = (len(text) if end == -1 else end, kind, own if own is not None or kind != "target" else year)

    for m in r.paragraph_frame_re.finditer("\n" + text):
        start = m.start()  # offset of the line in text
        add_par(start, m.group(), m.group())
    for m in r.sentence_frame_re.finditer(text):
        if m.start() + 1 not in paras:
            line_start = text.rfind("\n", 0, m.start()) + 1
            add_par(m.start() + 1, m.group(), text[max(line_start, m.start() - 40) : m.end()])
    par_start = sorted(paras)
    return _Frames(
        sec_pos, [found[p][0] for p in sec_pos], [found[p][1] for p in sec_pos],
        par_start, [paras[p][0] for p in par_start], [paras[p][1] for p in par_start],
        [paras[p][2] for p in par_start],
    )


def _mask_spans(text: str, r: _Rules) -> tuple[list[int], list[int]]:
    spans: list[tuple[int, int]] = []
    for pat, anchor, lead in r.mask_res:
        spans += _mask_matches(text, pat, anchor, lead)
    spans.sort()
    starts: list[int] = []
    ends: list[int] = []
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
    low: float | None = None
    high: float | None = None


def _after_comparator(text: str, pos: int, r: _Rules) -> tuple[str | None, int]:
    """Comparator word right after the unit (以上, 以内, 左右) and the position after it."""
    words = r.after_words
    skip = pos
    while skip < len(text) and skip < pos + 2 and text[skip] in " \t\u3000":
        skip += 1  # '提高到70% 以上'
    for n in r.after_lengths:
        comp = words.get(text[skip : skip + n])
        if comp:
            return comp, skip + n
    return None, pos


def _figure_matches(text: str, r: _Rules):
    """(kind, match) for every number + unit; kind 'arabic' | 'chinese' | 'mark'."""
    for kind, pattern in r.figure_passes:
        for m in pattern.finditer(text):
            yield kind, m
    if not any(ch in text for ch in r.mark_chars):
        return  # no redaction mark
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
            if base in r.decimal_only and (kind != "arabic" or not re.search(r"[.．]", num)):
                continue  # 11.3年 (schooling) is a value, 2024年 and 30年 are not
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
    out += _idiom_figures(text, r, mask_starts, mask_ends)
    return _with_ranges(text, out, r, mask_starts, mask_ends)


def _idiom_figures(text: str, r: _Rules, mask_starts, mask_ends) -> list[_Figure]:
    """翻一番 (2 倍), 近八成 (80 %), 三分之二 (66.67 %), 超万亿元 (1 万亿元)."""
    out = []

    def add(m, value, unit, start=None):
        start = m.start() if start is None else start
        if mask_starts and _masked(start, mask_starts, mask_ends):
            return
        comp, end = _after_comparator(text, m.end(), r)
        out.append(_Figure(start, end, value, unit, comp, False))

    for m in _finditer(text, r.double_re, r.idiom_anchors.get("double_re")):
        add(m, float(2 ** int(_chinese_value(m.group("n").replace("两", "二")) or 1)), "倍")
    for m in _finditer(text, r.cheng_re, r.idiom_anchors.get("cheng_re")):
        groups = m.groupdict()
        n = _chinese_value(groups.get("n") or groups.get("n2"))
        if n:
            add(m, n * 10.0, "%")
    for m in _finditer(text, r.fraction_re, r.idiom_anchors.get("fraction_re")):
        den, num = _chinese_value(m.group("den")), _chinese_value(m.group("num"))
        if den and num and num < den:
            add(m, round(num / den * 100, 2), "%")
    for m in _rare_first_finditer(text, r.bare_mag_re, r.first_literals.get(r.bare_mag_re)):  # no literal anchor
        add(m, 1.0, m.group("mag") + (m.group("base") or ""), m.start("mag"))  # 超万亿元: the figure is 万亿元
    return out


def _with_ranges(text: str, figures: list[_Figure], r: _Rules, mask_starts, mask_ends) -> list[_Figure]:
    """Merge the two ends of a range (6.5%－7%, 8%至10%, 4.5-5%) into one figure."""
    ranges = []
    for m in _range_matches(text, r):
        u1, u2 = m.group("u1"), m.group("u2")
        if u1 and _base_unit(u1, r) != _base_unit(u2, r) or _base_unit(u2, r) in r.decimal_only:
            continue
        if m.group("conn") in "到至" and not u1:
            continue  # 2021至2025: a period, 从1至5: a list
        if mask_starts and (_masked(m.start(), mask_starts, mask_ends) or _masked(m.start("hi"), mask_starts, mask_ends)):
            continue
        lo, hi = _arabic_value(m.group("lo")), _arabic_value(m.group("hi"))
        if lo is None or hi is None or lo >= hi:
            continue
        unit = u2.replace("％", "%")
        comp, end = _after_comparator(text, m.end(), r)
        ranges.append(_Figure(m.start(), end, lo, unit, "range", False, lo, hi))
    if not ranges:
        return figures
    spans = [(f.start, f.unit_end) for f in ranges]
    kept = [f for f in figures if not any(s <= f.start < e for s, e in spans)]
    return kept + ranges


def _range_matches(text: str, r: _Rules):
    """``r.range_re.finditer(text)``, the pattern tried only where a range can start: at the digits of
    the stretch of low-end and unit characters right before a connector that a digit follows."""
    if r.range_anchor_re is None:
        yield from r.range_re.finditer(text)
        return
    chars, match = r.range_chars, r.range_re.match
    last_end = 0
    for a in r.range_anchor_re.finditer(text):
        c = a.start()
        if c <= last_end:
            continue  # a match starting at last_end or later starts before a connector after it
        lo = c
        while lo > last_end and (text[lo - 1] in chars or text[lo - 1].isdecimal()):
            lo -= 1
        for start in range(lo, c):
            if text[start].isdecimal():  # a range starts with \d
                m = match(text, start)
                if m:
                    yield m
                    last_end = m.end()
                    break


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


_MEMO_MAX = 100_000  # entries of a memo of _Rules before it starts afresh


def _before_comparator(before: str, r: _Rules) -> str | None:
    """Comparator word at the end of the text before a number (不低于 -> '>=', 约 -> '~'), else None."""
    memo = r.memo_before
    try:
        return memo[before]
    except KeyError:
        pass
    if len(memo) > _MEMO_MAX:
        memo.clear()
    memo[before] = out = _before_comparator_of(before, r)
    return out


def _before_comparator_of(before: str, r: _Rules) -> str | None:
    before = before.rstrip(" \t\u3000")  # '控制在 3.3%'
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
    memo = r.memo_strip
    out = memo.get(s)
    if out is None:
        if len(memo) > _MEMO_MAX:
            memo.clear()
        memo[s] = out = _strip_indicator_of(s, r)
    return out


def _strip_indicator_of(s: str, r: _Rules) -> str:
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
    if seg and seg[0] in "（(":  # an alternative unit in brackets: 7万套（间）保障性租赁住房
        close = seg.find("）" if seg[0] == "（" else ")", 0, 5)
        if close != -1:
            seg = seg[close + 1 :]
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


def _sentence_cues(text: str, lo: int, hi: int, r: _Rules, bases: list | None = None) -> tuple[list[int], list[str]]:
    """Positions and kinds ('modal' | 'past' | 'nominal') of the kind cues in text[lo:hi].

    ``bases``: the spans of ``r.base_re`` in text[lo:hi] when the caller has them."""
    pos: list[int] = []
    kinds: list[str] = []
    if bases is None:
        bases = [b.span() for b in r.base_re.finditer(text, lo, hi)]
    modal, past = r.modal_re.match, r.past_re.match
    for m in r.cue_re.finditer(text, lo, hi):
        p = m.start()
        if bases:
            if any(s <= p < e for s, e in bases):
                continue  # 较“十三五”期末, 由1980年: a base of comparison
            if text[p] in "到至" and any(s < p and text[s] in "由从" for s, _ in bases):
                continue  # 由1980年的…增加至2019年的…: the end of a period, no deadline
        pos.append(p)
        if modal(text, p):
            kinds.append("modal")
        elif past(text, p):
            kinds.append("past")
        else:
            kinds.append("nominal")
    return pos, kinds


def _kind(pos: int, window_start: int, cstart: int, cend: int, cues, frame_kind: str | None,
          text: str, r: _Rules) -> str:
    """Target or achievement.  The section decides first: in a plan section a figure is a
    target unless its clause holds a past marker ('已', '去年', '同比'); in a review an
    achievement unless its clause looks ahead ('明年', '今后').  Outside any frame: the clause's
    cues, then the nearest cue before it in the sentence, then 'achievement'."""
    if frame_kind == "target":
        return "achievement" if r.plan_past_re.search(text, cstart, cend) else "target"
    if frame_kind == "achievement":
        return "target" if r.review_future_re.search(text, cstart, cend) else "achievement"
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
    return "achievement"


def _nearest(spans: tuple[list[int], list], pos: int, clause_end: int):
    """Value of the last span starting before pos, else of the first one before clause_end."""
    starts, values = spans
    i = bisect.bisect_left(starts, pos)
    if i > 0:
        return values[i - 1]
    if i < len(starts) and starts[i] < clause_end:
        return values[i]
    return None


_SPAN_YEARS_RE = re.compile(r"(?:未来|今后)?([一二三四五六七八九十两])年内?")


def _horizon_year(horizon: str, year: int | None, r: _Rules) -> int | None:
    """The year a horizon points to: 今年/年内 -> year, 明年 -> year + 1, 十四五 -> 2025,
    今后五年 / 三年内 -> year + n - 1; None for the others (近两年, 任期内)."""
    plan = _plan_end(horizon, r)
    if plan is not None:
        return plan
    if year is None:
        return None
    if horizon in r.this_year:
        return year
    if horizon in r.next_year:
        return year + 1
    m = _SPAN_YEARS_RE.fullmatch(horizon)
    if m and not horizon.startswith("近"):
        n = _chinese_value(m.group(1).replace("两", "二"))
        return year + int(n) - 1 if n else None
    return None


def _deadlines(text: str, lo: int, hi: int, r: _Rules, bases: list | None = None) -> tuple[list[int], list[int]]:
    """Deadlines of text[lo:hi]; a 到/至 year after a 由/从 year ends a period, no deadline.

    ``bases``: the spans of ``r.base_re`` in text[lo:hi] when the caller has them."""
    starts: list[int] = []
    years: list[int] = []
    if "20" not in text[lo:hi]:
        return starts, years  # a deadline is taken only with the 20XX it holds
    if bases is None:
        base = r.base_re.search(text, lo, hi)
        base_start = base.start() if base else None
    else:
        base_start = bases[0][0] if bases else None
    for m in r.deadline_re.finditer(text, lo, hi):
        if base_start is not None and base_start < m.start() and text[base_start] in "由从":
            continue
        year = _YEAR_RE.search(m.group())
        if year is None:  # a deadline pattern always holds a year (targets.toml); guard a user edit
            continue
        starts.append(m.start())
        years.append(int(year.group()))
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
    if not indicator and not tail and seg_start > lo and text[seg_start - 1] == "、":
        # '固定资产投资保持稳定增长、力争达到3%': the thing is named in the list item before
        prev_start = _clause_start(text, seg_start - 1, lo, _LAST_SEGMENT_SEP_RE)
        indicator = _strip_indicator(text[prev_start : seg_start - 1], r)
    if tail and indicator and fig.unit and not fig.redacted and text.startswith("的", fig.unit_end):
        base = _base_unit(fig.unit, r)
        if base not in r.counted_units and fig.unit not in r.magnitudes:
            tail = ""  # '进入了5万亿元以上的新阶段': a measure qualifies what follows 的
    ended = before.rstrip()
    if tail and (indicator.endswith("等") or ended.endswith(_COORDINATORS) and not ended.endswith(r.not_coordinator)):
        indicator = tail  # 孤儿等6项社保救助标准; 福成煤矿和6个光伏项目
    elif tail:
        indicator += tail  # 推动校企共建18个现代产业学院
    elif not indicator and prev_indicator:
        indicator = _drop_change_verb(prev_indicator, r)  # 增长5.2%、约4.4万亿元
    elif indicator in r.change_verbs and prev_indicator:
        indicator = _drop_change_verb(prev_indicator, r) + indicator  # 突破1000万只、增长278%
    k = indicator.rfind("等")
    if 0 < k and 2 <= len(indicator) - k - 1 <= 8 and "、" not in indicator[k:]:
        indicator = indicator[k + 1 :]  # 全球市长论坛暨第六届广州奖等国际会议 -> 国际会议
    if len(indicator) > r.max_chars:
        indicator = indicator[-r.max_chars :]
    return indicator, comparator


def _respectively(clause_before: str, fig_end: int, r: _Rules):
    """Items of 'A、B、C分别增长' (or 'A和B分别…') before a figure, as (items, 1, fig_end).

    Short leading items share the last one's head noun: '城镇、农村居民人均可支配收入分别…' ->
    城镇居民人均可支配收入, 农村居民人均可支配收入.  A verb between 分别 and the figure
    ('分别新认定60家和30家') goes before each item."""
    k = clause_before.rfind("分别")
    if k <= 0:
        return None
    head = clause_before[:k]
    parts = head.split("、") if "、" in head else re.split("(?:以及|和|及|与)", head)
    items = [_strip_indicator(x, r) for x in parts]
    if len(items) < 2 or not all(items):
        return None
    last = items[-1]
    short = len(items[0])
    if short <= 3 and all(len(x) == short for x in items[:-1]) and len(last) > short + 1 and _shares_head(items[0], last):
        rest = last[short:]  # 城镇、农村居民人均可支配收入: 农村 + 居民人均可支配收入
        items = [x + rest for x in items[:-1]] + [last]
    return _with_suffix(items, clause_before[k + 2 :], r), 1, fig_end, items


_ORDINAL_RE = re.compile("第[一二三四五六七八九十]")


def _shares_head(first: str, last: str) -> bool:
    """Whether the short items of a list modify the last item's head noun: 城镇、农村居民… and
    第一、第二、第三产业… do, 家电、新能源汽车零售额 does not (新能源 is one word)."""
    if _ORDINAL_RE.fullmatch(first) and _ORDINAL_RE.match(last):
        return True
    import rjieba

    pos, bounds = 0, set()
    for tok in rjieba.cut(last):
        pos += len(tok)
        bounds.add(pos)
    if len(first) in bounds:
        return True
    # 农村居民 is one token: the head still splits off when both halves are words of their own
    head, rest = last[: len(first)], last[len(first) :]
    return len(rjieba.cut(head)) == 1 and len(rjieba.cut(rest)[0]) >= 2


def _with_suffix(items: list[str], after: str, r: _Rules) -> list[str]:
    """Items with the words between 分别 and the figure: a short verb before each item
    ('分别新认定' -> 新认定跨国公司地区总部), a longer phrase after it; change verbs dropped."""
    suffix = _drop_change_verb(_strip_indicator(after, r), r)
    if not suffix or suffix in r.change_verbs:
        return items
    return [suffix + x if len(suffix) <= 3 else x + suffix for x in items]


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
    frames = _frames(text, r, year)

    attributive = _attributive_figures(text, figures, r)

    rows: list[Target] = []
    s0 = s1 = 0  # current sentence
    deadlines: tuple = ([], [])
    horizons: tuple = ([], [])
    cues: tuple = ([], [])
    prev_end, prev_indicator, sentence, lead_end = 0, "", "", 0
    respectively = None  # (items, next item, end of the last figure) of an A、B分别增长x、y list
    last_items = None  # the items of the sentence's last 分别 list: '…分别新认定60家和30家，累计分别达到…'
    for k, fig in enumerate(figures):
        if fig.start >= s1:
            s0, s1 = _sentence_at(text, fig.start, s1)
            bases = [b.span() for b in r.base_re.finditer(text, s0, s1)]  # shared by deadlines and cues
            deadlines = _deadlines(text, s0, s1, r, bases)
            horizons = _horizons(text, s0, s1, r)
            cues = _sentence_cues(text, s0, s1, r, bases)
            prev_end, prev_indicator, sentence, respectively, last_items = s0, "", text[s0:s1], None, None
            lead_end = fig.start
            lead_commitment: str | None = _UNKNOWN  # commitment_of(text[s0:lead_end]), found when first needed
        if fig.start < prev_end or k in attributive:
            continue  # overlaps the previous figure / qualifies the next one
        cstart = _clause_start(text, fig.start, s0)
        cend = _clause_end(text, fig.unit_end, s1)
        comparator = fig.comparator
        if (
            respectively
            and respectively[1] < len(respectively[0])
            and text[respectively[2] : fig.start].strip() in _LIST_JOINERS
        ):
            items, i, _, raw = respectively
            indicator = items[i]
            respectively = (items, i + 1, fig.unit_end, raw)
        else:
            indicator, before_comp = _indicator(text, fig, max(prev_end, s0), cend, prev_indicator, r)
            comparator = comparator or before_comp
            before = text[cstart : fig.start]
            respectively = _respectively(before, fig.unit_end, r)
            if respectively is None and last_items and "分别" in before:  # 累计分别达到1016家和591家
                items = _with_suffix(last_items, before[before.rfind("分别") + 2 :], r)
                respectively = (items, 1, fig.unit_end, last_items)
            if respectively:
                indicator = respectively[0][0]
                last_items = respectively[3]

        frame_kind, frame_year = frames.at(fig.start)
        kind = _kind(fig.start, max(s0, fig.start - _WINDOW), cstart, cend, cues, frame_kind, text, r)
        horizon = _nearest(horizons, fig.start, cend)
        if kind == "achievement" and frame_kind is None and horizon is not None and year is not None:
            hy = _horizon_year(horizon, year, r)
            if hy is not None and hy >= year:
                kind = "target"  # 年内新建…, “十二五”时期…提高到: a horizon still ahead
        is_base = bool(r.base_before_re.search(text, cstart, fig.start) and r.base_after_re.match(text, fig.unit_end))
        if is_base:
            kind = "achievement"  # the base of a change: 从47.5％提高到51.5%
        deadline = _nearest(deadlines, fig.start, cend)
        as_of = None
        if deadline is not None and year is not None:
            if deadline >= year:
                if not is_base:
                    kind = "target"  # a date still ahead is what is to be reached
            else:
                kind, as_of, deadline = "achievement", deadline, None  # a status date
        target_year = source = commitment = None
        if kind == "target":
            if deadline is not None:
                target_year, source = deadline, "deadline"
            elif horizon is not None and (hy := _horizon_year(horizon, year, r)) is not None and (year is None or hy >= year):
                target_year, source = hy, "horizon"
            elif frame_kind == "target" and frame_year is not None:
                target_year, source = frame_year, "section"
            commitment = commitment_of(text[cstart:cend])
            if commitment is None:
                if lead_commitment is _UNKNOWN:
                    lead_commitment = commitment_of(text[s0:lead_end])
                commitment = lead_commitment
        rows.append(
            Target(
                kind=kind,
                indicator=indicator,
                value=fig.value,
                unit=fig.unit,
                comparator=comparator or "=",
                deadline_year=deadline,
                horizon=horizon,
                redacted=fig.redacted,
                sentence=sentence,
                start=s0,
                end=s1,
                as_of_year=as_of,
                value_low=fig.low,
                value_high=fig.high,
                target_year=target_year,
                year_source=source,
                commitment=commitment,
                figure_start=fig.start,
                figure_end=fig.unit_end,
            )
        )
        prev_end, prev_indicator = fig.unit_end, indicator
    return rows
