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
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

from speechkit.firstchars import with_first_char_lookahead

__all__ = ["DATA_FILES", "Outline", "Section", "find_announcement", "parse_outline"]

#: the data files (under speechkit/data/) the outline depends on — part of analyze's cache key
DATA_FILES = ("outline.toml",)


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
    #: the announcement gives no number (几点意见, 讲点意见 with the number stripped):
    #: ``announced_points`` is then None, as it is when nothing is announced
    announced_vague: bool = False


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
    exclusions: bool = True
    rank: int | None = None
    heading_next_line: bool = True


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
    not_first: re.Pattern[str] | None
    not_next: re.Pattern[str] | None
    joined_by: str
    paragraph_max: int
    inline_point_min: int
    structured_min_breaks: int
    greeting_share: float
    appendix_re: re.Pattern[str]
    appendix_min_share: float
    outline_share: float
    closing_words: tuple[str, ...]
    parts: dict


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    raw = tomllib.loads(
        (files("speechkit") / "data" / DATA_FILES[0]).read_text(encoding="utf-8")
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
                exclusions=bool(spec.get("exclusions", True)),
                rank=spec.get("rank"),
                heading_next_line=bool(spec.get("heading_on_next_line", True)),
            )
        )
    # a marker starts at the text start, after a line break, sentence
    # punctuation or whitespace: "not preceded by anything else"
    after_words = "".join(
        f"|(?<={re.escape(w)})" for w in raw["boundary"].get("after_words", [])
    )
    # the look-ahead on the first character lets the scan skip most positions cheaply
    first = re.escape(raw["boundary"]["marker_first_chars"])
    marker_re = re.compile(
        rf"(?=[{first}])(?:(?<![^{boundary_chars}\s]){after_words})(?:{'|'.join(branches)})"
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
    count_set = rf"[{re.escape(count_chars)}0-9]|{_alternation(ann['vague_counts'])}"
    counts = rf"(?P<count>{count_set})"
    classifiers = _alternation(ann["classifiers"])
    nouns = _alternation(ann["nouns"])
    redacted = _alternation(ann.get("redacted_counts", []))
    # single spaces between the words are tolerated (word-segmented text)
    verb_led = (
        rf"(?:(?:{_alternation(ann['lead'])})[，,、：: ]{{0,3}})?"
        rf"(?:(?:{_alternation(ann['subject'])})[，, ]{{0,2}})?"
        rf"(?:(?:{_alternation(ann['adverbs'])}) ?){{0,2}}"
        rf"(?:{_alternation(ann['verbs'])}) ?(?:(?:{_alternation(ann['verb_suffixes'])}) ?)?"
        rf"(?:以下 ?)?(?:{counts}(?:{classifiers})"
        rf"(?: ?(?:的 ?)?(?:{nouns})|(?=[：:。，,；;！!\s]|$))"
        # the number stripped or starred: 讲点意见 讲*点意见 — then the noun is required
        rf"|(?P<redacted>{redacted})?(?:{classifiers}) ?(?:的 ?)?(?:{nouns}))"
    )
    noun_led = (
        rf"以下 ?(?P<count2>[{re.escape(count_chars)}0-9]|{_alternation(ann['vague_counts'])})"
        rf"(?:{classifiers}) ?(?:的 ?)?(?:{nouns})"
    )
    from_led = (
        rf"(?:{_alternation(ann.get('from_words', ['从']))}) ?以下 ?(?P<count3>{count_set})(?:{classifiers})"
        rf"(?!{_alternation(ann.get('from_not_before', [])) or '(?!)'})"
    )
    # every phrase starts with a lead, subject, adverb or verb word, 以下 or a from-word: a look-ahead
    # on those first characters lets the scan skip the other positions (5x faster, same matches)
    announcement_re = re.compile(with_first_char_lookahead(rf"{verb_led}|{noun_led}|{from_led}"))

    groups = raw.get("groups", {})
    parts = dict(raw["parts"])
    banned = re.escape(parts["no_chars"])
    parts["line_re"] = re.compile(
        rf"(?<=\n)[ \t\u3000]*([^{banned}\r\n]{{{int(parts['min_chars'])},{int(parts['max_chars'])}}})[ \t\u3000]*(?=\r?\n)"
    )
    appendix = raw["appendix"]
    heads = _alternation(appendix["heads"])
    appendix_re = re.compile(
        rf"(?:^|(?<=[\r\n。！!]))[ \t\u3000]*(?:{heads})[ \t\u3000]*[0-9０-９一二三四五六七八九十]{{0,2}}"
        rf"[ \t\u3000]*(?:[：:]|\r?\n|$|(?:{heads}))"
    )

    ordinal = raw["ordinal"]
    return _Rules(
        styles=tuple(styles),
        marker_re=marker_re,
        exclusion_re=exclusion_re,
        digits=digits,
        ten=ten,
        ordinal_first=frozenset(ordinal["first"]),
        ordinal_next=frozenset(ordinal["next"]),
        drop_single=frozenset(groups.get("drop_single_member", [])),
        heading_stop_re=heading_stop_re,
        heading_max=int(heading["max_chars"]),
        heading_strip=heading["strip_leading"],
        announcement_re=announcement_re,
        vague_counts=frozenset(ann["vague_counts"]),
        cues=tuple(ann["cues"]),
        headline=raw["headlines"],
        not_first=re.compile(ordinal["not_first"]) if ordinal.get("not_first") else None,
        not_next=re.compile(ordinal["not_next"]) if ordinal.get("not_next") else None,
        joined_by=groups.get("joined_by", ""),
        paragraph_max=int(groups.get("paragraph_max_chars", 2500)),
        inline_point_min=int(groups.get("inline_point_min_chars", 150)),
        structured_min_breaks=int(groups.get("structured_min_line_breaks", 3)),
        greeting_share=float(ordinal.get("greeting_share", 0.15)),
        appendix_re=appendix_re,
        appendix_min_share=float(appendix.get("min_share", 0.5)),
        outline_share=float(ann.get("outline_share", 0.25)),
        closing_words=tuple(ann.get("closing_words", [])),
        parts=parts,
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
    word = next((m.group(g) for g in ("count", "count2", "count3") if m.group(g) is not None), None)
    return m.group(0), None if word is None else _count_value(word, rules), m.end()


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
        if style.exclusions and exclusion is not None and exclusion(text, start):
            continue
        if style.reject_next is not None and style.reject_next.match(text, end):
            continue
        if style.numbering == "ordinal":
            word = m.group(wname)
            number = 1 if word in rules.ordinal_first else None
            if number is None and word not in rules.ordinal_next:
                continue
            # a greeting 首先 (首先，我代表……感谢) or a closing 最后 (最后，祝……) is no point
            guard = rules.not_first if number == 1 else rules.not_next
            if guard is not None and guard.match(text, end):
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
    chosen = min(pool, key=lambda s: (rules.styles[s].grade, first_one[s]))
    # a 一、 before the first （一） is the level above it even when alone (the text was
    # cut after its first part): the official nesting order decides
    rank = rules.styles[chosen].rank
    if rank is not None:
        above = [
            s for s in first_one
            if first_one[s] < first_one[chosen] and (rules.styles[s].rank or rank) < rank
        ]
        if above:
            return min(above, key=lambda s: first_one[s])
    return chosen


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


class _Lines:
    """The lines (paragraphs) of a text, looked up by offset in O(log n)."""

    def __init__(self, text: str, rules: _Rules) -> None:
        self.text = text
        self.breaks = [m.start() for m in re.finditer(r"\n", text)]
        self.long = rules.paragraph_max
        # a text of a few lines at most has no paragraph structure to go by (a scraped
        # speech glued into one line): only the distance between markers tells points
        self.structured = len(self.breaks) >= rules.structured_min_breaks
        self._starts: dict[int, bool] = {}

    def span(self, pos: int) -> tuple[int, int]:
        """``(start, end)`` of the line holding ``pos``."""
        i = bisect_left(self.breaks, pos)
        start = self.breaks[i - 1] + 1 if i else 0
        end = self.breaks[i] if i < len(self.breaks) else len(self.text)
        return start, end

    def glued(self, pos: int) -> bool:
        """True when the line holding ``pos`` is too long to be one paragraph (line breaks lost)."""
        start, end = self.span(pos)
        return end - start > self.long

    def starts_paragraph(self, pos: int) -> bool:
        """At a line start — or, where line breaks were lost (a text of one or two lines, or a
        line longer than a paragraph can be), anywhere a marker may stand."""
        known = self._starts.get(pos)
        if known is None:
            known = self._starts[pos] = (
                _at_line_start(self.text, pos) or not self.structured or self.glued(pos)
            )
        return known


def _previous_char(text: str, pos: int) -> str:
    i = pos - 1
    while i >= 0 and text[i] in " \t\u3000\r\n":
        i -= 1
    return text[i] if i >= 0 else ""


def _second_in_same_sentence(text: str, c: _Candidate, rules: _Rules) -> bool:
    """True for 一要建机构，二要降费用: the next member follows a comma in the same sentence."""
    style = rules.styles[c.style]
    if style.grade == 0 or style.numbering != "chinese" or c.number != 1:
        return False
    suffix = c.marker[1:]
    stop = _SENTENCE_END.search(text, c.end)
    end = stop.start() if stop else len(text)
    return re.compile(rf"[{re.escape(rules.joined_by)}]\s*[二两]{re.escape(suffix)}").search(text, c.end, end) is not None


_SENTENCE_END = re.compile(r"[。！!？?\n]")


def _greeting_and_closing(text: str, members: list[_Candidate], rules: _Rules) -> bool:
    """True for a 首先 near the start and a 最后 near the end with nothing between them.

    ``首先，……`` opening the speech and ``最后，……`` closing it are a greeting and a
    farewell, not a two-point outline (a real one says 其次 in between).
    """
    if len(members) != 2 or rules.styles[members[0].style].numbering != "ordinal":
        return False
    share = rules.greeting_share
    n = len(text) or 1
    return members[0].start <= share * n and members[1].start >= (1 - share) * n


def _is_enumeration(text: str, members: list[_Candidate], lines: _Lines, rules: _Rules) -> bool:
    """True when a group of markers is an enumeration inside a sentence or paragraph, not points.

    ``一是……；二是……`` (joined by ；/，) is one sentence; ``一要……。二要……`` of an inline style
    inside one ordinary paragraph is one paragraph's list.  Where the paragraphs are not
    known (a text of one or two lines, or one line longer than a paragraph can be), inline
    members far apart are points and members close together an enumeration.
    """
    if all(_previous_char(text, c.start) in rules.joined_by for c in members[1:]):
        return True
    if rules.styles[members[0].style].grade == 0:
        return False
    start, end = lines.span(members[0].start)
    if members[-1].start >= end:
        return False  # the members start different paragraphs
    if lines.structured and end - start <= rules.paragraph_max:
        return True
    mean_gap = (members[-1].start - members[0].start) / (len(members) - 1)
    return mean_gap < rules.inline_point_min


def _level_one_run(
    text: str, cands: list[_Candidate], l1: int, announced: int | None, lines: _Lines
) -> tuple[dict[int, int], int, int]:
    """Pick the run of level-1 markers: ``({id(candidate): number}, start, stop)``.

    Numbers must run forward: ``二、`` counts only after ``一、``, gaps are allowed
    (paywall) and a jump back is ignored.  A jump back to 1 *at the start of a
    line* — or, where line breaks were lost, anywhere when a 2 follows it — opens a
    competing run instead (a table of contents, a quoted list, the second numbered
    part of a report); restarts never add points — the run with as many points as
    announced wins, else the one with most points (then the one with most markers
    on their own lines, then the earliest).  ``stop`` is where the next run starts.
    """
    runs: list[list[tuple[_Candidate, int]]] = []
    # a jump back to 1 inside a line (a text whose line breaks were lost) restarts only
    # when a 2 follows it; otherwise the numbers go on in the current run
    pending: tuple[_Candidate, int] | None = None
    for c in cands:
        if c.style != l1:
            continue
        if not runs:
            if c.number == 1:
                runs.append([(c, 1)])
            continue
        if pending is not None:
            if (2 if c.number is None else c.number) == 2:
                runs.append([pending, (c, 2)])
                pending = None
                continue
            pending = None
        last = runs[-1][-1][1]
        number = last + 1 if c.number is None else c.number
        if number > last:
            runs[-1].append((c, number))
        elif number == 1 and _at_line_start(text, c.start):
            runs.append([(c, 1)])
        elif number == 1 and lines.starts_paragraph(c.start):
            pending = (c, 1)
    if not runs:
        return {}, 0, 0
    best = max(
        range(len(runs)),
        key=lambda r: (
            len(runs[r]) == announced,
            len(runs[r]),
            sum(lines.starts_paragraph(c.start) for c, _n in runs[r]),
            -r,
        ),
    )
    stop = runs[best + 1][0][0].start if best + 1 < len(runs) else len(text) + 1
    numbers = {id(c): n for c, n in runs[best]}
    return numbers, runs[best][0][0].start, stop


def _assign(
    text: str, cands: list[_Candidate], l1: int, announced: int | None, rules: _Rules, lines: _Lines
) -> list[tuple[_Candidate, int, int, int | None]]:
    """Place candidates into the tree: ``(candidate, number, level, parent index)``."""
    first_use: dict[int, int] = {}
    for c in cands:
        first_use.setdefault(c.style, len(first_use))

    def outranks(top: int, new: int) -> bool:
        gt, gn = rules.styles[top].grade, rules.styles[new].grade
        return gt > gn or (gt == gn and first_use[top] > first_use[new])

    top_numbers, region_start, region_stop = _level_one_run(text, cands, l1, announced, lines)
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
    """Level-1 style, tree placement, and removal of lone 首先-type groups and enumerations."""
    drop_styles = {i for i, s in enumerate(rules.styles) if s.name in rules.drop_single}
    lines = _Lines(text, rules)
    placed: list[tuple[_Candidate, int, int, int | None]] = []
    for _ in range(4):  # real texts settle in two or three passes
        l1 = _level_one_style(cands, rules)
        if l1 is None:
            return []
        placed = _assign(text, cands, l1, announced, rules, lines)
        # the groups of siblings: same parent, same style, a restart at 1 opens a new group
        groups: dict[tuple[int | None, int], list[list[_Candidate]]] = {}
        for c, number, _lvl, parent in placed:
            runs = groups.setdefault((parent, c.style), [])
            if not runs or number == 1:
                runs.append([])
            runs[-1].append(c)
        drop: set[int] = set()
        for (_parent, style), runs in groups.items():
            for members in runs:
                if len(members) == 1 and (
                    style in drop_styles or _second_in_same_sentence(text, members[0], rules)
                ):
                    drop.add(id(members[0]))
                elif len(members) > 1 and (
                    _is_enumeration(text, members, lines, rules)
                    or _greeting_and_closing(text, members, rules)
                ):
                    drop.update(id(c) for c in members)
        if not drop:
            return placed
        cands = [c for c in cands if id(c) not in drop]
    return placed


def _announcement_is_closing(
    everything: list[tuple[_Candidate, int, int, int | None]],
    placed: list[tuple[_Candidate, int | None, int, int | None]],
    start: int,
    body_end: int,
    rules: _Rules,
) -> bool:
    """True when the announcement at ``start`` comes after the outline has begun.

    A closing ``最后，我提几点希望：一是……`` or a ``重点从以下几个方面发力`` inside the third
    part: two or more heading-style level-1 points stand before it, the list after it is
    of another style, and it stands past ``outline_share`` of the outline's span — an
    agenda read out early (一、…二、… then 下面我讲三点意见) does not count.
    """
    top = [c for c, _n, level, _p in everything if level == 1]
    if not top or rules.styles[top[0].style].grade != 0:
        return False
    if sum(c.start < start for c in top) < 2:
        return False
    after = [c for c, _n, level, _p in placed if level == 1]
    if len(after) >= 2 and after[0].style == top[0].style:
        return False
    span = body_end - top[0].start
    return span > 0 and (start - top[0].start) >= rules.outline_share * span


def _part_headings(text: str, begin: int, limit: int, rules: _Rules) -> list[_Candidate]:
    """Unnumbered part headings: short lines of their own (2024年工作回顾, 加强政府自身建设).

    A line of ``[parts] min_chars..max_chars`` characters without punctuation, standing
    between two line breaks and followed by a sentence (a longer line, or one with
    punctuation) rather than by another such line.  Returned as candidates of
    style -1 with an empty marker.
    """
    spec = rules.parts
    out: list[_Candidate] = []
    for m in spec["line_re"].finditer(text, begin, limit):
        s, e = m.span(1)
        nxt = text.find("\n", e + 1, limit)
        following = text[e:nxt if nxt != -1 else limit].strip()
        # the next line is a sentence, not another short line (a run of captions or labels)
        if len(following) > spec["max_chars"] or any(ch in spec["no_chars"] for ch in following):
            out.append(_Candidate(s, s, -1, "", None))
    return out


def _under_unnumbered_parts(
    text: str,
    cands: list[_Candidate],
    begin: int,
    limit: int,
    placed: list[tuple[_Candidate, int | None, int, int | None]],
    rules: _Rules,
) -> list[tuple[_Candidate, int | None, int, int | None]] | None:
    """Put the numbered points under unnumbered part headings when the report has them.

    Only when two or more part headings exist, the first stands before the first level-1
    point, and every part holds at least one marker; and, when the level 1 found is a
    rank-1 style (一、), only when its numbering restarts at 1 in each part that uses it.
    Returns None when the outline stays as it is.
    """
    top = [c for c, _n, level, _p in placed if level == 1]
    if not top:
        return None
    parts = _part_headings(text, begin, limit, rules)
    if len(parts) < rules.parts["min_parts"] or parts[0].start > top[0].start:
        return None
    inside = [c for c in cands if c.start >= begin]
    bounds = [p.start for p in parts[1:]] + [limit]
    regions = [[c for c in inside if p.start < c.start < stop] for p, stop in zip(parts, bounds)]
    if not all(regions):
        return None
    l1 = top[0].style
    if rules.styles[l1].rank == 1:
        # 一、 on top: the parts only stand above it when its numbering restarts at 一、 in
        # each part that uses it (2023年工作回顾 一、…五、 / 2024年重点工作 一、…七、)
        firsts = [next((c for c in region if c.style == l1), None) for region in regions]
        used = [c for c in firsts if c is not None]
        if len(used) < 2 or any(c.number != 1 for c in used):
            return None
    out: list[tuple[_Candidate, int | None, int, int | None]] = []
    for part, region in zip(parts, regions):
        parent = len(out)
        out.append((part, None, 1, None))
        base = len(out)
        for c, number, level, up in _numbered_sections(text, region, None, rules):
            out.append((c, number, level + 1, parent if up is None else base + up))
    return out


def _appendix_start(text: str, rules: _Rules) -> int:
    """Where an appendix or glossary after the report begins (附件1, 名词解释), else len(text)."""
    m = rules.appendix_re.search(text, int(len(text) * rules.appendix_min_share))
    return m.start() if m else len(text)


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


def _heading(text: str, start: int, limit: int, rules: _Rules, next_line: bool = True) -> str:
    while start < limit and text[start] in rules.heading_strip:
        start += 1
    if next_line and start < limit and text[start] in "\r\n":
        # the marker stands alone on its line (第一，⏎在工商业方面……): the heading is the next line
        while start < limit and text[start].isspace():
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
    # an appendix or glossary after the report (附件, 名词解释) is no part of the outline
    limit = _appendix_start(text, rules)
    ann = find_announcement(text[:limit])
    body_end = len(text[:limit].rstrip())
    cands = [c for c in _marker_candidates(text, 0, rules) if c.start < limit]
    begin = ann[2] if ann else 0
    announced = ann[1] if ann else None
    placed: list[tuple[_Candidate, int | None, int, int | None]] = list(
        _numbered_sections(text, [c for c in cands if c.start >= begin], announced, rules)
    )
    if ann is not None:
        everything = _numbered_sections(text, cands, None, rules)
        ann_start = ann[2] - len(ann[0])
        if _announcement_is_nested(everything, begin, rules):
            ann, begin, placed = None, 0, list(everything)
        elif _announcement_is_closing(everything, placed, ann_start, body_end, rules):
            # the points come before it: a closing 最后，我提几点希望 — whose list is no part
            # of the outline — or a 从以下几个方面发力 inside the last part (its list nests there)
            closing = any(w in ann[0] for w in rules.closing_words)
            ann, begin = None, 0
            placed = list(
                _numbered_sections(text, [c for c in cands if c.start < ann_start], None, rules)
                if closing
                else everything
            )

    if placed:
        placed = _under_unnumbered_parts(text, cands, begin, limit, placed, rules) or placed

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
            next_line = c.style >= 0 and rules.styles[c.style].heading_next_line
            sec.heading = _heading(text, c.end, sec.end, rules, next_line)
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
        announced_vague=ann is not None and announced_points is None,
    )
    return sections, outline
