"""A researcher's daily path: exports (Stata, R, Excel, CSV), the run record, validation aids
(p-values, subset, did-you-mean, warnings), CLI help and KWIC, figures in Jupyter, trend gaps.

Runs on the tiny processed corpus of conftest.py (seven speeches of three 浙江 cities) and on
small inline inputs."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import speechkit as sk
from speechkit import runrecord
from speechkit.cli import app
from speechkit.export import export_corpus, split_long_cells, stata_names


def invoke(*args, columns: int = 250):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": str(columns)})


# ---------------------------------------------------------------- Stata


def test_stata_export_reads_back_with_safe_names_labels_and_integer_types(tiny_processed, tmp_path):
    corpus = sk.load(tiny_processed)
    result = export_corpus(corpus, "stata", tmp_path / "dta")
    assert {"documents", "themes", "targets", "outlines", "doc_terms"} <= set(result.paths)
    targets = pd.read_stata(result.paths["targets"])
    assert "end_" in targets.columns and "end" not in targets.columns     # `end` is reserved in Stata
    assert len(targets) == len(corpus.tables["targets"])
    with pd.io.stata.StataReader(result.paths["targets"]) as reader:
        reader.read()
        labels = reader.variable_labels()
        types = dict(zip(targets.columns, reader._typlist))
    assert labels["end_"].startswith("end")                               # the original name is kept
    assert labels["deadline_year"] and labels["kind"]
    # deadline_year has missing values and is still an integer variable (b/h/l), never a float
    assert types["deadline_year"] in ("b", "h", "l")
    years = targets["deadline_year"].dropna()
    assert len(years) and (years == years.round()).all()
    outlines = pd.read_stata(result.paths["outlines"])
    assert outlines["missing_numbers"].map(lambda v: isinstance(v, str)).all()  # list → "3 4"
    docs = pd.read_stata(result.paths["documents"])
    assert set(docs["doc_id"]) == set(corpus.documents["doc_id"])
    assert docs["text"].str.len().sum() == corpus.documents["text"].str.len().sum()
    assert any("end_" in note for note in result.notes)


def test_stata_export_handles_all_null_object_columns_and_long_text(tiny_processed, tmp_path):
    docs = pd.read_parquet(tiny_processed / "documents.parquet")
    docs["notes"] = pd.Series([None] * len(docs), dtype=object)           # all null, object dtype
    first = docs.index[docs["status"] == "ok"][0]
    docs.loc[first, "text"] = "推进妇女儿童事业高质量发展。" * 400            # far beyond str2045
    docs.to_parquet(tiny_processed / "documents.parquet", index=False)
    result = export_corpus(sk.load(tiny_processed), "stata", tmp_path / "dta")
    back = pd.read_stata(result.paths["documents"])
    assert (back["notes"] == "").all()
    assert back["text"].str.len().max() == len("推进妇女儿童事业高质量发展。") * 400
    assert any("strL" in note for note in result.notes)


def test_stata_names_are_legal_and_unique():
    names = stata_names(["end", "in", "2024年", "a b", "x" * 40, "x" * 41, "类型"])
    assert names["end"] == "end_" and names["in"] == "in_"
    assert names["2024年"] == "_2024年" and names["a b"] == "a_b" and names["类型"] == "类型"
    assert len(set(names.values())) == len(names)
    assert all(len(n) <= 32 and re.fullmatch(r"[^\W\d]\w*", n) for n in names.values())


# ---------------------------------------------------------------- R, CSV, Excel


def test_r_export_has_corpus_tokens_and_a_document_term_matrix(tiny_processed, tmp_path):
    from scipy.io import mmread

    corpus = sk.load(tiny_processed)
    result = export_corpus(corpus, "r", tmp_path / "r")
    frame = pd.read_parquet(result.paths["corpus"])
    assert list(frame.columns[:2]) == ["doc_id", "text"] and {"city", "year"} <= set(frame.columns)
    tokens = pd.read_parquet(result.paths["tokens_long"])
    expected = corpus.tables["tokens"]["tokens"].map(len).sum()
    assert len(tokens) == expected and list(tokens.columns) == ["doc_id", "sentence_id", "position", "token"]
    matrix = mmread(result.paths["dtm"]).tocsr()
    doc_ids = pd.read_csv(result.paths["dtm_docs"])["doc_id"].tolist()
    terms = pd.read_csv(result.paths["dtm_terms"])["term"].tolist()
    assert matrix.shape == (len(doc_ids), len(terms)) and doc_ids == corpus.documents["doc_id"].tolist()
    long = pd.read_parquet(result.paths["doc_terms"])
    assert int(matrix.sum()) == int(long["count"].sum())
    # one cell checked by hand: a term's count in one document equals its tokens there
    row = long.iloc[0]
    in_doc = tokens[(tokens["doc_id"] == row["doc_id"]) & (tokens["token"] == row["term"])]
    assert len(in_doc) == row["count"] == matrix[doc_ids.index(row["doc_id"]), terms.index(row["term"])]
    assert (tmp_path / "r" / "load_speechkit.R").read_text(encoding="utf-8").count("read_parquet") >= 3


def test_csv_export_opens_in_excel_and_splits_long_cells(tiny_processed, tmp_path):
    docs = pd.read_parquet(tiny_processed / "documents.parquet")
    first = docs.index[docs["status"] == "ok"][0]
    long_text = "坚持男女平等基本国策，" * 3500                                 # 38,500 characters
    docs.loc[first, "text"] = long_text
    docs.to_parquet(tiny_processed / "documents.parquet", index=False)
    result = export_corpus(sk.load(tiny_processed), "csv", tmp_path / "csv")
    raw = result.paths["documents"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                                  # UTF-8 BOM
    back = pd.read_csv(result.paths["documents"], encoding="utf-8-sig")
    assert "text_2" in back.columns
    row = back[back["doc_id"] == docs.loc[first, "doc_id"]].iloc[0]
    assert len(row["text"]) <= 32767 and row["text"] + row["text_2"] == long_text
    targets = pd.read_csv(result.paths["targets"], encoding="utf-8-sig", dtype=str)
    assert not targets["deadline_year"].dropna().str.contains(r"\.0$").any()  # 2025, not 2025.0


def test_split_long_cells_is_lossless():
    frame = pd.DataFrame({"doc_id": ["a", "b"], "text": ["妇女" * 7, None]})
    out, notes = split_long_cells(frame, max_chars=5)
    rebuilt = out[["text", "text_2", "text_3"]].fillna("").agg("".join, axis=1)
    assert rebuilt.tolist() == ["妇女" * 7, ""] and notes


def test_excel_export_one_sheet_per_table(tiny_processed, tmp_path):
    from openpyxl import load_workbook

    result = export_corpus(sk.load(tiny_processed), "excel", tmp_path / "x")
    wb = load_workbook(result.paths["workbook"], read_only=True)
    assert {"documents", "targets", "themes", "doc_terms"} <= set(wb.sheetnames)
    header = [c.value for c in next(wb["targets"].iter_rows(max_row=1))]
    year_col = header.index("deadline_year")
    years = [r[year_col] for r in wb["targets"].iter_rows(min_row=2, values_only=True) if r[year_col] is not None]
    assert years and all(isinstance(y, int) for y in years)


def test_export_cli_and_unknown_target(tiny_processed, tmp_path):
    result = invoke("export", tiny_processed, "--to", "stata", "-o", tmp_path / "s")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s" / "documents.dta").exists() and (tmp_path / "s" / "NOTES.txt").exists()
    record = json.loads((tmp_path / "s" / "run.json").read_text(encoding="utf-8"))
    assert record["stages"]["export"]["options"]["to"] == "stata"
    bad = invoke("export", tiny_processed, "--to", "stat")
    assert bad.exit_code != 0 and "did you mean 'stata'" in bad.output


def test_integer_columns_with_nulls_load_as_nullable_integers(tiny_processed):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # as analyze writes it: an int64 Parquet column with a null (an outline with no announcement)
    outlines = pa.table({"doc_id": ["a", "b"], "announced_points": pa.array([3, None], pa.int64()),
                         "found_points": pa.array([3, 2], pa.int64())})
    pq.write_table(outlines, tiny_processed / "outlines.parquet")
    corpus = sk.load(tiny_processed)
    assert corpus.tables["outlines"]["announced_points"].tolist() == [3, pd.NA]
    assert str(corpus.tables["outlines"]["found_points"].dtype) == "int64"   # no nulls: plain int64
    years = corpus.tables["targets"]["deadline_year"]
    assert years.isna().any() and str(years.dtype) == "Int64"


# ---------------------------------------------------------------- run record


def test_run_record_of_clean_and_analyze_names_options_and_file_hashes(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "绍兴.txt").write_text("同志们：今天召开全市妇女儿童工作会议。\n下面，我讲两点意见。\n一、推进托育服务。\n二、保障妇女权益。\n",
                                 encoding="utf-8")
    words = tmp_path / "words.txt"
    words.write_text("托育服务 10 n\n", encoding="utf-8")
    out = tmp_path / "out"
    import sys

    monkeypatch.setattr(sys, "argv", ["/somewhere/.venv/bin/speechkit", "clean", str(raw), "-o", str(out)])
    assert invoke("clean", raw, "-o", out, "-j", "1").exit_code == 0
    result = invoke("analyze", out, "-j", "1", "--user-dict", words)
    assert result.exit_code == 0, result.output
    record = runrecord.read_run_record(out)
    assert record["speechkit_version"] == sk.__version__
    assert set(record["stages"]) == {"clean", "analyze"}
    clean = record["stages"]["clean"]
    assert clean["inputs"]["files"] == 1 and clean["options"]["to_simplified"] is False
    assert clean["command_line"] == f"speechkit clean {raw} -o {out}"   # as typed, program name short
    analyze = record["stages"]["analyze"]
    assert analyze["options"]["segmenter"] == "rjieba"
    import hashlib

    assert analyze["user_files"]["--user-dict"][0]["sha256"] == hashlib.sha256(words.read_bytes()).hexdigest()
    assert {"boilerplate.toml", "themes.toml", "stopwords.txt", "domain_dict.txt"} <= set(record["data_files"])
    assert record["tables"]["documents"]["rows"] == 1
    assert record["run_id"] == record["tables"]["documents"]["run_id"]
    # every table of both stages, with the hash of its file (what `sha256sum` shows) and its stage
    assert {"documents", "removals", "files", "tokens", "targets", "keywords"} <= set(record["tables"])
    for name, table in record["tables"].items():
        assert table["sha256"] == hashlib.sha256((out / f"{name}.parquet").read_bytes()).hexdigest(), name
    assert record["tables"]["files"]["stage"] == "clean" and record["tables"]["tokens"]["stage"] == "analyze"
    # a re-run served from the cache keeps the hashes (the files are the same), a changed table gets a new one
    assert invoke("analyze", out, "-j", "1", "--user-dict", words).exit_code == 0
    again = runrecord.read_run_record(out)["tables"]
    assert again["tokens"]["sha256"] == record["tables"]["tokens"]["sha256"]
    assert invoke("clean", raw, "-o", out, "-j", "1", "--no-cache").exit_code == 0  # documents rewritten (new run id)
    fresh = runrecord.read_run_record(out)["tables"]["documents"]
    assert fresh["sha256"] == hashlib.sha256((out / "documents.parquet").read_bytes()).hexdigest() != \
        record["tables"]["documents"]["sha256"]


def test_report_shows_the_run_record_in_header_and_workbook(tiny_processed, tmp_path):
    from openpyxl import load_workbook

    runrecord.update_run_record(tiny_processed, runrecord.stage_entry(
        "clean", options={"to_simplified": True}, inputs={"files": 8}, command=["speechkit", "clean", "raw/"]))
    result = invoke("report", tiny_processed, "--by", "city", "-o", tmp_path / "rep")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "speechkit clean raw/" in html and sk.__version__ in html and "run-record" in html
    wb = load_workbook(tmp_path / "rep" / "report.xlsx", read_only=True)
    rows = list(wb["运行记录"].iter_rows(values_only=True))
    assert ("clean 命令", "speechkit clean raw/") in rows
    rec = runrecord.read_run_record(tmp_path / "rep")
    assert {"clean", "report"} <= set(rec["stages"]) and rec["stages"]["report"]["options"]["by"] == ["city"]


def test_version_flag():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.strip() == f"speechkit {sk.__version__}"


# ---------------------------------------------------------------- validation aids


def test_keyness_has_p_values_and_drops_weak_terms_unless_asked(tiny_processed):
    corpus = sk.load(tiny_processed)
    cut = corpus.keyness("city", top=None, min_freq=1)
    everything = corpus.keyness("city", top=None, min_freq=1, alpha=None)
    assert "p_value" in cut.columns
    assert (cut["g2"] >= 3.84).all() and (cut["p_value"] < 0.05).all()
    assert (everything["g2"] < 3.84).any() and len(everything) > len(cut)
    # p is the χ²(1) tail of G²: G² = 3.84 ↔ p ≈ 0.05
    from scipy.stats import chi2

    assert np.allclose(everything["p_value"], chi2.sf(everything["g2"], 1))


def test_subset_by_city_and_year(tiny_processed):
    corpus = sk.load(tiny_processed)
    part = corpus.subset(city=["杭州市", "宁波市"], year=2022)
    assert set(part.documents["city"]) == {"杭州市", "宁波市"} and set(part.documents["year"]) == {2022}
    assert set(part.themes("city")["group"]) == {"杭州市", "宁波市"}
    assert set(part.targets()["doc_id"]) <= set(part.documents["doc_id"])
    with pytest.raises(ValueError, match="did you mean '杭州市'"):
        corpus.subset(city="杭州")
    with pytest.raises(ValueError, match="did you mean 'city'"):
        corpus.subset(ctiy="杭州市")


def test_unknown_theme_kind_and_by_column_say_did_you_mean(tiny_processed):
    corpus = sk.load(tiny_processed)
    theme = corpus.tables["themes"]["theme"].iloc[0]
    with pytest.raises(ValueError, match=f"did you mean '{theme}'"):
        corpus.plot_theme_trends(themes=theme[:-1] + "X" if len(theme) > 3 else theme + "X")
    with pytest.raises(ValueError, match="did you mean 'target'"):
        corpus.targets(kind="targets")
    with pytest.raises(ValueError, match="did you mean 'city'"):
        corpus.themes(by="cty")
    result = invoke("report", tiny_processed, "--by", "cty")
    assert result.exit_code != 0 and "did you mean 'city'" in result.output


def test_meta_matching_no_document_warns_with_examples(tiny_processed, tmp_path):
    meta = tmp_path / "vars.csv"
    meta.write_text("source_path,类型\nhz2022.txt,全会\n", encoding="utf-8")
    with pytest.warns(sk.errors.SpeechkitWarning if hasattr(sk, "errors") else Warning) as caught:
        sk.load(tiny_processed, meta=meta)
    message = str(caught[0].message)
    assert "hz2022.txt" in message and "浙江/" in message and "1 of 1" in message
    result = invoke("kwic", tiny_processed, "妇女", "--meta", meta)
    assert result.exit_code == 0 and "warning:" in result.output and "match no document" in result.output


def test_one_document_groups_are_warned_in_compare_and_report(tiny_processed, tmp_path):
    result = invoke("compare", tiny_processed, "--by", "city,year", "--no-charts", "-o", tmp_path / "cmp")
    assert result.exit_code == 0, result.output
    assert "single document" in result.output
    result = invoke("report", tiny_processed, "--by", "city,year", "-o", tmp_path / "rep")
    assert "single document" in result.output
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "只有一篇文档" in html


# ---------------------------------------------------------------- CLI


@pytest.mark.parametrize("command, fragments", [
    ("analyze", ["word [freq] [pos] per line", "[[theme]]", "rjieba|jieba", "parquet|csv"]),
    ("export", ["stata|r|excel|csv"]),
    ("clean", ["local|dask", "--no-cache"]),
])
def test_help_texts_are_rendered_in_full(command, fragments):
    result = invoke(command, "--help", columns=100)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for fragment in fragments:
        assert fragment in text, (fragment, result.output)
    assert "<bool>" not in result.output
    assert "Example:" in result.output


def test_kwic_takes_the_folder_positionally_and_keeps_p(tiny_processed):
    positional = invoke("kwic", tiny_processed, "托育", "--limit", "100")
    legacy = invoke("kwic", "托育", "-p", tiny_processed, "--limit", "100")
    assert positional.exit_code == 0 and legacy.exit_code == 0, positional.output
    assert positional.output == legacy.output and "托育" in positional.output


def test_kwic_at_80_columns_keeps_the_keyword_and_shows_missing_groups_as_unknown(tiny_processed):
    result = invoke("kwic", tiny_processed, "妇女", "--by", "district,city", "--limit", "5", columns=80)
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("│")]
    assert len(rows) == 5
    from rich.cells import cell_len

    assert all(cell_len(line) <= 80 for line in result.output.splitlines())
    assert all("妇女" in line.split("│")[-3] for line in rows)   # the keyword column, whole
    assert "nan" not in result.output and "未知" in result.output


# ---------------------------------------------------------------- charts


def test_figures_display_themselves_as_png(tiny_processed):
    corpus = sk.load(tiny_processed)
    fig = corpus.plot_theme_heatmap(by="city")
    png = fig._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    from IPython.core.formatters import PNGFormatter

    shown = PNGFormatter()(fig)          # what a fresh Jupyter kernel calls, no %matplotlib inline
    assert isinstance(shown, bytes) and shown.startswith(b"\x89PNG")


def test_trend_lines_break_at_missing_years():
    from speechkit.charts import theme_trends

    df = pd.DataFrame({"year": [1964, 1975, 1978], "theme": ["经济建设"] * 3, "mean_share": [0.2, 0.3, 0.25]})
    line = theme_trends(df).axes[0].lines[0]
    xs = np.asarray(line.get_xdata(), dtype=float)
    ys = np.asarray(line.get_ydata(), dtype=float)
    assert xs[0] == 1964 and xs[-1] == 1978 and len(xs) == 15
    assert np.isnan(ys[1:11]).all() and not np.isnan(ys[[0, 11, 14]]).any()   # no line 1964 → 1975


def test_word_clouds_are_named_by_group(tiny_processed, tmp_path):
    result = invoke("report", tiny_processed, "--by", "city", "-o", tmp_path / "rep")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "rep" / "charts").glob("wordcloud_*.png"))
    assert "wordcloud_杭州市.png" in names and not any(re.search(r"wordcloud_\d+\.png", n) for n in names)


def test_report_workbook_has_separate_group_columns_and_numeric_years(tiny_processed, tmp_path):
    from openpyxl import load_workbook

    result = invoke("report", tiny_processed, "--by", "city,year", "-o", tmp_path / "rep")
    assert result.exit_code == 0, result.output
    ws = load_workbook(tmp_path / "rep" / "report.xlsx", read_only=True)["各组文档数"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["分组", "城市", "年份"]
    for row in rows[1:]:
        assert isinstance(row[2], int) and row[0] == f"{row[1]}·{row[2]}"


# ---------------------------------------------------------------- batch runs (examples/Makefile)

MAKEFILE = Path(__file__).resolve().parents[1] / "examples" / "Makefile"
SPEECH = ("同志们：今天召开全市妇女儿童工作会议。\n下面，我讲两点意见。\n"
          "一、推进托育服务。到2025年，全市建成普惠托位300个。\n二、保障妇女权益。妇女就业率保持在85%以上。\n")


def _make(*args, cwd: Path):
    import shutil
    import subprocess
    import sys

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    sk_cmd = f"{sys.executable} -m speechkit.cli"
    return subprocess.run(["make", "-f", str(MAKEFILE), f"SK={sk_cmd}", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_makefile_recipe_builds_once_rebuilds_on_change_and_stops_on_failure(tmp_path):
    raw = tmp_path / "raw"
    (raw / "绍兴").mkdir(parents=True)
    (raw / "成都").mkdir()
    (raw / "绍兴" / "2021.txt").write_text(SPEECH.replace("全市", "绍兴全市"), encoding="utf-8")
    (raw / "成都" / "2022.txt").write_text(SPEECH.replace("托育", "儿童友好社区和托育"), encoding="utf-8")
    out = tmp_path / "out"
    args = (f"RAW={raw}", f"OUT={out}", "BY=city", "GROUPS=绍兴市")
    first = _make(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    for path in ("report/report.html", "export/stata/documents.dta", "export/r/corpus.parquet",
                 "groups/绍兴市/report.html", "run.json"):
        assert (out / path).exists(), path
    assert _make(*args, "-q", cwd=tmp_path).returncode == 0          # up to date: nothing to rebuild
    import os
    import time

    time.sleep(1.1)
    page = raw / "成都" / "2022.txt"
    page.write_text(SPEECH + "三、加强家庭家教家风建设。\n", encoding="utf-8")
    os.utime(page)
    plan = _make(*args, "-n", cwd=tmp_path).stdout
    assert " clean " in plan and " analyze " in plan and "--to stata" in plan
    failed = _make(f"RAW={tmp_path / 'missing'}", f"OUT={tmp_path / 'out2'}", cwd=tmp_path)
    assert failed.returncode != 0
    assert not (tmp_path / "out2" / "outlines.parquet").exists()     # make stopped at the failed clean


# ---------------------------------------------------------------- unfiltered tokens and parts of speech


def test_tokens_command_writes_every_token_with_pos(tiny_processed):
    result = invoke("tokens", tiny_processed, "--pos")
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(tiny_processed / "tokens_all.parquet")
    assert list(table.columns) == ["doc_id", "sentence_id", "position", "token", "content", "pos"]
    stop = table[table["token"] == "推进"]
    assert len(stop) and not stop["content"].any()          # a stopword of the genre, counted here
    assert table["pos"].notna().all() and {"n", "v"} <= set(table["pos"])
    first = table.groupby(["doc_id", "sentence_id"])["position"].agg(["min", "max", "size"])
    assert (first["min"] == 0).all() and (first["max"] == first["size"] - 1).all()
    ok = sk.load(tiny_processed).documents["doc_id"]
    assert set(table["doc_id"]) == set(ok)


def test_all_tokens_tag_a_policy_phrase_as_one_noun():
    from speechkit.alltokens import token_rows
    from speechkit.segment import Segmenter

    rows = token_rows([("d1", 0, "要切实推进普惠托育服务，实施两纲。")], Segmenter(), pos=True)
    assert rows["token"].tolist()[:4] == ["要", "切实", "推进", "普惠托育服务"]
    assert rows.loc[rows["token"] == "普惠托育服务", "pos"].item() == "n"
    assert rows.loc[rows["token"] == "普惠托育服务", "content"].item()
    assert not rows.loc[rows["token"] == "实施", "content"].item()
