"""Readers: turn the files researchers have into texts the cleaner can audit.

One file (or one archive member, or one row of a table of speeches) becomes
one :class:`ReadDoc`: the text the file holds, in reading order, plus the
spans of it that are not speech by construction (a Word header or footer, a
PDF's running header and page numbers). Those spans stay in ``text`` and are
listed in ``cuts``, so that the cleaner records them as removals with offsets
into ``raw_text`` like every other cut.

Libraries: python-docx (Word .docx; Chinese list numbering is rendered here,
none of the libraries does it), pypdf (PDF text layer with positions; BSD,
pure Python: see the README for the comparison with pdfminer.six and PyMuPDF),
striprtf (RTF), the standard library for .odt, MHT, zip and tar, and pandas
(with openpyxl) for tables. Every reader works on bytes: archive members are
never extracted to disk.
"""
from __future__ import annotations

import fnmatch
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import tarfile

    import pandas as pd

from speechkit.decode import DecodeError, HtmlDom, RawPage, page_from_bytes

__all__ = [
    "DATA_FILES", "ReadDoc", "FileEntry", "ReadOptions", "read_source", "classify", "skip_reason",
    "decode_member_name", "render_number", "join_pdf_lines", "pick_text_column", "READER_VERSION",
]

#: Data files the readers use (part of the clean stage's cache key).
DATA_FILES = ("readers.toml",)
#: Bumped when a reader's output changes for the same input (part of the cache key).
READER_VERSION = "1"

MAX_MEMBER_BYTES = 512 * 1024 * 1024  # an archive member larger than this is an error row (zip bombs)
MAX_DEPTH = 3  # archives inside archives
EXCEL_CELL_LIMIT = 32767  # characters an Excel cell holds: a text that long was probably cut by Excel
MIN_TEXT_MEAN = 50  # characters: the least mean length of a column taken as the text without --text-column


@lru_cache(maxsize=1)
def _config() -> dict:
    import tomllib
    from importlib.resources import files

    cfg = tomllib.loads((files("speechkit") / "data" / "readers.toml").read_text(encoding="utf-8"))
    kinds = {}
    for kind, suffixes in cfg["formats"].items():
        if kind == "advice":
            continue
        for s in suffixes:
            kinds[s.lower()] = kind
    cfg["_kinds"] = kinds
    cfg["_page_number"] = [re.compile(p, re.I) for p in cfg["pdf"]["page_number"]]
    return cfg


@dataclass(frozen=True)
class ReadOptions:
    """What the readers need from the clean options."""

    text_column: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass
class ReadDoc:
    """One document read from a file: its text and what the reader knows about it."""

    source_path: str
    text: str = ""
    encoding: str | None = None
    format: str = "txt"
    hints: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    cuts: list = field(default_factory=list)  # (start, end, rule): spans of ``text`` that are not speech
    variables: dict = field(default_factory=dict)  # columns of a table row
    label: str = ""  # the researcher's label (file stem, or the row's place column) for metadata
    created: str | None = None  # a creation date from the file's properties (fallback date)
    error: str | None = None
    dom: HtmlDom | None = None  # HTML only: decode.HtmlDom, the lines of ``text`` with their DOM facts
    markup: str = ""  # HTML only: the decoded page (for the peer extractors)


@dataclass
class FileEntry:
    """One file (or archive member) as accounted for in ``files.parquet``."""

    path: str
    action: str  # 'read' | 'skipped' | 'error'
    reason: str | None = None
    documents: int = 0
    format: str | None = None
    note: str | None = None

    def as_dict(self) -> dict:
        return {"path": self.path, "action": self.action, "reason": self.reason, "documents": self.documents,
                "format": self.format, "note": self.note}


# --------------------------------------------------------------------------- classification


def _suffix(name: str) -> str:
    lower = name.lower()
    for double in (".tar.gz", ".tar.bz2", ".tar.xz"):
        if lower.endswith(double):
            return double
    return PurePosixPath(lower).suffix


def classify(name: str) -> str | None:
    """The reader kind for a file name: ``text``, ``html``, ``docx``, ``pdf``, ``table``, ``archive`` … or
    ``sniff`` (no suffix: read by content), or None (unsupported type).

    >>> classify("讲话.DOCX"), classify("三亚"), classify("数据.tar.gz"), classify("图.png")
    ('docx', 'sniff', 'archive', None)
    """
    suffix = _suffix(PurePosixPath(name).name)
    if not suffix:
        return "sniff"
    return _config()["_kinds"].get(suffix)


def _glob_match(rel: str, pattern: str) -> bool:
    parts = rel.rstrip("/").split("/")
    pattern = pattern.rstrip("/")
    if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(parts[-1], pattern):
        return True
    # a folder pattern (drafts, 旧稿/*) excludes everything below it
    return any(fnmatch.fnmatch("/".join(parts[:i]), pattern) for i in range(1, len(parts)))


def skip_reason(rel: str, options: ReadOptions = ReadOptions()) -> str | None:
    """Why ``rel`` (a path relative to RAW_DIR or inside an archive) is not read, or None.

    >>> skip_reason("README.md"), skip_reason("武侯区/2023.txt"), skip_reason(".git/config")
    ('README/LICENSE: excluded by default', None, 'hidden or system file')
    >>> skip_reason("旧稿/a.txt", ReadOptions(exclude=("旧稿",)))
    '--exclude 旧稿'
    """
    cfg = _config()["discovery"]
    parts = [p for p in rel.split("/") if p]
    name = parts[-1] if parts else rel
    if any(p.startswith(".") for p in parts) or any(fnmatch.fnmatch(p, g) for p in parts for g in cfg["system_files"]):
        return "hidden or system file"
    for pattern in options.exclude:
        if _glob_match(rel, pattern):
            return f"--exclude {pattern}"
    if options.include and not any(_glob_match(rel, p) for p in options.include):
        return "not matched by --include"
    if not any(_glob_match(rel, p) for p in options.include):  # an explicit --include README.md reads it
        if any(fnmatch.fnmatch(name.lower(), g.lower()) for g in cfg["default_exclude"]):
            return "README/LICENSE: excluded by default"
    if classify(name) is None:
        suffix = _suffix(name)
        advice = _config()["formats"]["advice"].get(suffix)
        return f"unsupported type ({suffix}{': ' + advice if advice else ''})"
    return None


