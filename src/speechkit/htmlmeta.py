"""Date, title and URL of an HTML page, read from its markup and from the whole visible page.

The date follows the precedence documented in ``data/html.toml`` ([date]): a publish-date
``<meta>`` tag; a labelled line (发布时间：…, 发表于 …) anywhere in the page, the one nearest
the article winning; an unlabelled short date line just above the article; a date in the
page's URL. The title is the article's headline: ``<h1>`` unless it reads as a logo or
channel name, else ``<title>`` without its site suffix (or ``og:title``).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from speechkit.decode import HtmlDom

__all__ = ["page_meta", "page_date", "page_title", "url_date", "labelled_date"]

_DATE = re.compile(
    r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*(?:[T ]|\s)?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
)


@dataclass(frozen=True)
class _Config:
    meta: tuple[str, ...]
    label: re.Pattern
    max_line_chars: int
    near_lines: int
    url: tuple[re.Pattern, ...]
    separators: re.Pattern
    logo_max_chars: int
    site_tail: re.Pattern


@lru_cache(maxsize=1)
def _config() -> _Config:
    data = tomllib.loads((files("speechkit") / "data" / "html.toml").read_text(encoding="utf-8"))
    date, title = data["date"], data["title"]
    label = re.compile(date["labels"] + r"\s*[:：]?\s*(?=(?:19|20)\d{2})")
    return _Config(tuple(n.lower() for n in date["meta"]), label, int(date["max_line_chars"]), int(date["near_lines"]),
                   tuple(re.compile(p) for p in date["url"]), re.compile(title["separators"]),
                   int(title["logo_max_chars"]), re.compile(title["site_tail"]))


def _iso(y: str, m: str, d: str) -> str | None:
    yi, mi, di = int(y), int(m), int(d)
    if 1 <= mi <= 12 and 1 <= di <= 31:
        return f"{yi:04d}-{mi:02d}-{di:02d}"
    return None


def _first_date(text: str) -> str | None:
    for m in _DATE.finditer(text):
        iso = _iso(m.group(1), m.group(2), m.group(3))
        if iso:
            return iso
    return None


def url_date(url: str) -> str | None:
    """The date a URL carries (``/2023-06/15/``, ``t20230615_``, ``/20230615/``), or None.

    >>> url_date("http://www.gov.cn/zhengce/2023-06/15/content_1.htm"), url_date("https://a.gov.cn/art/t20230615_88.html")
    ('2023-06-15', '2023-06-15')
    """
    for pattern in _config().url:
        m = pattern.search(url or "")
        if m:
            iso = _iso(*m.groups()[:3])
            if iso:
                return iso
    return None


def labelled_date(text: str) -> str | None:
    """The date of the first labelled date line (发布时间：…, 发布日期 …) anywhere in ``text``, or None.

    >>> labelled_date("同志们：今天开会。\\n……\\n发布日期：2023-06-15 10:20 来源：某市妇联")
    '2023-06-15'
    """
    cfg = _config()
    for line in text.split("\n"):
        if len(line) > cfg.max_line_chars * 2 or "。" in line:
            continue
        m = cfg.label.search(line)
        if m:
            iso = _first_date(line[m.end():])
            if iso:
                return iso
    return None


def _anchor(kept: list[bool], dom: HtmlDom) -> tuple[int, int]:
    """First and last line of the article (the lines the extractor kept), or the whole page."""
    idx = [i for i, k in enumerate(kept) if k and not dom.lines[i].nav]
    return (idx[0], idx[-1]) if idx else (0, len(dom.lines) - 1)


def page_date(dom: HtmlDom, kept: list[bool] | None = None) -> tuple[str | None, str | None]:
    """``(ISO date, where it was found)`` for an HTML page; ``(None, None)`` when it states none.

    ``kept`` marks the lines of the article (from :func:`speechkit.htmlmain.chrome_spans`);
    where is one of ``meta``, ``label``, ``near``, ``url``.

    >>> from speechkit.decode import html_dom
    >>> dom = html_dom("<body><div><a href=/a>2020-01-01 要闻</a></div><h1>标题</h1><p>2019-09-24 09:10 来源：某报</p>"
    ...                "<div><p>正文第一段，讲了很多内容。</p></div><p>责任编辑：某某</p></body>")
    >>> page_date(dom)
    ('2019-09-24', 'near')
    >>> page_date(html_dom("<body><p>正文，讲了很多内容。</p><p>发布时间：2023年06月15日</p></body>"))
    ('2023-06-15', 'label')
    """
    cfg = _config()
    for name in cfg.meta:
        value = dom.meta.get(name)
        if value:
            iso = _first_date(value)
            if iso:
                return iso, "meta"
    if not dom.lines:
        return None, None
    kept = kept if kept is not None and len(kept) == len(dom.lines) else [True] * len(dom.lines)
    first, last = _anchor(kept, dom)

    def distance(i: int) -> int:
        return first - i if i < first else i - last if i > last else 0

    labelled, near = [], []
    for i, line in enumerate(dom.lines):
        if line.nav:
            continue
        text = dom.text[line.start:line.end]
        if len(text) > cfg.max_line_chars * 2 or "。" in text:
            continue
        m = cfg.label.search(text)
        if m:
            iso = _first_date(text[m.end():])
            if iso:
                labelled.append((distance(i), i, iso))
                continue
        if len(text) <= cfg.max_line_chars and line.link_chars * 2 < max(line.chars, 1) and \
                (first - cfg.near_lines <= i <= min(first + 3, last)):
            iso = _first_date(text)
            if iso:
                near.append((distance(i), i, iso))
    if labelled:
        return min(labelled)[2], "label"
    if near:
        return min(near)[2], "near"
    for key in ("url",):
        iso = url_date(dom.hints.get(key, ""))
        if iso:
            return iso, "url"
    return None, None


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


_TITLE_CLASS = re.compile(r"(?i)title|headline|biaoti|(?:^|[_-])(?:tit|bt)(?:$|[_-])")
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())


def _headline_candidates(dom: HtmlDom, kept: list[bool] | None) -> list[str]:
    """Heading-like lines (h1–h6, or an element whose class/id says title) just above the article or at its top."""
    cfg = _config()
    if not dom.lines:
        return []
    kept = kept if kept is not None and len(kept) == len(dom.lines) else [True] * len(dom.lines)
    first, _last = _anchor(kept, dom)
    out = []
    for i in range(first + 2, max(first - cfg.near_lines, 0) - 1, -1):  # nearest first
        if i >= len(dom.lines):
            continue
        line = dom.lines[i]
        text = dom.text[line.start:line.end].strip()
        if line.nav or "。" in text or not 5 <= len(text) <= 80 or line.link_chars * 2 > line.chars:
            continue
        for e in line.path[-3:]:
            el = dom.elements[e]
            if el.tag in _HEADINGS or _TITLE_CLASS.search(el.cls) or _TITLE_CLASS.search(el.id):
                out.append(text)
                break
    return out


def _split_head_title(head: str) -> list[str]:
    cfg = _config()
    parts = [p.strip() for p in cfg.separators.split(head) if p.strip()] if head else []
    if len(parts) == 1:  # 标题-新华网: a bare hyphen before a site name
        m = cfg.site_tail.search(parts[0])
        if m and m.start() > 0:
            parts = [parts[0][: m.start()].strip(), parts[0][m.start() + 1:].strip()]
    return parts


def page_title(dom: HtmlDom, kept: list[bool] | None = None) -> str | None:
    """The article's headline: ``<h1>`` unless it is a logo/channel name, else ``<title>`` without the site.

    In order: an ``<h1>`` that matches ``<title>`` (or ``og:title``) minus its site suffix; a
    heading just above the article that matches it; an ``<h1>`` that is not a logo; a heading
    just above the article; ``<title>`` minus its site suffix.

    >>> from speechkit.decode import html_dom
    >>> page_title(html_dom("<head><title>全市妇女儿童工作会议召开_要闻_某市政府网</title></head>"
    ...                     "<body><h1><a href=/>新闻中心</a></h1><p>正文。</p></body>"))
    '全市妇女儿童工作会议召开'
    >>> page_title(html_dom("<head><title>某某网</title></head><body><h1>在全市妇女代表大会上的讲话</h1></body>"))
    '在全市妇女代表大会上的讲话'
    """
    cfg = _config()
    parts = _split_head_title(dom.hints.get("head_title", ""))
    core = max(parts[:1] + [p for p in parts[1:] if len(p) > len(parts[0]) * 2], key=len) if parts else ""
    og = (dom.meta.get("og:title") or "").strip()
    h1s = [dom.text[line.start:line.end] for line in dom.lines
           if any(dom.elements[e].tag == "h1" for e in line.path) and not line.nav]
    h1s = [h.strip() for h in h1s if h.strip()] or ([dom.hints["h1"]] if dom.hints.get("h1") else [])
    near = _headline_candidates(dom, kept)
    references = [_norm(r) for r in (og, core) if r]

    def matches(candidate: str) -> bool:
        n = _norm(candidate)
        # the headline inside <title>, or <title> a long prefix of it (portals truncate: 地铁直达+无敌免...)
        return len(n) > cfg.logo_max_chars and any(n in r or (r in n and len(r) >= 0.6 * len(n)) for r in references)

    def is_logo(candidate: str) -> bool:
        n = _norm(candidate)
        return len(n) <= cfg.logo_max_chars or any(_norm(p) == n for p in parts[1:]) \
            or n == _norm(dom.hints.get("site", ""))

    for group in (h1s, near):
        for candidate in group:
            if matches(candidate):
                return candidate
    for group in (h1s, near):
        for candidate in group:
            if not is_logo(candidate):
                return candidate
    return og or core or (h1s[0] if h1s else None) or None


def page_meta(dom: HtmlDom, kept: list[bool] | None = None) -> dict:
    """Hints for :func:`speechkit.metadata.extract_metadata`: ``title``, ``date``, ``date_source``, ``url``."""
    out: dict = {}
    title = page_title(dom, kept)
    if title:
        out["title"] = title
    date, source = page_date(dom, kept)
    if date:
        out["date"], out["date_source"] = date, source
    return out
