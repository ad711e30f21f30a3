"""Boilerplate removal as a sequence of named, auditable rules.

Rules live in ``data/boilerplate.toml`` (users add their own with
``--rules FILE``). Every rule finds spans in the *raw* decoded text; spans are
merged and removed in one pass, and each removed span is returned as a
:class:`Removal` (rule, start, end, text) so the cut can be audited: for every
removal, ``raw[start:end] == text``.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from speechkit.rulescan import ScanPlan, match_spans, scan_plan, scan_spans

__all__ = ["Rule", "Removal", "Protected", "CleanResult", "load_rules", "strip_boilerplate", "find_page_markers",
           "reads_as_speech", "cut_in_context", "markdown_tables", "RuleFileError", "DATA_FILES", "ZONES"]

#: the data files this module reads (part of the clean stage's cache key)
DATA_FILES = ("boilerplate.toml", "speech_guard.toml")
#: where a rule may act: the head zone (before the first body line), the foot zone (after the
#: last one), either of them, or anywhere on the page
ZONES = ("anywhere", "head", "foot", "edges")

_STRUCTURAL = {"page_marker", "header_block", "preamble", "title_repeat", "whitespace"}


class RuleFileError(ValueError):
    """A rules file is malformed; the message names the file and what is wrong."""


class RuleTimeout(ValueError):
    """A user rule ran longer than :data:`USER_RULE_TIMEOUT_S` on one page (catastrophic backtracking)."""


#: Seconds one user rule (from a ``--rules`` file) may spend on one page before the page becomes an
#: error row naming the rule. User rules are compiled with the ``regex`` module, which can stop a
#: match that backtracks without end; the bundled rules are written atomic and run with ``re``.
USER_RULE_TIMEOUT_S = 2.0
BUNDLED_SOURCE = "boilerplate.toml"


@dataclass(frozen=True)
class Rule:
    """One named boilerplate rule."""

    name: str
    kind: str
    pattern: re.Pattern | None
    description: str = ""
    source: str = ""
    requires: tuple[str, ...] = ()  # run only on texts containing one of these strings (speed)
    zone: str = "anywhere"  # one of ZONES: where on the page the rule may cut
    guard: bool = True  # a cut that reads as speech is kept unless the rule found its evidence
    evidence: re.Pattern | None = None  # strong evidence, searched in the cut's lines and `context` lines around
    require_evidence: bool = False  # cut only where the evidence is found, speech-like or not
    context: int = 0  # lines before and after the cut searched for the evidence
    in_tables: bool = True  # false: never cuts inside a markdown table (rows of | cells with a |---| row)


@dataclass(frozen=True)
class Removal:
    """One removed span of the raw text: ``raw[start:end] == text``."""

    rule: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Protected:
    """A span a rule matched but the guard kept, and why (``reads as speech: outline heading`` …)."""

    rule: str
    start: int
    end: int
    text: str
    reason: str


@dataclass
class CleanResult:
    """Cleaned text plus the removals that produced it (and the candidate cuts the guard kept)."""

    text: str
    removals: list[Removal]
    protected: list[Protected] = field(default_factory=list)


def _parse_rules(data: dict, source: str) -> list[Rule]:
    rules = []
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise RuleFileError(f"{source}: expected [[rule]] tables")
    for i, entry in enumerate(entries, 1):
        name = entry.get("name")
        kind = entry.get("kind", "regex")
        if not name:
            raise RuleFileError(f"{source}: rule #{i} has no name")
        if kind != "regex" and kind not in _STRUCTURAL:
            raise RuleFileError(f"{source}: rule {name!r} has unknown kind {kind!r} (known: regex, {', '.join(sorted(_STRUCTURAL))})")
        pattern = entry.get("pattern")
        compiled = None
        if kind == "regex":
            if not pattern:
                raise RuleFileError(f"{source}: rule {name!r} has no pattern")
            try:
                if source == BUNDLED_SOURCE:
                    compiled = re.compile(pattern, re.MULTILINE)
                else:  # a user's pattern: the regex module, so that a runaway match can be stopped
                    compiled = _compile_user(pattern)
            except (re.error, ValueError, _regex_error()) as exc:
                raise RuleFileError(f"{source}: rule {name!r}: bad regular expression: {exc}") from None
        requires = entry.get("requires", [])
        if isinstance(requires, str):
            requires = [requires]
        zone = entry.get("zone", "anywhere")
        if zone not in ZONES:
            raise RuleFileError(f"{source}: rule {name!r} has unknown zone {zone!r} (known: {', '.join(ZONES)})")
        evidence = entry.get("evidence")
        if evidence is not None:
            try:
                evidence = re.compile(evidence, re.MULTILINE)
            except (re.error, TypeError) as exc:
                raise RuleFileError(f"{source}: rule {name!r}: bad evidence regular expression: {exc}") from None
        require_evidence = bool(entry.get("require_evidence", False))
        if require_evidence and evidence is None:
            raise RuleFileError(f"{source}: rule {name!r} sets require_evidence but has no evidence pattern")
        context = entry.get("context", 0)
        if not isinstance(context, int) or context < 0:
            raise RuleFileError(f"{source}: rule {name!r}: context must be a whole number of lines ≥ 0")
        in_tables = entry.get("in_tables", True)
        if not isinstance(in_tables, bool):
            raise RuleFileError(f"{source}: rule {name!r}: in_tables must be true or false")
        rules.append(Rule(name, kind, compiled, entry.get("description", ""), source, tuple(requires), zone,
                          bool(entry.get("guard", True)), evidence, require_evidence, context, in_tables))
    return rules


def _load_toml(path: Path | str, text: str | None = None) -> dict:
    try:
        if text is None:
            text = Path(path).read_text(encoding="utf-8")
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # message carries "(at line N, column M)"
        raise RuleFileError(f"{path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"{path}: cannot read rules file: {exc}") from None


@lru_cache(maxsize=8)
def _bundled_rules() -> tuple[Rule, ...]:
    res = files("speechkit") / "data" / "boilerplate.toml"
    return tuple(_parse_rules(_load_toml("speechkit/data/boilerplate.toml", res.read_text(encoding="utf-8")), "boilerplate.toml"))


def load_rules(extra: tuple[Path, ...] | list[Path] = ()) -> list[Rule]:
    """The bundled rules plus any user rule files (their rules run after the bundled ones)."""
    rules = list(_bundled_rules())
    for path in extra:
        rules.extend(_parse_rules(_load_toml(path), str(path)))
    return rules


def cut_in_context(raw: str, start: int, end: int, width: int = 20, max_cut: int = 160) -> tuple[str, str, str]:
    """``(before, cut, after)``: a removal with up to ``width`` characters of the raw text on each side.

    Line breaks show as ⏎ so that a cut reads on one line; a cut longer than ``max_cut`` keeps
    its start and end around ``…(N字)…``.

    >>> cut_in_context("同志们：今天开会。\\n评论0\\n", 10, 14, width=5)
    ('天开会。⏎', '评论0⏎', '')
    """
    show = lambda t: t.replace("\r", "").replace("\n", "⏎")  # noqa: E731
    cut = raw[start:end]
    if len(cut) > max_cut:
        half = max_cut // 2
        cut = f"{cut[:half]}…({len(cut) - 2 * half}字)…{cut[-half:]}"
    return show(raw[max(0, start - width):start]), show(cut), show(raw[end:end + width])


# --- the speech guard -----------------------------------------------------------

@dataclass(frozen=True)
class _SpeechPatterns:
    outline: tuple[re.Pattern, ...]
    sentence: tuple[re.Pattern, ...]
    min_sentence_cjk: int
    body_line: tuple[re.Pattern, ...]
    min_body_cjk: int
    table_separator: re.Pattern | None = None
    table_row: re.Pattern | None = None


@lru_cache(maxsize=1)
def _speech_patterns() -> _SpeechPatterns:
    res = files("speechkit") / "data" / "speech_guard.toml"
    data = _load_toml("speechkit/data/speech_guard.toml", res.read_text(encoding="utf-8"))
    speech, zones, tables = data.get("speech", {}), data.get("zones", {}), data.get("tables", {})
    compile_all = lambda items: tuple(re.compile(p) for p in items)  # noqa: E731
    compile_one = lambda key: re.compile(tables[key], re.MULTILINE) if key in tables else None  # noqa: E731
    return _SpeechPatterns(compile_all(speech.get("outline_heading", [])), compile_all(speech.get("sentence", [])),
                           int(speech.get("min_sentence_cjk", 8)), compile_all(zones.get("body_line", [])),
                           int(zones.get("min_body_cjk", 20)), compile_one("separator"), compile_one("row"))


def markdown_tables(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every markdown table of ``text``: a run of consecutive table rows (lines
    with a | between cells, ``data/speech_guard.toml``) that holds a separator row (``|---|:---:|``).

    A rule declared ``in_tables = false`` (nav_menu: 首页 | 工作总结 | 讲话稿) cuts nothing inside one: a
    row of short cells there is a table row, not a menu.

    >>> t = "目标如下。\\n| 指标 | 目标 |\\n|---|---|\\n| 覆盖率 | 85% |\\n\\n首页 | 新闻\\n"
    >>> [t[s:e] for s, e in markdown_tables(t)]
    ['| 指标 | 目标 |\\n|---|---|\\n| 覆盖率 | 85% |\\n']
    """
    patterns = _speech_patterns()
    separator, row = patterns.table_separator, patterns.table_row
    if separator is None or row is None or "-" not in text or ("|" not in text and "｜" not in text):
        return []
    blocks: list[tuple[int, int]] = []
    for m in separator.finditer(text):
        if blocks and m.start() < blocks[-1][1]:
            continue  # a second separator row of the same table
        start = m.start()
        while start > 0:  # the rows above (the header)
            above = text.rfind("\n", 0, start - 1) + 1
            if not row.fullmatch(text, above, start - 1):
                break
            start = above
        end = m.end()
        while end < len(text) and text[end] == "\n":  # the rows below (the body), up to a blank line
            below = text.find("\n", end + 1)
            below = len(text) if below < 0 else below
            if not row.fullmatch(text, end + 1, below):
                break
            end = below
        end = end + 1 if end < len(text) and text[end] == "\n" else end
        blocks.append((start, end))
    return blocks


