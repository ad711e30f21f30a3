"""Main content of an HTML page: which lines of its visible text are the article and which are site chrome.

The parser (:func:`speechkit.decode.html_dom`) keeps every visible line of a page with
its DOM facts: the elements that enclose it, how many of its characters sit inside
links, whether it is in ``<nav>``. The default extractor ``dom`` decides from those facts:

1. a line *reads as article text* when it has enough characters outside links and
   sentence punctuation (thresholds in ``data/html.toml``);
2. the **main container** is the element whose lines hold the most article text net of
   everything else in it (article chars − other chars: the block of paragraphs, not
   the page around it); siblings scoring nearly as well join it;
3. lines outside it are cut as ``html_outside_main``; inside it, link-heavy lines
   (related-article lists, tag rows, 上一篇/下一篇) as ``html_link_block``;
   ``<nav>`` text as ``html_nav`` wherever it is.

The peers are offered as extractors too: ``readability`` (readability-lxml) and
``trafilatura`` keep the lines of the visible text that their output holds; ``none``
keeps all visible text except ``<nav>``. Whatever decides, each cut is a span of whole
lines of the visible text, so the clean stage records it as a removal.
"""
from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from speechkit.decode import HtmlDom

__all__ = ["EXTRACTORS", "DEFAULT_EXTRACTOR", "DATA_FILES", "rule_descriptions", "chrome_decisions", "chrome_spans", "main_container", "strip_with_chrome",
           "ExtractorError"]

DATA_FILES = ("html.toml",)
EXTRACTORS = ("dom", "readability", "trafilatura", "none")
DEFAULT_EXTRACTOR = "dom"


class ExtractorError(ValueError):
    """An unknown extractor name, or a peer library that is not installed."""


@dataclass(frozen=True)
class _Settings:
    min_chars: int
    long_chars: int
    max_link_ratio: float
    punct: frozenset
    noise_weight: float
    sibling_share: float
    link_block_ratio: float
    not_containers: frozenset


@lru_cache(maxsize=1)
def _settings() -> _Settings:
    data = tomllib.loads((files("speechkit") / "data" / "html.toml").read_text(encoding="utf-8"))
    main, link = data["main"], data["link_block"]
    return _Settings(int(main["min_chars"]), int(main["long_chars"]), float(main["max_link_ratio"]),
                     frozenset(main["sentence_punct"]), float(main["noise_weight"]), float(main["sibling_share"]),
                     float(link["min_link_ratio"]), frozenset(main["not_containers"].split()))


@lru_cache(maxsize=1)
def _rule_descriptions() -> tuple[tuple[str, str], ...]:
    data = tomllib.loads((files("speechkit") / "data" / "html.toml").read_text(encoding="utf-8"))
    return tuple(data["rules"].items())


def rule_descriptions() -> dict[str, str]:
    """What each HTML chrome rule removes, by rule name (``html_nav``, ``html_outside_main``, ``html_link_block``)."""
    return dict(_rule_descriptions())


def _article_weight(text: str, chars: int, link_chars: int, cfg: _Settings) -> int:
    """Characters of a line that count as article text (0 for chrome-like lines)."""
    own = chars - link_chars
    if own < cfg.min_chars or (chars and link_chars / chars > cfg.max_link_ratio):
        return 0
    if own >= cfg.long_chars or any(ch in cfg.punct for ch in text):
        return own
    return 0


