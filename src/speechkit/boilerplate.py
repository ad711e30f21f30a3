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
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import numpy as np

__all__ = ["Rule", "Removal", "CleanResult", "load_rules", "strip_boilerplate", "find_page_markers", "RuleFileError"]

_STRUCTURAL = {"page_marker", "header_block", "preamble", "title_repeat", "whitespace"}


class RuleFileError(ValueError):
    """A rules file is malformed; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Rule:
    """One named boilerplate rule."""

    name: str
    kind: str
    pattern: re.Pattern | None
    description: str = ""
    source: str = ""
    requires: tuple[str, ...] = ()  # run only on texts containing one of these strings (speed)


@dataclass(frozen=True)
class Removal:
    """One removed span of the raw text: ``raw[start:end] == text``."""

    rule: str
    start: int
    end: int
    text: str


@dataclass
class CleanResult:
    """Cleaned text plus the removals that produced it."""

    text: str
    removals: list[Removal]


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
                compiled = re.compile(pattern, re.MULTILINE)
            except re.error as exc:
                raise RuleFileError(f"{source}: rule {name!r}: bad regular expression: {exc}") from None
        requires = entry.get("requires", [])
        if isinstance(requires, str):
            requires = [requires]
        rules.append(Rule(name, kind, compiled, entry.get("description", ""), source, tuple(requires)))
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
    for m in _MARKER.finditer(text):
        k, n = int(m.group(1)), int(m.group(2))
        if not (1 <= k <= n <= 200):
            continue
        by_denominator.setdefault(m.group(2), []).append(m)
    spans = []
    for denom, matches in by_denominator.items():
        nums = [int(m.group(1)) for m in matches]
        rising = len(matches) >= 2 and all(b > a for a, b in zip(nums, nums[1:]))
        for m in matches:
            at_line_start = m.start() == 0 or text[m.start() - 1] == "\n"
            followed_by_cjk = m.end() < len(text) and bool(_CJK.match(text[m.end()]))
            if rising or (at_line_start and int(m.group(1)) == 1 and followed_by_cjk):
                spans.append((m.start(), m.end()))
    return spans


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


def _kept_view(text: str, spans: list[tuple[int, int]]) -> tuple[str, np.ndarray]:
    """The text with spans removed, and for each kept char its raw offset."""
    keep = np.ones(len(text), dtype=bool)
    for s, e in spans:
        keep[s:e] = False
    idx = np.flatnonzero(keep).astype(np.int64)
    if len(idx) == len(text):
        return text, idx
    # assemble kept text from contiguous runs
    if len(idx) == 0:
        return "", idx
    breaks = np.flatnonzero(np.diff(idx) != 1)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks] + 1, [idx[-1] + 1]))
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


def _whitespace_spans(view: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _WS_LINE_EDGES.finditer(view)]
    spans += [m.span() for m in _WS_BLANK_LINES.finditer(view)]
    spans += [m.span() for m in _WS_EDGES.finditer(view)]
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
    spans = _regex_spans(text, rules)
    if "page_marker" in structural:
        spans += [(s, e, "page_marker") for s, e in find_page_markers(text)]
    if "header_block" in structural:
        spans += [(s, e, "header_block") for s, e in _header_block(text, spans)]
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
    if extra:
        spans = _merge(spans + extra)
        view, idx = _kept_view(text, [(s, e) for s, e, _ in spans])
    if "preamble" in structural and view:
        pre = _preamble(view)
        if pre:
            spans = _merge(spans + [(a, b, "preamble") for a, b in _map_back(idx, 0, pre)])
            view, idx = _kept_view(text, [(s, e) for s, e, _ in spans])
    if "whitespace" in structural and view:
        ws = []
        for s, e in _whitespace_spans(view):
            ws += [(a, b, "whitespace") for a, b in _map_back(idx, s, e)]
        if ws:
            spans = _merge(spans + ws)
            view, idx = _kept_view(text, [(s, e) for s, e, _ in spans])
    # A cut can expose more chrome: 评论0(省略1字) leaves 评论0 alone on its line. Re-apply the
    # named rules to what is left until nothing more matches, so cleaning is idempotent.
    # Only the lines next to a cut can change, so only they are searched again.
    searched: set[tuple[int, int]] = set()
    for _ in range(_MAX_REPASSES):
        if not view:
            break
        again = []
        for lo, hi in _lines_around_cuts(view, idx, spans):
            if (lo, hi, len(view)) in searched:
                continue
            searched.add((lo, hi, len(view)))
            again += [(a + lo, b + lo, rule) for a, b, rule in _regex_spans(view[lo:hi], rules)]
        if "whitespace" in structural:
            kept, _idx = _kept_view(view, [(a, b) for a, b, _ in again])
            again += [(a, b, "whitespace") for a, b in _map_back_spans(_idx, _whitespace_spans(kept))]
        if not again:
            break
        spans = _merge(spans + [(a, b, rule) for s, e, rule in again for a, b in _map_back(idx, s, e)])
        view, idx = _kept_view(text, [(s, e) for s, e, _ in spans])
    removals = [Removal(rule, s, e, text[s:e]) for s, e, rule in spans]
    return CleanResult(view, removals)


_MAX_REPASSES = 3


def _lines_around_cuts(view: str, idx: np.ndarray, spans: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Windows of ``view`` (a line before to a line after) around each place a non-whitespace rule cut."""
    windows: list[list[int]] = []
    for s, _e, rule in spans:
        if rule == "whitespace":
            continue
        at = int(np.searchsorted(idx, s))  # the view position where the cut was
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
    """(start, end, rule) of every match of the named regex rules in ``text``."""
    spans: list[tuple[int, int, str]] = []
    for rule in rules:
        if rule.kind != "regex":
            continue
        if rule.requires and not any(lit in text for lit in rule.requires):
            continue
        has_cut = "cut" in rule.pattern.groupindex
        for m in rule.pattern.finditer(text):
            s, e = m.span("cut") if has_cut else m.span()
            if e > s:
                spans.append((s, e, rule.name))
    return spans


def _map_back_spans(idx: np.ndarray, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [piece for s, e in spans for piece in _map_back(idx, s, e)]


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
