"""Run many boilerplate regexes over a page fast, with exactly the matches of running each on the whole text.

Each bundled rule's pattern is read once (``re``'s own parser) for two facts:

* its **literals**: a set of strings one of which every match contains (``(?:上一篇|下一篇)[:：]`` →
  ``{上一篇, 下一篇}``; derived from the pattern, never written by hand), and
* whether it is **line-local**: no match, lookahead or lookbehind can see across a line break, except
  a final ``\\n`` that ends the match (``^…$\\n?``), so its matches on a page are the matches on
  each line.

For a line-local rule with literals only the lines holding one of its literals can hold a match:
one vectorised pass over the page's code points (numpy) marks, for every rule at once, the lines
holding a *key* of one of its literals (the literal's first two characters, or the character of a
one-character literal), and the rule's regex runs on those lines only — ``pattern.match`` at the
line start when every branch of the pattern starts with ``^``, else ``finditer`` over the runs of
marked lines. A line the pass skips holds no key, hence no literal, hence no match. A rule without
literals, one that is not line-local (``[\\t-:]`` spans the line break), and every user rule
(``--rules``, compiled with the ``regex`` module and its timeout) run on the whole text as before.

The result is the list :func:`speechkit.boilerplate._regex_spans` returns — same spans, same order;
``tests/test_rulescan.py`` checks it on every line of the corpora.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from re import _constants as _K  # type: ignore[attr-defined]
from re import _parser as _P  # type: ignore[attr-defined]

import numpy as np

__all__ = ["RuleShape", "rule_shape", "match_spans", "pattern_literals", "line_local", "anchored_at_line_start", "ScanPlan",
           "scan_plan", "scan_spans"]

_EXACT_MAX = 64  # how many strings a run of literal pieces may spell before it is cut
_REPEATS = (_K.MAX_REPEAT, _K.MIN_REPEAT, _K.POSSESSIVE_REPEAT)
_NL = 10
#: pages shorter than this are scanned rule by rule on the whole text (the pass costs more than it saves)
MIN_SCAN_CHARS = 2000


# --- what a pattern needs ------------------------------------------------------

def _minimal(strings) -> frozenset[str]:
    """Drop every string that contains another one of the set (containing the shorter one suffices)."""
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


def _weak(s: str) -> bool:
    """A literal made only of spaces, ASCII and punctuation (found on most lines, a poor filter)."""
    return all(ch.isspace() or ch.isascii() or not ch.isalnum() for ch in s)


def _best(candidates) -> frozenset[str] | None:
    """The most selective of several necessary sets: no weak string, longest shortest string, fewest strings."""
    sets = [_minimal(c) for c in candidates if c and "" not in c]
    if not sets:
        return None
    return max(sets, key=lambda c: (not any(map(_weak, c)), min(map(len, c)), -len(c)))


def _sequence(items) -> tuple[Any, Any]:
    """``(exact, needed)`` of a parsed sequence.

    ``exact`` is a finite superset of the strings the sequence can match (None when unknown or too
    many); ``needed`` a set of strings one of which every match contains (None when none is known).
    """
    run: set[str] = {""}
    candidates: list[set[str] | frozenset[str]] = []
    whole = True
    for op, av in items:
        exact, needed = _item(op, av)
        if exact is not None and len(run) * len(exact) <= _EXACT_MAX:
            run = {a + b for a in run for b in exact}
            continue
        whole = False
        candidates.append(run)
        if exact is not None:
            run = set(exact)
            continue
        if needed is not None:
            candidates.append(needed)
        run = {""}
    candidates.append(run)
    return (frozenset(run) if whole else None), _best(candidates)


def _item(op, av) -> tuple[Any, Any]:
    if op is _K.LITERAL:
        return (None, None) if av == _NL else ({chr(av)}, frozenset({chr(av)}))
    if op is _K.IN:
        if len(av) <= 16 and all(o is _K.LITERAL and v != _NL for o, v in av):
            chars = frozenset(chr(v) for _, v in av)
            return chars, chars
        return None, None
    if op is _K.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        if add_flags & re.IGNORECASE:
            return None, None
        return _sequence(sub)
    if op is _K.ATOMIC_GROUP:
        return _sequence(av)
    if op is _K.BRANCH:
        parts = [_sequence(branch) for branch in av[1]]
        exact = None
        if all(e is not None for e, _ in parts) and sum(len(e) for e, _ in parts) <= _EXACT_MAX:
            exact = set().union(*(e for e, _ in parts))
        needs = [_best([e, n]) if e is not None else n for e, n in parts]
        needed = None if any(n is None for n in needs) else frozenset().union(*needs)  # type: ignore[arg-type]
        return exact, needed
    if op in _REPEATS:
        low, high, sub = av
        exact, needed = _sequence(sub)
        if low == high == 1:
            return exact, needed
        if low == 0:
            return ((set(exact) | {""}) if high == 1 and exact is not None else None), None
        return None, (_best([exact, needed]) if exact is not None else needed)
    if op in (_K.AT, _K.ASSERT, _K.ASSERT_NOT):
        return {""}, None  # zero width: consumes nothing (a lookaround's text is not part of the match)
    return None, None


# --- can a pattern see across a line break --------------------------------------

_NL_CATEGORIES = {_K.CATEGORY_SPACE, _K.CATEGORY_NOT_DIGIT, _K.CATEGORY_NOT_WORD, _K.CATEGORY_LINEBREAK}
_NO_NL_CATEGORIES = {_K.CATEGORY_NOT_SPACE, _K.CATEGORY_DIGIT, _K.CATEGORY_WORD, _K.CATEGORY_NOT_LINEBREAK}


def _set_has_newline(items) -> bool:
    negate = bool(items) and items[0][0] is _K.NEGATE
    hit = False
    for op, av in (items[1:] if negate else items):
        if op is _K.LITERAL:
            hit |= av == _NL
        elif op is _K.RANGE:
            hit |= av[0] <= _NL <= av[1]
        elif op is _K.CATEGORY and av in _NL_CATEGORIES:
            hit = True
        elif not (op is _K.CATEGORY and av in _NO_NL_CATEGORIES):
            return True  # not understood: assume it can
    return hit != negate


def _flags(av, multiline: bool, dotall: bool) -> tuple[bool, bool]:
    _group, add, delete, _sub = av
    return ((multiline or bool(add & re.MULTILINE)) and not delete & re.MULTILINE,
            (dotall or bool(add & re.DOTALL)) and not delete & re.DOTALL)


def _can_match_newline(items, dotall: bool) -> bool:
    for op, av in items:
        if op is _K.LITERAL:
            found = av == _NL
        elif op is _K.NOT_LITERAL:
            found = av != _NL
        elif op is _K.ANY:
            found = dotall
        elif op is _K.IN:
            found = _set_has_newline(av)
        elif op is _K.SUBPATTERN:
            found = _can_match_newline(av[3], _flags(av, False, dotall)[1])
        elif op is _K.BRANCH:
            found = any(_can_match_newline(b, dotall) for b in av[1])
        elif op in _REPEATS:
            found = _can_match_newline(av[2], dotall)
        elif op is _K.ATOMIC_GROUP:
            found = _can_match_newline(av, dotall)
        elif op in (_K.ASSERT, _K.ASSERT_NOT):
            found = _can_match_newline(av[1], dotall)
        elif op is _K.AT:
            found = False
        else:  # back references and anything not understood
            found = True
        if found:
            return True
    return False


def _local(items, final: bool, multiline: bool, dotall: bool) -> bool:
    """No piece of ``items`` can match or look at a line break, except a ``\\n`` that is the match's last character."""
    n = len(items)
    for i, (op, av) in enumerate(items):
        last = final and i == n - 1
        if op is _K.AT:
            if av in (_K.AT_BEGINNING_STRING, _K.AT_END_STRING):
                return False
            if av in (_K.AT_BEGINNING, _K.AT_END) and not multiline:
                return False  # ^ and $ of the whole text
        elif op is _K.LITERAL and av == _NL:
            if not last:
                return False
        elif op is _K.SUBPATTERN:
            if not _local(av[3], last, *_flags(av, multiline, dotall)):
                return False
        elif op is _K.ATOMIC_GROUP:
            if not _local(av, last, multiline, dotall):
                return False
        elif op is _K.BRANCH:
            if not all(_local(b, last, multiline, dotall) for b in av[1]):
                return False
        elif op in _REPEATS:
            _low, high, sub = av
            if high > 1 and _can_match_newline(sub, dotall):
                return False
            if not _local(sub, last and high <= 1, multiline, dotall):
                return False
        elif op in (_K.ASSERT, _K.ASSERT_NOT):
            if _can_match_newline(av[1], dotall) or not _local(av[1], False, multiline, dotall):
                return False
        elif op in (_K.GROUPREF, _K.GROUPREF_EXISTS):
            return False
        elif _can_match_newline([(op, av)], dotall):
            return False
    return True


