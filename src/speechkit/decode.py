"""Reading raw files: detect the encoding, and turn HTML into its visible text.

Encodings are detected, not assumed: byte-order marks first, then strict
UTF-8, then charset-normalizer restricted to the encodings Chinese pages use
(GB18030 family, Big5, UTF-16). HTML is parsed with selectolax (lexbor), which
never touches the network and resolves no external entities.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DecodeError", "RawPage", "HtmlDom", "HtmlLine", "HtmlElement", "decode_bytes", "html_dom", "html_to_text",
           "read_raw", "page_from_bytes", "TEXT_SUFFIXES", "HTML_SUFFIXES"]

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".shtml"}

_BINARY_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
    b"%PDF-": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (docx/xlsx?)",
    b"\xd0\xcf\x11\xe0": "an MS Office (OLE) document",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
}
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_MAX_BAD_UTF8 = 0.01  # share of non-ASCII characters that may be corrupt in a file still read as UTF-8
_CANDIDATES = ["utf_8", "gb18030", "big5", "utf_16", "utf_16_le", "utf_16_be", "big5hkscs"]


class DecodeError(ValueError):
    """A raw file cannot be used as text; the message says why."""


@dataclass
class RawPage:
    """A decoded page: its visible text plus what the markup said about it."""

    text: str
    encoding: str
    format: str  # 'txt' | 'md' | 'html'
    hints: dict = field(default_factory=dict)  # title / url / date / site found in HTML markup
    notes: list = field(default_factory=list)  # e.g. a truncated trailing byte sequence
    dom: HtmlDom | None = None  # HTML only: the lines of ``text`` with their DOM facts
    markup: str = ""  # HTML only: the decoded page (for the peer extractors)


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:20000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t\f") or ch == "\ufffd")
    return bad / len(sample)


# characters a Chinese page is made of: common CJK ideographs, ASCII, CJK and full-width punctuation
_PLAUSIBLE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2000-\u206f\u00b7\x20-\x7e\s]")
_FALLBACKS = ("gb18030", "big5", "utf_16_le", "utf_16_be")


def _plausibility(text: str) -> float:
    """Share of characters a Chinese page plausibly holds (mojibake such as Hangul or U+FFFD scores low)."""
    return len(_PLAUSIBLE.findall(text)) / len(text) if text else 0.0


def _most_plausible(sample: bytes, guess: str) -> str:
    """The detector's ``guess`` unless another Chinese encoding reads ``sample`` as clearly more plausible text.

    Short pages fool statistical detection: 8 bytes of Big5 婦女兒童 also decode
    as UTF-16 Hangul; the encoding that gives CJK text wins.
    """
    try:
        best_score = _plausibility(sample.decode(guess, errors="replace"))
    except LookupError:
        best_score = 0.0
    if best_score >= 0.98:
        return guess
    best = guess
    for candidate in _FALLBACKS:
        score = _plausibility(sample.decode(candidate, errors="replace"))
        if score > best_score:
            best, best_score = candidate, score
    return best


def _strict_fallback(sample: bytes, min_plausibility: float = 0.9) -> str | None:
    """The Chinese encoding that decodes ``sample`` without error into the most plausible text, or None."""
    import codecs

    best, best_score = None, min_plausibility
    for candidate in _FALLBACKS:
        try:  # incremental: a character cut at the end of the sample is not an error
            text = codecs.getincrementaldecoder(candidate)("strict").decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text)
        if score > best_score:
            best, best_score = candidate, score
    return best


_MAX_NUL_SHARE = 0.1  # share of NUL bytes a UTF-8 text may hold and still be read as text (NULs dropped)


def _utf8(data: bytes) -> tuple[str, list[str]] | None:
    """``data`` read as UTF-8 — strictly, without a character cut at the very end, or with a few
    corrupt bytes replaced — with notes on what was done; None when it is not UTF-8."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            try:
                return data[: exc.start].decode("utf-8"), [f"truncated multi-byte character at byte {exc.start} dropped"]
            except UnicodeDecodeError:
                pass
        # UTF-8 with a few corrupt bytes is still UTF-8
        lenient = data.decode("utf-8", errors="replace")
        bad = lenient.count("\ufffd")
        non_ascii = len(lenient) - len(lenient.encode("ascii", "ignore"))
        if non_ascii >= 20 and bad <= non_ascii * _MAX_BAD_UTF8:
            return lenient, [f"{bad} invalid UTF-8 byte sequence(s) replaced by U+FFFD"]
    return None


