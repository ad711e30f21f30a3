"""Readers of Word and PDF files, scored against the text they were made from, with the peers beside.

Gold: the 18 speeches of scripts/demo_texts/ (written for this project), each rendered
  * as a multi-page A4 PDF by two producers — reportlab with the Adobe CID font STSong-Light
    (not embedded, like many government PDFs) and fpdf2 with the bundled Noto Sans CJK (embedded
    subset) — with a running header, ``- n -`` / ``第 n 页`` page numbers, a two-character first-line
    indent and lines filled to the right margin;
  * as a .docx whose 一、/（一） points are Word's automatic list numbering, with a header and a
    PAGE-field footer.
Scores per reader: character 5-gram recall / precision of the body, share of source paragraphs
that come back as one exact line (line breaks of the layout joined, paragraphs kept), documents
where a running header or page number leaked into the text, and milliseconds per document.

Usage: python scripts/eval_formats.py   (or `make eval`)
"""
from __future__ import annotations

import io
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))
from office_fixtures import add_chinese_list_numbering, number_paragraph, wrap_by_width  # noqa: E402

POLLUTION = re.compile(r"⟦(.*?)⟧", re.S)
HEADER = "某某市人民政府办公室文件"
HEADINGS = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


def sources() -> list[tuple[str, list[str]]]:
    out = []
    for path in sorted((HERE / "demo_texts").glob("*.txt")):
        paras = [POLLUTION.sub("", p).strip() for p in path.read_text(encoding="utf-8").split("\n")]
        out.append((path.stem, [p for p in paras if p]))
    return out