# --------------------------------------------------------------------------- dispatch


def read_source(data: bytes, rel: str, options: ReadOptions = ReadOptions(), depth: int = 0) -> tuple[list[ReadDoc], list[FileEntry]]:
    """Read one file's bytes: ``(documents, file entries)``. Never raises for bad input.

    A plain file gives one document and one entry; a table one document per
    row; an archive the documents and entries of its members (source paths
    ``archive.zip/folder/member``). A file that cannot be read gives one
    document with ``error`` set.

    >>> docs, entries = read_source("同志们：今天召开2024年全市妇女儿童工作会议。".encode("gb18030"), "三亚.txt")
    >>> docs[0].text, docs[0].encoding, entries[0].action
    ('同志们：今天召开2024年全市妇女儿童工作会议。', 'gb18030', 'read')
    """
    kind = classify(rel) or "sniff"
    if kind == "sniff" or kind in ("doc", "text"):
        kind = _sniff(data, kind)
    try:
        if kind == "archive":
            return _read_archive(data, rel, options, depth)
        if kind == "table":
            docs, note = _read_table(data, rel, options)
            fmt = _suffix(rel).lstrip(".") or "table"
            ok = sum(d.error is None for d in docs)
            return docs, [FileEntry(rel, "read" if ok else "error", None if ok else docs[0].error, ok, fmt, note)]
        doc = _READERS[kind](data, rel)
    except DecodeError as exc:
        doc = ReadDoc(rel, error=str(exc), format=kind)
    except Exception as exc:  # noqa: BLE001 — a library choking on one odd file must not stop the run
        doc = ReadDoc(rel, error=f"cannot read this {kind} file: {type(exc).__name__}: {exc}", format=kind)
    if not doc.label:
        doc.label = PurePosixPath(rel).stem
    entry = FileEntry(rel, "error" if doc.error else "read", doc.error, 0 if doc.error else 1, doc.format)
    return [doc], [entry]


_SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"{\\rtf", "rtf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x1f\x8b", "archive"),
    (b"BZh", "archive"),
    (b"\xfd7zXZ\x00", "archive"),
)


def _sniff(data: bytes, kind: str) -> str:
    """What a file with no telling suffix (or a .doc, or a .txt) really holds."""
    head = data[:8]
    for sig, what in _SIGNATURES:
        if head.startswith(sig):
            return what if (kind != "text" or what in ("pdf", "rtf", "ole")) else kind
    if head.startswith(b"PK\x03\x04"):
        names = _zip_names(data)
        if "word/document.xml" in names:
            return "docx"
        if "content.xml" in names and b"opendocument.text" in data[:200]:
            return "odt"
        if "xl/workbook.xml" in names:
            return "table"
        return "archive" if kind in ("sniff", "doc") else kind
    if len(data) > 262 and data[257:262] == b"ustar":
        return "archive" if kind == "sniff" else kind
    if kind == "doc" or kind == "sniff":
        start = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if re.match(rb"(?:mime-version|content-type|from|date|subject|message-id)\s*:", start) and b"multipart" in start[:2048]:
            return "mht"
        if re.match(rb"<(?:!doctype html|html|\?xml[^>]*>\s*<html|head|body|meta)", start) or b"<html" in start[:1024]:
            return "html"
        if kind == "doc":  # neither Word nor HTML: a text file with a .doc name
            return "text"
    return "text" if kind == "sniff" else kind


def _zip_names(data: bytes) -> set[str]:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()


# --------------------------------------------------------------------------- text, html, mht, rtf


def _from_page(rel: str, page: RawPage) -> ReadDoc:
    return ReadDoc(rel, page.text, page.encoding, page.format, dict(page.hints), list(page.notes),
                   dom=getattr(page, "dom", None), markup=getattr(page, "markup", ""))


def _read_text(data: bytes, rel: str) -> ReadDoc:
    suffix = _suffix(rel)
    return _from_page(rel, page_from_bytes(data, suffix if suffix in (".md", ".txt") else ".txt"))


def _read_html(data: bytes, rel: str) -> ReadDoc:
    doc = _from_page(rel, page_from_bytes(data, ".html"))
    if _suffix(rel) in (".doc", ".dot", ".wps"):
        doc.notes.append("a web page saved with a .doc name: read as HTML")
    return doc


def _read_mht(data: bytes, rel: str) -> ReadDoc:
    """An MHT/MHTML web archive (what Word and IE save as 'single file web page', often named .doc)."""
    import email
    from email import policy

    msg = email.message_from_bytes(data, policy=policy.default)
    for part in msg.walk():
        if part.get_content_type() in ("text/html", "text/plain"):
            decoded = part.get_payload(decode=True)  # bytes for a leaf part (None or a list otherwise)
            payload = decoded if isinstance(decoded, bytes) else b""
            charset = part.get_content_charset()
            if charset:
                try:
                    payload = payload.decode(charset).encode("utf-8")
                except (LookupError, UnicodeDecodeError):
                    pass
            suffix = ".html" if part.get_content_type() == "text/html" else ".txt"
            doc = _from_page(rel, page_from_bytes(payload, suffix))
            doc.format = "mht"
            if charset:
                doc.encoding = charset.lower()
            return doc
    raise DecodeError("MHT web archive without an HTML or text part")


