"""The 意见 outline of a speech: its announced points and its numbered sections.

A leader's speech usually announces its points (``下面，我讲三点意见``) and then
numbers them with one of a handful of marker styles: ``一、`` ``（一）`` ``第一，``
``1.`` ``一是`` ``一要`` ``首先/其次/最后``.  :func:`parse_outline` finds the
announcement (:func:`find_announcement`), the markers that follow it, nests them
by the styles the speech actually uses, and reports whether the outline is
complete (a paywall may have cut points out).

How a marker is recognised (all rules and word lists live in
``speechkit/data/outline.toml``):

* it stands at the start of the text or of a line, after sentence punctuation
  (。；！？：;:!?) or after whitespace — never after a clause comma, so
  ``……，首先要……`` is not a point; a stray page marker (``7/8其次``) in
  between is tolerated;
* it is not an exclusion word (``第一时间`` ``第一书记`` ``一是一、二是二``) and not
  the head of a number enumeration (``一、二、三产业``);
* its number fits the sequence: a level-1 ``二、`` needs an earlier ``一、``,
  gaps are allowed (paywall), jumping back is not.  A jump back to ``一、`` on
  a new line opens a competing run (a table of contents, the second numbered
  part of a report) — restarts never add points; the run with the announced
  number of points, else the longest, is the outline.

Nesting: the level-1 style is the first style (after the announcement) that
counts 1, 2, … — heading styles (``一、`` ``（一）`` ``第一，`` ``1.``) win over
inline enumerations (``一是`` ``首先``) that merely happen to come first.  Below
level 1 a new style becomes a child of the open section, except that a heading
style never nests under an inline enumeration and, among styles of one grade, a
style never nests under one the speech started using later.

Everything is one regular-expression pass plus linear work, so a 5 MB text
without a single line break is fine.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

__all__ = ["Outline", "Section", "find_announcement", "parse_outline"]


@dataclass
class Section:
    """One point of the outline.

    ``start``/``end`` are offsets into the parsed text: ``start`` is where the
    marker starts, ``end`` where the next section of the same or a higher level
    starts (or the end of the body).
    """

    seq: int
    level: int
    parent_seq: int | None
    marker: str
    number: int | None
    heading: str
    start: int
    end: int


@dataclass
class Outline:
    """Summary of a speech's outline: announced versus found points."""

    announced_phrase: str | None
    announced_points: int | None
    found_points: int
    missing_numbers: list[int] = field(default_factory=list)
    complete: bool = True


# --------------------------------------------------------------------------
# rules (loaded once from data/outline.toml)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    name: str
    grade: int  # 0 = heading, 1 = inline
    numbering: str
    gap_tolerant: bool
    reject_next: re.Pattern[str] | None


