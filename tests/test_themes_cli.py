"""`speechkit themes validate | score | terms | suggest` end to end on the demo corpus, and the
theme columns the analyze stage writes for them (matched terms, rate, sentence share)."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from corpus_paths import DEMO
from typer.testing import CliRunner

from speechkit.cli import app
from speechkit.themes import load_taxonomy, wilson_interval

THEME = "托育与生育支持"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo_processed")
    result = invoke("run", DEMO, "--out", out, "--no-report", "--jobs", "2")
    assert result.exit_code == 0, result.output
    return out


def test_sentence_themes_carry_the_matched_terms(processed):
    st = pd.read_parquet(processed / "sentence_themes.parquet")
    sentences = pd.read_parquet(processed / "sentences.parquet").set_index(["doc_id", "sentence_id"])["text"]
    terms_of = {t.name: {x.lower() for x in t.terms} for t in load_taxonomy()}
    assert len(st) > 100
    for row in st.itertuples(index=False):
        assert len(row.terms) == row.hits
        text = sentences[(row.doc_id, row.sentence_id)]
        for term in row.terms:
            assert term in text and term.lower() in terms_of[row.theme]


def test_themes_table_has_rate_and_sentence_share_beside_share(processed):
    themes = pd.read_parquet(processed / "themes.parquet")
    docs = pd.read_parquet(processed / "documents.parquet").set_index("doc_id")
    st = pd.read_parquet(processed / "sentence_themes.parquet")
    n_sent = pd.read_parquet(processed / "sentences.parquet").groupby("doc_id").size()
    for row in themes.itertuples(index=False):
        assert math.isclose(row.rate, row.hits * 10_000 / len(docs.loc[row.doc_id, "text"]))
        tagged = st[(st["doc_id"] == row.doc_id) & (st["theme"] == row.theme)]
        assert row.sentences == len(tagged) and row.hits == tagged["hits"].sum()
        assert math.isclose(row.sentence_share, row.sentences / n_sent[row.doc_id])
        assert row.reliable == (row.hits >= 5)
    # shares of a document still sum to one
    assert themes.groupby("doc_id")["share"].sum().sub(1).abs().max() < 1e-9


def test_corpus_themes_measure(processed):
    import speechkit as sk

    corpus = sk.load(processed)
    rate = corpus.themes("city", measure="rate")
    share = corpus.themes("city", measure="share")
    sentences = corpus.themes("city", measure="sentences")
    assert (rate["value"] == rate["rate"]).all() and (share["value"] == share["mean_share"]).all()
    assert (sentences["value"] == sentences["sentence_share"]).all()
    # the pooled rate of a group is its hits per 10,000 characters of its documents
    docs = corpus.documents
    one = rate[rate["hits"] > 0].iloc[0]
    chars = docs.loc[docs["city"] == one["city"], "text"].str.len().sum()
    assert math.isclose(one["rate"], one["hits"] * 10_000 / chars)
    with pytest.raises(ValueError, match="measure"):
        corpus.themes("city", measure="density")


def test_validate_writes_a_seeded_sheet_with_the_terms_marked(processed, tmp_path):
    out = tmp_path / "v.xlsx"
    result = invoke("themes", "validate", THEME, processed, "--sample", 12, "--seed", 7, "--out", out)
    assert result.exit_code == 0, result.output
    sheet = pd.read_excel(out)
    twin = pd.read_csv(out.with_suffix(".csv"), encoding="utf-8-sig")
    assert len(sheet) == len(twin) == 12
    assert set(sheet["theme"]) == {THEME} and sheet["verdict"].isna().all()
    terms = set(next(t for t in load_taxonomy() if t.name == THEME).terms)
    for row in twin.itertuples(index=False):
        marked = [part.split("】")[0] for part in row.sentence.split("【")[1:]]
        for term in row.terms.split("、"):
            assert term in terms and any(term in m for m in marked)
    # the workbook holds the plain sentence (terms shown in red bold), the CSV the bracketed one
    assert sheet["sentence"].tolist() == twin["sentence"].str.replace("【", "").str.replace("】", "").tolist()
    again = tmp_path / "again.xlsx"
    assert invoke("themes", "validate", THEME, processed, "--sample", 12, "--seed", 7, "--out", again).exit_code == 0
    assert pd.read_csv(again.with_suffix(".csv"), encoding="utf-8-sig").equals(twin)


def test_score_reports_precision_with_wilson_intervals(processed, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "coded.xlsx"
    assert invoke("themes", "validate", THEME, processed, "--sample", 10, "--out", out).exit_code == 0
    book = load_workbook(out)
    sheet = book["validate"]
    header = [c.value for c in sheet[1]]
    col = header.index("verdict") + 1
    codes = ["correct", "对", "wrong", "correct", "1", "错", "correct", "correct", None, "correct"]
    for i, code in enumerate(codes, start=2):
        sheet.cell(row=i, column=col, value=code)
    book.save(out)
    result = invoke("themes", "score", out, "--out", tmp_path / "scores")
    assert result.exit_code == 0, result.output
    by_theme = pd.read_csv(tmp_path / "scores" / "score_themes.csv", encoding="utf-8-sig")
    row = by_theme.set_index("theme").loc[THEME]
    assert (row["coded"], row["correct"], row["uncoded"]) == (9, 7, 1)
    low, high = wilson_interval(7, 9)
    assert math.isclose(row["ci_low"], low) and math.isclose(row["ci_high"], high)
    assert f"{7 / 9:.0%}" in result.output and THEME in result.output
    by_term = pd.read_csv(tmp_path / "scores" / "score_terms.csv", encoding="utf-8-sig")
    assert by_term["coded"].sum() >= 9 and set(by_term["theme"]) == {THEME}


def test_score_names_the_file_and_row_of_a_bad_verdict(processed, tmp_path):
    out = tmp_path / "bad.xlsx"
    assert invoke("themes", "validate", THEME, processed, "--sample", 3, "--out", out).exit_code == 0
    twin = pd.read_csv(out.with_suffix(".csv"), encoding="utf-8-sig", dtype=str)
    twin.loc[1, "verdict"] = "maybe"
    bad = tmp_path / "bad_coded.csv"
    twin.to_csv(bad, index=False, encoding="utf-8-sig")
    result = invoke("themes", "score", bad)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "bad_coded.csv" in result.output and "row 3" in result.output and "maybe" in result.output


def test_terms_counts_match_sentence_themes(processed, tmp_path):
    result = invoke("themes", "terms", THEME, processed, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "theme_terms.csv", encoding="utf-8-sig")
    st = pd.read_parquet(processed / "sentence_themes.parquet")
    st = st[st["theme"] == THEME]
    assert table["hits"].sum() == st["hits"].sum()
    fired = st.explode("terms")["terms"].value_counts()
    assert table.set_index("term")["hits"].to_dict() == fired.to_dict()
    assert table.iloc[0]["term"] in result.output and "never fired here" in result.output


def test_suggest_proposes_new_cooccurring_words_with_examples(processed, tmp_path):
    result = invoke("themes", "suggest", THEME, processed, "--top", 8, "--min-count", 2, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "theme_suggestions.csv", encoding="utf-8-sig")
    assert len(table) > 0
    terms = next(t for t in load_taxonomy() if t.name == THEME).terms
    assert not any(term in cand for cand in table["term"] for term in terms)
    assert (table["tagged"] >= 2).all() and (table["untagged"] >= 1).all()
    assert table["g2"].is_monotonic_decreasing
    for row in table.itertuples(index=False):
        assert f"【{row.term}】" in row.examples or row.term in row.examples.split("【")[1]


@pytest.mark.parametrize("command", ["validate", "terms", "suggest"])
def test_unknown_theme_is_a_clear_error_with_a_suggestion(processed, command):
    result = invoke("themes", command, "托育", processed)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "unknown theme '托育'" in result.output and THEME in result.output