_ANSICPG = re.compile(rb"\\ansicpg(\d+)")


def _read_rtf(data: bytes, rel: str) -> ReadDoc:
    """RTF (also what 范文 sites serve as .doc): striprtf, with the code page the file declares."""
    from striprtf.striprtf import rtf_to_text

    m = _ANSICPG.search(data[:4096])
    codepage = f"cp{int(m.group(1))}" if m else "cp936"
    if codepage == "cp936":
        codepage = "gb18030"
    try:
        "".encode(codepage)
    except LookupError:
        codepage = "gb18030"
    # RTF is 7-bit: escapes carry the bytes of the code page; any raw 8-bit byte is read the same way
    text = rtf_to_text(data.decode("latin-1"), encoding=codepage, errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    if not text.strip():
        raise DecodeError("RTF file holds no text")
    doc = ReadDoc(rel, text, codepage, "rtf")
    if _suffix(rel) in (".doc", ".dot", ".wps"):
        doc.notes.append("an RTF file saved with a .doc name: read as RTF")
    return doc


def _read_ole(data: bytes, rel: str) -> ReadDoc:
    """A genuine Word 97–2003 .doc (OLE2). No well-kept offline Python library reads its text."""
    kind = "Word 97–2003 document"
    try:
        import olefile

        ole = olefile.OleFileIO(io.BytesIO(data))
        streams = {"/".join(s) for s in ole.listdir()}
        if "Workbook" in streams or "Book" in streams:
            kind = "Excel 97–2003 workbook"
        elif "PowerPoint Document" in streams:
            kind = "PowerPoint 97–2003 file"
        elif "WordDocument" not in streams:
            kind = "MS Office (OLE2) file"
        encrypted = "EncryptedPackage" in streams
        ole.close()
    except Exception:  # noqa: BLE001
        encrypted = False
    if encrypted:
        raise DecodeError("password-protected Office file: remove the password in Word and save as .docx")
    fix = "save it as .xlsx or .csv" if "Excel" in kind else "open it in Word or WPS and save it as .docx (or .txt)"
    raise DecodeError(f"{kind} (the old binary .doc format) is not read by speechkit: {fix}")


# --------------------------------------------------------------------------- docx


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_DIGITS = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _chinese_number(n: int, digits: str = _CN_DIGITS, units: tuple[str, str, str] = ("十", "百", "千")) -> str:
    if n <= 0:
        return digits[0]
    if n >= 10000:
        return str(n)
    out = ""
    for value, unit in ((1000, units[2]), (100, units[1]), (10, units[0])):
        q, n = divmod(n, value)
        if q:
            out += ("" if (value == 10 and q == 1 and not out) else digits[q]) + unit
        elif out and n:
            out += "" if out.endswith(digits[0]) else digits[0]
    if n:
        out += digits[n]
    return out


def _roman(n: int) -> str:
    vals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for v, s in vals:
        while n >= v:
            out, n = out + s, n - v
    return out


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def render_number(n: int, fmt: str) -> str:
    """A list number as Word shows it for the ``w:numFmt`` value ``fmt``.

    >>> [render_number(n, "chineseCounting") for n in (1, 3, 10, 12, 20)]
    ['一', '三', '十', '十二', '二十']
    >>> render_number(2, "decimalEnclosedCircle"), render_number(3, "ideographTraditional"), render_number(4, "lowerRoman")
    ('②', '丙', 'iv')
    """
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "taiwaneseCountingThousand", "koreanCounting", "ideographDigital", "japaneseDigitalTenThousand"):
        return _chinese_number(n)
    if fmt in ("chineseLegalSimplified", "japaneseLegal", "ideographLegalTraditional"):
        return _chinese_number(n, _CN_LEGAL, ("拾", "佰", "仟"))
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle") and 1 <= n <= 20:
        return _CIRCLED[n - 1]
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalEnclosedFullstop" and 1 <= n <= 20:
        return chr(0x2488 + n - 1)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class _Numbering:
    """Word's automatic list numbering (numbering.xml), rendered as the reader sees it."""

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[str, str, int, bool]] = {}  # (numId, ilvl) → fmt, text, start, isLgl
        self.abstract_of: dict[str, str] = {}
        self.counters: dict[str, list[int]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            root = None
        if root is not None:
            abstract = {}
            for an in root.iter(_W + "abstractNum"):
                lv = {}
                for lvl in an.iter(_W + "lvl"):
                    ilvl = int(lvl.get(_W + "ilvl", "0"))
                    fmt = _val(lvl.find(_W + "numFmt"), "decimal")
                    text = _val(lvl.find(_W + "lvlText"), "")
                    start = int(_val(lvl.find(_W + "start"), "1") or 1)
                    lv[ilvl] = (fmt, text, start, lvl.find(_W + "isLgl") is not None)
                abstract[an.get(_W + "abstractNumId")] = lv
            for num in root.iter(_W + "num"):
                nid = num.get(_W + "numId")
                aid = _val(num.find(_W + "abstractNumId"), None)
                lv = dict(abstract.get(aid, {}))
                for ov in num.iter(_W + "lvlOverride"):
                    ilvl = int(ov.get(_W + "ilvl", "0"))
                    so = ov.find(_W + "startOverride")
                    if so is not None and ilvl in lv:
                        fmt, text, _, lgl = lv[ilvl]
                        lv[ilvl] = (fmt, text, int(_val(so, "1")), lgl)
                for ilvl, spec in lv.items():
                    self.levels[(nid, ilvl)] = spec
                self.abstract_of[nid] = aid or nid
        try:
            for style in document.styles.element.iter(_W + "style"):
                numpr = style.find(f"{_W}pPr/{_W}numPr")
                if numpr is not None:
                    nid = _val(numpr.find(_W + "numId"), None)
                    if nid:
                        self.style_num[style.get(_W + "styleId")] = (nid, int(_val(numpr.find(_W + "ilvl"), "0")))
        except AttributeError:
            pass

    def label(self, p) -> str:
        """The number label of paragraph element ``p`` (advancing the counters), or ''."""
        ppr = p.find(_W + "pPr")
        nid, ilvl = None, 0
        if ppr is not None:
            numpr = ppr.find(_W + "numPr")
            if numpr is not None:
                nid = _val(numpr.find(_W + "numId"), None)
                ilvl = int(_val(numpr.find(_W + "ilvl"), "0") or 0)
            if nid is None:
                style = _val(ppr.find(_W + "pStyle"), None)
                if style in self.style_num:
                    nid, ilvl = self.style_num[style]
        if not nid or nid == "0" or (nid, ilvl) not in self.levels:
            return ""
        key = self.abstract_of.get(nid, nid)
        counters = self.counters.setdefault(key, [0] * 10)
        fmt, text, start, _ = self.levels[(nid, ilvl)]
        counters[ilvl] = start if counters[ilvl] == 0 else counters[ilvl] + 1
        for deeper in range(ilvl + 1, 10):
            counters[deeper] = 0
        if fmt in ("bullet", "none"):
            return ""

        def level_value(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            spec = self.levels.get((nid, k))
            if spec is None:
                return ""
            value = counters[k] or spec[2]
            return render_number(value, "decimal" if (spec[3] and k != ilvl) else spec[0])

        return re.sub(r"%([1-9])", level_value, text)


def _val(node, default):
    return node.get(_W + "val", default) if node is not None else default


def _para_text(p) -> str:
    parts = []
    for node in p.iter(_W + "t", _W + "tab", _W + "br", _W + "cr", _W + "instrText", _W + "delText"):
        tag = node.tag
        if tag == _W + "t":
            parts.append(node.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
    return "".join(parts).strip()


def _block_lines(element, numbering: _Numbering | None) -> list[str]:
    """Lines of a body / header / footer element in document order (paragraphs, tables, content controls)."""
    lines = []
    for child in element.iterchildren():
        tag = child.tag
        if tag == _W + "p":
            label = numbering.label(child) if numbering is not None else ""
            text = _para_text(child)
            if text or label:
                lines.append(label + text if text else label)
        elif tag == _W + "tbl":
            for row in child.iter(_W + "tr"):
                cells: list[str] = []
                for cell in row.iter(_W + "tc"):
                    text = " ".join(_block_lines(cell, numbering)).strip()
                    if text and (not cells or cells[-1] != text):
                        cells.append(text)
                if cells:
                    lines.append(" ".join(cells))
        elif tag in (_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins", _W + "smartTag"):
            lines += _block_lines(child, numbering)
    return lines


def _pieces_to_doc(rel: str, pieces: list[tuple[str, str | None]], fmt: str) -> ReadDoc:
    """Join ``(text, rule)`` pieces into one text; pieces with a rule become cuts."""
    text, cuts, pos = [], [], 0
    for piece, rule in pieces:
        if not piece:
            continue
        if rule:
            cuts.append((pos, pos + len(piece), rule))
        text.append(piece)
        pos += len(piece)
    return ReadDoc(rel, "".join(text), None, fmt, cuts=cuts)


def _read_docx(data: bytes, rel: str) -> ReadDoc:
    """A Word .docx: paragraphs and tables in order, list numbers rendered; headers/footers cut (audited)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise DecodeError(f"not a readable .docx (damaged, or another format renamed .docx): {exc}") from exc
    numbering = _Numbering(document)
    body = _block_lines(document.element.body, numbering)
    headers: list[str] = []
    footers: list[str] = []
    seen: set[str] = set()
    for section in document.sections:
        for kind, parts in (("header", headers), ("footer", footers)):
            for attr in (kind, f"first_page_{kind}", f"even_page_{kind}"):
                try:
                    part = getattr(section, attr)
                    if part.is_linked_to_previous:
                        continue
                    element = part._element
                except (AttributeError, KeyError, ValueError):
                    continue
                for line in _block_lines(element, None):
                    if line not in seen:
                        seen.add(line)
                        parts.append(line)
    if not any(line.strip() for line in body):
        raise DecodeError("Word document holds no text in its body" + (" (only headers/footers)" if headers or footers else ""))
    pieces: list[tuple[str, str | None]] = [(line + "\n", "docx_header") for line in headers]
    pieces.append(("\n".join(body), None))
    pieces += [("\n" + line, "docx_footer") for line in footers]
    doc = _pieces_to_doc(rel, pieces, "docx")
    doc.encoding = "utf-8"
    props = document.core_properties
    cfg = _config()["docx"]
    title = (props.title or "").strip()
    if title and not re.match(r"(?i)^(microsoft word|文档|新建|document|untitled)", title):
        doc.hints["head_title"] = title
    author = (props.author or "").strip()
    generic = {a.lower() for a in cfg["generic_authors"]}
    if re.fullmatch(r"[\u4e00-\u9fff·]{2,4}", author) and author.lower() not in generic:
        doc.hints["author"] = author
    if props.created is not None and props.created.year > 1990:
        doc.created = props.created.date().isoformat()
    return doc


# --------------------------------------------------------------------------- odt


def _read_odt(data: bytes, rel: str) -> ReadDoc:
    """An OpenDocument text (.odt, LibreOffice/WPS): paragraphs and headings of content.xml in order."""
    import zipfile
    from xml.etree import ElementTree as ET

    ns_text = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = ET.fromstring(zf.read("content.xml"))

    def text_of(node) -> str:
        out = [node.text or ""]
        for child in node:
            if child.tag == ns_text + "s":
                out.append(" " * int(child.get(ns_text + "c", "1")))
            elif child.tag == ns_text + "tab":
                out.append("\t")
            elif child.tag == ns_text + "line-break":
                out.append("\n")
            elif child.tag != ns_text + "note":
                out.append(text_of(child))
            out.append(child.tail or "")
        return "".join(out)

    lines = []
    for node in root.iter():
        if node.tag not in (ns_text + "p", ns_text + "h"):
            continue
        line = text_of(node).strip()
        if line:
            lines.append(line)
    if not lines:
        raise DecodeError("OpenDocument file holds no text")
    return ReadDoc(rel, "\n".join(lines), "utf-8", "odt")


# --------------------------------------------------------------------------- pdf


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    y: float  # baseline, PDF coordinates (grows upwards)
    size: float
    page: int
    spaced: bool = False  # the text run ended (or the next began) with a space: a word boundary


_WIDE = re.compile(r"[\u2014\u2018-\u201f\u2026\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u3000]")
_CJK_END = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f，。、；：？！“”‘’（）《》【】—…·]$")
_CJK_START = re.compile(r"^[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f，。、；：？！“”‘’（）《》【】—…·]")


def _text_width(text: str, size: float) -> float:
    wide = len(_WIDE.findall(text))
    return (wide + 0.55 * (len(text) - wide)) * size


def _pdf_lines(data: bytes) -> tuple[list[list[_Line]], list[tuple[float, float]]]:
    """Positioned lines of every page of a PDF's text layer (pypdf's text visitor)."""
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings on odd files are not the user's concern
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise DecodeError("password-protected PDF: remove the password and save it again")
            except (NotImplementedError, pypdf.errors.PdfReadError) as exc:
                raise DecodeError(f"encrypted PDF that cannot be opened: {exc}") from exc
        pages = list(reader.pages)
    except pypdf.errors.PdfReadError as exc:
        raise DecodeError(f"damaged PDF: {exc}") from exc
    out, sizes = [], []
    for number, page in enumerate(pages):
        _two_byte_codes(page)
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        sizes.append((width, height))
        chunks: list[tuple[float, float, float, str]] = []

        def visit(text, cm, tm, font_dict, font_size, _chunks=chunks):
            text = (text or "").replace("\x00", "")
            if not text.strip():
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = (abs(tm[0] * cm[0] + tm[1] * cm[2]) or abs(tm[3] * cm[3]) or 1.0)
            size = float(font_size or 1.0) * scale
            for k, part in enumerate(text.split("\n")):
                if part.strip():
                    _chunks.append((float(x), float(y) - k * size * 1.2, size, part))

        try:
            page.extract_text(visitor_text=visit)
        except Exception:  # noqa: BLE001 — one damaged page: keep the others
            continue
        out.append(_group_lines(chunks, number))
    return out, sizes


def _two_byte_codes(page) -> None:
    """Work around pypdf reading the codes of a Type0 font one byte at a time when its /Encoding is an
    embedded CMap stream with a two-byte code space (fpdf2 writes such fonts): the text then maps through
    the font's /ToUnicode, which is keyed by those codes. In memory only; the file is not touched."""
    from pypdf.generic import NameObject

    try:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            encoding = font.get("/Encoding")
            if font.get("/Subtype") != "/Type0" or encoding is None or "/ToUnicode" not in font:
                continue
            cmap = encoding.get_object()
            if isinstance(cmap, NameObject) or not hasattr(cmap, "get_data"):
                continue
            if re.search(rb"begincodespacerange\s*<0000>\s*<FFFF>", cmap.get_data()[:2000], re.I):
                font[NameObject("/Encoding")] = NameObject("/Identity-H")
    except Exception:  # noqa: BLE001 — an odd font dictionary: extract as pypdf would
        return


def _group_lines(chunks: list[tuple[float, float, float, str]], page: int) -> list[_Line]:
    """Chunks of text on one baseline (within a third of the font size) become one line, left to right."""
    lines: list[_Line] = []
    for x, y, size, text in sorted(chunks, key=lambda c: (-round(c[1], 0), c[0])):
        line = lines[-1] if lines else None
        if line is not None and abs(line.y - y) <= max(line.size, size) / 3:
            gap = x - line.x1
            sep = " " if gap > size * 0.8 and not (_CJK_END.search(line.text) and _CJK_START.search(text)) else ""
            line.text += sep + text
            line.x1 = max(line.x1, x + _text_width(text, size))
        else:
            lines.append(_Line(text, x, x + _text_width(text, size), y, size, page))
    for line in lines:
        text = _unspace(line.text)
        line.spaced = text[-1:].isspace() or text[:1] == " "
        line.text = text.strip()
    return [line for line in lines if line.text]


def _unspace(text: str) -> str:
    """Undo letter-spacing (一 二 三 → 一二三) that some PDF producers write between every character."""
    tokens = text.strip().split(" ")
    if len(tokens) >= 4 and all(len(t) <= 1 for t in tokens):
        return "".join(tokens)
    return text


def _margin_kind(line: _Line, height: float, margin: float) -> str | None:
    if line.y >= height * (1 - margin):
        return "header"
    if line.y <= height * margin:
        return "footer"
    return None


def _running_lines(pages: list[list[_Line]], sizes: list[tuple[float, float]]) -> dict[tuple[int, int], str]:
    """(page, line index) → rule for page numbers and running headers/footers."""
    cfg = _config()["pdf"]
    margin, share = float(cfg["margin"]), float(cfg["repeat_share"])
    candidates: dict[tuple[int, int], tuple[str, str]] = {}
    for p, lines in enumerate(pages):
        height = sizes[p][1] if p < len(sizes) else 842.0
        n = len(lines)
        for i, line in enumerate(lines):
            if not (i < 2 or i >= n - 2):
                continue
            where = _margin_kind(line, height, margin)
            if where:
                candidates[(p, i)] = (where, re.sub(r"\d+", "#", line.text.replace(" ", "")))
    cut: dict[tuple[int, int], str] = {}
    counts: dict[tuple[str, str], set[int]] = {}
    for (p, _), key in candidates.items():
        counts.setdefault(key, set()).add(p)
    pages_with_text = sum(1 for lines in pages if lines)
    for (p, i), (where, norm) in candidates.items():
        text = pages[p][i].text
        if any(rx.match(text) for rx in _config()["_page_number"]):
            cut[(p, i)] = "pdf_page_number"
        elif pages_with_text >= 2 and len(counts[(where, norm)]) >= max(2, share * pages_with_text):
            cut[(p, i)] = f"pdf_running_{where}"
    return cut


def _median(values: list[float], default: float) -> float:
    values = sorted(values)
    return values[len(values) // 2] if values else default


_SENTENCE_END = re.compile(r"[。！？；：!?;:…”’」』）)]\s*$")


def _separators(lines: list[_Line]) -> list[str]:
    """What goes before each body line: '\\n' (a new paragraph), ' ' (Latin words) or '' (a layout break)."""
    if not lines:
        return []
    size = _median([ln.size for ln in lines], 12.0)
    long_lines = [ln for ln in lines if len(ln.text) >= 8] or lines
    left = _median([ln.x0 for ln in long_lines], lines[0].x0)
    rights = sorted(ln.x1 for ln in long_lines)
    right = rights[int(len(rights) * 0.9)]
    steps = [a.y - b.y for a, b in zip(lines, lines[1:]) if a.page == b.page and 0 < a.y - b.y < 4 * size]
    step = _median(steps, size * 1.5)
    seps: list[str] = []
    prev: _Line | None = None
    for line in lines:
        if prev is None:
            seps.append("")
            prev = line
            continue
        indented = line.x0 > left + size * 0.9 or line.text.startswith(("\u3000", "  "))
        # widths are estimated from the characters, so a line a little short of the margin ends a
        # paragraph only when it also ends a sentence; a clearly short line always does
        short = prev.x1 < right - size * 4 or (prev.x1 < right - size * 1.5 and _SENTENCE_END.search(prev.text))
        gap = prev.page == line.page and (prev.y - line.y) > step * 1.6
        if indented or short or gap:
            seps.append("\n")
        elif re.search(r"[A-Za-z0-9,.;:]$", prev.text) and re.match(r"[A-Za-z0-9(]", line.text) and (
                prev.spaced or (re.search(r"[A-Za-z]{2}[,.;:]?$", prev.text) and re.match(r"[A-Za-z]{2}", line.text))):
            # Latin words; a number or a code broken over two lines (2|022年, C|919) is joined without one
            seps.append(" ")
        else:
            seps.append("")
        prev = line
    return seps


def join_pdf_lines(lines: list[_Line]) -> list[str]:
    """Paragraphs from a PDF's body lines: layout line breaks joined back, paragraph breaks kept.

    A line starts a paragraph when it is indented (Chinese first-line indent),
    when the line before it ends short of the right margin, or after a wide
    vertical gap. Chinese is joined without a space, Latin words with one.

    >>> L = lambda t, x0, y: _Line(t, x0, x0 + _text_width(t, 10), y, 10, 0)
    >>> join_pdf_lines([L("同志们：", 92, 700), L("今天召开全市妇女儿童工作会议，总结去年工作", 92, 685),
    ...                 L("、部署今年任务，我讲三点意见。这次会议很重要", 72, 670), L("，各地要抓好落实。", 72, 655)])
    ['同志们：', '今天召开全市妇女儿童工作会议，总结去年工作、部署今年任务，我讲三点意见。这次会议很重要，各地要抓好落实。']
    """
    paragraphs: list[str] = []
    for sep, line in zip(_separators(lines), lines):
        text = line.text.strip("\u3000 ")
        if sep == "\n" or not paragraphs:
            paragraphs.append(text)
        else:
            paragraphs[-1] += sep + text
    return paragraphs


def _read_pdf(data: bytes, rel: str) -> ReadDoc:
    """A PDF with a text layer: reading order, layout line breaks joined, running headers/footers and
    page numbers cut (audited). A PDF without text (a scan) is an error that says so."""
    pages, sizes = _pdf_lines(data)
    n_pages = len(sizes)
    chars = sum(len(line.text) for lines in pages for line in lines)
    if chars < 10:
        raise DecodeError(f"scanned PDF without a text layer ({n_pages} page{'s' if n_pages != 1 else ''}, no text): "
                          "run OCR first (e.g. ocrmypdf -l chi_sim in.pdf out.pdf) and clean the result")
    cut = _running_lines(pages, sizes)
    body = [line for p, lines in enumerate(pages) for i, line in enumerate(lines) if (p, i) not in cut]
    seps = dict(zip(map(id, body), _separators(body)))
    pieces: list[tuple[str, str | None]] = []
    raw_end_newline, body_started = True, False
    for p, lines in enumerate(pages):
        for i, line in enumerate(lines):
            rule = cut.get((p, i))
            if rule is not None:
                pieces.append((("" if raw_end_newline else "\n") + line.text + "\n", rule))
                raw_end_newline = True
                continue
            text = line.text.strip("\u3000 ")
            sep = seps[id(line)] if body_started else ""
            pieces.append((sep + text, None))
            body_started = True
            raw_end_newline = False
    doc = _pieces_to_doc(rel, pieces, "pdf")
    doc.encoding = "utf-8"
    doc.notes.append(f"PDF text layer, {n_pages} page{'s' if n_pages != 1 else ''}")
    return doc


# --------------------------------------------------------------------------- tables of speeches


def pick_text_column(frame, requested: str | None = None) -> tuple[str | None, str]:
    """The column holding the speeches: ``(name, how)``; name None when there is none.

    >>> import pandas as pd
    >>> pick_text_column(pd.DataFrame({"城市": ["三亚"], "正文": ["同志们：今天召开会议。"]}))
    ('正文', 'by name')
    >>> pick_text_column(pd.DataFrame({"city": ["三亚"], "讲话": ["同志们：今天召开全市妇女儿童工作会议。" * 3]}))
    ('讲话', 'the longest average text')
    >>> pick_text_column(pd.DataFrame({"city": ["三亚"], "标题": ["在全市妇女儿童工作会议上的讲话"]}))
    (None, 'none found')
    """
    columns = [str(c) for c in frame.columns]
    if requested:
        return (requested, "--text-column") if requested in columns else (None, "--text-column")
    lower = {c.lower().strip(): c for c in columns}

    def mostly_text(col: str) -> bool:
        values = frame[col].dropna()
        return len(values) > 0 and values.map(lambda v: isinstance(v, str)).mean() >= 0.5

    for name in _config()["tables"]["text_columns"]:
        if name.lower() in lower and mostly_text(lower[name.lower()]):
            return lower[name.lower()], "by name"
    best, best_len = None, 0.0
    for col in columns:
        values = frame[col].dropna()
        values = values[values.map(lambda v: isinstance(v, str))]
        if len(values) == 0:
            continue
        mean = float(values.str.len().mean())
        if mean > best_len:
            best, best_len = col, mean
    # a column of titles or place names is not a column of speeches
    return (best, "the longest average text") if best is not None and best_len >= MIN_TEXT_MEAN else (None, "none found")


def _decode_table_text(data: bytes) -> tuple[str, str]:
    from speechkit.decode import decode_bytes

    text, encoding, _ = decode_bytes(data)
    return text, encoding


def _load_table(data: bytes, rel: str) -> list[tuple[str | None, "pd.DataFrame", str | None]]:
    """``[(sheet or None, DataFrame, encoding)]`` for a table file (all values as text)."""
    import pandas as pd

    suffix = _suffix(rel)
    if suffix in (".xlsx", ".xlsm") or (data[:4] == b"PK\x03\x04"):
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str, engine="openpyxl")
        return [(name, frame, None) for name, frame in sheets.items()]
    if suffix == ".xls":
        try:
            sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str)
        except ImportError as exc:
            raise DecodeError("old Excel .xls workbook: save it as .xlsx or .csv (reading .xls needs the xlrd package)") from exc
        return [(name, frame, None) for name, frame in sheets.items()]
    if suffix == ".parquet":
        frame = pd.read_parquet(io.BytesIO(data))
        return [(None, frame.astype(object).where(frame.notna(), None), None)]
    text, encoding = _decode_table_text(data)
    if suffix in (".jsonl", ".ndjson"):
        import json

        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DecodeError(f"line {number} is not valid JSON: {exc.msg}") from exc
            if not isinstance(record, dict):
                raise DecodeError(f"line {number} is not a JSON object")
            records.append(record)
        return [(None, pd.DataFrame.from_records(records), encoding)]
    if suffix == ".json":
        import json

        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DecodeError(f"not valid JSON (line {exc.lineno}): {exc.msg}") from exc
        if isinstance(value, dict):
            value = next((v for v in value.values() if isinstance(v, list)), [value])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise DecodeError("JSON file is not a list of records (objects with a text field)")
        return [(None, pd.DataFrame.from_records(value), encoding)]
    import csv

    sample = text[:20000]
    if suffix == ".tsv":
        sep = "\t"
    else:
        try:
            sep = csv.Sniffer().sniff(sample.split("\n", 1)[0] or sample, delimiters=",\t;|").delimiter
        except csv.Error:
            sep = ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, ValueError) as exc:
        raise DecodeError(f"not a readable CSV table: {exc}") from exc
    return [(None, frame, encoding)]


def _cell(value) -> str | None:
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _read_table(data: bytes, rel: str, options: ReadOptions) -> tuple[list[ReadDoc], str | None]:
    """One document per row of a table of speeches; the other columns become document variables."""
    try:
        sheets = _load_table(data, rel)
    except DecodeError as exc:
        return [ReadDoc(rel, error=str(exc), format="table")], None
    except Exception as exc:  # noqa: BLE001
        return [ReadDoc(rel, error=f"cannot read this table: {type(exc).__name__}: {exc}", format="table")], None
    fmt = _suffix(rel).lstrip(".")
    docs, notes = [], []
    multi = len(sheets) > 1
    for sheet, frame, encoding in sheets:
        frame.columns = [str(c).strip() for c in frame.columns]
        where = f"sheet {sheet!r}: " if multi else ""
        column, how = pick_text_column(frame, options.text_column)
        if column is None:
            if multi and options.text_column is None:
                notes.append(f"{where}no text column, skipped")
                continue
            cols = ", ".join(frame.columns) or "none"
            message = (f"{where}no column named {options.text_column!r} (columns: {cols})" if options.text_column
                       else f"{where}no text column found (columns: {cols}); name it with --text-column")
            return [ReadDoc(rel, error=message, format=fmt)], None
        notes.append(f"{where}text column {column!r} ({how})")
        for number, record in enumerate(frame.to_dict("records"), 1):
            source = f"{rel}#{sheet}#{number}" if multi else f"{rel}#{number}"
            text = _cell(record.get(column))
            variables = {str(k): _cell(v) for k, v in record.items() if k != column}
            if not text:
                docs.append(ReadDoc(source, error=f"row {number}: the text column {column!r} is empty", format=fmt,
                                    variables=variables))
                continue
            page = page_from_bytes(text.encode("utf-8"), ".txt")
            row_notes = [f"row {number} of a table; text column {column!r} ({how})"]
            if fmt in ("xlsx", "xlsm", "xls") and len(text) >= EXCEL_CELL_LIMIT:
                row_notes.append(f"the text cell holds {len(text):,} characters, Excel's limit: the speech is probably "
                             "cut; export the table as CSV or Parquet instead")
            doc = ReadDoc(source, page.text, encoding or "utf-8", "html" if page.format == "html" else fmt,
                          dict(page.hints), row_notes,
                          variables=variables, dom=getattr(page, "dom", None), markup=getattr(page, "markup", ""))
            docs.append(doc)
    if not docs:
        return [ReadDoc(rel, error="table has no rows" if not notes else "; ".join(notes), format=fmt)], None
    return docs, "; ".join(notes) or None


# --------------------------------------------------------------------------- archives


def decode_member_name(raw: bytes, utf8_flag: bool = False) -> str:
    """A zip member name from its stored bytes: UTF-8 when flagged or valid, else GBK (GB18030) as
    Chinese Windows writes it, else code page 437.

    >>> decode_member_name("三亚/2023.txt".encode("gbk")), decode_member_name("图片.png".encode("gbk"))
    ('三亚/2023.txt', '图片.png')
    """
    if utf8_flag:
        return raw.decode("utf-8", "replace")
    best, best_score = None, -1.0
    for encoding in ("utf-8", "gb18030", "big5"):
        try:
            name = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        # short GBK names can also be valid UTF-8 (图片 → ͼƬ): the reading that gives Chinese wins
        score = sum(1 for ch in name if ch.isascii() or "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f"
                    or "\uff00" <= ch <= "\uffef") / max(len(name), 1)
        if score > best_score + 1e-9:
            best, best_score = name, score
        if score == 1.0:
            break
    return best if best is not None else raw.decode("cp437")


def _tar_member(tf: "tarfile.TarFile", info: "tarfile.TarInfo") -> bytes:
    """The bytes of a regular file of a tar archive (empty when it cannot be extracted)."""
    handle = tf.extractfile(info)
    return handle.read() if handle is not None else b""


def _read_archive(data: bytes, rel: str, options: ReadOptions, depth: int) -> tuple[list[ReadDoc], list[FileEntry]]:
    if depth >= MAX_DEPTH:
        error = "archive nested too deep inside other archives"
        return [ReadDoc(rel, error=error, format="archive")], [FileEntry(rel, "error", error, 0, "archive")]
    # (name, size, encrypted, read): a member's bytes are read only when it is not skipped
    members: list[tuple[str, int, bool, Callable[[], bytes]]] = []
    import tarfile
    import zipfile

    try:
        if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
            zf = zipfile.ZipFile(io.BytesIO(data))
            for info in zf.infolist():
                if info.is_dir():
                    continue
                if info.flag_bits & 0x800:
                    name = info.filename
                else:
                    try:
                        raw_name = info.orig_filename.encode("cp437")
                    except UnicodeEncodeError:
                        raw_name = info.orig_filename.encode("utf-8", "surrogateescape")
                    name = decode_member_name(raw_name)
                members.append((name.replace("\\", "/"), info.file_size, bool(info.flag_bits & 0x1), partial(zf.read, info)))
            fmt = "zip"
        else:
            tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
            for member in tf.getmembers():
                if not member.isfile():
                    continue
                raw_name = member.name.encode("utf-8", "surrogateescape")
                members.append((decode_member_name(raw_name), member.size, False, partial(_tar_member, tf, member)))
            fmt = "tar"
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError) as exc:
        error = f"damaged or unreadable archive: {exc}"
        return [ReadDoc(rel, error=error, format="archive")], [FileEntry(rel, "error", error, 0, "archive")]
    docs: list[ReadDoc] = []
    entries: list[FileEntry] = []
    for name, size, encrypted, read_member in sorted(members, key=lambda m: m[0]):
        member_rel = f"{rel}/{name.lstrip('/')}"
        reason = skip_reason(name.lstrip("/"), options)
        if reason:
            entries.append(FileEntry(member_rel, "skipped", reason))
            continue
        if size > MAX_MEMBER_BYTES:
            error = f"archive member too large to read ({size:,} bytes)"
            docs.append(ReadDoc(member_rel, error=error))
            entries.append(FileEntry(member_rel, "error", error))
            continue
        try:
            if encrypted:
                raise DecodeError("password-protected zip member: unpack it with the password first")
            blob = read_member()
        except DecodeError as exc:
            docs.append(ReadDoc(member_rel, error=str(exc)))
            entries.append(FileEntry(member_rel, "error", str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 — a bad member: the rest of the archive goes on
            error = f"cannot read archive member: {type(exc).__name__}: {exc}"
            docs.append(ReadDoc(member_rel, error=error))
            entries.append(FileEntry(member_rel, "error", error))
            continue
        sub_docs, sub_entries = read_source(blob, member_rel, options, depth + 1)
        for doc in sub_docs:
            doc.notes.append(f"member of {rel}")
        docs += sub_docs
        entries += sub_entries
    read = sum(e.documents for e in entries)
    skipped = sum(e.action == "skipped" for e in entries)
    entries.insert(0, FileEntry(rel, "read", None, read, fmt, f"{len(members)} member file(s), {skipped} skipped"))
    return docs, entries


_READERS = {
    "text": _read_text,
    "html": _read_html,
    "mht": _read_mht,
    "rtf": _read_rtf,
    "ole": _read_ole,
    "docx": _read_docx,
    "odt": _read_odt,
    "pdf": _read_pdf,
}


def readable_types() -> str:
    """The suffixes speechkit reads, for messages.

    >>> ".docx" in readable_types() and ".csv" in readable_types()
    True
    """
    kinds = _config()["_kinds"]
    return " ".join(sorted(kinds, key=lambda s: (list(_config()["formats"]).index(kinds[s]), s)))