def _drop_nuls(text: str, notes: list[str]) -> str:
    """``text`` without U+0000 characters; a note says how many went."""
    n = text.count("\x00")
    if n:
        notes.append(f"{n} NUL character(s) dropped")
        text = text.replace("\x00", "")
    return text


def decode_bytes(data: bytes) -> tuple[str, str, list[str]]:
    """Decode raw bytes to text; return ``(text, encoding, notes)``.

    Raises :class:`DecodeError` for empty or binary input or when no encoding fits. NUL
    characters never reach the text: a file that is UTF-8 apart from stray NUL bytes
    (at most a tenth of its bytes) is read with them dropped, and a note says so; beyond
    that share the file is judged by the binary and encoding checks.

    >>> decode_bytes("妇女儿童工作会议".encode("gb18030"))[1]
    'gb18030'
    >>> decode_bytes("同志们：\\x00今天召开妇女儿童工作会议。".encode("utf-8"))
    ('同志们：今天召开妇女儿童工作会议。', 'utf-8', ['1 NUL byte(s) dropped (the file is UTF-8 apart from them)'])
    """
    notes: list[str] = []
    if not data.strip():
        raise DecodeError("empty file (no text)" if not data else "file holds only whitespace")
    for sig, what in _BINARY_SIGNATURES.items():
        if data.startswith(sig):
            raise DecodeError(f"not a text file: looks like {what}")
    if data.startswith(b"\xef\xbb\xbf"):
        return _drop_nuls(data[3:].decode("utf-8", errors="replace"), notes), "utf-8-sig", notes
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            return _drop_nuls(data.decode("utf-16"), notes), "utf-16", notes
        except UnicodeDecodeError:
            text = data[: len(data) - (len(data) % 2)].decode("utf-16", errors="replace")
            if len(data) % 2:
                notes.append("odd trailing byte in UTF-16 dropped")
            if "\ufffd" in text:
                notes.append(f"{text.count(chr(0xFFFD))} undecodable UTF-16 sequence(s) replaced by U+FFFD")
            return _drop_nuls(text, notes), "utf-16", notes
    nuls = data.count(b"\x00")
    if not nuls:
        got = _utf8(data)
        if got is not None:
            return got[0], "utf-8", got[1]
    elif nuls <= len(data) * _MAX_NUL_SHARE:
        # NUL bytes are never part of a UTF-8 multi-byte sequence: a UTF-8 text with stray NULs
        # is read without them (UTF-16 without a byte-order mark is not valid UTF-8 once they go)
        stripped = data.replace(b"\x00", b"")
        got = _utf8(stripped) if stripped.strip() else None
        if got is not None and _plausibility(got[0][:20000]) >= 0.9:
            return got[0], "utf-8", [f"{nuls} NUL byte(s) dropped (the file is UTF-8 apart from them)"] + got[1]
    # valid UTF-8 full of NULs is binary: left to the checks below
    from charset_normalizer import from_bytes

    sample = data if len(data) <= 2_000_000 else data[:2_000_000]
    best = from_bytes(sample, cp_isolation=_CANDIDATES).best()
    if best is None:  # the detector gives up on some long, clean GB18030 texts: try each encoding strictly
        if b"\x00" in data[:4096]:
            raise DecodeError("not a text file: binary content (NUL bytes) and no text encoding fits")
        encoding = _strict_fallback(sample[:200_000])
        if encoding is None:
            raise DecodeError("no text encoding fits (tried UTF-8, GB18030, Big5, UTF-16)")
    else:
        encoding = best.encoding.replace("-", "_").lower()
        if encoding in _GB_FAMILY:
            encoding = "gb18030"
        encoding = _most_plausible(sample[:200_000], encoding)
    text = data.decode(encoding, errors="replace")
    if _control_ratio(text) > 0.02:
        raise DecodeError(f"not a text file: decoding as {encoding} gives mostly control characters")
    if "\ufffd" in text:
        notes.append(f"{text.count(chr(0xFFFD))} undecodable byte sequence(s) replaced by U+FFFD")
    return _drop_nuls(text, notes), encoding, notes