def _anchored(items, multiline: bool) -> bool:
    if not items:
        return False
    op, av = items[0]
    if op is _K.AT:
        return av is _K.AT_BEGINNING and multiline
    if op is _K.BRANCH:
        return all(_anchored(b, multiline) for b in av[1])
    if op is _K.SUBPATTERN:
        return _anchored(av[3], _flags(av, multiline, False)[0])
    if op is _K.ATOMIC_GROUP:
        return _anchored(av, multiline)
    return False


@dataclass(frozen=True)
class RuleShape:
    """What a compiled ``re`` pattern needs: its literals, whether it is line-local and starts at ``^``."""

    literals: frozenset[str] | None
    line_local: bool
    anchored: bool


def rule_shape(pattern: re.Pattern) -> RuleShape:
    """Read ``pattern`` (an ``re`` pattern) for :class:`RuleShape`; a pattern ``re`` cannot re-read gets none.

    >>> s = rule_shape(re.compile(r"^[ \\t]*(?:上一篇|下一篇)[:：][^\\n]*$\\n?", re.MULTILINE))
    >>> sorted(s.literals), s.line_local, s.anchored
    (['上一篇:', '上一篇：', '下一篇:', '下一篇：'], True, True)
    >>> rule_shape(re.compile(r"评论\\s+\\d+")).line_local  # \\s can cross the line break
    False
    """
    try:
        parsed = _P.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 — not re's syntax: no shortcut, the rule runs everywhere
        return RuleShape(None, False, False)
    flags = parsed.state.flags
    items = list(parsed)
    literals = None if flags & re.IGNORECASE else _sequence(items)[1]
    multiline, dotall = bool(flags & re.MULTILINE), bool(flags & re.DOTALL)
    return RuleShape(literals, _local(items, True, multiline, dotall), _anchored(items, multiline))


