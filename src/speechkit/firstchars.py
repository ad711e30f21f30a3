"""The characters a regular expression's match can start with, to let ``re`` skip other positions.

Python's ``re`` scans fast only when a pattern starts with a literal or a character class; an
alternation of many patterns (a union of rule patterns, some of them starting with a
look-behind such as ``(?<![主重])要``) is tried in full at every position. Prefixing such a pattern
with a look-ahead on its possible first characters (:func:`with_first_char_lookahead`) leaves its
matches exactly as they were — every match starts with one of those characters — and rejects
most positions with one class test.

The first characters are read from the pattern's parse tree (``re._parser``, the parser ``re``
itself uses). Whatever is not understood (``.``, negated classes, back-references, a pattern that
can match the empty string) gives no class, and the pattern is then used as it is.
"""

from __future__ import annotations

import re

__all__ = ["first_char_class", "with_first_char_lookahead"]

# re's own parser (Python 3.11+, which speechkit requires); typeshed has no stubs for these private modules
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser as _p  # type: ignore[attr-defined]


class _Unknown(Exception):
    """A construct whose first characters are not worked out."""


_CATEGORIES = {_c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_SPACE: r"\s", _c.CATEGORY_WORD: r"\w"}
_REPEATS = tuple(getattr(_c, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_c, name))
_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)


def _class_items(items) -> list[str]:
    out = []
    for op, av in items:
        if op is _c.LITERAL:
            out.append(re.escape(chr(av)))
        elif op is _c.RANGE:
            out.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is _c.CATEGORY and av in _CATEGORIES:
            out.append(_CATEGORIES[av])
        else:  # NEGATE, a negated category, …
            raise _Unknown(op)
    return out


def _first(seq) -> tuple[list[str], bool]:
    """(class items the match of ``seq`` can start with, whether it can match the empty string)."""
    found: list[str] = []
    for op, av in seq:
        items, nullable = _first_of(op, av)
        found += items
        if not nullable:
            return found, False
    return found, True


def _first_of(op, av) -> tuple[list[str], bool]:
    if op is _c.LITERAL:
        return [re.escape(chr(av))], False
    if op is _c.IN:
        return _class_items(av), False
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        if add_flags & (re.IGNORECASE | re.LOCALE):
            raise _Unknown(op)
        return _first(sub)
    if op is _c.BRANCH:
        found, nullable = [], False
        for sub in av[1]:
            items, n = _first(sub)
            found += items
            nullable = nullable or n
        return found, nullable
    if op in _REPEATS:
        low, high, sub = av
        if high == 0:
            return [], True
        items, nullable = _first(sub)
        return items, nullable or low == 0
    if getattr(_c, "ATOMIC_GROUP", None) is not None and op is _c.ATOMIC_GROUP:
        return _first(av)
    if op in _ZERO_WIDTH:  # ^ \b, look-aheads and look-behinds consume nothing
        return [], True
    raise _Unknown(op)  # . [^…] back-references, conditionals


def first_char_class(pattern: str | re.Pattern) -> str | None:
    """A character class (``[…]``) holding every character a match of ``pattern`` can start with,
    or None when that is not worked out (the pattern can match the empty string, starts with
    ``.``, a negated class, is case-insensitive …).

    >>> first_char_class(r"(?<![主重])要|力争|\\s|[0-9]+个")
    '[要力\\\\s0-9]'
    >>> first_char_class("(?:下面)?讲") , first_char_class("[^，]+") , first_char_class("a*")
    ('[下讲]', None, None)
    """
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    try:
        parsed = _p.parse(source, flags)
        if parsed.state.flags & (re.IGNORECASE | re.LOCALE):
            return None
        items, nullable = _first(parsed)
    except (_Unknown, re.error, AttributeError, TypeError, ValueError):
        return None
    if nullable or not items:
        return None
    unique = list(dict.fromkeys(items))
    return f"[{''.join(unique)}]"


def _scans_fast(pattern: str) -> bool:
    """Whether ``re`` already skips positions for ``pattern`` itself (a literal or a character-class
    prefix, the test ``re``'s compiler makes): a look-ahead would only slow it down."""
    try:
        from re import _compiler  # type: ignore[attr-defined]  # private module without stubs

        parsed = _p.parse(pattern, 0)
        flags = parsed.state.flags
        prefix, _skip, _all = _compiler._get_literal_prefix(parsed, flags)
        return bool(prefix) or _compiler._get_charset_prefix(parsed, flags) is not None
    except Exception:  # another Python's internals: the look-ahead is still correct
        return False


def with_first_char_lookahead(pattern: str) -> str:
    """``pattern`` behind a look-ahead on its first characters: the same matches, found faster by a
    scan (``search``/``finditer``). ``pattern`` is returned unchanged when its first characters are
    unknown or when ``re`` already scans it fast (it starts with a literal or a class).

    >>> with_first_char_lookahead("(?<![主重])要|力争")
    '(?=[要力])(?:(?<![主重])要|力争)'
    >>> re.findall(with_first_char_lookahead("(?<![主重])要|力争"), "主要任务是力争实现,要坚持")
    ['力争', '要']
    >>> with_first_char_lookahead("力争|确保")
    '力争|确保'
    """
    cls = first_char_class(pattern)
    if cls is None or _scans_fast(pattern):
        return pattern
    wrapped = f"(?={cls})(?:{pattern})"
    try:  # a global flag such as (?x) must stay first: such a pattern is left as it is
        before, after = re.compile(pattern), re.compile(wrapped)
    except re.error:
        return pattern
    if before.flags != after.flags or before.groupindex != after.groupindex or before.groups != after.groups:
        return pattern
    return wrapped