_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
_STRIP = " \t\u3000\u00a0\u2002\u2003\u200b|｜"


def reads_as_speech(piece: str) -> str | None:
    """Why ``piece`` (a line, or the part of one a rule would cut) reads as speech, or None.

    The patterns are data (``data/speech_guard.toml``): outline headings, and sentences
    with clause punctuation or figures.

    >>> reads_as_speech("八、着力维护安全稳定")
    'outline heading'
    >>> reads_as_speech("推动已落户央企子公司有效运营、落地项目30个以上，引进央企二")
    'sentence'
    >>> reads_as_speech("主办：某某网编辑部") is None
    True
    """
    piece = piece.strip(_STRIP)
    if not piece:
        return None
    patterns = _speech_patterns()
    if any(p.search(piece) for p in patterns.outline):
        return "outline heading"
    if len(_CJK_CHAR.findall(piece)) >= patterns.min_sentence_cjk and any(p.search(piece) for p in patterns.sentence):
        return "sentence"
    return None


class _Page:
    """Line index of a raw text, for the guard: line spans, context windows, head and foot zones."""

    def __init__(self, text: str):
        self.text = text
        self.starts = np.array([0] + [m.end() for m in re.finditer("\n", text)], dtype=np.int64)
        self._zones: tuple[int, int] | None = None
        self.strong: list[tuple[int, int]] | None = None  # the first pass's cuts found with evidence
        self._tables: list[tuple[int, int]] | None = None

    def tables(self) -> list[tuple[int, int]]:
        """(start, end) of the page's markdown tables (:func:`markdown_tables`), found once."""
        if self._tables is None:
            self._tables = markdown_tables(self.text)
        return self._tables

    def in_table(self, s: int, e: int) -> bool:
        """True when the span ``[s, e)`` overlaps one of the page's markdown tables."""
        return any(a < e and s < b for a, b in self.tables())

    def line_of(self, pos: int) -> int:
        return int(np.searchsorted(self.starts, pos, side="right")) - 1

    def line_end(self, i: int) -> int:
        return int(self.starts[i + 1]) - 1 if i + 1 < len(self.starts) else len(self.text)

    def context(self, s: int, e: int, k: int) -> str:
        first, last = self.line_of(s), self.line_of(max(s, e - 1))
        lo, hi = max(0, first - k), min(len(self.starts) - 1, last + k)
        return self.text[int(self.starts[lo]): self.line_end(hi)]

    def zones(self) -> tuple[int, int]:
        """(end of the head zone, start of the foot zone): the first body line's start, the last one's end.

        Lines mostly covered by a ``strong`` cut (chrome found with evidence) are not body lines.
        """
        if self._zones is None:
            patterns = _speech_patterns()
            strong = np.zeros(len(self.text), dtype=bool)  # the characters a strong cut covers
            for s, e in self.strong or ():
                strong[s:e] = True
            first: int | None = None
            last = 0
            for i in range(len(self.starts)):
                a, b = int(self.starts[i]), self.line_end(i)
                line = self.text[a:b]
                if len(_CJK_CHAR.findall(line)) < patterns.min_body_cjk:
                    continue
                if not any(p.search(line) for p in patterns.body_line):
                    continue
                if b > a and strong[a:b].mean() >= 0.5:
                    continue
                if first is None:
                    first = a
                last = b
            if first is None:
                self._zones = (len(self.text), 0)
            else:
                # a salutation near the top (同志们： / 各位代表：) opens the speech: the dateline
                # sentence and 来源 line above it are still the head of the page
                m = _SALUTATION.search(self.text, 0, _PREAMBLE_MAX)
                self._zones = (max(first, m.start()) if m else first, last)
        return self._zones


