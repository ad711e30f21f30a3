"""End-to-end checks of `speechkit analyze` on the demo corpus: tables, engines, cache."""
import shutil
import tomllib
import unicodedata

import pandas as pd
import pytest

from corpus_paths import DEMO, REPO, shared
from speechkit.analyze import ANALYZE_TABLES, AnalyzeOptions, analyze_corpus
from speechkit.clean import clean_corpus

COLUMNS = {
    "tokens": ["doc_id", "sentence_id", "tokens"],
    "themes": ["doc_id", "theme", "field", "hits", "share"],
    "sentence_themes": ["doc_id", "sentence_id", "theme"],
    "topics": ["topic", "rank", "term", "weight"],
    "doc_topics": ["doc_id", "topic", "weight"],
    "keywords": ["doc_id", "method", "rank", "term", "score"],
    "sections": ["doc_id", "seq", "level", "parent_seq", "marker", "number", "heading", "start", "end"],
    "outlines": ["doc_id", "announced_phrase", "announced_points", "found_points", "missing_numbers", "complete"],
    "targets": ["doc_id", "kind", "indicator", "value", "unit", "comparator", "deadline_year", "horizon", "redacted",
                "sentence", "start", "end"],
}


def read_all(out):
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in ANALYZE_TABLES}


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_clean")
    clean_corpus(DEMO, out, jobs=2, use_cache=False)
    return out