def pattern_literals(pattern: re.Pattern) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains, or None.

    >>> sorted(pattern_literals(re.compile(r"(?:发表|我要)评论|请文明上网")))
    ['发表评论', '我要评论', '请文明上网']
    >>> pattern_literals(re.compile(r"[\\u4e00-\\u9fa5]{2,4}")) is None
    True
    """
    return rule_shape(pattern).literals


def line_local(pattern: re.Pattern) -> bool:
    """True when every match of ``pattern`` (and what it looks at) stays on one line plus its final ``\\n``."""
    return rule_shape(pattern).line_local


def anchored_at_line_start(pattern: re.Pattern) -> bool:
    """True when every branch of ``pattern`` starts with a multiline ``^``."""
    return rule_shape(pattern).anchored


# --- the plan for a rule set ------------------------------------------------------

def _key(literal: str) -> str:
    """The part of a literal the pass looks for: its first two characters (a one-character literal: itself)."""
    return literal[:2]


@dataclass
class ScanPlan:
    """Per rule: how it runs (``"lines"``, ``"anchored"``, ``"gate"`` or ``"whole"``) and its bit in the key tables."""

    modes: list[str]
    bits: list[int]
    chars: np.ndarray  # code unit → 128 if it starts a two-character key, + the id of its one-character key
    seconds: np.ndarray  # code unit → ends a two-character key
    single_bits: np.ndarray  # one-character key id → bits of the rules with that key
    pairs: np.ndarray  # sorted two-character keys, (first << 16) | second
    pair_bits: np.ndarray  # bits of the rules with each two-character key


def _plain_bmp(ch: str) -> bool:
    """A character of the Basic Multilingual Plane, neither a surrogate nor U+FFFF (where astral ones are put)."""
    return ord(ch) < 0xD800 or 0xE000 <= ord(ch) < 0xFFFF


def scan_plan(patterns: list[re.Pattern | None]) -> ScanPlan:
    """The plan for the bundled rules' ``patterns`` (None: not a regex rule, or one that runs everywhere)."""
    modes, bits = [], []
    singles: dict[str, int] = {}  # one-character key → bits
    pairs: dict[int, int] = {}
    used = 0
    for pattern in patterns:
        shape = rule_shape(pattern) if pattern is not None else RuleShape(None, False, False)
        keys = {_key(lit) for lit in shape.literals} if shape.literals else set()
        new_singles = {k for k in keys if len(k) == 1 and k not in singles}
        if not keys or used >= 64 or len(singles) + len(new_singles) > 127 \
                or not all(_plain_bmp(ch) for k in keys for ch in k):
            modes.append("whole")
            bits.append(0)
            continue
        bit = 1 << used
        used += 1
        for k in keys:
            if len(k) == 1:
                singles[k] = singles.get(k, 0) | bit
            else:
                code = (ord(k[0]) << 16) | ord(k[1])
                pairs[code] = pairs.get(code, 0) | bit
        modes.append(("anchored" if shape.anchored else "lines") if shape.line_local else "gate")
        bits.append(bit)
    chars = np.zeros(0x10000, dtype=np.uint8)
    seconds = np.zeros(0x10000, dtype=bool)
    single_bits = np.zeros(128, dtype=np.uint64)
    for i, (ch, b) in enumerate(singles.items(), 1):
        chars[ord(ch)] = i
        single_bits[i] = b
    for code in pairs:
        chars[code >> 16] |= 128
        seconds[code & 0xFFFF] = True
    codes = np.array(sorted(pairs), dtype=np.uint32)
    return ScanPlan(modes, bits, chars, seconds, single_bits, codes,
                    np.array([pairs[c] for c in codes.tolist()], dtype=np.uint64))