def _in_zone(zone: str, s: int, e: int, head_end: int, foot_start: int) -> bool:
    if zone == "anywhere":
        return True
    in_head, in_foot = e <= head_end, s >= foot_start
    return in_head if zone == "head" else in_foot if zone == "foot" else (in_head or in_foot)


def _guard(page: _Page, spans: list[tuple[int, int, str]], by_name: dict[str, Rule],
           protected: dict[tuple[int, int, str], Protected]) -> list[tuple[int, int, str]]:
    """The candidate cuts the guard lets through; the others are added to ``protected`` with the reason.

    A cut is kept out when its rule's zone excludes where it is, when the rule requires evidence
    and none is found, or when a piece of it reads as speech and the rule found no strong evidence.
    """
    decided: list[tuple[int, int, str, Rule | None, bool]] = []
    for s, e, name in spans:
        rule = by_name.get(name)
        if rule is None or not rule.guard:
            decided.append((s, e, name, rule, True))
            continue
        found = rule.evidence is not None and bool(rule.evidence.search(page.context(s, e, rule.context)))
        decided.append((s, e, name, rule, found))
    if page.strong is None:
        page.strong = [(a, b) for a, b, _n, _r, f in decided if f]
    zones = None
    kept = []
    for s, e, name, rule, found in decided:
        if rule is None or not rule.guard:
            kept.append((s, e, name))
            continue
        reason = None
        if not rule.in_tables and page.in_table(s, e):
            reason = "in a markdown table (a table row is not chrome)"
        elif rule.require_evidence and not found:
            reason = "no evidence of chrome near it"
        elif rule.zone != "anywhere":
            if zones is None:
                zones = page.zones()
            if not _in_zone(rule.zone, s, e, *zones):
                reason = f"outside the page's {rule.zone} zone" if rule.zone != "edges" else "outside the page's head and foot zones"
        if reason is None and not found:
            why = next((w for w in map(reads_as_speech, page.text[s:e].split("\n")) if w), None)
            if why:
                reason = f"reads as speech ({why})"
        if reason is None:
            kept.append((s, e, name))
        else:
            protected.setdefault((s, e, name), Protected(name, s, e, page.text[s:e], reason))
    return kept


