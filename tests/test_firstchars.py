"""The first-character look-ahead (speechkit.firstchars) finds exactly the matches of the bare pattern.

targets.py, outline.py and indicators.py put it in front of their rule unions for speed; these tests
take every such union apart again and compare the matches of the bare and the prefixed pattern on
real text (the demo corpus and the shared corpus) and on random strings over the patterns' own
characters, so a wrong first-character set cannot go unnoticed.
"""
import random
import re

import pytest
from corpus_paths import DEMO, SHARED

from speechkit import indicators, outline, targets
from speechkit.firstchars import first_char_class, with_first_char_lookahead

WRAPPER = re.compile(r"\(\?=\[(?P<cls>.*?)\]\)\(\?:", re.S)


def _bare(pattern: str) -> str | None:
    """The pattern inside a look-ahead wrapper, None when the pattern was left as it was."""
    m = WRAPPER.match(pattern)
    return pattern[m.end():-1] if m else None


def _wrapped_rules() -> list[tuple[str, re.Pattern, re.Pattern]]:
    """(name, bare, prefixed) of every rule regex that got the look-ahead."""
    out = []
    r = targets._rules()
    for name, value in vars(r).items():
        values = value if isinstance(value, tuple) else (value,)
        for i, v in enumerate(values):
            v = v[1] if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], re.Pattern) else v
            if isinstance(v, re.Pattern) and _bare(v.pattern) is not None:
                out.append((f"targets.{name}[{i}]", re.compile(_bare(v.pattern)), v))
    ann = outline._rules().announcement_re
    out.append(("outline.announcement_re", re.compile(_bare(ann.pattern)), ann))
    anyp = indicators._any_pattern(indicators.load_indicators())
    if _bare(anyp.pattern) is not None:
        out.append(("indicators._any_pattern", re.compile(_bare(anyp.pattern)), anyp))
    return out


def _texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(DEMO.rglob("*.txt"))]
    for sub in ("seeds", "province-reports-2025"):
        if (SHARED / sub).exists():
            texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted((SHARED / sub).rglob("*.txt"))]
    return texts


def test_the_slow_rule_unions_get_the_look_ahead():
    names = {name.split("[")[0] for name, _, _ in _wrapped_rules()}
    # the unions that start with a look-behind ('(?<![主重])要', '(?<!\d年)到20\d\d年') or a repeat
    assert {"targets.cue_re", "targets.deadline_re", "targets.trailing_re", "targets.leading_re",
            "outline.announcement_re", "indicators._any_pattern"} <= names


def test_the_look_ahead_changes_no_match_on_real_text():
    texts = _texts()
    assert texts
    for name, bare, fast in _wrapped_rules():
        for text in texts:
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in bare.finditer(text)], name


def test_the_look_ahead_changes_no_match_on_random_strings_of_the_patterns_own_characters():
    rng = random.Random(17)
    for name, bare, fast in _wrapped_rules():
        alphabet = sorted({c for c in bare.pattern if not c.isascii() or c.isdigit()} | set("，。 \n、%"))
        for _ in range(300):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in bare.finditer(text)], (name, text)
            for pos in range(len(text)):
                a, b = fast.match(text, pos), bare.match(text, pos)
                assert (a and a.span()) == (b and b.span()), (name, text, pos)


@pytest.mark.parametrize("pattern, expected", [
    ("(?<![主重需])要|力争|确保(?!了)", "[要力确]"),
    (r"(?:下面|接下来)?(?:我)?讲", "[下接我讲]"),
    (r"[0-9０-９一二三]{1,3}个|\s+的", r"[0-9０-９一二三\s]"),  # \s+ needs a blank first
    (r"\s*的", r"[\s的]"),
    (r"(?:到|至)?20\d\d年", "[到至2]"),
    (r"(?P<n>[一二])(?<=[近超].)成", "[一二]"),
])
def test_first_char_class_holds_every_possible_first_character(pattern, expected):
    assert first_char_class(pattern) == expected


@pytest.mark.parametrize("pattern", [".要", "[^，]要", "要?", "(?i)abc", "(?:要)*", r"\b", ""])
def test_first_char_class_gives_up_where_it_cannot_be_sure(pattern):
    assert first_char_class(pattern) is None
    assert with_first_char_lookahead(pattern) == pattern


def test_patterns_re_already_scans_fast_are_left_alone():
    for pattern in ("力争|确保", "[一二三]成", "(?P<num>\\d)(?<![.]\\d)"):
        assert with_first_char_lookahead(pattern) == pattern


def test_a_pattern_with_a_global_flag_keeps_it_first():
    assert with_first_char_lookahead("(?x) (?<!主) 要 | 力争") == "(?x) (?<!主) 要 | 力争"
    assert re.findall(with_first_char_lookahead("(?s:.)?(?<!主)要"), "主要需要") == ["需要"]