@dataclass(frozen=True)
class _Rules:
    styles: tuple[_Style, ...]
    marker_re: re.Pattern[str]
    exclusion_re: re.Pattern[str] | None
    digits: dict[str, int]
    ten: str
    ordinal_first: frozenset[str]
    ordinal_next: frozenset[str]
    drop_single: frozenset[str]
    heading_stop_re: re.Pattern[str]
    heading_max: int
    heading_strip: str
    announcement_re: re.Pattern[str]
    vague_counts: frozenset[str]
    cues: tuple[str, ...]
    headline: dict


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    raw = tomllib.loads(
        (files("speechkit") / "data" / "outline.toml").read_text(encoding="utf-8")
    )
    boundary_chars = re.escape(raw["boundary"]["after"])
    junk = raw["boundary"]["page_junk"]
    styles: list[_Style] = []
    branches: list[str] = []
    for i, spec in enumerate(raw["styles"]):
        pattern = spec["pattern"].replace("(?P<num>", f"(?P<n{i}>").replace(
            "(?P<word>", f"(?P<w{i}>"
        )
        branch = f"(?P<s{i}>{pattern})"
        if spec.get("page_junk"):
            branch = f"(?:{junk})?{branch}"
        branches.append(branch)
        reject = spec.get("reject_next")
        styles.append(
            _Style(
                name=spec["name"],
                grade=0 if spec.get("grade", "inline") == "heading" else 1,
                numbering=spec["numbering"],
                gap_tolerant=bool(spec.get("gap_tolerant", False)),
                reject_next=re.compile(reject) if reject else None,
            )
        )
    # a marker starts at the text start, after a line break, sentence
    # punctuation or whitespace: "not preceded by anything else"
    marker_re = re.compile(
        rf"(?<![^{boundary_chars}\s])(?:{'|'.join(branches)})"
    )
    words = raw.get("exclusions", {}).get("words", [])
    exclusion_re = re.compile(_alternation(words)) if words else None

    numerals = raw["numerals"]
    digits = dict(numerals["digits"])
    ten = numerals["ten"]

    heading = raw["heading"]
    stop = re.escape(heading["stop"])
    heading_stop_re = re.compile(rf"[{stop}\r\n]|[ \t\u3000]")

    ann = raw["announcement"]
    count_chars = "".join(k for k in digits if digits[k] > 0) + ten
    counts = rf"(?P<count>[{re.escape(count_chars)}0-9]|{_alternation(ann['vague_counts'])})"
    classifiers = _alternation(ann["classifiers"])
    nouns = _alternation(ann["nouns"])
    # single spaces between the words are tolerated (word-segmented text)
    verb_led = (
        rf"(?:(?:{_alternation(ann['lead'])})[，,、：: ]{{0,3}})?"
        rf"(?:(?:{_alternation(ann['subject'])})[，, ]{{0,2}})?"
        rf"(?:(?:{_alternation(ann['adverbs'])}) ?){{0,2}}"
        rf"(?:{_alternation(ann['verbs'])}) ?(?:(?:{_alternation(ann['verb_suffixes'])}) ?)?"
        rf"(?:以下 ?)?{counts}(?:{classifiers})"
        rf"(?: ?(?:的 ?)?(?:{nouns})|(?=[：:。，,；;！!\s]|$))"
    )
    noun_led = (
        rf"以下 ?(?P<count2>[{re.escape(count_chars)}0-9]|{_alternation(ann['vague_counts'])})"
        rf"(?:{classifiers}) ?(?:的 ?)?(?:{nouns})"
    )
    announcement_re = re.compile(rf"{verb_led}|{noun_led}")

    ordinal = raw["ordinal"]
    return _Rules(
        styles=tuple(styles),
        marker_re=marker_re,
        exclusion_re=exclusion_re,
        digits=digits,
        ten=ten,
        ordinal_first=frozenset(ordinal["first"]),
        ordinal_next=frozenset(ordinal["next"]),
        drop_single=frozenset(raw.get("groups", {}).get("drop_single_member", [])),
        heading_stop_re=heading_stop_re,
        heading_max=int(heading["max_chars"]),
        heading_strip=heading["strip_leading"],
        announcement_re=announcement_re,
        vague_counts=frozenset(ann["vague_counts"]),
        cues=tuple(ann["cues"]),
        headline=raw["headlines"],
    )


def _chinese_number(s: str, rules: _Rules) -> int | None:
    """'三' → 3, '十二' → 12, '二十' → 20; None when not a numeral."""
    digits, ten = rules.digits, rules.ten
    if not s:
        return None
    if ten in s:
        head, _, tail = s.partition(ten)
        if ten in tail:
            return None
        tens = 1 if head == "" else digits.get(head) if len(head) == 1 else None
        ones = 0 if tail == "" else digits.get(tail) if len(tail) == 1 else None
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(s) == 1:
        return digits.get(s)
    return None


def _count_value(word: str, rules: _Rules) -> int | None:
    if word in rules.vague_counts:
        return None
    if word.isdigit():
        return int(word)
    return _chinese_number(word, rules)


# --------------------------------------------------------------------------
# announcement
# --------------------------------------------------------------------------


