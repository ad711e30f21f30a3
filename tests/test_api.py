"""Tests for speechkit.api.Corpus on the tiny processed corpus."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import speechkit as sk
from speechkit.api import TABLE_COLUMNS, Corpus

CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _key(corpus: Corpus, key: str) -> str:
    docs = corpus.documents
    return docs.loc[docs["source_path"] == f"浙江/{key}.txt", "doc_id"].item()


def _write_meta(tmp_path: Path) -> Path:
    path = tmp_path / "meta.csv"
    rows = ["source_path,类型"] + [
        f"浙江/{key}.txt,{kind}"
        for key, kind in [("hz2022", "妇儿工委全会"), ("hz2023", "两纲推进会"), ("hz2023copy", "两纲推进会"),
                          ("nb2022", "妇儿工委全会"), ("nb2023", "妇代会"), ("wz2022", "妇儿工委全会")]
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    return path


# ---------------------------------------------------------------- loading


def test_missing_directory_or_documents_table_says_to_run_clean(tmp_path):
    with pytest.raises(FileNotFoundError, match="speechkit clean"):
        Corpus.load(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="documents.parquet.*speechkit clean"):
        Corpus.load(tmp_path / "empty")


def test_tables_are_read_lazily_and_missing_ones_are_empty_with_documented_columns(tiny_processed):
    corpus = sk.load(tiny_processed)
    assert set(TABLE_COLUMNS) <= set(corpus.tables)
    assert not corpus.tables.is_loaded("themes")
    assert len(corpus.tables["themes"]) > 0 and corpus.tables.is_loaded("themes")
    topics = corpus.tables["topics"]  # not produced for the tiny corpus
    assert topics.empty and list(topics.columns) == list(TABLE_COLUMNS["topics"])
    assert not corpus.tables.on_disk("topics")


def test_documents_are_the_ok_rows_without_raw_text(tiny_processed):
    corpus = Corpus.load(tiny_processed)
    all_docs = corpus.tables["documents"]
    docs = corpus.documents
    assert len(docs) == (all_docs["status"] == "ok").sum() == len(all_docs) - 1
    assert (docs["status"] == "ok").all()
    assert "raw_text" not in docs.columns and "raw_text" in all_docs.columns
    assert str(docs["year"].dtype) == "Int64"


def test_unknown_group_column_lists_the_valid_ones(tiny_processed):
    corpus = Corpus.load(tiny_processed)
    valid = corpus.group_columns()
    assert {"year", "province", "city", "district", "level", "meeting", "site"} <= set(valid)
    for call in (lambda: corpus.themes("县区"), lambda: corpus.keyness(["city", "县区"]),
                 lambda: corpus.kwic("妇女", by="县区"), lambda: corpus.outlines("县区")):
        with pytest.raises(ValueError) as err:
            call()
        assert "县区" in str(err.value) and all(v in str(err.value) for v in valid)


# ---------------------------------------------------------------- metadata


def test_meta_file_adds_a_groupable_column(tiny_processed, tmp_path):
    corpus = Corpus.load(tiny_processed, meta=_write_meta(tmp_path))
    assert "类型" in corpus.group_columns()
    shares = corpus.themes("类型")
    # wz2023 is not listed in the meta file: it forms the 未知 group
    assert set(shares["group"]) == {"妇儿工委全会", "两纲推进会", "妇代会", "未知"}
    docs_per_group = shares.drop_duplicates("group").set_index("group")["docs"]
    assert docs_per_group.to_dict() == {"两纲推进会": 2, "妇代会": 1, "妇儿工委全会": 3, "未知": 1}
    counts = corpus.document_counts(["类型", "year"]).set_index("group")["docs"]
    assert counts["妇儿工委全会·2022"] == 3
    key = corpus.keyness(["类型"], min_freq=2)
    assert set(key["group"]) <= set(docs_per_group.index) and len(key) > 0
    assert corpus.unmatched_meta == []


def test_meta_file_without_source_path_is_rejected_naming_the_file(tiny_processed, tmp_path):
    bad = tmp_path / "bad_meta.csv"
    bad.write_text("文件,类型\n浙江/hz2022.txt,妇代会\n", encoding="utf-8-sig")
    with pytest.raises(ValueError, match="bad_meta.csv"):
        Corpus.load(tiny_processed, meta=bad)
    clash = tmp_path / "clash.csv"
    clash.write_text("source_path,text\n浙江/hz2022.txt,替换正文\n", encoding="utf-8")
    with pytest.raises(ValueError, match="clash.csv.*text"):
        Corpus.load(tiny_processed, meta=clash)


def test_meta_rows_matching_no_document_are_reported(tiny_processed, tmp_path):
    path = tmp_path / "meta.csv"
    path.write_text("source_path,类型\n浙江/hz2022.txt,妇儿工委全会\n浙江/hz2099.txt,妇代会\n", encoding="utf-8")
    corpus = Corpus.load(tiny_processed, meta=path)
    assert corpus.unmatched_meta == ["浙江/hz2099.txt"]


# ---------------------------------------------------------------- analyses


def test_themes_by_city_and_year(tiny_processed):
    corpus = Corpus.load(tiny_processed)
    out = corpus.themes(["city", "year"])
    expected = {"city", "year", "group", "theme", "field", "docs", "mean_share", "pooled_share", "hits"}
    assert expected <= set(out.columns)
    assert set(out["group"]) == {f"{c}·{y}" for c in ("杭州市", "宁波市", "温州市") for y in (2022, 2023)}
    assert out.loc[out["group"] == "杭州市·2023", "docs"].iloc[0] == 2


def test_keyness_and_term_frequencies_come_from_the_tokens(tiny_processed):
    corpus = Corpus.load(tiny_processed, stopwords=set())
    tokens = pd.read_parquet(tiny_processed / "tokens.parquet")
    city_of = corpus.documents.set_index("doc_id")["city"]
    naive: dict[str, Counter] = {}
    for doc, toks in zip(tokens["doc_id"], tokens["tokens"]):
        if doc in city_of.index:
            naive.setdefault(city_of[doc], Counter()).update(toks)
    freqs = corpus.term_frequencies("city")
    for row in freqs.itertuples():
        assert row.freq == naive[row.city][row.term]
    key = corpus.keyness("city")
    assert list(key.columns[:3]) == ["city", "group", "term"]
    for row in key.itertuples():
        assert row.freq_group == naive[row.city][row.term]
        assert row.freq_rest == sum(c[row.term] for city, c in naive.items() if city != row.city)
        assert row.freq_group >= 3 and row.sign == 1
    # 数字 is said only in Hangzhou's speeches, 民营 only in Wenzhou's
    assert "数字" in set(key.loc[key["group"] == "杭州市", "term"])
    assert "民营" in set(key.loc[key["group"] == "温州市", "term"])
    with pytest.raises(ValueError, match="at least one"):
        corpus.keyness([])


def test_bundled_stopwords_are_left_out_of_term_counts(tiny_processed):
    corpus = Corpus.load(tiny_processed)
    assert corpus.stopwords
    terms = set(corpus.term_frequencies()["term"])
    assert terms and not terms & corpus.stopwords


def test_targets_and_outlines_per_group(tiny_processed):
    corpus = Corpus.load(tiny_processed)
    targets = corpus.targets("city", kind="target")
    assert (targets["kind"] == "target").all() and set(targets["group"]) <= {"杭州市", "宁波市", "温州市"}
    assert corpus.targets(indicator="妇联")["indicator"].str.contains("妇联").all()
    counts = corpus.target_counts("city")
    assert counts["targets"].sum() == len(corpus.targets())
    outlines = corpus.outlines("city").set_index("group")
    assert outlines.loc["杭州市", "incomplete"] == 2  # the speech and its 范文 copy
    assert len(corpus.incomplete_outlines()) == outlines["incomplete"].sum()
    assert corpus.outlines()["group"].tolist() == ["全部"]


def test_near_duplicates_and_the_deduplicated_view(tiny_processed):
    corpus = Corpus.load(tiny_processed)
    dups = corpus.near_duplicates()
    assert list(dups.columns[:4]) == ["doc_id", "dup_group", "representative", "jaccard_to_representative"]
    assert set(dups["doc_id"]) == {_key(corpus, "hz2023"), _key(corpus, "hz2023copy")}
    deduped = corpus.without_near_duplicates()
    assert len(deduped.documents) == len(corpus.documents) - 1
    assert _key(corpus, "hz2023copy") not in set(deduped.documents["doc_id"])
    before = corpus.themes("city").drop_duplicates("group").set_index("group")["docs"]
    after = deduped.themes("city").drop_duplicates("group").set_index("group")["docs"]
    assert before["杭州市"] - after["杭州市"] == 1 and before["宁波市"] == after["宁波市"]
    assert deduped.near_duplicates().empty


def test_similarity_matrix_and_most_similar(tiny_processed):
    corpus = Corpus.load(tiny_processed)
    sim = corpus.similarity()
    ids = corpus.documents["doc_id"].tolist()
    assert list(sim.index) == ids and list(sim.columns) == ids
    original, copy = _key(corpus, "hz2023"), _key(corpus, "hz2023copy")
    assert corpus.most_similar(original, top=1)["doc_id"].item() == copy
    sub = corpus.similarity(doc_ids=[original, copy])
    assert sub.loc[original, copy] == pytest.approx(sim.loc[original, copy])
    with pytest.raises(ValueError, match="unknown doc_id"):
        corpus.similarity(doc_ids=["nope"])


def test_kwic_by_group(tiny_processed):
    corpus = Corpus.load(tiny_processed)
    rows = corpus.kwic("托育", window=6, by="city")
    assert len(rows) == sum(t.count("托育") for t in corpus.documents["text"])
    assert set(rows["group"]) == {"杭州市", "温州市"}
    assert corpus.group_label(rows, "city").tolist() == rows["group"].tolist()


# ---------------------------------------------------------------- plots


def test_plot_methods_return_figures(tiny_processed):
    pytest.importorskip("speechkit.charts", reason="speechkit.charts not written yet")
    from matplotlib.figure import Figure

    corpus = Corpus.load(tiny_processed)
    figures = [
        corpus.plot_theme_heatmap("city", top_themes=3),
        corpus.plot_theme_trends(),
        corpus.plot_theme_trends(series_by="city", themes="儿童友好"),
        corpus.plot_keyness("city", top=5),
        corpus.plot_wordcloud("city", "宁波市", max_words=30),
        corpus.plot_target_timeline("city"),
        corpus.plot_similarity(max_docs=4),
    ]
    assert all(isinstance(f, Figure) for f in figures)
    with pytest.raises(ValueError, match="宁波市"):
        corpus.plot_wordcloud("city", "台州市")
    with pytest.raises(ValueError, match="one theme"):
        corpus.plot_theme_trends(series_by="city")


# ---------------------------------------------------------------- real corpus


def test_near_duplicates_on_real_province_reports(tmp_path):
    """Province reports of one year share a genre but are not copies of each other."""
    folder = CORPUS_DIR / "province-reports-2025"
    if not folder.is_dir():
        pytest.skip(f"shared corpus not found at {folder}")
    files = sorted(folder.glob("*.txt"))[:8]
    texts = [f.read_text(encoding="utf-8") for f in files]
    docs = pd.DataFrame({"doc_id": [f.stem for f in files], "source_path": [f.name for f in files],
                         "text": texts, "status": "ok", "year": 2025})
    # plant a copy of the first report with its first paragraph moved to the end
    paragraphs = texts[0].split("\n")
    docs.loc[len(docs)] = {"doc_id": "copy", "source_path": "copy.txt", "text": "\n".join(paragraphs[1:] + paragraphs[:1]),
                           "status": "ok", "year": 2025}
    out = tmp_path / "processed"
    out.mkdir()
    docs.to_parquet(out / "documents.parquet", index=False)
    dups = Corpus.load(out).near_duplicates()
    assert set(dups["doc_id"]) == {files[0].stem, "copy"}


def test_keyness_leaves_place_names_out_of_the_lists_unless_asked(tiny_processed):
    corpus = Corpus.load(tiny_processed, stopwords=set())
    from speechkit.gazetteer import place_name_terms

    places = place_name_terms()
    kept = corpus.keyness("city", top=None, min_freq=1, drop_place_names=False)
    dropped = corpus.keyness("city", top=None, min_freq=1)
    assert kept["term"].isin(places).any()  # the tiny corpus names its cities
    assert not dropped["term"].isin(places).any()
    assert set(dropped["term"]) == set(kept["term"]) - places
    for _, group in dropped.groupby("group"):
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert group["g2"].is_monotonic_decreasing
