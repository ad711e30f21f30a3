"""Runs that cannot silently go wrong: each finding of the reliability probe (issue 15), reproduced."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from speechkit.analyze import analyze_corpus
from speechkit.cache import load_arrow_entry, load_json_entry
from speechkit.clean import clean_corpus
from speechkit.integrity import MixedRunError, run_problems
from speechkit.io import sweep_stale_temp_files, table_run, write_table

SPEECH = ("同志们：今天召开{city}妇女儿童工作会议。下面，我讲两点意见。\n"
          "一、提高认识。到2025年，普惠性幼儿园覆盖率达到{n}%以上。\n"
          "二、狠抓落实。各级妇联要把儿童友好城市建设摆上重要位置。\n")


def _raw(folder: Path, n: int, tag: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"s{i:03d}.txt").write_text(SPEECH.format(city=f"第{i}区{tag}", n=80 + i % 10), encoding="utf-8")
    return folder


def test_no_cache_forgets_the_whole_run_manifest(tmp_path):
    """clean A; clean B --no-cache; clean A must give A's rows, not B's (finding 2)."""
    a, b, out = _raw(tmp_path / "a", 6), _raw(tmp_path / "b", 4, "乙"), tmp_path / "out"
    clean_corpus(a, out, jobs=1)
    clean_corpus(b, out, jobs=1, use_cache=False)
    report = clean_corpus(a, out, jobs=1)
    assert not report.skipped_unchanged or len(report.documents) == 6
    assert len(pd.read_parquet(out / "documents.parquet")) == 6
    assert not any("乙" in t for t in pd.read_parquet(out / "documents.parquet")["text"])


def test_a_table_rewritten_by_another_run_is_not_served_from_the_manifest(tmp_path):
    a, out = _raw(tmp_path / "a", 5), tmp_path / "out"
    clean_corpus(a, out, jobs=1)
    write_table(pd.DataFrame({"doc_id": ["x"]}), out, "removals")  # someone else's table
    report = clean_corpus(a, out, jobs=1)
    assert not report.skipped_unchanged
    assert set(pd.read_parquet(out / "removals.parquet").columns) >= {"rule", "start", "end"}


def test_a_damaged_table_is_recomputed_on_the_fast_path(tmp_path):
    """A damaged documents.parquet: rerunning clean repairs it instead of failing again (finding 6)."""
    a, out = _raw(tmp_path / "a", 5), tmp_path / "out"
    clean_corpus(a, out, jobs=1)
    (out / "documents.parquet").write_bytes(b"PAR1 not a table any more")
    report = clean_corpus(a, out, jobs=1)
    assert not report.skipped_unchanged
    assert pq.read_table(out / "documents.parquet").num_rows == 5


def test_the_cache_holds_data_not_code(tmp_path):
    """Cache entries are JSON / Arrow; a planted pickle is never loaded, an edited entry of the wrong
    shape is ignored (finding 4)."""
    a, out = _raw(tmp_path / "a", 3), tmp_path / "out"
    clean_corpus(a, out, jobs=1)
    analyze_corpus(out, jobs=1)
    entries = [p for p in (out / ".cache").rglob("*") if p.is_file() and p.parent.name != ".cache"]
    assert entries and {p.suffix for p in entries} <= {".json", ".arrow"}
    for p in entries:
        assert not p.read_bytes().startswith(b"\x80")  # no pickle protocol header
    clean_entry = next(p for p in entries if p.suffix == ".json")
    assert load_json_entry(clean_entry)["docs"][0]["row"]["status"] == "ok"  # one entry per source file
    # plant code where an old version kept pickles, and tamper with a JSON entry
    marker = tmp_path / "pwned"
    import pickle

    class Boom:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (clean_entry.with_suffix(".pkl")).write_bytes(pickle.dumps(Boom()))
    clean_entry.write_text(json.dumps({"row": {"doc_id": "fake"}, "removals": []}), encoding="utf-8")
    (out / ".cache" / "clean_manifest.json").unlink()
    report = clean_corpus(a, out, jobs=1)
    assert not marker.exists()
    assert "fake" not in set(report.documents["doc_id"])
    assert report.cached == 2  # the tampered entry was recomputed


def test_an_analyze_entry_with_made_up_rows_of_another_schema_is_ignored(tmp_path):
    import pyarrow as pa

    from speechkit.analyze import entry_schemas, streamed_schemas

    a, out = _raw(tmp_path / "a", 1), tmp_path / "out"
    clean_corpus(a, out, jobs=1)
    analyze_corpus(out, jobs=1)
    entry = next((out / ".cache" / "analyze").rglob("*.arrow"))
    schemas = entry_schemas(streamed_schemas())  # the streamed tables and the document's term counts
    assert load_arrow_entry(entry, schemas) is not None
    entry.write_bytes(entry.read_bytes()[:-40])  # truncated
    assert load_arrow_entry(entry, schemas) is None
    other = dict(schemas, targets=pa.schema([("doc_id", pa.string())]))
    assert load_arrow_entry(entry, other) is None


def test_cache_key_and_result_come_from_the_same_bytes(tmp_path, monkeypatch):
    """A file replaced while it is being cleaned: the entry is stored under the key of the bytes that
    were cleaned, so the next run never serves the other version (finding 3)."""
    import speechkit.readers as readers_mod  # the clean stage decodes the bytes it read through the readers

    a, out = _raw(tmp_path / "a", 1), tmp_path / "out"
    target = a / "s000.txt"
    original_read = readers_mod.page_from_bytes

    def replaced_mid_run(data, suffix=".txt"):
        target.write_text(SPEECH.format(city="替换后", n=99), encoding="utf-8")
        return original_read(data, suffix)

    monkeypatch.setattr(readers_mod, "page_from_bytes", replaced_mid_run)
    first = clean_corpus(a, out, jobs=1)
    monkeypatch.setattr(readers_mod, "page_from_bytes", original_read)
    assert "替换后" not in first.documents["text"].iloc[0]
    second = clean_corpus(a, out, jobs=1)
    assert "替换后" in second.documents["text"].iloc[0]


def test_the_sweep_never_takes_a_live_runs_part_folder(tmp_path):
    """A `clean` beside a long `analyze` must not delete analyze's hour-old part folder (finding 1)."""
    out = tmp_path / "out"
    out.mkdir()
    live = out / f".parts.pid{os.getpid()}.abc"
    live.mkdir()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = out / f".parts.pid{child.pid}.def"
    dead.mkdir()
    old_tmp = out / ".documents.parquet.xyz.tmp"  # written by an older version: no owner tag
    old_tmp.write_bytes(b"half")
    day_ago = time.time() - 86400
    for p in (live, dead, old_tmp):
        os.utime(p, (day_ago, day_ago))
    swept = {p.name for p in sweep_stale_temp_files(out)}
    assert live.exists() and live.name not in swept
    assert dead.name in swept and old_tmp.name in swept