def pdf_reportlab(paras: list[str]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font, size = "STSong-Light", 12
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    page, y = 1, 0.0

    def decorate():
        c.setFont(font, 9)
        c.drawCentredString(297, 802, HEADER)
        c.drawCentredString(297, 30, f"- {page} -")

    decorate()
    y = 760
    for text in paras:
        for line, off in wrap_by_width(text, 451, 2 * size, lambda s: pdfmetrics.stringWidth(s, font, size)):
            if y < 70:
                c.showPage()
                page += 1
                decorate()
                y = 760
            c.setFont(font, size)
            c.drawString(72 + off, y, line)
            y -= size * 1.7
    c.showPage()
    c.save()
    return buf.getvalue()


def pdf_fpdf(paras: list[str]) -> bytes:
    from fpdf import FPDF

    from speechkit.fonts import cjk_font_path

    pdf = FPDF()
    pdf.add_font("cjk", fname=str(cjk_font_path()))
    pdf.set_auto_page_break(False)

    def new_page() -> float:
        pdf.add_page()
        pdf.set_font("cjk", size=9)
        pdf.set_xy(10, 8)
        pdf.cell(190, 6, HEADER, align="C")
        pdf.set_xy(10, 285)
        pdf.cell(190, 6, f"第 {pdf.page_no()} 页", align="C")
        pdf.set_font("cjk", size=12)
        return 25.0

    y = new_page()
    for text in paras:
        for line, off in wrap_by_width(text, 170, 8.5, pdf.get_string_width):
            if y > 270:
                y = new_page()
            pdf.set_xy(20 + off, y)
            pdf.cell(0, 7.5, line)
            y += 7.5
    return bytes(pdf.output())


def docx_numbered(paras: list[str]) -> bytes:
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    add_chinese_list_numbering(document)
    for text in paras:
        m = HEADINGS.match(text)
        p = document.add_paragraph(text[m.end():] if m else text)
        if m:
            level = 1 if text.startswith("（") else 0
            number_paragraph(p, level)
    document.sections[0].header.paragraphs[0].text = HEADER
    footer = document.sections[0].footer.paragraphs[0]
    for xml in ('<w:r {ns}><w:t>第</w:t></w:r>', '<w:r {ns}><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r {ns}><w:instrText> PAGE </w:instrText></w:r>', '<w:r {ns}><w:fldChar w:fldCharType="separate"/></w:r>',
                '<w:r {ns}><w:t>1</w:t></w:r>', '<w:r {ns}><w:fldChar w:fldCharType="end"/></w:r>',
                '<w:r {ns}><w:t>页</w:t></w:r>'):
        footer._p.append(parse_xml(xml.format(ns=nsdecls("w"))))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------ readers


def speechkit_reader(data: bytes, name: str) -> str:
    from speechkit.readers import read_source

    doc = read_source(data, name)[0][0]
    if doc.error:
        return ""
    keep, pos = [], 0
    for s, e, _ in sorted(doc.cuts):
        keep.append(doc.text[pos:s])
        pos = e
    keep.append(doc.text[pos:])
    return "".join(keep)


def pypdf_reader(data: bytes, name: str) -> str:
    import pypdf

    return "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def pdfminer_reader(data: bytes, name: str) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data))


def pymupdf_reader(data: bytes, name: str) -> str:
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        return "\n".join(page.get_text() for page in doc)


def python_docx_reader(data: bytes, name: str) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def docx2python_reader(data: bytes, name: str) -> str:
    from docx2python import docx2python

    with tempfile.NamedTemporaryFile(suffix=".docx") as fh:
        fh.write(data)
        fh.flush()
        with docx2python(fh.name) as result:
            return result.text


def available(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        return False


# ------------------------------------------------------------------------------ scoring


def grams(text: str, n: int = 5) -> set[str]:
    flat = re.sub(r"\s", "", text)
    return {flat[i:i + n] for i in range(max(len(flat) - n + 1, 0))}


def score(reader, files: list[tuple[str, list[str], bytes]], name: str) -> dict:
    rec = prec = para = heads = 0.0
    leaks, failures, seconds = 0, 0, 0.0
    heading_total = 0
    for stem, paras, data in files:
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = reader(data, name)
        except Exception:  # noqa: BLE001 — a reader that fails scores zero on that file
            out, failures = "", failures + 1
        seconds += time.perf_counter() - started
        truth, got = grams("".join(paras)), grams(out)
        rec += len(truth & got) / len(truth) if truth else 0
        prec += len(truth & got) / len(got) if got else 0
        lines = {ln.strip() for ln in out.split("\n")}
        para += sum(p in lines for p in paras) / len(paras)
        wanted = [p for p in paras if HEADINGS.match(p)]
        heading_total += len(wanted)
        heads += sum(any(ln.startswith(p[:12]) for ln in lines) for p in wanted)
        flat = re.sub(r"\s", "", out)
        leaks += HEADER in flat or bool(re.search(r"-\d+-|第\d+页", flat))
    n = len(files)
    return {"recall5": rec / n, "precision5": prec / n, "paragraphs": para / n,
            "headings": heads / heading_total if heading_total else 0.0, "leaks": leaks, "failed": failures,
            "ms": 1000 * seconds / n}


LICENCES = {"speechkit (pypdf)": "MIT / BSD-3", "pypdf": "BSD-3", "pdfminer.six": "MIT", "PyMuPDF": "AGPL-3.0",
            "speechkit (python-docx)": "MIT", "python-docx": "MIT", "docx2python": "MIT"}


def main() -> int:
    texts = sources()
    pdfs = {"reportlab CID font": pdf_reportlab, "fpdf2 embedded Noto CJK": pdf_fpdf}
    pdf_readers = [("speechkit (pypdf)", speechkit_reader), ("pypdf", pypdf_reader)]
    if available("pdfminer"):
        pdf_readers.append(("pdfminer.six", pdfminer_reader))
    if available("pymupdf"):
        pdf_readers.append(("PyMuPDF", pymupdf_reader))
    print(f"{len(texts)} speeches (scripts/demo_texts), each as PDF from two producers and as .docx\n")
    header = f"{'producer':26} {'reader':24} {'licence':11} {'recall5':>8} {'prec5':>7} {'paras':>6} {'leaks':>6} {'failed':>6} {'ms/doc':>7}"
    print(header)
    print("-" * len(header))
    for producer, make in pdfs.items():
        files = [(stem, paras, make(paras)) for stem, paras in texts]
        for label, reader in pdf_readers:
            s = score(reader, files, "speech.pdf")
            print(f"{producer:26} {label:24} {LICENCES[label]:11} {s['recall5']:8.3f} {s['precision5']:7.3f} "
                  f"{s['paragraphs']:6.2f} {s['leaks']:6d} {s['failed']:6d} {s['ms']:7.0f}")
    print()
    docx_readers = [("speechkit (python-docx)", speechkit_reader), ("python-docx", python_docx_reader)]
    if available("docx2python"):
        docx_readers.append(("docx2python", docx2python_reader))
    files = [(stem, paras, docx_numbered(paras)) for stem, paras in texts]
    header = f"{'word (.docx)':26} {'reader':24} {'licence':11} {'recall5':>8} {'prec5':>7} {'paras':>6} {'1、/（一）':>8} {'leaks':>6} {'ms/doc':>7}"
    print(header)
    print("-" * len(header))
    for label, reader in docx_readers:
        s = score(reader, files, "speech.docx")
        print(f"{'numbered outline':26} {label:24} {LICENCES[label]:11} {s['recall5']:8.3f} {s['precision5']:7.3f} "
              f"{s['paragraphs']:6.2f} {s['headings']:8.2f} {s['leaks']:6d} {s['ms']:7.0f}")
    print("\nrecall5/prec5: character 5-grams of the body; paras: share of paragraphs read back as one exact line;"
          "\n1、/（一）: outline headings read with their number; leaks: documents with a running header or page"
          "\nnumber in the text (speechkit keeps them in raw_text as audited removals, not in the text).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
