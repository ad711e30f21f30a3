"""Readers for the files researchers have: Word, PDF, RTF, ODT, tables of speeches, archives, and
the accounting of every file below RAW_DIR. Every test builds its files itself (python-docx,
reportlab/fpdf2, openpyxl, zipfile with GBK names)."""
from __future__ import annotations

import io
import sys
import tarfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from speechkit.analyze import analyze_corpus
from speechkit.clean import CleanOptions, clean_corpus, clean_source, scan_raw_dir
from speechkit.cli import app
from speechkit.readers import decode_member_name, read_source, render_number, skip_reason

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from office_fixtures import add_chinese_list_numbering, number_paragraph, wrap_by_width  # noqa: E402

TITLE = "在2024年全市妇女儿童工作会议上的讲话"
PARAGRAPHS = [
    "同志们：",
    "今天召开2024年全市妇女儿童工作会议，主要任务是总结去年工作，分析当前形势，部署今年任务。刚才，几位同志作了很好的发言，我都赞成。",
    "下面，我讲三点意见。",
    "一、充分肯定成绩，增强做好妇女儿童工作的信心",
    "过去一年，全市上下认真贯彻男女平等基本国策和儿童优先原则，妇女儿童事业取得新进展。城镇新增妇女就业1.2万人，两癌筛查覆盖适龄妇女12万人次。",
    "（一）妇女就业创业持续扩大。各地开展巾帼创业培训，帮助更多妇女在家门口实现就业。",
    "二、突出工作重点，推动妇女儿童事业高质量发展",
    "到2025年底，全市普惠性幼儿园覆盖率要达到85%以上，每千人口拥有3岁以下婴幼儿托位数达到4.5个。各地要把托育服务纳入民生实事，加快补齐短板。",
    "三、加强组织领导，凝聚推动发展的工作合力",
    "各级各部门要切实履行职责，把妇女儿童工作摆上重要议事日程，定期研究解决重大问题，确保各项目标任务落到实处。",
]
HEADER = "某某市妇女儿童工作委员会办公室"
SPEECH_CHECKS = ("下面，我讲三点意见", "普惠性幼儿园覆盖率要达到85%以上", "各级各部门要切实履行职责")


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


# --------------------------------------------------------------------------- builders


def make_docx(path: Path, numbered: bool = True) -> Path:
    """A Word file whose 一、/（一） points are Word's automatic list numbering, with a header, a footer
    with a PAGE field, and core properties."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    document = docx.Document()
    add_chinese_list_numbering(document)
    for text in PARAGRAPHS:
        level = None
        if numbered and text[:2] in ("一、", "二、", "三、"):
            text, level = text[2:], 0
        elif numbered and text.startswith("（一）"):
            text, level = text[3:], 1
        p = document.add_paragraph(text)
        if level is not None:
            number_paragraph(p, level)
    section = document.sections[0]
    section.header.paragraphs[0].text = HEADER
    footer = section.footer.paragraphs[0]
    footer.add_run("第")
    for xml in (f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
                f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
                f'<w:r {nsdecls("w")}><w:t>1</w:t></w:r>',
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'):
        footer._p.append(parse_xml(xml))
    footer.add_run("页")
    assert footer._p.find(qn("w:r")) is not None
    document.core_properties.title = TITLE
    document.core_properties.author = "Administrator"
    document.save(path)
    return path


def make_pdf_reportlab(path: Path, pages_of_filler: int = 1) -> Path:
    """A 2+ page Chinese PDF (reportlab, Adobe CID font STSong-Light): running header, ``- n -`` page numbers,
    paragraphs with a two-character first-line indent, lines filled to the right margin."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    size, left, width, height = 12, 72.0, 451.0, 842.0
    c = canvas.Canvas(str(path), invariant=1)
    page = 1

    def decorate():
        c.setFont("STSong-Light", 9)
        c.drawCentredString(297, height - 40, HEADER)
        c.drawCentredString(297, 30, f"- {page} -")

    decorate()
    y = height - 90
    body = PARAGRAPHS[:4] + [PARAGRAPHS[4] * (3 * pages_of_filler)] + PARAGRAPHS[5:]
    for text in body:
        for line, offset in wrap_by_width(text, width, 2 * size, lambda s: pdfmetrics.stringWidth(s, "STSong-Light", size)):
            if y < 70:
                c.showPage()
                page += 1
                decorate()
                y = height - 90
            c.setFont("STSong-Light", size)
            c.drawString(left + offset, y, line)
            y -= size * 1.6
    c.showPage()
    c.save()
    return path