def test_tables_of_two_runs_are_refused_by_the_readers(tmp_path):
    """documents new and removals old (a kill between the two writes): sk.load refuses (finding 11)."""
    import speechkit as sk

    a, b, out = _raw(tmp_path / "a", 3), _raw(tmp_path / "b", 3, "乙"), tmp_path / "out"
    clean_corpus(a, out, jobs=1)
    analyze_corpus(out, jobs=1)
    assert run_problems(out) == []
    assert table_run(out / "tokens.parquet")["input_run"] == table_run(out / "documents.parquet")["run_id"]
    sk.load(out)
    old_removals, old_files = (out / "removals.parquet").read_bytes(), (out / "files.parquet").read_bytes()
    clean_corpus(b, out, jobs=1, use_cache=False)
    problems = run_problems(out)
    assert any("another version of documents.parquet" in p for p in problems)
    new_removals = (out / "removals.parquet").read_bytes()
    (out / "removals.parquet").write_bytes(old_removals)
    assert any("removals.parquet and documents.parquet were written by different clean runs" in p
               for p in run_problems(out))
    (out / "removals.parquet").write_bytes(new_removals)
    (out / "files.parquet").write_bytes(old_files)  # the files list of the other run: a file could be missing
    assert any("files.parquet and documents.parquet were written by different clean runs" in p
               for p in run_problems(out))
    with pytest.raises(MixedRunError, match="do not belong to one run"):
        sk.load(out)
    analyze_corpus(out, jobs=1)
    clean_corpus(b, out, jobs=1, use_cache=False)
    analyze_corpus(out, jobs=1)
    assert run_problems(out) == []