# how far before an announcement phrase a speaker cue (下面/我) is looked for
_CUE_WINDOW = 60
# how many phrases are weighed before the first one is taken (a speech has a few)
_MAX_PHRASES = 50


def find_announcement(text: str) -> tuple[str, int | None, int] | None:
    """Find the phrase announcing the points: ``(phrase, count, end offset)``.

    ``count`` is None for 几点; ``end`` is the offset just after the phrase.
    A phrase with a speaker cue (下面/接下来/我/以下) in it or earlier in its
    sentence is preferred to an earlier one without (``刚才某同志讲了三点意见``).

    >>> find_announcement("同志们，下面，我讲三点意见：一、……")
    ('下面，我讲三点意见', 3, 13)
    >>> find_announcement("会上强调几点意见。")[:2]
    ('强调几点意见', None)
    """
    rules = _rules()
    first = None
    for tried, m in enumerate(rules.announcement_re.finditer(text)):
        if first is None:
            first = m
        if tried >= _MAX_PHRASES:
            break
        phrase = m.group(0)
        lo = max(0, m.start() - _CUE_WINDOW)
        sentence_start = max(text.rfind(c, lo, m.start()) for c in "。！？!?\n")
        window = text[max(sentence_start + 1, lo) : m.start()] + phrase
        if any(cue in window for cue in rules.cues):
            return _announcement_tuple(m, rules)
    return _announcement_tuple(first, rules) if first is not None else None


def _announcement_tuple(m: re.Match[str], rules: _Rules) -> tuple[str, int | None, int]:
    word = m.group("count") if m.group("count") is not None else m.group("count2")
    return m.group(0), _count_value(word, rules), m.end()


# --------------------------------------------------------------------------
# markers
# --------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    start: int
    end: int
    style: int  # index into rules.styles
    marker: str
    number: int | None  # None for 其次/再次/最后 (numbered when placed)


def _marker_candidates(text: str, begin: int, rules: _Rules) -> list[_Candidate]:
    """Every marker-looking match after ``begin`` that passes the exclusions."""
    out: list[_Candidate] = []
    styles = rules.styles
    names = [(f"s{i}", f"n{i}", f"w{i}") for i in range(len(styles))]
    exclusion = rules.exclusion_re.match if rules.exclusion_re is not None else None
    numbers: dict[str, int | None] = {}
    for m in rules.marker_re.finditer(text, begin):
        name = m.lastgroup
        if name is not None and name[0] == "s":
            idx = int(name[1:])
        else:
            idx = next(i for i, nm in enumerate(names) if m.start(nm[0]) != -1)
        style = styles[idx]
        sname, nname, wname = names[idx]
        start, end = m.span(sname)
        if exclusion is not None and exclusion(text, start):
            continue
        if style.reject_next is not None and style.reject_next.match(text, end):
            continue
        if style.numbering == "ordinal":
            word = m.group(wname)
            number = 1 if word in rules.ordinal_first else None
            if number is None and word not in rules.ordinal_next:
                continue
        else:
            raw = m.group(nname)
            if raw in numbers:
                number = numbers[raw]
            else:
                if style.numbering == "chinese":
                    number = _chinese_number(raw, rules)
                elif style.numbering == "circled":
                    number = ord(raw) - 0x2460 + 1
                else:
                    number = int(raw)
                numbers[raw] = number
            if not number:
                continue
        out.append(_Candidate(start, end, idx, text[start:end], number))
    return out


def _level_one_style(cands: list[_Candidate], rules: _Rules) -> int | None:
    """The style of level 1: the first one counting 1, 2 … (heading styles first)."""
    first_one: dict[int, int] = {}
    followed: set[int] = set()
    for i, c in enumerate(cands):
        if c.number == 1:
            first_one.setdefault(c.style, i)
        elif c.style in first_one and (c.number is None or c.number >= 2):
            followed.add(c.style)
    if not first_one:
        return None
    pool = [s for s in first_one if s in followed] or list(first_one)
    return min(pool, key=lambda s: (rules.styles[s].grade, first_one[s]))