def _code_units(text: str) -> np.ndarray:
    """One 16-bit unit per character of ``text``; characters beyond the BMP become U+FFFF (never a key)."""
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    if len(units) == len(text):
        return units
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return np.minimum(points, 0xFFFF).astype(np.uint16)


def _line_bits(plan: ScanPlan, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(marked lines, their bits, positions of the line breaks)``: the lines of ``text`` holding a key
    of some rule, and which rules' keys each holds."""
    units = _code_units(text)
    kind = plan.chars[units]
    single_at = np.flatnonzero(kind & 127)
    positions = [single_at]
    hits = [plan.single_bits[kind[single_at] & 127]]
    if len(plan.pairs) and len(units) > 1:
        pair_at = np.flatnonzero((kind[:-1] >= 128) & plan.seconds[units[1:]])
        codes = (units[pair_at].astype(np.uint32) << 16) | units[pair_at + 1]
        k = np.minimum(np.searchsorted(plan.pairs, codes), len(plan.pairs) - 1)
        found = plan.pairs[k] == codes
        positions.append(pair_at[found])
        hits.append(plan.pair_bits[k[found]])
    breaks = np.flatnonzero(units == _NL)
    at, bits = np.concatenate(positions), np.concatenate(hits)
    if not len(at):
        return at, bits, breaks
    lines = np.searchsorted(breaks, at)
    order = np.argsort(lines, kind="stable")
    lines, bits = lines[order], bits[order]
    first = np.flatnonzero(np.diff(lines, prepend=-1))
    return lines[first], np.bitwise_or.reduceat(bits, first), breaks


def scan_spans(text: str, rules, plan: ScanPlan, whole) -> list[tuple[int, int, str]]:
    """(start, end, rule) of every match of the regex ``rules`` in ``text``, as ``whole(text, rule)`` gives them.

    ``whole(text, rule)`` returns one rule's spans on the whole text (the way every rule ran before);
    rules the plan cannot narrow go through it, the others run on their marked lines only.
    """
    if len(text) < MIN_SCAN_CHARS:
        return [span for rule in rules for span in whole(text, rule)]
    marked, line_bits, breaks = _line_bits(plan, text)
    starts: list[int] | None = None
    ends: list[int] = []
    spans: list[tuple[int, int, str]] = []
    for rule, mode, bit in zip(rules, plan.modes, plan.bits):
        if mode == "whole":
            spans += whole(text, rule)
            continue
        lines = marked[(line_bits & np.uint64(bit)) != 0]
        if not len(lines):
            continue  # no line holds a key of the rule: no line holds a match
        if mode == "gate":
            found = whole(text, rule)
        else:
            if starts is None:
                starts = [0] + (breaks + 1).tolist()
                ends = (breaks + 1).tolist() + [len(text)]
            found = _on_lines(text, rule, lines.tolist(), starts, ends, mode == "anchored")
        if found and rule.requires and not any(lit in text for lit in rule.requires):
            found = []  # the rule's own gate (``requires``): checked only where it could change the result
        spans += found
    return spans


def _on_lines(text: str, rule, lines: list[int], starts: list[int], ends: list[int], anchored: bool):
    pattern, name = rule.pattern, rule.name
    has_cut = "cut" in pattern.groupindex
    out = []
    if anchored:  # a match starts at a line start and no other line start lies inside a line
        for i in lines:
            a, b = starts[i], ends[i]
            m = pattern.match(text, a, b)
            if m is None:
                continue
            if m.end() == m.start():  # an empty match: finditer would go on from here
                out += match_spans(pattern.finditer(text, a, b), has_cut, name)
                continue
            s, e = m.span("cut") if has_cut else m.span()
            if e > s:
                out.append((s, e, name))
        return out
    run_start = run_end = None
    for i in lines:  # runs of consecutive marked lines, each searched as one piece
        if run_end is not None and i == run_end + 1:
            run_end = i
            continue
        if run_start is not None:
            out += match_spans(pattern.finditer(text, starts[run_start], ends[run_end]), has_cut, name)  # type: ignore[index]
        run_start = run_end = i
    if run_start is not None:
        out += match_spans(pattern.finditer(text, starts[run_start], ends[run_end]), has_cut, name)  # type: ignore[index]
    return out


def match_spans(matches, has_cut: bool, name: str) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of every non-empty match (its ``cut`` group when the pattern has one).

    >>> match_spans(re.finditer(r"评论(?P<cut>\\d+)|x*", "评论0"), True, "comment_counter")
    [(2, 3, 'comment_counter')]
    """
    out = []
    for m in matches:
        s, e = m.span("cut") if has_cut else m.span()
        if e > s:
            out.append((s, e, name))
    return out
