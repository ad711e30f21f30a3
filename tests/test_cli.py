"""The command line on user mistakes: a non-zero exit, one clear line, no trace
(the trace only with ``--debug``). Runs in-process with Typer's CliRunner; the
terminal is made wide so a message is one line."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from speechkit.cli import app

BODY = (
    "同志们：今天召开全市妇女儿童工作会议，部署今年任务。\n"
    "下面，我讲两点意见。\n"
    "一、推进托育服务。到2025年，全市建成普惠托位300个。\n"
    "二、保障妇女权益。妇女就业率保持在85%以上。\n"
)


def invoke(*args) -> "object":
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


_PROGRESS_LINE = re.compile(r"^(clean|analyze|compare)\b.*\d+/\d+")


def assert_clear_error(result, *fragments: str) -> str:
    """Non-zero exit, no trace, one line of output that starts with 'error:' (besides a progress bar)."""
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.output.splitlines() if line.strip() and not _PROGRESS_LINE.match(line)]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error:"), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "speech.txt").write_text(BODY, encoding="utf-8")
    return raw


# --- RAW_DIR / PROCESSED_DIR mistakes --------------------------------------------------------


def test_missing_raw_dir(tmp_path):
    assert_clear_error(invoke("clean", tmp_path / "nope", "--out", tmp_path / "out"), "nope", "RAW_DIR does not exist")
    assert not (tmp_path / "out" / "documents.parquet").exists()


def test_empty_raw_dir(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # not a speech file
    assert_clear_error(invoke("clean", tmp_path / "raw", "--out", tmp_path / "out"), "no speech files found",
                       "unsupported type (.png)")


def test_raw_dir_that_is_a_file_is_read_alone(raw_dir, tmp_path):
    result = invoke("clean", raw_dir / "speech.txt", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    assert list(docs["source_path"]) == ["speech.txt"] and docs["status"].tolist() == ["ok"]


def test_unknown_output_format(raw_dir, tmp_path):
    assert_clear_error(invoke("clean", raw_dir, "--out", tmp_path / "out", "--format", "xml"), "--format", "xml")


@pytest.mark.parametrize("command", [["analyze", "{dir}"], ["report", "{dir}"], ["kwic", "妇女", "-p", "{dir}"]])
def test_processed_dir_without_documents_table(tmp_path, command):
    empty = tmp_path / "processed"
    empty.mkdir()
    args = [str(empty) if a == "{dir}" else a for a in command]
    assert_clear_error(invoke(*args), "documents", "run `speechkit clean` first")


def test_analyze_with_no_usable_document(tmp_path):
    out = tmp_path / "processed"
    out.mkdir()
    pd.DataFrame([{"doc_id": "err-1", "source_path": "a.txt", "text": "", "status": "error", "error": "empty file"}]) \
        .to_parquet(out / "documents.parquet", index=False)
    assert_clear_error(invoke("analyze", out), "no documents with status 'ok'")


def test_corrupt_documents_table_names_the_file(tmp_path):
    out = tmp_path / "processed"
    out.mkdir()
    (out / "documents.parquet").write_bytes(b"not parquet at all")
    assert_clear_error(invoke("analyze", out), "documents.parquet")


def test_corrupt_documents_table_is_a_clear_error(tmp_path):
    out = tmp_path / "processed"
    out.mkdir()
    (out / "documents.parquet").write_bytes(b"not parquet at all")
    assert_clear_error(invoke("analyze", out))


# --- malformed user files ------------------------------------------------------------------


def test_malformed_user_dictionary_names_file_and_line(tiny_processed, tmp_path):
    bad = tmp_path / "my_words.txt"
    bad.write_text("妇女儿童 10 n\n托育服务 很多 n\n儿童友好\n", encoding="utf-8")
    line = assert_clear_error(invoke("analyze", tiny_processed, "--user-dict", bad), "my_words.txt")
    assert ":2" in line or "line 2" in line, line


def test_user_dictionary_in_the_wrong_encoding(tiny_processed, tmp_path):
    bad = tmp_path / "gbk_words.txt"
    bad.write_bytes("妇女儿童 10 n\n".encode("gb18030"))
    assert_clear_error(invoke("analyze", tiny_processed, "--user-dict", bad), "gbk_words.txt", "UTF-8")


def test_missing_user_dictionary_names_the_file(tiny_processed, tmp_path):
    assert_clear_error(invoke("analyze", tiny_processed, "--user-dict", tmp_path / "absent.txt"), "absent.txt")


def test_taxonomy_with_broken_toml_names_file_and_line(tiny_processed, tmp_path):
    bad = tmp_path / "themes.toml"
    bad.write_text('[[theme]]\nname = "托育"\nterms = ["托育", \n', encoding="utf-8")
    line = assert_clear_error(invoke("analyze", tiny_processed, "--themes", bad), "themes.toml")
    assert "line" in line, line


@pytest.mark.parametrize("toml_text,fragment", [
    ('[[theme]]\nname = "托育"\nfield = "交叉议题"\nterms = "托育"\n', "terms"),
    ('[[theme]]\nfield = "交叉议题"\nterms = ["托育"]\n', "name"),
])
def test_taxonomy_with_wrong_fields_names_file_and_field(tiny_processed, tmp_path, toml_text, fragment):
    bad = tmp_path / "themes.toml"
    bad.write_text(toml_text, encoding="utf-8")
    assert_clear_error(invoke("analyze", tiny_processed, "--themes", bad), "themes.toml", fragment)


def test_unknown_segmenter(tiny_processed):
    assert_clear_error(invoke("analyze", tiny_processed, "--segmenter", "nosuch"), "nosuch", "jieba")


BAD_RULES = '[[rule]]\nname = "x"\npattern = "(unclosed"\n'


def test_malformed_rules_file(raw_dir, tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text(BAD_RULES, encoding="utf-8")
    assert_clear_error(invoke("clean", raw_dir, "--out", tmp_path / "out", "--rules", bad, "-j", "1"),
                       "rules.toml", "regular expression")


def test_malformed_rules_file_with_worker_processes(raw_dir, tmp_path):
    (raw_dir / "second.txt").write_text(BODY.replace("全市", "全区"), encoding="utf-8")
    bad = tmp_path / "rules.toml"
    bad.write_text(BAD_RULES, encoding="utf-8")
    assert_clear_error(invoke("clean", raw_dir, "--out", tmp_path / "out", "--rules", bad, "-j", "2"),
                       "rules.toml", "regular expression")


# --- grouping columns ----------------------------------------------------------------------


def test_report_with_unknown_by_column_lists_the_valid_ones(tiny_processed):
    line = assert_clear_error(invoke("report", tiny_processed, "--by", "city,colour"), "colour", "valid")
    for column in ("year", "city", "province"):
        assert column in line


def test_compare_with_unknown_by_column_lists_the_valid_ones(tiny_processed):
    line = assert_clear_error(invoke("compare", tiny_processed, "--by", "colour"), "colour")
    assert "city" in line and "year" in line


def test_kwic_with_empty_term(tiny_processed):
    assert_clear_error(invoke("kwic", "", "-p", tiny_processed), "term")


def test_run_without_report_completes(raw_dir, tmp_path):
    result = invoke("run", raw_dir, "--out", tmp_path / "out", "--no-report", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "out" / "documents.parquet").exists() and (tmp_path / "out" / "sentences.parquet").exists()
    assert not (tmp_path / "out" / "report").exists()


def test_run_on_a_missing_raw_dir(tmp_path):
    assert_clear_error(invoke("run", tmp_path / "nope", "--out", tmp_path / "out", "--no-report"), "RAW_DIR does not exist")


# --- --debug ---------------------------------------------------------------------------------


def test_debug_shows_the_trace_and_default_does_not(tmp_path):
    plain = invoke("clean", tmp_path / "nope", "--out", tmp_path / "out")
    assert_clear_error(plain)
    debug = invoke("--debug", "clean", tmp_path / "nope", "--out", tmp_path / "out")
    assert debug.exit_code != 0
    assert type(debug.exception).__name__ == "RawDirError"  # the exception propagates for the trace


# --- markup in paths and text: printed as text, never as rich markup -------------------------------------------


def test_path_with_square_brackets_in_an_error_message(tmp_path):
    odd = tmp_path / "x[" / "b]" / "nope"  # the message holds 'x[/b]'
    assert_clear_error(invoke("clean", odd, "--out", tmp_path / "out"), "RAW_DIR does not exist")


def test_file_path_with_square_brackets_in_the_clean_summary(raw_dir, tmp_path):
    (raw_dir / "x[").mkdir()
    (raw_dir / "x[" / "b].txt").write_bytes(b"")  # an error row whose source_path is 'x[/b].txt'
    result = invoke("clean", raw_dir, "--out", tmp_path / "out", "-j", "1")
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "x[/b].txt" in result.output


def test_kwic_on_text_with_bbcode_left_in(tiny_processed):
    docs = pd.read_parquet(tiny_processed / "documents.parquet")
    first = docs.index[docs["status"] == "ok"][0]
    docs.loc[first, "text"] += "\n[img]a.jpg[/img]托育服务[/url]要做好。"
    docs.to_parquet(tiny_processed / "documents.parquet", index=False)
    result = invoke("kwic", "托育服务", "-p", tiny_processed)
    assert result.exit_code == 0, result.output
    assert "[/url]" in result.output


# --- lazy imports: the quick commands never pay for the heavy libraries ------------------


@pytest.mark.parametrize("args", [["--help"], ["clean", "RAW", "--out", "OUT", "-j", "1"]])
def test_help_and_clean_do_not_import_heavy_libraries(raw_dir, tmp_path, args):
    import subprocess
    import sys

    args = [a.replace("RAW", str(raw_dir)).replace("OUT", str(tmp_path / "out")) for a in args]
    code = ("import sys; from typer.testing import CliRunner; from speechkit.cli import app; "
            f"r = CliRunner().invoke(app, {args!r}); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('sklearn', 'matplotlib', 'wordcloud', 'scipy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


# --- speechkit clean --explain FILE ----------------------------------------------------------

def test_clean_explain_prints_one_pages_cuts_rule_by_rule_and_what_was_kept(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("当前位置：首页 > 领导讲话\n主办单位：市教育局、市民政局\n" + BODY
                    + "某某网版权所有 京ICP备12345678号\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("clean", "--explain", page, "--out", out)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "breadcrumb" in text and "⟦当前位置：首页 > 领导讲话⏎⟧" in text
    assert "licence_footer" in text and "京ICP备12345678号" in text
    # context: the line after the breadcrumb is shown beside it
    assert "⟧主办单位：市教育局" in text
    # the sponsor line with no site evidence was a candidate and was kept
    assert "kept sponsor_line" in text and "no evidence" in text
    assert not out.exists()  # --explain writes nothing


def test_clean_explain_of_an_unreadable_file_is_an_error_row(tmp_path):
    page = tmp_path / "image.txt"
    page.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = invoke("clean", "--explain", page)
    assert result.exit_code == 1 and "PNG" in result.output and "Traceback" not in result.output


def test_clean_summary_counts_traditional_pages_and_suggests_to_simplified(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "simplified.txt").write_text(BODY, encoding="utf-8")
    (raw / "traditional.txt").write_text("同志們：今天召開全市婦女兒童工作會議，部署今年任務。\n" * 3, encoding="utf-8")
    result = invoke("clean", raw, "--out", tmp_path / "out", "--jobs", 1)
    assert result.exit_code == 0, result.output
    assert "1 traditional: the lexicons are Simplified — rerun with --to-simplified" in result.output
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("source_path")
    assert docs.loc["traditional.txt", "script"] == "traditional" and docs.loc["simplified.txt", "script"] == "simplified"
    result = invoke("clean", raw, "--out", tmp_path / "out2", "--jobs", 1, "--to-simplified")
    assert "converted to Simplified" in result.output
    docs = pd.read_parquet(tmp_path / "out2" / "documents.parquet").set_index("source_path")
    assert docs.loc["traditional.txt", "text"].startswith("同志们：今天召开全市妇女儿童工作会议")
    assert "converted to Simplified" in docs.loc["traditional.txt", "notes"]


def test_rules_lists_each_rules_zone_and_guard():
    result = invoke("rules")
    assert result.exit_code == 0, result.output
    line = next(l for l in result.output.splitlines() if "sponsor_line" in l)
    assert "edges" in line and "cuts only with its evidence" in line
    line = next(l for l in result.output.splitlines() if "│ paywall_omitted" in l)
    assert "none: the match is its own evidence" in line


def test_a_command_does_not_import_the_clean_stage_to_catch_user_errors():
    # every command ran `import speechkit.clean` (and the boilerplate rules) only to build the tuple of
    # user errors; the CLI catches their base classes, and each user error is one of them
    import subprocess
    import sys

    code = ("import sys, speechkit.errors as e; from speechkit.cli import _guard; _guard(lambda: None); "
            "print('speechkit.clean' in sys.modules, 'speechkit.boilerplate' in sys.modules, "
            "all(issubclass(c, e.USER_ERROR_BASES) for c in e.USER_ERRORS))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "True"]