# --- structural rules --------------------------------------------------------

_MARKER = re.compile(r"(?<![\d./%％:：\-—])(\d{1,3})/(\d{1,3})(?![\d%％/.])")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def find_page_markers(text: str) -> list[tuple[int, int]]:
    """Spans of page markers (``k/N``) glued into the text by paginated 范文 sites.

    A candidate ``k/N`` counts as a page marker only when the page has at least two
    candidates with the same denominator N and rising numerators ≤ N, or a
    single ``1/N`` at the very start of a line; fractions such as 1/3 inside a
    sentence stay.

    >>> t = "完善联席会议制5/8度,其次7/8要强化保障"
    >>> [t[s:e] for s, e in find_page_markers(t)]
    ['5/8', '7/8']
    """
    by_denominator: dict[str, list[re.Match]] = {}
    for m in _marker_matches(text):
        k, n = int(m.group(1)), int(m.group(2))
        if not (1 <= k <= n <= 200):
            continue
        by_denominator.setdefault(m.group(2), []).append(m)
    spans = []
    for _denominator, matches in by_denominator.items():
        nums = [int(m.group(1)) for m in matches]
        rising = len(matches) >= 2 and all(b > a for a, b in zip(nums, nums[1:]))
        for m in matches:
            at_line_start = m.start() == 0 or text[m.start() - 1] == "\n"
            followed_by_cjk = m.end() < len(text) and bool(_CJK.match(text[m.end()]))
            if rising or (at_line_start and int(m.group(1)) == 1 and followed_by_cjk):
                spans.append((m.start(), m.end()))
    return spans


def _marker_matches(text: str):
    """The matches of ``_MARKER`` in ``text``, searched only around its slashes.

    Every match holds a ``/`` and lies, with the characters its look-behind and look-ahead read,
    within 4 characters of it; windows around the slashes that touch are searched as one, so no
    match crosses a window's edge and each window gives the whole text's matches in it.
    """
    at = text.find("/")
    if at < 0:
        return []
    windows: list[list[int]] = []
    while at >= 0:
        lo, hi = max(0, at - 3), min(len(text), at + 5)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = hi
        else:
            windows.append([lo, hi])
        at = text.find("/", at + 1)
    return [m for lo, hi in windows for m in _MARKER.finditer(text, lo, hi)]