def test_csv_twins_write_formula_like_cells_as_text(tmp_path):
    """Cells and headers beginning with = + - @ are text in Excel (finding 8); lists of numpy ints
    no longer crash the CSV writer (finding 12)."""
    import numpy as np

    df = pd.DataFrame({"comparator": ["=", ">=", "~"], "=HYPERLINK(\"x\")": ["@SUM(A1)", "妇女", "-1+2"],
                       "missing_numbers": [np.array([3, 4], dtype="int64"), np.array([], dtype="int64"), None]})
    write_table(df, tmp_path, "t", ("parquet", "csv"))
    text = (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    header, *rows = text.splitlines()
    assert header.startswith('comparator,"\'=HYPERLINK')
    assert rows[0] == "'=,'@SUM(A1),\"[3, 4]\""
    assert rows[2].startswith("~,'-1+2,")
    assert pd.read_parquet(tmp_path / "t.parquet")["comparator"].tolist() == ["=", ">=", "~"]


def test_analyze_format_csv_writes_every_table(tmp_path):
    a, out = _raw(tmp_path / "a", 2), tmp_path / "out"
    clean_corpus(a, out, jobs=1, formats=("parquet", "csv"))
    analyze_corpus(out, jobs=1, formats=("parquet", "csv"))
    outlines = pd.read_csv(out / "outlines.csv", encoding="utf-8-sig")
    assert len(outlines) == 2 and (out / "targets.csv").exists()


def test_file_names_that_print_alike_stay_two_documents(tmp_path):
    """A name with the invalid byte 0xff and one with a literal backslash-x-f-f (finding 9)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    try:
        (raw / os.fsdecode(b"a\xff.txt")).write_text(SPEECH.format(city="甲", n=81), encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system does not store undecodable names")
    (raw / "a\\xff.txt").write_text(SPEECH.format(city="乙", n=82), encoding="utf-8")
    report = clean_corpus(raw, tmp_path / "out", jobs=1)
    assert len(report.documents) == 2
    assert report.documents["source_path"].nunique() == 2


def test_a_symlink_to_a_file_outside_raw_dir_is_noted(tmp_path):
    raw, outside = _raw(tmp_path / "raw", 1), tmp_path / "elsewhere.txt"
    outside.write_text(SPEECH.format(city="外", n=90), encoding="utf-8")
    (raw / "link.txt").symlink_to(outside)
    docs = clean_corpus(raw, tmp_path / "out", jobs=1).documents.set_index("source_path")
    assert "outside" in docs.loc["link.txt", "notes"]
    assert pd.isna(docs.loc["s000.txt", "notes"]) or "outside" not in docs.loc["s000.txt", "notes"]


def test_a_failing_cache_write_never_aborts_the_run(tmp_path):
    a, out = _raw(tmp_path / "a", 2), tmp_path / "out"
    (out / ".cache").mkdir(parents=True)
    (out / ".cache" / "clean").write_text("a file where the cache folder should be")
    report = clean_corpus(a, out, jobs=1)
    assert (report.documents["status"] == "ok").all()


def _cli(args):
    from typer.testing import CliRunner

    from speechkit.cli import app

    return CliRunner().invoke(app, args)


def test_an_output_folder_that_is_a_file_gives_one_line_naming_it(tmp_path):
    """--out naming a file: no 'internal error', the path and the fix (finding 10)."""
    a, out = _raw(tmp_path / "a", 1), tmp_path / "taken"
    out.write_text("not a folder")
    result = _cli(["clean", str(a), "--out", str(out), "-j", "1"])
    assert result.exit_code == 2
    assert "internal error" not in result.output
    assert "taken" in result.output and "choose another --out" in result.output


def test_a_full_disk_or_ctrl_c_while_publishing_gives_one_true_line(tmp_path, monkeypatch):
    """Disk full while a table is written: one line naming the file and the fix, the previous table
    left whole; Ctrl-C there does not claim the tables are the previous run's (finding 10)."""
    import errno

    import pyarrow.parquet as pq_mod

    a, out = _raw(tmp_path / "a", 2), tmp_path / "out"
    assert _cli(["clean", str(a), "--out", str(out), "-j", "1"]).exit_code == 0
    before = (out / "documents.parquet").read_bytes()
    real_write = pq_mod.write_table

    def full(table, where, **kwargs):
        if "documents" in str(where):
            raise OSError(errno.ENOSPC, "No space left on device", str(where))
        return real_write(table, where, **kwargs)

    monkeypatch.setattr(pq_mod, "write_table", full)
    result = _cli(["clean", str(a), "--out", str(out), "-j", "1", "--no-cache"])
    assert result.exit_code == 2 and "internal error" not in result.output
    line = result.output.replace("\n", "")  # the terminal wraps long lines
    assert f"{out / 'documents.parquet'}: the disk is full" in line  # the table, not its hidden temp file
    assert (out / "documents.parquet").read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # no temp file left behind

    def interrupted(table, where, **kwargs):
        if "documents" in str(where):
            raise KeyboardInterrupt
        return real_write(table, where, **kwargs)

    monkeypatch.setattr(pq_mod, "write_table", interrupted)
    result = _cli(["clean", str(a), "--out", str(out), "-j", "1", "--no-cache"])
    assert result.exit_code == 130
    said = " ".join(result.output.split())
    assert "may now come from two runs" in said and "previous complete" not in said
    monkeypatch.setattr(pq_mod, "write_table", real_write)
    assert run_problems(out)  # removals of the new run beside the old documents: the readers see it


def test_control_characters_in_names_never_reach_the_terminal(tmp_path):
    """A file named with ESC[2J (clear screen) is shown escaped in the summary (finding 14)."""
    raw = _raw(tmp_path / "raw", 1)
    (raw / "bad\x1b[2J.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)  # an error row that names the file
    result = _cli(["clean", str(raw), "--out", str(tmp_path / "out"), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "\x1b[2J" not in result.output
    assert "\\x1b[2J" in result.output


def test_run_takes_every_option_of_its_stages():
    result = _cli(["run", "--help"])
    for option in ("--rules", "--user-dict", "--stopwords", "--themes", "--meta", "--engine", "--no-cache", "--topics"):
        assert option in result.output, option


def test_a_runaway_user_rule_becomes_an_error_row_naming_it(tmp_path):
    """A user rule that backtracks without end stops after the time limit (finding 5)."""
    import speechkit.boilerplate as bp

    raw = _raw(tmp_path / "raw", 1)
    (raw / "evil.txt").write_text("同志们：\n" + "a" * 40 + "b\n今天召开会议。\n", encoding="utf-8")
    rules = tmp_path / "mine.toml"
    rules.write_text('[[rule]]\nname = "runaway"\npattern = \'(a|aa)+$\'\n', encoding="utf-8")
    old = bp.USER_RULE_TIMEOUT_S
    bp.USER_RULE_TIMEOUT_S = 0.2
    try:
        from speechkit.clean import CleanOptions

        docs = clean_corpus(raw, tmp_path / "out", options=CleanOptions(rules_files=(str(rules),)), jobs=1).documents
    finally:
        bp.USER_RULE_TIMEOUT_S = old
    docs = docs.set_index("source_path")
    assert docs.loc["evil.txt", "status"] == "error"
    assert "runaway" in docs.loc["evil.txt", "error"] and "mine.toml" in docs.loc["evil.txt", "error"]
    assert docs.loc["s000.txt", "status"] == "ok"


def test_workbook_headers_and_cells_that_look_like_formulas_stay_text(tmp_path):
    """report.xlsx: a theme name used as a column header never becomes a live formula (finding 8)."""
    from openpyxl import load_workbook

    from speechkit.report import write_workbook

    frame = pd.DataFrame({'=HYPERLINK("http://x","点我")': [0.5], "comparator": ["="], "原句": ["=1+1"]})
    path = write_workbook(tmp_path / "r.xlsx", [("主题", frame, ())])
    ws = load_workbook(path)["主题"]
    assert [c.data_type for c in ws[1]] == ["s", "s", "s"]
    assert [c.data_type for c in ws[2]][1:] == ["s", "s"]
    assert ws["A1"].value.startswith("=HYPERLINK")


def test_entries_of_other_code_are_never_served(tmp_path, monkeypatch):
    """A checkout updated with git pull keeps its version number: the cache keys carry a digest of the
    code too, so a cache written by the old code is not served as the new code's result."""
    import speechkit.analyze
    import speechkit.clean

    a, out = _raw(tmp_path / "a", 3), tmp_path / "out"
    clean_corpus(a, out, jobs=1)
    analyze_corpus(out, jobs=1)
    again = clean_corpus(a, out, jobs=1)
    assert again.skipped_unchanged
    monkeypatch.setattr(speechkit.clean, "code_digest", lambda: "the code after a git pull")
    monkeypatch.setattr(speechkit.analyze, "code_digest", lambda: "the code after a git pull")
    after = clean_corpus(a, out, jobs=1)
    assert not after.skipped_unchanged and after.cached == 0
    analyzed = analyze_corpus(out, jobs=1)
    assert not analyzed.skipped_unchanged and analyzed.cached == 0


def test_the_code_digest_is_the_codes_also_when_the_package_is_imported_from_a_zip(tmp_path):
    """Review (issue 15): imported from a zip (zipapp, a zipped site-packages), the package has no
    folder to walk; its digest must still be its modules' (the same as from the folder), not the
    digest of nothing — which would never change with the code, serving the old code's entries."""
    import hashlib
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    import speechkit
    from speechkit._version import code_digest

    root = Path(speechkit.__file__).resolve().parent
    archive = tmp_path / "speechkit.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, Path("speechkit") / path.relative_to(root))
    probe = "import speechkit._version as v; print(v.__file__); print(v.code_digest())"
    lines = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path,
                           env={"PYTHONPATH": str(archive), "PATH": "/usr/bin:/bin"}).stdout.split()
    assert lines[0].startswith(str(archive))  # the zip's copy was imported
    assert lines[1] != hashlib.sha1().hexdigest()
    assert lines[1] == code_digest()  # same modules, same digest


def test_a_torn_or_edited_arrow_cache_entry_is_ignored_by_its_checksum(tmp_path):
    """Cache entries are renamed into place without an fsync; a crash can leave one torn, and an edit
    can keep its structure valid (a changed figure in a table): each table's CRC-32 finds both."""
    import pyarrow as pa

    from speechkit.cache import load_arrow_entry, store_arrow_entry

    table = pa.table({"indicator": ["普惠性幼儿园覆盖率"], "value": [85.0]})
    schemas = {"targets": table.schema}
    path = tmp_path / "ab" / "entry.arrow"
    assert store_arrow_entry(path, {"targets": table}, {"sentences": 1})
    assert load_arrow_entry(path, schemas)[0]["targets"].equals(table)
    raw = path.read_bytes()
    value = pa.array([85.0]).buffers()[1].to_pybytes()
    assert raw.count(value) == 1
    path.write_bytes(raw.replace(value, pa.array([95.0]).buffers()[1].to_pybytes()))  # a figure edited in place
    assert load_arrow_entry(path, schemas) is None
    path.write_bytes(raw[: len(raw) - 40])  # torn
    assert load_arrow_entry(path, schemas) is None