def main_container(dom: HtmlDom) -> set[int]:
    """Ids of the elements that hold the article (empty when the page has no article-like text).

    >>> from speechkit.decode import html_dom
    >>> dom = html_dom("<body><div id=menu><a href=/>首页</a><a href=/a>要闻</a></div><div id=art>"
    ...                "<p>同志们：今天我们召开全市妇女儿童工作会议，总结工作。</p><p>一、主要成绩</p></div></body>")
    >>> [dom.elements[i].id for i in main_container(dom)]
    ['art']
    """
    cfg = _settings()
    n = len(dom.elements)
    article = [0.0] * n
    total = [0.0] * n
    any_article = False
    for line in dom.lines:
        if line.nav:
            continue
        w = _article_weight(dom.text[line.start:line.end], line.chars, line.link_chars, cfg)
        any_article = any_article or w > 0
        for el in line.path:
            article[el] += w
            total[el] += line.chars
    if not any_article:
        return set()
    scores = [article[i] - cfg.noise_weight * (total[i] - article[i])
              if dom.elements[i].tag not in cfg.not_containers else float("-inf") for i in range(n)]
    best = max(range(n), key=lambda i: (scores[i], -i))
    chosen = {best}
    # an article continued in a twin container (same tag and class, same parent: pagination, a split
    # after an ad slot) joins the main one when it scores nearly as well
    main = dom.elements[best]
    if main.parent >= 0 and main.cls:
        for i in range(n):
            twin = dom.elements[i]
            if i != best and twin.parent == main.parent and twin.tag == main.tag and twin.cls == main.cls \
                    and article[i] > 0 and scores[i] >= cfg.sibling_share * scores[best]:
                chosen.add(i)
    return chosen


def _spans_from_decisions(dom: HtmlDom, decisions: list[str | None]) -> list[tuple[int, int, str]]:
    """Whole-line spans (with their line break) for every line given a rule name; neighbours merged."""
    spans: list[tuple[int, int, str]] = []
    for line, rule in zip(dom.lines, decisions):
        if rule is None:
            continue
        start, end = line.start, line.end
        if end < len(dom.text) and dom.text[end] == "\n":
            end += 1
        elif start > 0 and dom.text[start - 1] == "\n" and (not spans or spans[-1][1] < start):
            start -= 1
        if spans and spans[-1][2] == rule and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end, rule)
        else:
            spans.append((start, end, rule))
    return spans


def _dom_decisions(dom: HtmlDom) -> list[str | None]:
    cfg = _settings()
    chosen = main_container(dom)
    out: list[str | None] = []
    for line in dom.lines:
        if line.nav:
            out.append("html_nav")
        elif chosen and not chosen.intersection(line.path):
            out.append("html_outside_main")
        elif chosen and line.chars and line.link_chars / line.chars >= cfg.link_block_ratio:
            out.append("html_link_block")
        else:
            out.append(None)
    return out


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _peer_decisions(dom: HtmlDom, kept_text: str) -> list[str | None]:
    """Lines of the visible text that a peer's output does not hold are outside its main content."""
    kept = _norm(kept_text)
    out: list[str | None] = []
    for line in dom.lines:
        if line.nav:
            out.append("html_nav")
            continue
        value = _norm(dom.text[line.start:line.end])
        out.append(None if value and value in kept else "html_outside_main")
    return out


def _readability_text(html: str) -> str:
    try:
        import lxml.html
        from readability import Document
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ExtractorError("the 'readability' extractor needs readability-lxml: pip install readability-lxml") from exc
    summary = lxml.html.fromstring(Document(html).summary())
    for el in summary.iter("br", "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td"):
        el.tail = "\n" + (el.tail or "")
    return summary.text_content()


def _trafilatura_text(html: str) -> str:
    try:
        import trafilatura
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ExtractorError("the 'trafilatura' extractor needs trafilatura: pip install trafilatura") from exc
    return trafilatura.extract(html) or ""


def chrome_decisions(dom: HtmlDom, html: str = "", extractor: str = DEFAULT_EXTRACTOR) -> list[str | None]:
    """For each line of ``dom``: the rule that cuts it as site chrome, or None for article lines.

    ``extractor`` is one of :data:`EXTRACTORS`; the peers need the page's ``html``. A page
    where nothing reads as article keeps all its lines but ``<nav>``.
    """
    if extractor not in EXTRACTORS:
        raise ExtractorError(f"unknown HTML extractor {extractor!r} (known: {', '.join(EXTRACTORS)})")
    if not dom.lines:
        return []
    if extractor == "dom":
        decisions = _dom_decisions(dom)
    elif extractor == "none":
        decisions = ["html_nav" if line.nav else None for line in dom.lines]
    else:
        text = _readability_text(html) if extractor == "readability" else _trafilatura_text(html)
        decisions = _peer_decisions(dom, text)
    if all(d is not None for d in decisions):  # never cut a whole page: keep it and let the rules decide
        decisions = ["html_nav" if line.nav else None for line in dom.lines]
        if all(d is not None for d in decisions):
            decisions = [None] * len(dom.lines)
    return decisions