_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer dd dt dl blockquote pre title hr "
    "form td th center aside main figure figcaption address caption nav menu details summary fieldset legend "
    "option body".split()
)
_DROP_TAGS = frozenset("script style noscript template svg iframe object embed select button head -comment".split())
_SPACES = re.compile(r"[ \t\n\r\f\u00a0\u2002\u2003\u2009\u200b\ufeff]+")
_HIDDEN_STYLE = re.compile(r"(?i)display\s*:\s*none|visibility\s*:\s*hidden")


@dataclass
class HtmlLine:
    """One line of a page's visible text and the DOM facts about it.

    ``start``/``end`` are offsets into the visible text; ``chars`` counts its
    non-space characters and ``link_chars`` those inside ``<a>``; ``path`` holds
    the ids (indexes into :attr:`HtmlDom.elements`) of the elements that enclose it,
    outermost first; ``nav`` says it lies in ``<nav>``/``role=navigation``.
    """

    start: int
    end: int
    chars: int
    link_chars: int
    path: tuple[int, ...]
    nav: bool = False


@dataclass
class HtmlElement:
    """An element of the page that encloses visible text: its tag, id and class."""

    tag: str
    id: str = ""
    cls: str = ""
    parent: int = -1  # index of the enclosing element, -1 for the outermost


@dataclass
class HtmlDom:
    """The visible text of a page, its lines with their DOM facts, and the markup hints."""

    text: str
    hints: dict
    lines: list[HtmlLine]
    elements: list[HtmlElement]
    meta: dict = field(default_factory=dict)  # every <meta name|property=… content=…>, names lower-cased (first wins)


def _is_hidden(attrs: dict) -> bool:
    if "hidden" in attrs:  # (aria-hidden text is still on screen: it stays)
        return True
    style = attrs.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def html_dom(html: str) -> HtmlDom:
    """Parse ``html`` once: its visible text (one block per line) with per-line DOM facts.

    Scripts, styles, comments and hidden elements give no text; every other text
    node does, ``<nav>`` included (flagged ``nav``: the clean stage cuts it as a
    recorded removal). Lines break at block elements and ``<br>``.

    >>> dom = html_dom("<body><nav><a href=/>首页</a></nav><div><p>同志们：</p><p>现在<a href=#>开会</a>。</p></div></body>")
    >>> dom.text.splitlines(), [(l.chars, l.link_chars, l.nav) for l in dom.lines]
    (['首页', '同志们：', '现在开会。'], [(2, 2, True), (4, 0, False), (5, 2, False)])
    """
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    hints, meta = _markup_hints(tree)
    root = tree.body or tree.root
    elements: list[HtmlElement] = []
    lines: list[HtmlLine] = []
    if root is None:
        return HtmlDom("", hints, lines, elements, meta)
    out: list[str] = []
    pos = 0
    chunks: list[str] = []
    link_chars = 0
    line_path: tuple[int, ...] | None = None
    line_nav = False
    path: list[int] = []
    in_link = 0
    in_nav = 0

    def flush() -> None:
        nonlocal pos, chunks, link_chars, line_path, line_nav
        if chunks:
            line = _SPACES.sub(" ", "".join(chunks)).strip()
            if line:
                if out:
                    pos += 1
                out.append(line)
                chars = len(line) - line.count(" ") - line.count("\u3000")
                lines.append(HtmlLine(pos, pos + len(line), chars, min(link_chars, chars), line_path or (), line_nav))
                pos += len(line)
        chunks, link_chars, line_path, line_nav = [], 0, None, False

    # an explicit stack (no recursion): deeply nested pages cannot overflow Python's stack.
    # An entry is a node to enter, or (None, tag, nav) to leave the element entered before.
    stack: list = [(root, None, False)]
    block_tags, drop_tags = _BLOCK_TAGS, _DROP_TAGS
    while stack:
        node, tag, nav = stack.pop()
        if node is None:  # leaving an element
            if tag in block_tags:
                flush()
            if tag == "a":
                in_link -= 1
            if nav:
                in_nav -= 1
            path.pop()
            continue
        tag = node.tag
        if tag == "-text":
            value = node.text_content
            if value:
                if line_path is None and not value.isspace():
                    line_path, line_nav = tuple(path), in_nav > 0
                chunks.append(value)
                if in_link:
                    link_chars += len("".join(value.split()))
            continue
        if tag in drop_tags or tag[0] == "-":
            continue
        attrs = node.attributes
        if attrs and _is_hidden(attrs):
            continue
        if tag in block_tags:
            flush()
        elements.append(HtmlElement(tag, (attrs.get("id") or "").strip(), " ".join((attrs.get("class") or "").split()),
                                    path[-1] if path else -1))
        path.append(len(elements) - 1)
        nav = tag == "nav" or (attrs.get("role") or "").lower() == "navigation"
        if tag == "a":
            in_link += 1
        if nav:
            in_nav += 1
        stack.append((None, tag, nav))
        children = [(child, None, False) for child in node.iter(include_text=True)]
        children.reverse()
        stack.extend(children)
    flush()
    return HtmlDom("\n".join(out), hints, lines, elements, meta)


