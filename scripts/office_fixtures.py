"""Word and PDF building blocks shared by the demo corpus (make_demo_corpus.py), the formats
harness (eval_formats.py) and the reader tests (tests/test_readers.py): Word's automatic
一、/（一） list numbering, and lines filled by width the way a word processor lays out a PDF.
Fixtures only — nothing here is part of the speechkit package.
"""
from __future__ import annotations

#: the numbering instance the helpers below define and point paragraphs at
LIST_NUM_ID = 90


def add_chinese_list_numbering(document) -> int:
    """Define Word's automatic 一、 (level 0) / （一） (level 1) chineseCounting list in ``document``
    (a python-docx Document); returns the numId paragraphs refer to."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{LIST_NUM_ID}">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{LIST_NUM_ID}">'
                               f'<w:abstractNumId w:val="{LIST_NUM_ID}"/></w:num>'))
    return LIST_NUM_ID


def number_paragraph(paragraph, level: int) -> None:
    """Give ``paragraph`` Word's list number of ``level`` (0 → 一、, 1 → （一）): the number is Word's,
    not typed, so a reader must render it."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{LIST_NUM_ID}"/></w:numPr>'))


def wrap_by_width(text: str, width: float, first_indent: float, measure) -> list[tuple[str, float]]:
    """Lines filled by width as a word processor does: ``(line, x offset)``; the first line is
    indented by ``first_indent``, ``measure(s)`` gives the width of ``s``. An empty text gives no line."""
    lines, line, offset = [], "", first_indent
    for ch in text:
        if measure(line + ch) > width - offset:
            lines.append((line, offset))
            line, offset = "", 0.0
        line += ch
    if line:
        lines.append((line, offset))
    return lines