_HEADER_MAX_CHARS = 1500
_SENTENCE_PUNCT = re.compile(r"[。！？!?；;]")


def _header_block(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Everything above the last breadcrumb/greeting removed near the top, if it is chrome-like."""
    anchors = [s for s in spans if s[2] in ("breadcrumb", "portal_greeting") and s[0] < _HEADER_MAX_CHARS]
    if not anchors:
        return []
    anchor = max(anchors, key=lambda s: s[0])[0]
    head = text[:anchor]
    if not head.strip():
        return []
    for line in head.split("\n"):
        line = line.strip()
        if len(line) > 40 or _SENTENCE_PUNCT.search(line):
            return []
    return [(0, anchor)]


# Each repetition is atomic ((?>…)): once a title has matched it is not re-split, so a line
# of many titles cannot make the engine backtrack exponentially.
_TITLEISH = re.compile(
    r"\A[ \t]*(?>(?:在[^\n。！？]{2,80}?(?:会议|大会|会|仪式|论坛|典礼|活动|座谈会)上的(?:讲话提纲|总结讲话|讲话|致辞|发言|报告|主持词)"
    r"(?:[（(][^）)\n]{0,30}[）)])?|[^\n。！？，,]{2,60}?(?:讲话稿|讲话|致辞|发言稿))[ \t\u3000]*+)+(?=同志们|各位|尊敬的)"
)
# a first line that repeats the title; blank lines around it do not hide it
_TITLE_LINE = re.compile(
    r"\A\s*([^\s。！？!?；;，,：:][^\n。！？!?；;，,：:]{5,59})[ \t\u3000\u00a0]*\n\s*(?=[^\n]{20,}|[^\n]*(?:同志们|各位))"
)


def _offset_dtype(n: int) -> type:
    """The integer type of the raw offsets of a text of ``n`` characters (int32 below 2**31: half the memory)."""
    return np.int32 if n < 2**31 else np.int64


def _kept_view(text: str, spans: list[tuple[int, int]]) -> tuple[str, np.ndarray]:
    """The text with spans removed, and for each kept char its raw offset.

    Memory stays about 5 bytes per character of ``text`` (a keep mask, and the offsets as int32):
    the kept runs are read off the mask, and the offsets are built in place from them.

    >>> view, idx = _kept_view("当前位置:首页\\n同志们", [(0, 8)])
    >>> view, idx.tolist()
    ('同志们', [8, 9, 10])
    """
    n = len(text)
    keep = np.ones(n, dtype=bool)
    for s, e in spans:
        keep[s:e] = False
    # the runs of kept characters: where the mask switches (one byte per character to look at)
    edges = np.flatnonzero(np.diff(keep.view(np.int8))) + 1
    bounds = np.concatenate(([0], edges, [n])) if n else np.zeros(1, dtype=np.int64)
    first = 0 if n and keep[0] else 1
    starts, ends = bounds[:-1][first::2], bounds[1:][first::2]
    del keep, edges, bounds
    lengths = ends - starts
    total = int(lengths.sum())
    if total == n:
        return text, np.arange(n, dtype=_offset_dtype(n))
    idx: np.ndarray = np.ones(total, dtype=_offset_dtype(n))
    if total == 0:
        return "", idx
    # offsets in place: +1 inside a run, the jump to the next run's start at its first character
    idx[0] = starts[0]
    idx[np.cumsum(lengths)[:-1]] = starts[1:] - ends[:-1] + 1
    np.cumsum(idx, dtype=idx.dtype, out=idx)
    return "".join(text[s:e] for s, e in zip(starts.tolist(), ends.tolist())), idx


def _map_back(idx: np.ndarray, start: int, end: int) -> list[tuple[int, int]]:
    """Map a span of the kept view back to raw spans (split where the kept chars are not contiguous)."""
    if end <= start:
        return []
    seg = idx[start:end]
    breaks = np.flatnonzero(np.diff(seg) != 1)
    starts = np.concatenate(([seg[0]], seg[breaks + 1]))
    ends = np.concatenate((seg[breaks] + 1, [seg[-1] + 1]))
    return list(zip(starts.tolist(), ends.tolist()))


_WS_LINE_EDGES = re.compile(r"^[ \t\u3000\u00a0]+|[ \t\u3000\u00a0]+$", re.MULTILINE)
_WS_BLANK_LINES = re.compile(r"\n[ \t\u3000\u00a0]*(?=\n)")
_WS_EDGES = re.compile(r"\A\s+|\s+\Z")


_WS_RUN = re.compile(r"[ \t\u3000\u00a0]+")


def _whitespace_spans(view: str) -> list[tuple[int, int]]:
    """Blank margins of lines, blank lines and the text's own margins: the spans of ``_WS_LINE_EDGES``,
    ``_WS_BLANK_LINES`` and ``_WS_EDGES``, in that order.

    ``_WS_LINE_EDGES`` finds exactly the maximal runs of blanks that start or end a line; they are
    found here from the runs themselves (one scan that skips to the next blank), and the text's
    margins from ``str.strip`` (``\\s`` is ``str.isspace``), the same spans as the regexes.

    >>> _whitespace_spans("  同志们：\\n \\n开会。 ")
    [(0, 2), (7, 8), (12, 13), (6, 8), (0, 2), (12, 13)]
    """
    n = len(view)
    spans = [(s, e) for s, e in (m.span() for m in _WS_RUN.finditer(view))
             if s == 0 or view[s - 1] == "\n" or e == n or view[e] == "\n"]
    spans += [m.span() for m in _WS_BLANK_LINES.finditer(view)]
    lead = n - len(view.lstrip())
    if lead == n:
        spans.append((0, n))
    else:
        spans.append((0, lead))
        spans.append((len(view.rstrip()), n))
    return [s for s in spans if s[1] > s[0]]


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    spans = sorted(spans, key=lambda s: (s[0], -s[1]))
    merged: list[list] = []
    for s, e, rule in spans:
        if merged and s < merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1][1] = e
            continue
        if merged and s == merged[-1][1] and rule == merged[-1][2]:
            merged[-1][1] = e
            continue
        merged.append([s, e, rule])
    return [tuple(m) for m in merged]


def strip_boilerplate(text: str, rules: list[Rule] | None = None, title: str | None = None) -> CleanResult:
    """Remove scraped-page boilerplate from ``text`` and record every removal.

    ``title`` (when known from markup or a 标题: field) helps spot a repeated title.

    >>> r = strip_boilerplate("当前位置:首页 > 讲话\\n同志们:今天召开会议。\\n评论0\\n")
    >>> r.text
    '同志们:今天召开会议。'
    >>> sorted({x.rule for x in r.removals})
    ['breadcrumb', 'comment_counter', 'whitespace']
    """
    if rules is None:
        rules = load_rules()
    structural = {r.kind for r in rules if r.kind != "regex"}
    by_name: dict[str, Rule] = {}
    for rule in rules:
        by_name.setdefault(rule.name, rule)  # a user rule reusing a bundled name does not change its guard
    page = _Page(text)
    protected: dict[tuple[int, int, str], Protected] = {}
    guard = lambda found: _guard(page, found, by_name, protected)  # noqa: E731
    spans = _regex_spans(text, rules)
    if "page_marker" in structural:
        spans += [(s, e, "page_marker") for s, e in find_page_markers(text)]
    spans = guard(spans)
    if "header_block" in structural:
        spans += guard([(s, e, "header_block") for s, e in _header_block(text, spans)])
    spans = _merge(spans)

    view, idx = _kept_view(text, [(s, e) for s, e, _ in spans])
    extra: list[tuple[int, int, str]] = []
    if "title_repeat" in structural and view:
        m = _TITLEISH.search(view[:1000])
        if m and m.end() > m.start():
            extra += [(s, e, "title_repeat") for s, e in _map_back(idx, m.start(), m.end())]
        else:
            lm = _TITLE_LINE.search(view[:400])
            # without a known title only a line that reads like one (讲话, 会议, 报告 …) goes:
            # a section heading such as 2023年工作回顾 at the top of a page stays
            if lm and ((title is not None and _same_title(lm.group(1), title)) or _looks_like_title(lm.group(1))):
                extra += [(s, e, "title_repeat") for s, e in _map_back(idx, lm.start(), lm.end())]
    extra = guard(extra)
    if extra:
        spans = _merge(spans + extra)
        del view, idx  # the old view goes before the new one is built (a huge page holds one at a time)
        view, idx = _kept_view(text, [(s, e) for s, e, _ in spans])
    if "preamble" in structural and view:
        pre = _preamble(view)
        if pre:
            kept = guard([(a, b, "preamble") for a, b in _map_back(idx, 0, pre)])
            if kept:
                spans = _merge(spans + kept)
                del view, idx
                view, idx = _kept_view(text, [(s, e) for s, e, _ in spans])
    if "whitespace" in structural and view:
        ws = [(a, b, "whitespace") for a, b in _map_back_spans(idx, _whitespace_spans(view))]
        if ws:
            spans = _merge(spans + ws)
            del view, idx, ws
            view, idx = _kept_view(text, [(s, e) for s, e, _ in spans])
    # A cut can expose more chrome: 评论0(省略1字) leaves 评论0 alone on its line. Re-apply the
    # named rules to what is left until nothing more matches, so cleaning is idempotent.
    # Only the lines next to a cut can change, so only they are searched again.
    searched: set[tuple[int, int, int]] = set()  # (lo, hi, length of the view)
    for _ in range(_MAX_REPASSES):
        if not view:
            break
        again = []
        for lo, hi in _lines_around_cuts(view, idx, spans):
            if (lo, hi, len(view)) in searched:
                continue
            searched.add((lo, hi, len(view)))
            again += [(a + lo, b + lo, rule) for a, b, rule in _regex_spans(view[lo:hi], rules)]
        # the guard judges each match on the view (where it is one piece of text), then it maps back
        again = _guard_view(view, again, by_name, protected, idx, page)
        if "whitespace" in structural:
            kept_text, _idx = _kept_view(view, [(a, b) for a, b, _ in again])
            again += [(a, b, "whitespace") for a, b in _map_back_spans(_idx, _whitespace_spans(kept_text))]
            del kept_text, _idx
        if not again:
            break
        spans = _merge(spans + [(a, b, rule) for s, e, rule in again for a, b in _map_back(idx, s, e)])
        del view, idx
        view, idx = _kept_view(text, [(s, e) for s, e, _ in spans])
    removals = [Removal(rule, s, e, text[s:e]) for s, e, rule in spans]
    kept_out = sorted(protected.values(), key=lambda p: (p.start, p.rule))
    return CleanResult(view, removals, kept_out)


def _guard_view(view: str, spans: list[tuple[int, int, str]], by_name: dict[str, Rule],
                protected: dict[tuple[int, int, str], Protected], idx: np.ndarray, page: _Page) -> list[tuple[int, int, str]]:
    """:func:`_guard` for matches found on the kept view of a page (re-passes); zones are the page's."""
    if not spans:
        return spans
    vpage = _Page(view)
    vpage.strong = []
    head_end, foot_start = page.zones()
    # the page's zones in view coordinates: kept characters before the head end / after the foot start
    head, foot = np.searchsorted(idx, np.asarray([head_end, foot_start], dtype=idx.dtype)).tolist()
    vpage._zones = (head, foot)
    # and its markdown tables (their | wrappers and separator rows may be cut from the view already)
    bounds = np.searchsorted(idx, np.asarray([x for ab in page.tables() for x in ab], dtype=np.int64)).tolist()
    vpage._tables = list(zip(bounds[0::2], bounds[1::2]))
    found: dict[tuple[int, int, str], Protected] = {}
    kept = _guard(vpage, spans, by_name, found)
    for (s, e, name), p in found.items():
        pieces = _map_back(idx, s, e)
        a, b = pieces[0][0], pieces[-1][1]
        protected.setdefault((a, b, name), Protected(name, a, b, page.text[a:b], p.reason))
    return kept


_MAX_REPASSES = 3


def _lines_around_cuts(view: str, idx: np.ndarray, spans: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Windows of ``view`` (a line before to a line after) around each place a non-whitespace rule cut."""
    windows: list[list[int]] = []
    cuts = [s for s, _e, rule in spans if rule != "whitespace"]
    # the view positions where the cuts were (searched as the offsets' own type: no copy of them per cut)
    for at in np.searchsorted(idx, np.asarray(cuts, dtype=idx.dtype)).tolist():
        lo = view.rfind("\n", 0, max(at - 1, 0))
        lo = view.rfind("\n", 0, lo) + 1 if lo > 0 else 0
        hi = view.find("\n", at + 1)
        hi = len(view) if hi < 0 else view.find("\n", hi + 1)
        hi = len(view) if hi < 0 else hi + 1
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    return [(lo, hi) for lo, hi in windows]


def _regex_spans(text: str, rules: list[Rule]) -> list[tuple[int, int, str]]:
    """(start, end, rule) of every match of the named regex rules in ``text``.

    The bundled rules run only on the lines that can hold a match (:mod:`speechkit.rulescan`:
    the same spans in the same order as :func:`_rule_spans` over the whole text, much faster);
    user rules run on the whole text, with their timeout.
    """
    regex_rules, plan = _scan_plan(rules)
    return scan_spans(text, regex_rules, plan, _rule_spans)


def _rule_spans(text: str, rule: Rule) -> list[tuple[int, int, str]]:
    """(start, end, rule) of every match of one regex rule on the whole of ``text``."""
    pattern = rule.pattern
    if rule.kind != "regex" or pattern is None:
        return []
    if rule.requires and not any(lit in text for lit in rule.requires):
        return []
    has_cut = "cut" in pattern.groupindex
    matches: Iterable[Any]  # re.Match of a bundled rule, regex.Match of a user rule
    if rule.source == BUNDLED_SOURCE:
        matches = pattern.finditer(text)
    else:
        matches = _timed_matches(rule, text)
    return match_spans(matches, has_cut, rule.name)


_PLANS: dict[tuple[int, ...], tuple[list[Rule], list[Rule], ScanPlan]] = {}


def _scan_plan(rules: list[Rule]) -> tuple[list[Rule], ScanPlan]:
    """The regex rules of ``rules`` and their :class:`~speechkit.rulescan.ScanPlan`, built once per rule set."""
    key = tuple(map(id, rules))
    hit = _PLANS.get(key)
    if hit is None:
        regex_rules = [r for r in rules if r.kind == "regex"]
        # only the bundled rules (compiled with re) are narrowed; user rules keep the whole text
        plan = scan_plan([r.pattern if r.source == BUNDLED_SOURCE else None for r in regex_rules])
        if len(_PLANS) > 32:
            _PLANS.clear()
        hit = _PLANS[key] = (list(rules), regex_rules, plan)  # the rules are kept: their ids stay theirs
    return hit[1], hit[2]


def _compile_user(pattern: str):
    import regex

    return regex.compile(pattern, regex.MULTILINE)


def _regex_error() -> type[Exception]:
    import regex

    return regex.error


def _timed_matches(rule: Rule, text: str) -> list:
    """All matches of a user rule, or :class:`RuleTimeout` naming it when it runs too long."""
    try:
        pattern: Any = rule.pattern  # a user rule is compiled by the `regex` module, whose finditer takes a timeout
        return list(pattern.finditer(text, timeout=USER_RULE_TIMEOUT_S))
    except TimeoutError:
        raise RuleTimeout(f"rule {rule.name!r} from {rule.source} ran longer than {USER_RULE_TIMEOUT_S:g} s on this "
                          "page and was stopped (a pattern that backtracks without end, such as (a+)+$?): "
                          "simplify the pattern") from None


def _map_back_spans(idx: np.ndarray, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """:func:`_map_back` of every span, concatenated: spans the kept view holds in one piece are mapped at once.

    The offsets rise strictly, so a span is one raw piece exactly when its offsets rise by one per
    character: ``idx[last] - idx[first] == last - first`` (no pass over the offsets between).

    >>> _map_back_spans(np.array([3, 4, 5, 9, 10, 12]), [(0, 3), (2, 5)])
    [(3, 6), (5, 6), (9, 11)]
    """
    spans = [(s, e) for s, e in spans if e > s]
    if not spans:
        return []
    bounds = np.array(spans, dtype=np.int64)
    first, last = bounds[:, 0], bounds[:, 1] - 1
    whole = idx[last].astype(np.int64) - idx[first] == last - first
    out: list[tuple[int, int]] = []
    for (s, e), a, b, one in zip(spans, idx[first].tolist(), (idx[last] + 1).tolist(), whole.tolist()):
        if one:
            out.append((a, b))
        else:
            out += _map_back(idx, s, e)
    return out


_SALUTATION = re.compile(r"^[ \t\u3000]*(?:各位代表[，,、]?)?(?:同志们|各位代表|各位委员|同志们、朋友们)[：:，,]", re.MULTILINE)
_PREAMBLE_MAX = 1500


def _preamble(view: str) -> int:
    """Length of the preamble (title/byline/date lines) before a salutation near the top, or 0."""
    m = _SALUTATION.search(view, 0, _PREAMBLE_MAX)
    if not m or m.start() == 0:
        return 0
    head = view[: m.start()]
    for line in head.split("\n"):
        line = line.strip(" \t\u3000")
        if len(line) > 80 or re.search(r"[。！？!?；;]$", line):
            return 0
    return m.start()


_TITLE_WORDS = re.compile(r"(讲话|致辞|发言|报告|会议|大会|召开|举行|推进会|座谈会)")


def _looks_like_title(line: str) -> bool:
    return bool(_TITLE_WORDS.search(line)) and not line.startswith(("同志们", "各位"))


def _same_title(a: str, b: str) -> bool:
    norm = lambda s: re.sub(r"[\s“”\"'‘’〔〕*＊_()（）]", "", s)
    return norm(a) == norm(b)