@dataclass(slots=True)
class _Open:
    style: int
    number: int
    index: int  # index into accepted list


def _at_line_start(text: str, pos: int) -> bool:
    """True when only spaces stand between ``pos`` and the previous line break."""
    i = pos - 1
    while i >= 0 and text[i] in " \t\u3000":
        i -= 1
    return i < 0 or text[i] in "\r\n"


def _level_one_run(
    text: str, cands: list[_Candidate], l1: int, announced: int | None
) -> tuple[dict[int, int], int, int]:
    """Pick the run of level-1 markers: ``({id(candidate): number}, start, stop)``.

    Numbers must run forward: ``二、`` counts only after ``一、``, gaps are allowed
    (paywall) and a jump back is ignored.  A jump back to 1 *at the start of a
    line* opens a competing run instead (a table of contents, a quoted list, the
    second numbered part of a report); restarts never add points — the run with
    as many points as announced wins, else the one with most points (then the
    one with most markers on their own lines, then the earliest).  ``stop`` is where the next run starts.
    """
    runs: list[list[tuple[_Candidate, int]]] = []
    for c in cands:
        if c.style != l1:
            continue
        if not runs:
            if c.number == 1:
                runs.append([(c, 1)])
            continue
        last = runs[-1][-1][1]
        number = last + 1 if c.number is None else c.number
        if number > last:
            runs[-1].append((c, number))
        elif number == 1 and _at_line_start(text, c.start):
            runs.append([(c, 1)])
    if not runs:
        return {}, 0, 0
    best = max(
        range(len(runs)),
        key=lambda r: (
            len(runs[r]) == announced,
            len(runs[r]),
            sum(_at_line_start(text, c.start) for c, _n in runs[r]),
            -r,
        ),
    )
    stop = runs[best + 1][0][0].start if best + 1 < len(runs) else len(text) + 1
    numbers = {id(c): n for c, n in runs[best]}
    return numbers, runs[best][0][0].start, stop


def _assign(
    text: str, cands: list[_Candidate], l1: int, announced: int | None, rules: _Rules
) -> list[tuple[_Candidate, int, int, int | None]]:
    """Place candidates into the tree: ``(candidate, number, level, parent index)``."""
    first_use: dict[int, int] = {}
    for c in cands:
        first_use.setdefault(c.style, len(first_use))

    def outranks(top: int, new: int) -> bool:
        gt, gn = rules.styles[top].grade, rules.styles[new].grade
        return gt > gn or (gt == gn and first_use[top] > first_use[new])

    top_numbers, region_start, region_stop = _level_one_run(text, cands, l1, announced)
    accepted: list[tuple[_Candidate, int, int, int | None]] = []
    stack: list[_Open] = []
    used_styles: set[int] = set()
    for c in cands:
        if c.start < region_start:
            continue
        if c.start >= region_stop:
            break
        if c.style == l1:
            number = top_numbers.get(id(c))
            if number is None:
                continue
            stack = [_Open(c.style, number, len(accepted))]
            accepted.append((c, number, 1, None))
            used_styles.add(c.style)
            continue
        pos = next((k for k in range(len(stack) - 1, 0, -1) if stack[k].style == c.style), None)
        if pos is not None:
            prev = stack[pos]
            if c.number is None:
                number = prev.number + 1
            elif c.number > prev.number or c.number == 1:
                number = c.number
            else:
                continue
            stack = stack[:pos]
        else:
            depth = len(stack)
            while depth > 1 and outranks(stack[depth - 1].style, c.style):
                depth -= 1
            if c.number is None:
                continue  # 其次/最后 without an open 首先 group
            if c.number != 1 and not (
                rules.styles[c.style].gap_tolerant and c.style in used_styles
            ):
                continue
            number = c.number
            stack = stack[:depth]
        parent = stack[-1].index
        level = len(stack) + 1
        stack.append(_Open(c.style, number, len(accepted)))
        accepted.append((c, number, level, parent))
        used_styles.add(c.style)
    return accepted