_DATE_META = ("publishdate", "pubdate", "article:published_time", "date", "dc.date", "publish_time", "firstpublishedtime")


def _markup_hints(tree) -> tuple[dict, dict]:
    """Title, URL, site, date and author as the page's markup states them; and all its <meta> tags."""
    hints: dict = {}
    metas: dict = {}
    head_title = tree.css_first("title")
    h1 = tree.css_first("h1")
    for node, key in ((h1, "h1"), (head_title, "head_title")):
        if node is not None:
            value = _SPACES.sub(" ", node.text(deep=True)).strip()
            if value:
                hints[key] = value
    for meta in tree.css("meta"):
        attrs = meta.attributes
        name = (attrs.get("name") or attrs.get("property") or "").lower()
        content = (attrs.get("content") or "").strip()
        if not content:
            continue
        if name:
            metas.setdefault(name, content)
        if name in ("og:url",) and "url" not in hints:
            hints["url"] = content
        elif name in ("og:site_name", "sitename", "site_name") and "site" not in hints:
            hints["site"] = content
        elif name in _DATE_META and "date" not in hints:
            hints["date"] = content
        elif name in ("author",) and "author" not in hints:
            hints["author"] = content
    canonical = tree.css_first('link[rel="canonical"]')
    if canonical is not None and canonical.attributes.get("href"):
        hints.setdefault("url", canonical.attributes["href"].strip())
    return {k: v for k, v in hints.items() if isinstance(v, str) and v}, metas


def html_to_text(html: str) -> tuple[str, dict]:
    """Visible text of an HTML page, one block per line, plus hints from its markup.

    Scripts, styles and hidden elements are dropped; entities are decoded; the
    text of ``<nav>`` stays (see :func:`html_dom` for the per-line DOM facts the
    clean stage uses to cut it and the rest of the site chrome). Hints: ``h1``,
    ``head_title``, ``url`` (canonical link / og:url), ``site`` (og:site_name),
    ``date`` (publish-date meta).

    >>> html_to_text("<html><body><script>var a='脚本';</script><p>同志们：</p><p>现在开会。</p></body></html>")[0]
    '同志们：\\n现在开会。'
    """
    dom = html_dom(html)
    return dom.text, dom.hints


def read_raw(path: Path, data: bytes | None = None) -> RawPage:
    """Read one raw file: detect its encoding and, for HTML, extract the visible text.

    ``data`` is the file's content when the caller has read it already. Raises
    :class:`DecodeError` (or ``OSError``) with a message naming what is wrong.
    """
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    suffix = path.suffix.lower()
    text, encoding, notes = decode_bytes(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if suffix in HTML_SUFFIXES or (suffix in TEXT_SUFFIXES and _looks_like_html(text)):
        dom = html_dom(text)
        if not dom.text.strip():
            raise DecodeError("HTML page has no visible text")
        return RawPage(dom.text, encoding, "html", dom.hints, notes, dom, text)
    fmt = "md" if suffix == ".md" else "txt"
    return RawPage(text, encoding, fmt, {}, notes)


def page_from_bytes(data: bytes, suffix: str = ".txt") -> RawPage:
    """:func:`read_raw` for bytes that are not a file of their own (an archive member, a table cell),
    read as a file named with ``suffix`` would be.

    >>> page_from_bytes("同志们：现在开会。".encode("gbk"), ".txt").encoding
    'gb18030'
    """
    return read_raw(Path("member" + suffix.lower()), data)


_HTML_SNIFF = re.compile(r"(?is)^\s*(<!doctype html|<html\b|<head\b|<body\b)")


def _looks_like_html(text: str) -> bool:
    return bool(_HTML_SNIFF.match(text[:2048]))
