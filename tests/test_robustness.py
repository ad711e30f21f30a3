"""Hostile input, interrupted runs, output safety: nothing is lost, nothing leaks.

A fault corpus is written by the tests into ``tmp_path`` (never committed):
empty and binary files, broken and mixed encodings, broken/deep/scripted HTML,
symlink loops, a named pipe, awkward file names, huge files. For every one the
clean stage completes, each unusable file is a documents row with
``status='error'`` and a specific message, each usable one is ``'ok'``, and the
documents table has exactly one row per candidate file. All text is written for
these tests.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from speechkit.clean import CleanOptions, clean_corpus, clean_file, discover_files
from speechkit.decode import decode_bytes

REPO = Path(__file__).resolve().parents[1]
SPEECHKIT = [sys.executable, "-m", "speechkit.cli"]
DEMO = REPO / "data" / "raw"

BODY = (
    "同志们：今天召开全市妇女儿童工作会议，总结去年工作，部署今年任务。\n"
    "下面，我讲两点意见。\n"
    "一、推进托育服务。到2025年，全市建成普惠托位300个。\n"
    "二、保障妇女权益。妇女就业率保持在85%以上。\n"
)
TRADITIONAL = (
    "同志們：今天召開全市婦女兒童工作會議，總結去年工作。\n"
    "我們要推動婦女兒童事業發展，保障婦女兒童合法權益。\n"
)
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"


def _html(body_html: str, head: str = "") -> str:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body_html}</body></html>"


def write_fault_corpus(raw: Path) -> dict[str, tuple[str, str | None]]:
    """Write the fault corpus; return ``{source_path: (expected status, fragment of text or error)}``."""
    raw.mkdir(parents=True, exist_ok=True)
    expected: dict[str, tuple[str, str | None]] = {}

    def put(rel: str, data: bytes | str, status: str, check: str | None) -> None:
        path = raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        expected[rel] = (status, check)

    # unusable files: each must be an error row with a specific message
    put("empty.txt", b"", "error", "empty file")
    put("blank.md", b" \n\t\r\n ", "error", "only whitespace")
    put("photo.txt", PNG_HEADER + bytes(range(256)), "error", "PNG image")
    put("zero.html", b"", "error", "empty file")
    put("tags_only.html", _html("<div><span></span></div><script>var x='脚本';</script>"), "error", "no visible text")
    put("random.txt", bytes((i * 131 + 7) % 256 for i in range(4096)) + b"\x00" * 64, "error", "not a text file")
    put("chrome_only.txt", "当前位置:首页 > 讲话\n评论0\n版权所有 某某网\n", "error", "only site chrome")

    # encodings, one tree
    put("enc/utf8.txt", BODY, "ok", "普惠托位300个")
    put("enc/utf8_bom.txt", b"\xef\xbb\xbf" + BODY.encode("utf-8"), "ok", "普惠托位300个")
    put("enc/gb18030.txt", BODY.encode("gb18030"), "ok", "普惠托位300个")
    put("enc/big5.txt", TRADITIONAL.encode("big5"), "ok", "婦女兒童事業")
    put("enc/utf16le.txt", b"\xff\xfe" + BODY.encode("utf-16-le"), "ok", "普惠托位300个")
    put("enc/utf16be.txt", b"\xfe\xff" + BODY.encode("utf-16-be"), "ok", "普惠托位300个")
    put("enc/truncated.txt", BODY.encode("utf-8") + "妇".encode("utf-8")[:2], "ok", "普惠托位300个")
    corrupt = (BODY * 5).encode("utf-8")
    cut = len(BODY[:13].encode("utf-8"))  # between two characters: one stray byte, one U+FFFD
    put("enc/one_bad_byte.txt", corrupt[:cut] + b"\xff" + corrupt[cut:], "ok", "普惠托位300个")
    put("enc/short_big5.txt", "婦女兒童工作會議".encode("big5"), "ok", "婦女兒童工作會議")
    # '○' as a zero in year numerals makes charset-normalizer give up on clean GB18030
    put("enc/gb18030_ling.txt", ("同志们：二○二三年是全面贯彻落实妇女儿童发展纲要的关键之年。\n" * 20).encode("gb18030"),
        "ok", "二○二三年")

    # HTML: broken, deep, scripted, entities, external references
    put("html/broken.html", "<html><body><p>同志们：<b>今天<i>召开会议</p><div><span>部署托育服务。<p>二是保障妇女权益</body",
        "ok", "部署托育服务")
    put("html/nested.html", "<html><body>" + "<div>" * 5000 + BODY + "</div>" * 5000 + "</body></html>",
        "ok", "普惠托位300个")
    put("html/script_style.html", _html(
        "<p>同志们：今天开会&nbsp;部署&#x4E00;项任务，推进儿童友好城市建设。</p>"
        "<script>document.write('脚本里的中文不该出现');</script><noscript>请开启脚本</noscript>",
        head="<style>.x:after{content:'样式里的中文不该出现'}</style><script>var t='头部脚本中文';</script>",
    ), "ok", "部署一项任务")
    put("html/external.html",
        '<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://192.0.2.1/x.dtd" '
        '[<!ENTITY ext SYSTEM "http://192.0.2.1/entity">]>'
        + _html('<img src="http://192.0.2.1/a.png"><iframe src="http://192.0.2.1/f"></iframe>'
                '<p>同志们：今天召开会议，部署家庭家教家风建设。</p><p>&ext;</p>',
                head='<link rel="stylesheet" href="http://192.0.2.1/s.css">'),
        "ok", "家庭家教家风")

    # awkward names
    put("名字 有 空格.txt", BODY, "ok", "普惠托位300个")
    put("emoji 😀 讲话.md", BODY.replace("三", "两"), "ok", "普惠托位300个")
    put("全角ＡＢＣ（二〇二三）讲话.txt", BODY.replace("今天", "今日"), "ok", "今日召开")
    put("line\nbreak.txt", BODY.replace("全市", "全镇"), "ok", "全镇妇女儿童")
    put("长" * 80 + ".txt", BODY.replace("全市", "全州"), "ok", "全州妇女儿童")  # 244 bytes, near the limit
    put("folder.txt/inner.txt", BODY.replace("全市", "全区"), "ok", "全区妇女儿童")  # a directory with a speech suffix
    bad_name = os.fsdecode(b"bad\xffname.txt")
    (raw / bad_name).write_bytes(BODY.replace("全市", "全县").encode("utf-8"))
    expected["bad\\xffname.txt"] = ("ok", "全县妇女儿童")

    # links and special files
    os.symlink(".", raw / "loop")  # a directory loop: must not be walked forever
    os.symlink("..", raw / "enc" / "up")
    os.symlink("b_link.txt", raw / "a_link.txt")
    os.symlink("a_link.txt", raw / "b_link.txt")
    expected["a_link.txt"] = ("error", "symbolic link loop")
    expected["b_link.txt"] = ("error", "symbolic link loop")
    os.symlink("nowhere.txt", raw / "dangling.txt")
    expected["dangling.txt"] = ("error", "broken symbolic link")
    os.mkfifo(raw / "pipe.txt")  # reading it would block forever
    expected["pipe.txt"] = ("error", "named pipe")

    # a PDF that is only its signature: read by the PDF reader, an error row naming the damage
    put("notes.pdf", b"%PDF-1.4", "error", "PDF")
    # files that are not candidates at all
    (raw / ".DS_Store").write_bytes(b"\x00\x00")
    return expected


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory):
    """The fault corpus cleaned once in-process (no network allowed): ``(expected, documents, removals)``."""
    root = tmp_path_factory.mktemp("faults")
    expected = write_fault_corpus(root / "raw")
    with pytest.MonkeyPatch.context() as mp:
        def no_network(*args, **kwargs):
            raise AssertionError(f"network access attempted: {args!r}")

        mp.setattr(socket.socket, "connect", no_network)
        mp.setattr(socket, "create_connection", no_network)
        mp.setattr(socket, "getaddrinfo", no_network)
        report = clean_corpus(root / "raw", root / "out", CleanOptions(), jobs=1)
    documents = pd.read_parquet(root / "out" / "documents.parquet")
    removals = pd.read_parquet(root / "out" / "removals.parquet")
    assert len(documents) == len(report.documents)
    return expected, documents, removals


def test_one_documents_row_per_candidate_file(fault_run):
    expected, documents, _ = fault_run
    assert len(documents) == len(expected)
    assert sorted(documents["source_path"]) == sorted(expected)
    assert documents["doc_id"].is_unique


def test_every_bad_file_is_an_error_row_with_a_specific_message(fault_run):
    expected, documents, _ = fault_run
    rows = documents.set_index("source_path")
    errors = {rel: check for rel, (status, check) in expected.items() if status == "error"}
    assert len(errors) >= 10
    for rel, fragment in errors.items():
        row = rows.loc[rel]
        assert row["status"] == "error", (rel, row["text"][:80])
        assert fragment in row["error"], (rel, row["error"])
        assert row["text"] == ""


def test_every_usable_file_is_processed(fault_run):
    expected, documents, _ = fault_run
    rows = documents.set_index("source_path")
    usable = {rel: check for rel, (status, check) in expected.items() if status == "ok"}
    assert len(usable) >= 15
    for rel, fragment in usable.items():
        row = rows.loc[rel]
        assert row["status"] == "ok", (rel, row["error"])
        assert fragment in row["text"], (rel, row["text"][:200])
        assert pd.isna(row["error"])


@pytest.mark.parametrize("rel,encoding", [
    ("enc/utf8.txt", "utf-8"), ("enc/utf8_bom.txt", "utf-8-sig"), ("enc/gb18030.txt", "gb18030"),
    ("enc/big5.txt", "big5"), ("enc/utf16le.txt", "utf-16"), ("enc/utf16be.txt", "utf-16"),
    ("enc/short_big5.txt", "big5"), ("enc/one_bad_byte.txt", "utf-8"), ("enc/gb18030_ling.txt", "gb18030"),
])
def test_mixed_encodings_in_one_tree_are_each_detected(fault_run, rel, encoding):
    _, documents, _ = fault_run
    row = documents.set_index("source_path").loc[rel]
    assert row["encoding"] == encoding
    assert "\ufffd" not in row["text"] or rel == "enc/one_bad_byte.txt"


def test_damaged_bytes_are_noted_not_hidden(fault_run):
    _, documents, _ = fault_run
    rows = documents.set_index("source_path")
    assert "truncated multi-byte character" in rows.loc["enc/truncated.txt", "notes"]
    assert rows.loc["enc/truncated.txt", "text"].rstrip().endswith("85%以上。")
    assert "1 invalid UTF-8" in rows.loc["enc/one_bad_byte.txt", "notes"]
    assert rows.loc["enc/one_bad_byte.txt", "text"].count("\ufffd") == 1


def test_same_text_in_many_encodings_gets_distinct_ids_but_one_content_hash(fault_run):
    _, documents, _ = fault_run
    same = documents[documents["source_path"].isin(
        ["enc/utf8.txt", "enc/utf8_bom.txt", "enc/gb18030.txt", "enc/utf16le.txt", "enc/utf16be.txt"])]
    assert same["text"].nunique() == 1
    assert same["doc_id"].is_unique
    assert same["doc_id"].str[:16].nunique() == 1


def test_scripts_and_styles_never_reach_the_text(fault_run):
    _, documents, _ = fault_run
    row = documents.set_index("source_path").loc["html/script_style.html"]
    for leaked in ("脚本里的中文", "样式里的中文", "头部脚本中文", "document.write", "content:", "请开启脚本"):
        assert leaked not in row["text"] and leaked not in row["raw_text"], leaked
    assert "&nbsp;" not in row["text"] and "&#x4E00;" not in row["text"]
    assert "部署一项任务" in row["text"]


def test_external_references_are_neither_fetched_nor_expanded(fault_run):
    # the fixture ran with sockets disabled: reaching here means nothing was fetched
    _, documents, _ = fault_run
    row = documents.set_index("source_path").loc["html/external.html"]
    assert row["status"] == "ok"
    assert "192.0.2.1" not in row["text"]


def test_broken_and_deep_html_keep_their_text(fault_run):
    _, documents, _ = fault_run
    rows = documents.set_index("source_path")
    broken = rows.loc["html/broken.html", "text"]
    for piece in ("今天", "召开会议", "部署托育服务", "二是保障妇女权益"):
        assert piece in broken
    nested = rows.loc["html/nested.html", "text"]
    assert "同志们：今天召开全市妇女儿童工作会议" in nested and "<div>" not in nested


def test_removals_of_the_fault_corpus_are_exact_slices(fault_run):
    _, documents, removals = fault_run
    raw_by_id = documents.set_index("doc_id")["raw_text"]
    assert len(removals)
    for r in removals.itertuples():
        assert raw_by_id[r.doc_id][r.start:r.end] == r.text


def test_directory_links_are_not_walked(fault_run):
    """Directory links (a loop to '.', a link to '..') are not walked: no path through them is a candidate."""
    expected, documents, _ = fault_run
    assert not any(p.startswith(("loop/", "enc/up/")) for p in documents["source_path"])


def test_fifo_and_link_loop_do_not_hang_discovery(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    os.mkfifo(raw / "stream.html")
    os.symlink("self.txt", raw / "self.txt")
    (raw / "ok.txt").write_text(BODY, encoding="utf-8")
    problems = {rel: problem for rel, _path, problem in discover_files(raw)}
    assert problems == {
        "ok.txt": None,
        "self.txt": "symbolic link loop (the link points back to itself)",
        "stream.html": "not a regular file (named pipe)",
    }


def test_huge_files_are_cleaned_not_dropped(tmp_path):
    """A 20 MB page and a page that is one 5 MB line both come out as 'ok' rows."""
    raw = tmp_path / "raw"
    raw.mkdir()
    paragraph = BODY.replace("\n", "")
    big = raw / "twenty_mb.txt"
    with big.open("w", encoding="utf-8") as fh:
        line = paragraph + "\n"
        for _ in range(20_000_000 // len(line.encode("utf-8")) + 1):
            fh.write(line)
    one_line = raw / "one_line.txt"
    one_line.write_text(paragraph * (5_000_000 // len(paragraph.encode("utf-8")) + 1), encoding="utf-8")
    assert big.stat().st_size >= 20_000_000 and one_line.stat().st_size >= 5_000_000
    assert b"\n" not in one_line.read_bytes()
    report = clean_corpus(raw, tmp_path / "out", jobs=2, use_cache=False)
    rows = report.documents.set_index("source_path")
    for rel, size in (("twenty_mb.txt", big.stat().st_size), ("one_line.txt", one_line.stat().st_size)):
        assert rows.loc[rel, "status"] == "ok", rows.loc[rel, "error"]
        assert rows.loc[rel, "raw_chars"] * 3 >= size * 0.9  # all characters decoded (3 bytes each, mostly)
        assert rows.loc[rel, "clean_chars"] > 0.9 * rows.loc[rel, "raw_chars"]
    assert pq.ParquetFile(tmp_path / "out" / "documents.parquet").metadata.num_rows == 2


def test_a_bug_met_on_one_page_does_not_stop_the_run(tmp_path, monkeypatch):
    import speechkit.clean as clean_module

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "fine.txt").write_text(BODY, encoding="utf-8")
    (raw / "odd.txt").write_text(BODY.replace("全市", "全区") + "\n触发\n", encoding="utf-8")
    real = clean_module.extract_metadata

    def flaky(raw_text, *args, **kwargs):
        if "触发" in raw_text:
            raise IndexError("string index out of range")
        return real(raw_text, *args, **kwargs)

    monkeypatch.setattr(clean_module, "extract_metadata", flaky)
    report = clean_corpus(raw, tmp_path / "out", jobs=1, use_cache=False)
    rows = report.documents.set_index("source_path")
    assert rows.loc["fine.txt", "status"] == "ok"
    assert rows.loc["odd.txt", "status"] == "error"
    assert "IndexError: string index out of range" in rows.loc["odd.txt", "error"]


class _Hang(Exception):
    pass


def _finishes_within(seconds: int, fn, *args) -> bool:
    """False when ``fn(*args)`` is still running after ``seconds`` (a hang guard, far above the normal milliseconds)."""
    def interrupt(signum, frame):
        raise _Hang

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(seconds)
    try:
        fn(*args)
        return True
    except _Hang:
        return False
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# Lines a scraped page can hold, on which a boilerplate regex backtracks exponentially (each takes
# milliseconds once fixed; today each adds a few segments' worth of doubling: minutes to years).
REDOS = {
    "breadcrumb_trail": "同志们：开会。\n" + "首页 > " * 20 + "正文。\n",
    "comment_counter": "同志们：开会。\n" + "阅读  评论  " * 12 + "。\n",
    "title_repeat": "在全市妇女儿童工作会议上的讲话 " * 20 + "。\n",
}


def test_breadcrumb_trail_rule_does_not_hang():
    assert _finishes_within(5, strip_boilerplate_of, REDOS["breadcrumb_trail"])


def test_comment_counter_rule_does_not_hang():
    assert _finishes_within(5, strip_boilerplate_of, REDOS["comment_counter"])


def test_title_repeat_rule_does_not_hang():
    assert _finishes_within(5, strip_boilerplate_of, REDOS["title_repeat"])


# Atoms that real chrome is made of; any two of them repeated make a line on which a regex with
# ambiguous nested repetition would backtrack exponentially before failing at the final 。
_ATOMS = [" ", "\t", "\u3000", ">", "|", "：", "(", "1", "评论", "阅读", "讲话", "来源", "版权所有", "首页",
          "在全市会议上的讲话", "…", "-", "2024年", "摄", "【打印】"]


@pytest.mark.parametrize("first", _ATOMS)
def test_no_rule_backtracks_on_repeated_chrome_atoms(first):
    """Every bundled rule, on every line of 40 repeated atom pairs: milliseconds each, never a hang."""
    lines = [(first + second) * 40 + "。" for second in _ATOMS]
    for line in lines:
        page = "同志们：开会。\n" + line + "\n"
        assert _finishes_within(5, strip_boilerplate_of, page), repr(line[:40])


def strip_boilerplate_of(text: str) -> str:
    from speechkit.boilerplate import strip_boilerplate

    return strip_boilerplate(text).text


def test_hang_guard_lets_ordinary_pages_through():
    assert _finishes_within(5, strip_boilerplate_of, "当前位置：首页 > 讲话 > 正文\n" + BODY * 50)


# --- CLI: the fault corpus end to end, as a user runs it -----------------------------------


def _run_cli(args: list[str], cwd: Path, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200", PYTHONWARNINGS="ignore")
    return subprocess.run(SPEECHKIT + args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, **kwargs)


def test_cli_clean_of_the_fault_corpus_completes_without_a_trace(tmp_path):
    expected = write_fault_corpus(tmp_path / "raw")
    result = _run_cli(["clean", "raw", "--out", "out", "-j", "2"], cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    documents = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    assert sorted(documents["source_path"]) == sorted(expected)
    n_errors = sum(1 for status, _ in expected.values() if status == "error")
    assert (documents["status"] == "error").sum() == n_errors
    assert "named pipe" in output and "symbolic link loop" in output  # errors are shown to the user


def test_cli_to_simplified_converts_a_traditional_page(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "trad_big5.txt").write_bytes(TRADITIONAL.encode("big5"))
    (raw / "trad.html").write_text(_html(f"<p>{TRADITIONAL.replace(chr(10), '</p><p>')}</p>"), encoding="utf-8")
    from typer.testing import CliRunner

    from speechkit.cli import app

    result = CliRunner().invoke(app, ["clean", str(raw), "--out", str(tmp_path / "out"), "--to-simplified", "-j", "1"])
    assert result.exit_code == 0, result.output
    documents = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    assert (documents["status"] == "ok").all()
    for text in documents["text"]:
        assert "妇女儿童" in text and "婦女兒童" not in text
        assert "推动妇女儿童事业发展" in text


def test_unreadable_file_is_an_error_row(tmp_path):
    """chmod 000 does not stop root; as root the run drops the capabilities that bypass file modes."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "open.txt").write_text(BODY, encoding="utf-8")
    locked = raw / "locked.txt"
    locked.write_text(BODY.replace("全市", "全省"), encoding="utf-8")
    locked.chmod(0)
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv is missing: cannot make a file unreadable")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
        probe = subprocess.run(prefix + [sys.executable, "-c", f"open({str(locked)!r}).read()"], capture_output=True)
        if probe.returncode == 0:
            pytest.skip("cannot drop the root capability to read any file (setpriv had no effect)")
    env = dict(os.environ, COLUMNS="200")
    result = subprocess.run(prefix + SPEECHKIT + ["clean", str(raw), "--out", str(tmp_path / "out"), "-j", "1"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    rows = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("source_path")
    assert rows.loc["open.txt", "status"] == "ok"
    assert rows.loc["locked.txt", "status"] == "error"
    assert "permission denied" in rows.loc["locked.txt", "error"]


def test_clean_file_turns_a_read_failure_into_an_error_row(tmp_path, monkeypatch):
    """A file that vanishes or fails between discovery and reading is still a row."""
    path = tmp_path / "gone.txt"
    path.write_text(BODY, encoding="utf-8")

    def fail(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", fail)
    row, removals = clean_file(path, "gone.txt")
    assert row["status"] == "error" and "Permission denied" in row["error"] and removals == []
    assert row["source_path"] == "gone.txt" and row["doc_id"]


# --- output safety -------------------------------------------------------------------------

HOSTILE_TITLE = "../../etc/x"
SCRIPT_TITLE = "<script>alert('t')</script>在会议上的讲话"
FORMULA_TITLE = '=HYPERLINK("http://192.0.2.1/x","点击")'
SHELL_TEXT = "{__import__('os').system('touch PWNED1')} $(touch PWNED2) `touch PWNED3` %(x)s {0} ${HOME}"


def test_document_content_never_names_files_and_is_never_evaluated(tmp_path):
    from typer.testing import CliRunner

    from speechkit.cli import app

    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    pages = {
        "a.html": _html(f"<h1>{HOSTILE_TITLE}</h1><p>{BODY}</p>", head=f"<title>{HOSTILE_TITLE}</title>"),
        "b.html": _html(f"<h1>&lt;script&gt;alert('t')&lt;/script&gt;在会议上的讲话</h1><p>{BODY.replace('托育', '家庭')}</p>"
                        "<p>&lt;img src=x onerror=alert(2)&gt;</p>"),
        "c.html": _html(f"<h1>{FORMULA_TITLE}</h1><p>{BODY.replace('妇女', '女性')}</p>"),
        "d.txt": BODY.replace("全市", "全区") + SHELL_TEXT + "\n",
    }
    for name, text in pages.items():
        (raw / name).write_text(text, encoding="utf-8")
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for args in (["clean", str(raw), "--out", str(out), "-j", "1", "--format", "csv"],
                     ["analyze", str(out), "-j", "1"],
                     ["report", str(out), "--by", "city"]):
            result = runner.invoke(app, args)
            assert result.exit_code == 0, (args, result.output)
            assert "Traceback" not in result.output
    finally:
        os.chdir(cwd)
    documents = pd.read_parquet(out / "documents.parquet").set_index("source_path")
    assert documents.loc["a.html", "title"].startswith("../../etc/")
    assert documents.loc["b.html", "title"] == SCRIPT_TITLE
    assert "$(touch PWNED2)" in documents.loc["d.txt", "text"]  # kept literally, never run
    created = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(raw)]
    assert all(p.is_relative_to(out) for p in created), created
    assert not list(tmp_path.rglob("PWNED*")) and not Path(cwd, "PWNED1").exists()
    for p in created:  # names come from table names and content hashes, never from a document
        for piece in ("etc", "script", "HYPERLINK", "点击", "讲话", "PWNED"):
            assert piece not in p.name, p
    assert not (tmp_path.parent / "etc").exists() and not (out.parent / "etc").exists()
    html = (out / "report" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(" not in html and "<img src=x onerror" not in html
    import openpyxl

    workbook = openpyxl.load_workbook(out / "report" / "report.xlsx")
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


# --- interrupted runs --------------------------------------------------------------------


def _copy_demo(raw: Path, copies: int) -> int:
    """The demo corpus ``copies`` times, each copy edited so its doc_ids differ; returns the file count."""
    n = 0
    for i in range(copies):
        for src in sorted(DEMO.rglob("*")):
            if not src.is_file() or src.suffix.lower() not in (".txt", ".md", ".html", ".htm", ".shtml"):
                continue  # the text pages (one document each; Word, PDF and the CSV table are not edited)
            text, encoding, _ = decode_bytes(src.read_bytes())
            k = text.rfind("。")
            text = text[:k] + f"。第{i}份副本" + text[k:]
            dst = raw / f"copy{i:02d}" / src.relative_to(DEMO)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(text.encode(encoding))
            n += 1
    return n


def _cache_files(out: Path, stage: str) -> int:
    return sum(1 for p in (out / ".cache" / stage).rglob("*.*") if p.suffix in (".json", ".arrow")) if (out / ".cache" / stage).exists() else 0


def _start_and_kill(args: list[str], cwd: Path, out: Path, stage: str, at_least: int) -> bool:
    """Start ``speechkit ARGS``; SIGKILL its whole process group once the stage has cached ``at_least`` files.

    Returns True if it was killed, False if it finished first.
    """
    log = cwd / f"{stage}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(SPEECHKIT + args, cwd=cwd, stdout=sink, stderr=sink, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if _cache_files(out, stage) >= at_least:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                return True
            time.sleep(0.05)
        assert proc.returncode == 0, log.read_text(encoding="utf-8", errors="replace")
        return False
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def _assert_tables_whole(out: Path) -> dict[str, int]:
    """Every visible file in OUT is a complete table; temporary files are hidden ('.' prefix)."""
    rows = {}
    for p in out.iterdir():
        if p.name.startswith("."):
            continue
        if p.is_dir():
            continue
        if p.name == "run.json":  # the run record (speechkit.runrecord): written atomically, so whole
            import json

            assert isinstance(json.loads(p.read_text(encoding="utf-8")), dict)
            continue
        assert p.suffix in (".parquet", ".csv"), f"stray partial file {p.name}"
        if p.suffix == ".parquet":
            rows[p.stem] = pq.read_table(p).num_rows  # raises on a truncated file
    return rows


def test_killed_runs_leave_whole_tables_and_resume_from_cache(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    first = _copy_demo(raw, 1)
    result = _run_cli(["clean", str(raw), "--out", str(out), "-j", "1"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _assert_tables_whole(out)["documents"] == first
    shutil.rmtree(raw)
    n_files = _copy_demo(raw, 20)

    # 1. kill the clean stage midway: the previous complete table stays, never half of a new one
    killed = _start_and_kill(["clean", str(raw), "--out", str(out), "-j", "1"], tmp_path, out, "clean", first + 1)
    assert _assert_tables_whole(out)["documents"] == (first if killed else n_files)
    cached_before = _cache_files(out, "clean")
    result = _run_cli(["clean", str(raw), "--out", str(out), "-j", "2"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    rows = _assert_tables_whole(out)
    assert rows["documents"] == n_files
    if killed:  # the files cleaned before the kill come from the cache
        assert _from_cache(result.stderr) >= cached_before > 0

    # 2. kill the analyze stage midway: clean tables untouched, analyze tables absent or whole
    killed = _start_and_kill(["analyze", str(out), "-j", "2"], tmp_path, out, "analyze", 20)
    assert killed, "analyze finished before it could be interrupted"
    rows = _assert_tables_whole(out)
    assert rows["documents"] == n_files
    analysed_before = _cache_files(out, "analyze")
    result = _run_cli(["analyze", str(out), "-j", "2"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    rows = _assert_tables_whole(out)
    for table in ("tokens", "sentences", "themes", "sections", "outlines", "targets", "keywords", "topics"):
        assert rows.get(table, 0) > 0, table
    sentences = pd.read_parquet(out / "sentences.parquet", columns=["doc_id"])
    assert sentences["doc_id"].nunique() == n_files
    assert _from_cache(result.stderr) >= min(analysed_before, n_files) > 0


def _from_cache(summary: str) -> int:
    """The 'from cache' count printed by the clean/analyze summary table."""
    for line in summary.splitlines():
        if "from cache" in line:
            digits = "".join(ch for ch in line.split("from cache", 1)[1] if ch.isdigit())
            return int(digits) if digits else -1
    return -1


def test_rerun_sweeps_temp_files_left_by_a_killed_run(tiny_processed):
    from typer.testing import CliRunner

    from speechkit.cli import app

    leftovers = [tiny_processed / ".tokens.parquet.k1ll3d.tmp", tiny_processed / "..keywords_textrank.parquet.k1ll3d.tmp"]
    day_ago = time.time() - 86400
    for path in leftovers:
        path.write_bytes(b"PAR1 half a table")
        os.utime(path, (day_ago, day_ago))  # stale: no run is writing it any more
    result = CliRunner().invoke(app, ["analyze", str(tiny_processed), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in leftovers if p.exists()] == []


def test_killed_speechkit_run_leaves_whole_tables_and_the_rerun_finishes(tmp_path):
    """kill -9 of the one-shot `speechkit run` while it analyses; the rerun completes from the cache."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    n_files = _copy_demo(raw, 3)
    args = ["run", str(raw), "--out", str(out), "--no-report", "-j", "2"]
    killed = _start_and_kill(args, tmp_path, out, "analyze", 10)
    assert killed, "run finished before it could be interrupted"
    rows = _assert_tables_whole(out)
    assert rows["documents"] == n_files  # clean had finished and published its table
    result = _run_cli(args, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = _assert_tables_whole(out)
    assert all(rows.get(t, 0) > 0 for t in ("tokens", "themes", "targets", "keywords", "topics"))
    assert _from_cache(result.stderr) >= 10
    assert pd.read_parquet(out / "sentences.parquet", columns=["doc_id"])["doc_id"].nunique() == n_files