def chrome_spans(dom: HtmlDom, html: str = "", extractor: str = DEFAULT_EXTRACTOR,
                 decisions: list[str | None] | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, rule)`` of the site chrome in ``dom.text``: whole lines, each with its line break.

    ``extractor`` is one of :data:`EXTRACTORS`; the peers need the page's ``html``;
    ``decisions`` (from :func:`chrome_decisions`) saves deciding twice.

    >>> from speechkit.decode import html_dom
    >>> dom = html_dom("<body><ul><li><a href=/>首页</a></li><li><a href=/b>机构</a></li></ul><div class=text>"
    ...                "<p>同志们：今天召开全市妇女儿童工作会议，部署今年工作。</p><p><a href=/x>上一篇：某某讲话</a></p></div></body>")
    >>> [(dom.text[s:e].strip(), rule) for s, e, rule in chrome_spans(dom)]
    [('首页\\n机构', 'html_outside_main'), ('上一篇：某某讲话', 'html_link_block')]
    """
    if decisions is None:
        decisions = chrome_decisions(dom, html, extractor)
    return _spans_from_decisions(dom, decisions)


def strip_with_chrome(raw: str, spans: list[tuple[int, int, str]], rules=None, title: str | None = None):
    """Cut the chrome ``spans`` from ``raw``, run the boilerplate rules on what is left, and return one
    :class:`speechkit.boilerplate.CleanResult` whose removals (chrome and rules) are all offsets into ``raw``.

    >>> r = strip_with_chrome("首页\\n同志们：今天开会。\\n评论0", [(0, 3, "html_outside_main")])
    >>> r.text, [(x.rule, x.text) for x in r.removals]
    ('同志们：今天开会。', [('html_outside_main', '首页\\n'), ('whitespace', '\\n'), ('comment_counter', '评论0')])
    """
    import numpy as np

    from speechkit.boilerplate import CleanResult, Protected, Removal, strip_boilerplate

    if not spans:
        return strip_boilerplate(raw, rules, title=title)
    keep = np.ones(len(raw), dtype=bool)
    for s, e, _ in spans:
        keep[s:e] = False
    idx = np.flatnonzero(keep)
    pieces, pos = [], 0
    for s, e, _ in sorted(spans):
        if s > pos:
            pieces.append(raw[pos:s])
        pos = max(pos, e)
    view = "".join(pieces) + raw[pos:]
    inner = strip_boilerplate(view, rules, title=title)
    removals = [Removal(rule, s, e, raw[s:e]) for s, e, rule in spans]
    for r in inner.removals:
        seg = idx[r.start:r.end]
        if len(seg) == 0:
            continue
        breaks = np.flatnonzero(np.diff(seg) != 1)
        starts = [int(seg[0])] + [int(seg[b + 1]) for b in breaks]
        ends = [int(seg[b]) + 1 for b in breaks] + [int(seg[-1]) + 1]
        removals += [Removal(r.rule, s, e, raw[s:e]) for s, e in zip(starts, ends)]
    removals.sort(key=lambda r: (r.start, r.end))
    # the candidate cuts the speech guard kept, in raw offsets too (for `speechkit clean --explain`)
    protected = [Protected(p.rule, int(idx[p.start]), int(idx[p.end - 1]) + 1, raw[int(idx[p.start]): int(idx[p.end - 1]) + 1],
                           p.reason) for p in inner.protected if p.end > p.start]
    return CleanResult(inner.text, removals, protected)