def make_pdf_fpdf(path: Path) -> Path:
    """The same speech through fpdf2 with the bundled Noto Sans CJK font (embedded, CID-keyed)."""
    from fpdf import FPDF

    from speechkit.fonts import cjk_font_path

    pdf = FPDF()
    pdf.add_font("cjk", fname=str(cjk_font_path()))
    pdf.set_auto_page_break(False)
    size_pt = 12
    line_h = 8

    def new_page():
        pdf.add_page()
        pdf.set_font("cjk", size=9)
        pdf.set_xy(10, 8)
        pdf.cell(190, 6, HEADER, align="C")
        pdf.set_xy(10, 285)
        pdf.cell(190, 6, f"第 {pdf.page_no()} 页", align="C")
        pdf.set_font("cjk", size=size_pt)
        return 25.0

    y = new_page()
    body = PARAGRAPHS[:4] + [PARAGRAPHS[4] * 6] + PARAGRAPHS[5:]
    for text in body:
        for line, offset in wrap_by_width(text, 170, 2 * size_pt * 0.3528, pdf.get_string_width):
            if y > 270:
                y = new_page()
            pdf.set_xy(20 + offset, y)
            pdf.cell(0, line_h, line)
            y += line_h
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), invariant=1)
    c.rect(72, 72, 300, 500, fill=1)  # an image-only page: no text layer
    c.showPage()
    c.save()
    return path


def speech_text() -> str:
    return "\n".join(PARAGRAPHS)


def assert_speech(row, removals, cut_texts=()):
    assert row["status"] == "ok", row["error"]
    for phrase in SPEECH_CHECKS:
        assert phrase in row["text"], (phrase, row["text"][:400])
    raw = row["raw_text"]
    for r in removals:
        assert raw[r["start"]:r["end"]] == r["text"]
    for cut in cut_texts:
        assert cut not in row["text"], (cut, row["text"][:300])
        assert any(cut in r["text"] for r in removals), (cut, [r["text"] for r in removals])


def analyze_one(tmp_path: Path, raw: Path):
    out = tmp_path / "out"
    clean_corpus(raw, out, jobs=1, use_cache=False)
    analyze_corpus(out, jobs=1, use_cache=False)
    docs = pd.read_parquet(out / "documents.parquet")
    outlines = pd.read_parquet(out / "outlines.parquet")
    targets = pd.read_parquet(out / "targets.parquet")
    return docs, outlines, targets


def assert_outline_and_target(docs, outlines, targets, source_path):
    doc_id = docs.set_index("source_path").loc[source_path, "doc_id"]
    outline = outlines[outlines["doc_id"] == doc_id]
    assert len(outline) == 1 and int(outline["announced_points"].iloc[0]) == 3, outline
    assert int(outline["found_points"].iloc[0]) == 3 and bool(outline["complete"].iloc[0]), outline
    found = targets[targets["doc_id"] == doc_id]
    assert ((found["value"].astype(float) == 85) & (found["unit"] == "%")).any(), found[["indicator", "value", "unit"]]


# --------------------------------------------------------------------------- Word


def test_docx_paragraphs_numbering_and_audited_header_footer(tmp_path):
    path = make_docx(tmp_path / "讲话.docx")
    (row, removals), = clean_source(path, "讲话.docx")[0]
    assert_speech(row, removals, cut_texts=(HEADER, "第1页"))
    # Word's automatic numbering is the outline: rendered as 一、 and （一）
    assert "\n一、充分肯定成绩" in row["text"] and "\n（一）妇女就业创业" in row["text"] and "\n三、加强组织领导" in row["text"]
    assert {r["rule"] for r in removals} >= {"docx_header", "docx_footer"}
    assert row["format"] == "docx" and row["title"] == TITLE and row["year"] == 2024
    assert row["speaker"] is None  # 'Administrator' names a machine, not a speaker