def _numbered_sections(
    text: str, cands: list[_Candidate], announced: int | None, rules: _Rules
) -> list[tuple[_Candidate, int, int, int | None]]:
    """Level-1 style, tree placement, and removal of lone 首先-type groups."""
    drop_styles = {i for i, s in enumerate(rules.styles) if s.name in rules.drop_single}
    placed: list[tuple[_Candidate, int, int, int | None]] = []
    for _ in range(4):
        l1 = _level_one_style(cands, rules)
        if l1 is None:
            return []
        placed = _assign(text, cands, l1, announced, rules)
        groups: dict[tuple[int | None, int], list[int]] = {}
        for i, (c, _n, _lvl, parent) in enumerate(placed):
            if c.style in drop_styles:
                groups.setdefault((parent, c.style), []).append(i)
        lone = {id(placed[g[0]][0]) for g in groups.values() if len(g) == 1}
        if not lone:
            return placed
        cands = [c for c in cands if id(c) not in lone]
    return placed


def _announcement_is_nested(
    placed: list[tuple[_Candidate, int, int, int | None]], begin: int, rules: _Rules
) -> bool:
    """True when heading-style level-1 points stand on both sides of ``begin``.

    Then the announcement (``以下几点体会``) sits inside one point of a larger
    outline and does not announce the outline itself.
    """
    top = [c for c, _n, level, _p in placed if level == 1]
    if not top or rules.styles[top[0].style].grade != 0:
        return False
    return top[0].start < begin and any(c.start >= begin for c in top)


# --------------------------------------------------------------------------
# unnumbered headline points (以下三点内容 + short headline paragraphs)
# --------------------------------------------------------------------------

_SENTENCE_STOP = re.compile(r"[。！!？?；;]")
_CLAUSE_STOP = re.compile(r"[，,。！!？?；;]")
_COMMA = re.compile(r"[，,]")


def _paragraph_spans(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    region = text[begin:end]
    splitter = re.compile(r"[\r\n]+" if ("\n" in region or "\r" in region) else r"\s+")
    spans: list[tuple[int, int]] = []
    pos = begin
    for m in splitter.finditer(text, begin, end):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, end))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


def _cut_before_body(sentence: str, prefixes: tuple[str, ...]) -> str:
    """'稳住就业，要扩大岗位' → '稳住就业': a headline ends before a 要… clause."""
    for m in _COMMA.finditer(sentence):
        if sentence.startswith(prefixes, m.end()):
            return sentence[: m.start()]
    return sentence


def _headline_sections(
    text: str, begin: int, end: int, announced: int | None, rules: _Rules
) -> list[tuple[int, str]]:
    """``(start, heading)`` of short headline paragraphs after an announcement."""
    hl = rules.headline
    lo = int(hl["min_chars"])
    prefixes = tuple(hl["body_prefixes"])
    rejects = tuple(hl["reject_words"])
    date_re = re.compile(r"[0-9０-９]{1,4}\s*[年月日]")
    tiers: list[list[tuple[int, str]]] = [[], [], []]
    for s, e in _paragraph_spans(text, begin, end):
        para = text[s:e]
        if para.startswith(prefixes) or any(w in para for w in rejects):
            continue
        m = _SENTENCE_STOP.search(para)
        if m is not None and m.group(0) in "。！!":
            sentence = _cut_before_body(para[: m.start()], prefixes)
            alone = m.end() == len(para)
            if not date_re.search(sentence):
                if alone and lo <= len(sentence) <= int(hl["max_alone_chars"]):
                    tiers[0].append((s, sentence))
                    continue
                if not alone and lo <= len(sentence) <= int(hl["max_sentence_chars"]):
                    tiers[1].append((s, sentence))
                    continue
        c = _CLAUSE_STOP.search(para)
        if c is not None and c.group(0) in "，," and c.end() < len(para):
            clause = para[: c.start()]
            if lo <= len(clause) <= int(hl["max_clause_chars"]) and not date_re.search(clause):
                tiers[2].append((s, clause))
    if announced is not None:
        for tier in tiers:
            if len(tier) == announced:
                return tier
        # more headlines than announced points: the points come first, what follows is
        # the rest of the page (a news item's 市领导…出席会议 line)
        for tier in tiers:
            if announced >= 2 and len(tier) > announced:
                return tier[:announced]
    for tier in tiers:
        if len(tier) >= 2:
            return tier
    return []