@pytest.fixture(scope="module")
def serial(cleaned, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    shutil.copy(cleaned / "documents.parquet", out / "documents.parquet")
    report = analyze_corpus(out, jobs=1, use_cache=False)
    return out, report


def test_every_table_has_its_columns(serial):
    out, report = serial
    tables = read_all(out)
    for name, cols in COLUMNS.items():
        assert set(cols) <= set(tables[name].columns), name
        assert len(tables[name]) > 0, name
    docs = pd.read_parquet(out / "documents.parquet")
    assert set(tables["outlines"]["doc_id"]) == set(docs.loc[docs["status"] == "ok", "doc_id"])


def test_theme_shares_sum_to_one_and_coverage_is_high(serial):
    out, report = serial
    themes = pd.read_parquet(out / "themes.parquet")
    sums = themes.groupby("doc_id")["share"].sum()
    assert ((sums - 1).abs() < 1e-9).all()
    assert report.theme_coverage > 0.6


def test_tokens_hold_domain_phrases_and_no_redaction_marks(serial):
    out, _ = serial
    tokens = pd.read_parquet(out / "tokens.parquet")
    flat = [t for ts in tokens["tokens"] for t in ts]
    assert "男女平等基本国策" in flat or "儿童优先" in flat
    assert not any(t in {"*", "**", "〔*〕", "_", "同志们", "进一步"} for t in flat)


def test_keywords_both_methods_top20(serial):
    out, _ = serial
    kw = pd.read_parquet(out / "keywords.parquet")
    assert set(kw["method"]) == {"tfidf", "textrank"}
    assert kw.groupby(["doc_id", "method"])["rank"].max().max() <= 20


def _nfkc(s):
    return unicodedata.normalize("NFKC", s or "")


def test_outlines_match_the_demo_ground_truth(serial):
    out, _ = serial
    truth = tomllib.loads((REPO / "tests" / "demo_truth.toml").read_text(encoding="utf-8"))
    docs = pd.read_parquet(out / "documents.parquet").set_index("source_path")
    outlines = pd.read_parquet(out / "outlines.parquet").set_index("doc_id")
    wrong = []
    for path, t in truth.items():
        o = outlines.loc[docs.loc[path, "doc_id"]]
        announced = None if t["announced_points"] == 0 else t["announced_points"]
        got = (None if pd.isna(o["announced_points"]) else int(o["announced_points"]), int(o["found_points"]),
               sorted(int(x) for x in o["missing_numbers"]))
        if got != (announced, t["found_points"], sorted(t["missing_numbers"])):
            wrong.append((path, got, (announced, t["found_points"], t["missing_numbers"])))
    assert wrong == []


def test_targets_recall_on_the_demo_ground_truth(serial):
    """At least 80 % of the planted targets are found with the right value and unit."""
    out, _ = serial
    truth = tomllib.loads((REPO / "tests" / "demo_truth.toml").read_text(encoding="utf-8"))
    docs = pd.read_parquet(out / "documents.parquet").set_index("source_path")
    targets = pd.read_parquet(out / "targets.parquet")
    planted = found = 0
    for path, t in truth.items():
        mine = targets[targets["doc_id"] == docs.loc[path, "doc_id"]]
        for want in t["targets"]:
            planted += 1
            value = None if want["value"] == "null" else float(want["value"])
            hit = mine[(mine["unit"].map(_nfkc) == _nfkc(want["unit"]))]
            hit = hit[hit["value"].isna()] if value is None else hit[(hit["value"] - value).abs() < 1e-9]
            found += len(hit) > 0
    assert planted >= 40 and found / planted >= 0.8, (found, planted)


def test_parallel_run_gives_identical_tables(serial, tmp_path):
    out, _ = serial
    shutil.copy(out / "documents.parquet", tmp_path / "documents.parquet")
    analyze_corpus(tmp_path, jobs=2, use_cache=False)
    for name, table in read_all(out).items():
        pd.testing.assert_frame_equal(read_all(tmp_path)[name], table, obj=name)


def test_cache_reuses_documents_and_user_dict_invalidates_it(serial, tmp_path):
    out, _ = serial
    shutil.copy(out / "documents.parquet", tmp_path / "documents.parquet")
    first = analyze_corpus(tmp_path, jobs=1)
    assert first.cached == 0
    # the whole-run fast path: nothing changed
    second = analyze_corpus(tmp_path, jobs=1)
    assert second.skipped_unchanged and second.cached == second.documents
    # a changed user dictionary changes the segmentation settings: nothing may come from the cache
    user_dict = tmp_path / "words.txt"
    user_dict.write_text("妇女微家 100 n\n巾帼共富工坊\n", encoding="utf-8")
    third = analyze_corpus(tmp_path, options=AnalyzeOptions(user_dict=str(user_dict)), jobs=1)
    assert third.cached == 0 and not third.skipped_unchanged
    # same user dictionary again: per-document cache hits
    (tmp_path / ".cache" / "analyze_manifest.json").unlink()
    fourth = analyze_corpus(tmp_path, options=AnalyzeOptions(user_dict=str(user_dict)), jobs=1)
    assert fourth.cached == fourth.documents
    for name, table in read_all(tmp_path).items():
        assert len(table) == fourth.row_counts[name]


def test_dask_engine_gives_identical_tables(serial, tmp_path):
    """clean + analyze on a local Dask cluster of 2 workers == the serial run."""
    pytest.importorskip("distributed")
    out, _ = serial
    dask_clean = clean_corpus(DEMO, tmp_path, jobs=2, use_cache=False, engine="dask")
    pd.testing.assert_frame_equal(dask_clean.documents, pd.read_parquet(out / "documents.parquet"))
    analyze_corpus(tmp_path, jobs=2, use_cache=False, engine="dask")
    for name, table in read_all(out).items():
        pd.testing.assert_frame_equal(read_all(tmp_path)[name], table, obj=name)


def test_missing_documents_table_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `speechkit clean` first"):
        analyze_corpus(tmp_path)


@pytest.mark.slow
def test_seeds_produce_every_table(tmp_path):
    clean_corpus(shared("seeds"), tmp_path, jobs=1, use_cache=False)
    report = analyze_corpus(tmp_path, jobs=1, use_cache=False)
    for name in ANALYZE_TABLES:
        assert (tmp_path / f"{name}.parquet").exists()
    assert report.row_counts["outlines"] == 5 and report.row_counts["targets"] > 0
    assert report.theme_coverage > 0.6


def test_a_lexicon_that_differs_only_in_weak_terms_gets_another_cache_key(tmp_path):
    # the weak terms change which themes a sentence keeps (issue 18), so cached analyses must not be reused
    from speechkit.analyze import AnalysisTools, AnalyzeOptions

    plain, weak = tmp_path / "plain.toml", tmp_path / "weak.toml"
    plain.write_text('[[theme]]\nname = "政府自身建设"\nterms = ["督办件"]\n', encoding="utf-8")
    weak.write_text('[[theme]]\nname = "政府自身建设"\nterms = ["督办件"]\nweak = ["督办件"]\n', encoding="utf-8")
    keys = {AnalysisTools(AnalyzeOptions(taxonomy=str(p))).fingerprint for p in (plain, weak)}
    assert len(keys) == 2


def test_a_themes_file_can_add_to_the_matching_rules(tmp_path):
    """--themes FILE with a [matching] table: its procedural openings reach the analyze stage (and its key)."""
    rows = [{"doc_id": "d1", "text": "会议指出，要发展普惠托育服务。要发展普惠托育服务。", "status": "ok", "year": 2024}]
    pd.DataFrame(rows).to_parquet(tmp_path / "documents.parquet")
    analyze_corpus(tmp_path, jobs=1)
    before = pd.read_parquet(tmp_path / "sentence_themes.parquet")
    assert set(before["sentence_id"]) == {0, 1}
    extra = tmp_path / "mine.toml"
    extra.write_text('[matching]\nprocedure = ["会议指出"]\n', encoding="utf-8")
    report = analyze_corpus(tmp_path, jobs=1, options=AnalyzeOptions(taxonomy=str(extra)))
    assert not report.skipped_unchanged  # another lexicon setting: another run
    after = pd.read_parquet(tmp_path / "sentence_themes.parquet")
    assert set(after["sentence_id"]) == {1}  # the sentence opening with the user's phrase names no theme


def test_an_aborted_run_stops_its_corpus_steps(tmp_path, monkeypatch):
    """Review (issue 15): TF-IDF and NMF run in a process beside the merge; a run that fails after they
    started must stop that process, or it runs on (a core busy for nothing) and the interpreter —
    the CLI reporting the error — cannot exit before the topics are fitted."""
    import multiprocessing as mp
    import time

    import speechkit.analyze as analyze_mod
    from speechkit.stage import PartMerger

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("同志们：\n今天召开全市妇女儿童工作会议。\n", encoding="utf-8")
    clean_corpus(raw, tmp_path / "out", jobs=1)

    def slow_topics(ordered, k):  # the topics step, as long as on a big corpus (the forked child has it too)
        time.sleep(20)

    def disk_full(self):
        raise OSError("disk full")

    monkeypatch.setattr(analyze_mod, "_fit_topics", slow_topics)
    monkeypatch.setattr(PartMerger, "commit", disk_full)
    with pytest.raises(OSError, match="disk full"):
        analyze_corpus(tmp_path / "out", jobs=1, use_cache=False)
    assert mp.active_children() == []
    assert not (tmp_path / "out" / "themes.parquet").exists()


def test_a_run_that_fails_before_its_corpus_steps_stops_the_warm_topics_process(tmp_path, monkeypatch):
    """A run with a few new documents forks a process that imports scikit-learn for NMF while it plans
    (stage.start_warm_beside); a run that fails before it hands that process the topics must stop it."""
    import multiprocessing as mp

    import speechkit.analyze as analyze_mod

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("同志们：\n今天召开全市妇女儿童工作会议。\n", encoding="utf-8")
    clean_corpus(raw, tmp_path / "out", jobs=1)
    started = []
    real_start = analyze_mod.start_warm_beside

    def spy(warm):
        pool = real_start(warm)
        started.append(pool)
        return pool

    def broken_batch(self, first, result):
        raise OSError("disk full")

    monkeypatch.setattr(analyze_mod, "start_warm_beside", spy)
    monkeypatch.setattr(analyze_mod._AnalyzeJob, "take_batch", broken_batch)
    with pytest.raises(OSError, match="disk full"):
        analyze_corpus(tmp_path / "out", jobs=1, use_cache=False)
    assert len(started) == 1  # one new document: the warm process was started …
    assert mp.active_children() == []  # … and stopped with the failed run


def test_topics_fitted_in_the_warm_process_equal_a_cold_fit(tmp_path, monkeypatch):
    """A page added to an analysed corpus (topics refitted in the warm process, which gets the corpus
    counts pickled) gives the very topics of a cold run over the same documents."""
    import speechkit.analyze as analyze_mod

    raw = tmp_path / "raw"
    raw.mkdir()
    texts = ["同志们：\n今天召开全市妇女儿童工作会议。推进普惠托育服务，开展两癌筛查。\n",
             "同志们：\n全面推进乡村振兴，发展现代农业，促进农民增收。\n",
             "同志们：\n加强未成年人保护，落实家庭教育促进法，建设儿童友好城市。\n"]
    for i, text in enumerate(texts[:2]):
        (raw / f"{i}.txt").write_text(text, encoding="utf-8")
    clean_corpus(raw, tmp_path / "out", jobs=1)
    analyze_corpus(tmp_path / "out", jobs=1)
    (raw / "2.txt").write_text(texts[2], encoding="utf-8")
    clean_corpus(raw, tmp_path / "out", jobs=1)
    warm = []
    real_run = analyze_mod.run_warm_beside
    monkeypatch.setattr(analyze_mod, "run_warm_beside", lambda pool, fn, *args: warm.append(args[0]) or real_run(pool, fn, *args))
    added = analyze_corpus(tmp_path / "out", jobs=1)
    assert warm == ["topics"]  # the topics were fitted in the warm process
    assert added.cached == 2  # the two known documents came from the cache, the third was new work
    shutil.copytree(raw, tmp_path / "raw2")
    clean_corpus(tmp_path / "raw2", tmp_path / "cold", jobs=1)
    analyze_corpus(tmp_path / "cold", jobs=1, use_cache=False)
    for table in ("topics", "doc_topics", "keywords"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / f"{table}.parquet"),
                                      pd.read_parquet(tmp_path / "cold" / f"{table}.parquet"))