def test_docx_outline_and_target_found_by_analyze(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    make_docx(raw / "讲话.docx")
    docs, outlines, targets = analyze_one(tmp_path, raw)
    assert_outline_and_target(docs, outlines, targets, "讲话.docx")


@pytest.mark.parametrize("n, fmt, expected", [
    (1, "chineseCounting", "一"), (11, "chineseCountingThousand", "十一"), (21, "chineseCounting", "二十一"),
    (2, "chineseLegalSimplified", "贰"), (1, "ideographTraditional", "甲"), (3, "decimalEnclosedCircle", "③"),
    (12, "decimal", "12"), (4, "upperRoman", "IV"), (2, "lowerLetter", "b"), (5, "bullet", ""),
])
def test_word_list_numbers(n, fmt, expected):
    assert render_number(n, fmt) == expected


def test_docx_without_body_text_is_an_error_row(tmp_path):
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = HEADER
    path = tmp_path / "空白.docx"
    document.save(path)
    (row, _), = clean_source(path, "空白.docx")[0]
    assert row["status"] == "error" and "no text" in row["error"]


# --------------------------------------------------------------------------- PDF


@pytest.mark.parametrize("maker", [make_pdf_reportlab, make_pdf_fpdf])
def test_pdf_lines_joined_and_running_header_page_numbers_cut(tmp_path, maker):
    path = maker(tmp_path / "讲话.pdf")
    (row, removals), = clean_source(path, "讲话.pdf")[0]
    assert_speech(row, removals, cut_texts=(HEADER,))
    rules = {r["rule"] for r in removals}
    assert "pdf_page_number" in rules and ({"pdf_running_header"} & rules or any(HEADER in r["text"] for r in removals))
    assert "- 1 -" not in row["text"] and "第 1 页" not in row["text"]
    # every paragraph of the source comes back as one line: layout breaks joined, paragraphs kept
    lines = row["text"].split("\n")
    for para in PARAGRAPHS[5:]:
        assert para in lines, (para, lines)
    assert "下面，我讲三点意见。" in lines and "一、充分肯定成绩，增强做好妇女儿童工作的信心" in lines


def test_pdf_outline_and_target_found_by_analyze(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    make_pdf_reportlab(raw / "讲话.pdf")
    docs, outlines, targets = analyze_one(tmp_path, raw)
    assert_outline_and_target(docs, outlines, targets, "讲话.pdf")


def test_scanned_pdf_is_an_error_row_that_says_so(tmp_path):
    path = make_scanned_pdf(tmp_path / "扫描件.pdf")
    (row, _), = clean_source(path, "扫描件.pdf")[0]
    assert row["status"] == "error" and "scanned PDF without a text layer" in row["error"] and "OCR" in row["error"]


# --------------------------------------------------------------------------- .doc, RTF, ODT, MHT


def _rtf(text: str) -> bytes:
    body = "".join(f"\\'{b:02x}" for b in text.encode("gbk")).replace("\\'0a", "\\par\n")
    return ("{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0 SimSun;}}\\f0 " + body + "}").encode("ascii")


def test_doc_files_are_sniffed(tmp_path):
    html = f"<html><head><meta charset='gbk'><title>{TITLE}</title></head><body>" + "".join(
        f"<p>{p}</p>" for p in PARAGRAPHS) + "</body></html>"
    cases = {
        "网页另存.doc": html.encode("gbk"),
        "范文.doc": _rtf(speech_text()),
        "富文本.rtf": _rtf(speech_text()),
        "单一网页.doc": (
            "MIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"b\"\n\n--b\n"
            "Content-Type: text/html; charset=\"utf-8\"\nContent-Transfer-Encoding: 8bit\n\n" + html + "\n--b--\n"
        ).encode("utf-8"),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        (row, removals), = clean_source(tmp_path / name, name)[0]
        assert_speech(row, removals)
    (row, _), = clean_source(tmp_path / "范文.doc", "范文.doc")[0]
    assert row["format"] == "rtf" and "RTF file saved with a .doc name" in row["notes"]
    make_docx(tmp_path / "改名.doc")  # a .docx renamed .doc
    (row, removals), = clean_source(tmp_path / "改名.doc", "改名.doc")[0]
    assert row["format"] == "docx" and "一、充分肯定成绩" in row["text"]


def test_real_word97_doc_is_an_error_row_naming_the_fix(tmp_path):
    import olefile

    assert olefile  # the OLE2 signature is what matters; a minimal compound file header
    path = tmp_path / "旧版.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    (row, _), = clean_source(path, "旧版.doc")[0]
    assert row["status"] == "error" and "save it as .docx" in row["error"]


def test_odt_is_read(tmp_path):
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
               + "".join(f"<text:p>{p}</text:p>" for p in PARAGRAPHS) + "</office:text></office:body></office:document-content>")
    path = tmp_path / "讲话.odt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content)
    (row, removals), = clean_source(path, "讲话.odt")[0]
    assert_speech(row, removals)
    assert row["format"] == "odt"


# --------------------------------------------------------------------------- tables of speeches


CITIES = ["杭州", "宁波", "温州", "绍兴", "嘉兴"]


def speech_for(city: str, year: int, i: int) -> str:
    return (f"同志们：今天召开{year}年全市妇女儿童工作会议，部署全年工作。下面，我讲三点意见。\n"
            f"一、提高认识。{city}各级各部门要把妇女儿童工作摆上重要位置。\n"
            f"二、突出重点。到{year + 1}年底，普惠性幼儿园覆盖率要达到{80 + i % 10}%以上。\n"
            f"三、加强领导。确保各项任务落到实处。")


def test_csv_of_50_speeches_compared_by_city(tmp_path):
    rows = [{"city": CITIES[i % 5], "year": 2020 + i % 4, "类型": "妇儿工委" if i % 2 else "妇代会",
             "full_text": speech_for(CITIES[i % 5], 2020 + i % 4, i)} for i in range(50)]
    pd.DataFrame(rows).to_csv(tmp_path / "corpus.csv", index=False, encoding="utf-8-sig")
    out = tmp_path / "out"
    result = invoke("clean", tmp_path / "corpus.csv", "--text-column", "full_text", "--out", out)
    assert result.exit_code == 0, result.output
    assert "text column 'full_text' (--text-column)" in result.output
    docs = pd.read_parquet(out / "documents.parquet")
    assert len(docs) == 50 and (docs["status"] == "ok").all()
    assert docs["source_path"].tolist() == [f"corpus.csv#{i}" for i in range(1, 51)]
    assert docs["city"].value_counts().to_dict() == {f"{c}市": 10 for c in CITIES}
    assert docs["year"].tolist() == [2020 + i % 4 for i in range(50)]
    assert docs["类型"].tolist() == [r["类型"] for r in rows]  # every other column is a document variable
    assert invoke("analyze", out).exit_code == 0
    result = invoke("compare", out, "--by", "city", "--no-charts")
    assert result.exit_code == 0, result.output
    counts = pd.read_parquet(out / "compare" / "compare_documents.parquet")
    assert dict(zip(counts["city"], counts["docs"])) == {f"{c}市": 10 for c in CITIES}
    result = invoke("compare", out, "--by", "类型", "--no-charts", "--out", tmp_path / "by_type")
    assert result.exit_code == 0, result.output
    counts = pd.read_parquet(tmp_path / "by_type" / "compare_documents.parquet")
    assert dict(zip(counts["类型"], counts["docs"])) == {"妇儿工委": 25, "妇代会": 25}


def test_table_column_wins_over_the_detected_value(tmp_path):
    text = "同志们：今天召开2022年全市妇女儿童工作会议。杭州市各级各部门要把妇女儿童工作摆上重要位置。"
    pd.DataFrame([{"城市": "三亚", "年份": "2023", "正文": text}]).to_json(tmp_path / "t.jsonl", orient="records",
                                                                     lines=True, force_ascii=False)
    (row, _), = clean_source(tmp_path / "t.jsonl", "t.jsonl")[0]
    assert row["status"] == "ok" and row["source_path"] == "t.jsonl#1"
    assert row["city"] == "三亚市" and row["province"] == "海南省" and row["year"] == 2023
    assert row["城市"] == "三亚" and "text column '正文' (by name)" in row["notes"]


def test_text_column_by_longest_average_and_missing_column(tmp_path):
    frame = pd.DataFrame({"地区": ["三亚", "杭州"], "讲稿": [speech_for("三亚", 2023, 1), speech_for("杭州", 2024, 2)]})
    frame.to_parquet(tmp_path / "t.parquet")
    docs, entries = read_source((tmp_path / "t.parquet").read_bytes(), "t.parquet")
    assert [d.source_path for d in docs] == ["t.parquet#1", "t.parquet#2"]
    assert entries[0].note == "text column '讲稿' (the longest average text)"  # the file's note, not a row's
    docs, entries = read_source((tmp_path / "t.parquet").read_bytes(), "t.parquet",
                                CleanOptions(text_column="full_text").read_options)
    assert docs[0].error == "no column named 'full_text' (columns: 地区, 讲稿)"


def test_xlsx_rows_are_documents(tmp_path):
    pytest.importorskip("openpyxl")
    rows = [{"city": c, "year": 2023, "content": speech_for(c, 2023, i)} for i, c in enumerate(CITIES)]
    pd.DataFrame(rows).to_excel(tmp_path / "讲话汇总.xlsx", index=False)
    pairs, entries = clean_source(tmp_path / "讲话汇总.xlsx", "讲话汇总.xlsx")
    assert [row["source_path"] for row, _ in pairs] == [f"讲话汇总.xlsx#{i}" for i in range(1, 6)]
    assert all(row["status"] == "ok" and "普惠性幼儿园" in row["text"] for row, _ in pairs)
    assert [row["city"] for row, _ in pairs] == [f"{c}市" for c in CITIES]


# --------------------------------------------------------------------------- archives


class _GBKName(zipfile.ZipInfo):
    """A member name stored as Chinese Windows stores it: GBK bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def test_zip_with_gbk_names_read_member_by_member(tmp_path):
    path = tmp_path / "收集.zip"
    docx_bytes = make_docx(tmp_path / "x.docx").read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("三亚.txt", speech_text().encode("gbk")), ("武侯区/2023.txt", speech_text().encode("utf-8")),
                           ("武侯区/讲话.docx", docx_bytes), ("__MACOSX/._三亚.txt", b"\x00\x05"), ("图片.png", b"\x89PNG")):
            zf.writestr(_GBKName(name), data)
    names = [i.filename for i in zipfile.ZipFile(path).infolist()]
    assert not any("三亚" in n for n in names)  # the standard library alone reads them as cp437 mojibake
    pairs, entries = clean_source(path, "收集.zip")
    by_path = {row["source_path"]: row for row, _ in pairs}
    assert set(by_path) == {"收集.zip/三亚.txt", "收集.zip/武侯区/2023.txt", "收集.zip/武侯区/讲话.docx"}
    for row, removals in pairs:
        assert_speech(row, removals)
    assert by_path["收集.zip/三亚.txt"]["city"] == "三亚市"  # the file name is the researcher's label
    assert by_path["收集.zip/三亚.txt"]["encoding"] == "gb18030"
    assert "一、充分肯定成绩" in by_path["收集.zip/武侯区/讲话.docx"]["text"]
    actions = {e.path: (e.action, e.reason) for e in entries}
    assert actions["收集.zip"] == ("read", None)
    assert actions["收集.zip/__MACOSX/._三亚.txt"] == ("skipped", "hidden or system file")
    assert actions["收集.zip/图片.png"] == ("skipped", "unsupported type (.png)")


def test_member_names_decoded():
    assert decode_member_name("三亚.txt".encode("gbk")) == "三亚.txt"
    assert decode_member_name("三亚.txt".encode("utf-8")) == "三亚.txt"
    assert decode_member_name("三亚.txt".encode("utf-8"), utf8_flag=True) == "三亚.txt"
    assert decode_member_name("图片.png".encode("gbk")) == "图片.png"  # also valid UTF-8 (ͼƬ.png)
    assert decode_member_name("readme.txt".encode("cp437")) == "readme.txt"


def test_tar_gz_keeps_nested_folders(tmp_path):
    path = tmp_path / "讲话.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        data = speech_text().encode("utf-8")
        info = tarfile.TarInfo("武侯区/2023.txt")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    pairs, _ = clean_source(path, "讲话.tar.gz")
    (row, removals), = pairs
    assert row["source_path"] == "讲话.tar.gz/武侯区/2023.txt" and row["year"] == 2023  # the file name's year
    assert_speech(row, removals)


# --------------------------------------------------------------------------- every file accounted for


def test_mixed_folder_every_file_read_or_skipped_with_reason(tmp_path):
    raw = tmp_path / "raw"
    (raw / "草稿").mkdir(parents=True)
    (raw / "sub").mkdir()
    make_docx(raw / "讲话.docx")
    make_pdf_reportlab(raw / "讲话.pdf")
    (raw / "旧版.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    (raw / "范文.rtf").write_bytes(_rtf(speech_text()))
    pd.DataFrame([{"city": "三亚", "text": speech_for("三亚", 2023, 1)}]).to_csv(raw / "t.csv", index=False)
    with zipfile.ZipFile(raw / "a.zip", "w") as zf:
        zf.writestr("武侯区/2023.txt", speech_text())
    (raw / "speech.text").write_text(speech_text(), encoding="utf-8")
    (raw / "sub" / "无后缀").write_text(speech_text(), encoding="gb18030")
    (raw / "plain.txt").write_text(speech_text(), encoding="utf-8")
    (raw / "README.md").write_text("# 说明\n本目录收集讲话稿。", encoding="utf-8")
    (raw / "LICENSE").write_text("CC0", encoding="utf-8")
    (raw / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (raw / ".hidden.txt").write_text(speech_text(), encoding="utf-8")
    (raw / "草稿" / "旧稿.txt").write_text(speech_text(), encoding="utf-8")
    (raw / "~$讲话.docx").write_bytes(b"lock")
    out = raw / "processed"  # the output folder inside RAW_DIR
    out.mkdir()
    (out / "report.html").write_text("<html><body><p>同志们：上次的报告</p></body></html>", encoding="utf-8")
    result = invoke("clean", raw, "--out", out, "--exclude", "草稿")
    assert result.exit_code == 0, result.output
    files = pd.read_parquet(out / "files.parquet").set_index("path")
    expected_read = {"讲话.docx", "讲话.pdf", "范文.rtf", "t.csv", "a.zip", "a.zip/武侯区/2023.txt", "speech.text",
                     "sub/无后缀", "plain.txt"}
    assert set(files.index[files["action"] == "read"]) == expected_read
    assert files.loc["旧版.doc", "action"] == "error"
    reasons = files.loc[files["action"] == "skipped", "reason"].to_dict()
    assert reasons == {
        "README.md": "README/LICENSE: excluded by default", "LICENSE": "README/LICENSE: excluded by default",
        "photo.png": "unsupported type (.png)", ".hidden.txt": "hidden or system file", "草稿/": "--exclude 草稿",
        "~$讲话.docx": "hidden or system file", "processed/": "the --out folder inside RAW_DIR (speechkit's own output)",
    }
    for path in list(reasons) + sorted(expected_read):  # the summary names every file
        assert path in result.output, path
    assert "skipped: README/LICENSE: excluded by default" in result.output
    docs = pd.read_parquet(out / "documents.parquet")
    assert not docs["source_path"].str.startswith("processed/").any()
    assert (docs.set_index("source_path").loc[["讲话.docx", "讲话.pdf", "范文.rtf", "t.csv#1", "a.zip/武侯区/2023.txt",
                                               "speech.text", "sub/无后缀"], "status"] == "ok").all()
    # a second run reads the same files from the cache and accounts for them the same way
    again = invoke("clean", raw, "--out", out, "--exclude", "草稿")
    assert again.exit_code == 0 and "photo.png" in again.output


def test_include_reads_only_matching_files(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(speech_text(), encoding="utf-8")
    make_docx(raw / "b.docx")
    found, skipped = scan_raw_dir(raw, options=CleanOptions(include=("*.docx",)))
    assert [rel for rel, _, _ in found] == ["b.docx"]
    assert [(e.path, e.reason) for e in skipped] == [("a.txt", "not matched by --include")]
    assert skip_reason("README.md", CleanOptions(include=("README.md",)).read_options) is None


def test_cache_key_follows_the_text_column(tmp_path):
    frame = pd.DataFrame({"a": [speech_for("三亚", 2023, 1)], "b": [speech_for("杭州", 2024, 2)]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    out = tmp_path / "out"
    first = clean_corpus(tmp_path / "t.csv", out, CleanOptions(text_column="a"), jobs=1)
    second = clean_corpus(tmp_path / "t.csv", out, CleanOptions(text_column="b"), jobs=1)
    assert "三亚" in first.documents["text"].iloc[0] and "杭州" in second.documents["text"].iloc[0]


def test_xlsx_text_at_excels_cell_limit_is_flagged(tmp_path):
    pytest.importorskip("openpyxl")
    long_speech = (speech_for("三亚", 2023, 1) + "\n") * 400  # longer than an Excel cell holds
    with pytest.warns(UserWarning):
        pd.DataFrame([{"city": "三亚", "text": long_speech}]).to_excel(tmp_path / "长.xlsx", index=False)
    (row, _), = clean_source(tmp_path / "长.xlsx", "长.xlsx")[0]
    assert row["status"] == "ok" and "Excel's limit: the speech is probably cut" in row["notes"]