# --------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------


def _heading(text: str, start: int, limit: int, rules: _Rules) -> str:
    while start < limit and text[start] in rules.heading_strip:
        start += 1
    limit = min(limit, start + rules.heading_max)
    m = rules.heading_stop_re.search(text, start, limit)
    return text[start : m.start() if m else limit].strip()


def _close_sections(sections: list[Section], body_end: int) -> None:
    """Set each section's end: next section at the same or a higher level."""
    open_stack: list[Section] = []
    for sec in sections:
        while open_stack and open_stack[-1].level >= sec.level:
            open_stack.pop().end = sec.start
        open_stack.append(sec)
    for sec in open_stack:
        sec.end = body_end


def parse_outline(text: str) -> tuple[list[Section], Outline]:
    """Parse the 意见 outline of a speech: its sections and a summary.

    Markers are looked for after the announcement (:func:`find_announcement`)
    or, without one, in the whole text.  When an announcement is followed by no
    numbered marker, short headline paragraphs are taken as unnumbered points.

    >>> secs, ol = parse_outline("下面，我讲两点意见。一、抓落实。要实干。二、强保障。要投入。")
    >>> [(s.marker, s.number, s.heading) for s in secs]
    [('一、', 1, '抓落实'), ('二、', 2, '强保障')]
    >>> ol.announced_points, ol.found_points, ol.complete
    (2, 2, True)
    """
    rules = _rules()
    ann = find_announcement(text)
    body_end = len(text.rstrip())
    cands = _marker_candidates(text, 0, rules)
    begin = ann[2] if ann else 0
    announced = ann[1] if ann else None
    placed = _numbered_sections(
        text, [c for c in cands if c.start >= begin], announced, rules
    )
    if ann is not None:
        everything = _numbered_sections(text, cands, None, rules)
        if _announcement_is_nested(everything, begin, rules):
            ann, begin, placed = None, 0, everything

    sections: list[Section] = []
    if placed:
        seq_of: list[int] = []
        for i, (c, number, level, parent) in enumerate(placed):
            seq_of.append(i)
            sections.append(
                Section(
                    seq=i,
                    level=level,
                    parent_seq=None if parent is None else seq_of[parent],
                    marker=c.marker,
                    number=number,
                    heading="",
                    start=c.start,
                    end=body_end,
                )
            )
        _close_sections(sections, body_end)
        for sec, (c, *_rest) in zip(sections, placed):
            sec.heading = _heading(text, c.end, sec.end, rules)
    elif ann is not None:
        for i, (start, heading) in enumerate(
            _headline_sections(text, begin, body_end, ann[1], rules)
        ):
            sections.append(Section(i, 1, None, "", None, heading, start, body_end))
        _close_sections(sections, body_end)

    top = [s for s in sections if s.level == 1]
    numbers = [s.number for s in top if s.number is not None]
    missing = [
        n for a, b in zip(numbers, numbers[1:]) for n in range(a + 1, b)
    ]
    announced_points = ann[1] if ann else None
    if numbers and announced_points and numbers[-1] < announced_points:
        # announced more than the text holds at its end (a paywall cut the tail): those are missing too
        missing += list(range(numbers[-1] + 1, announced_points + 1))
    outline = Outline(
        announced_phrase=ann[0] if ann else None,
        announced_points=announced_points,
        found_points=len(top),
        missing_numbers=missing,
        complete=(announced_points is None or announced_points == len(top)) and not missing,
    )
    return sections, outline
