"""Adding pages to a processed corpus (issue 17): the re-run takes every unchanged document from the
cache and computes only the new ones, and its tables are those of a cold run over the same input —
the result never depends on what was run before."""
from __future__ import annotations

import shutil
import sys

import pytest
from corpus_paths import DEMO, REPO

from speechkit.analyze import analyze_corpus
from speechkit.clean import clean_corpus

sys.path.insert(0, str(REPO / "scripts"))
import fingerprint_tables as fp  # noqa: E402


def _pages(raw):
    return sorted(p for p in raw.rglob("*") if p.is_file() and p.suffix in (".txt", ".html", ".md"))


def _hold_back(raw, holding, n=5, first=False):
    moved = []
    for i, page in enumerate(_pages(raw)[:n] if first else _pages(raw)[-n:]):
        dest = holding / f"{i}{page.suffix}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(page, dest)
        moved.append((page, dest))
    return moved


def _cold(raw, out):
    clean_corpus(raw, out, jobs=2, use_cache=False)
    analyze_corpus(out, jobs=2, use_cache=False)
    return fp.fingerprints(out)


@pytest.mark.parametrize("jobs", [1, 2])
def test_new_pages_are_the_only_new_work_and_the_tables_equal_a_cold_run(tmp_path, jobs):
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(DEMO, raw)
    moved = _hold_back(raw, tmp_path / "held")
    first = clean_corpus(raw, out, jobs=jobs)
    before = analyze_corpus(out, jobs=jobs)
    for page, held in moved:  # five pages added
        shutil.copyfile(held, page)
    cleaned = clean_corpus(raw, out, jobs=jobs)
    after = analyze_corpus(out, jobs=jobs)
    assert not after.skipped_unchanged
    assert after.cached == before.documents and after.documents > before.documents  # only the new ones computed
    assert cleaned.cached == int((first.files["action"] != "skipped").sum())  # every file read before
    assert fp.differences(fp.fingerprints(out), _cold(raw, tmp_path / "cold")) == []


def test_new_pages_before_the_cached_ones_are_analysed_while_the_cached_rows_are_read_ahead(tmp_path, monkeypatch):
    """New pages first in the corpus' order: while a worker analyses them, the driver reads the cached
    documents' rows ahead (clean and analyze); the tables are still those of a cold run."""
    from speechkit.analyze import _AnalyzeJob
    from speechkit.clean import _CleanJob

    calls = []
    for job in (_CleanJob, _AnalyzeJob):
        def spy(self, first, length, real=job.read_ahead, name=job.__name__):
            calls.append(name)
            return real(self, first, length)
        monkeypatch.setattr(job, "read_ahead", spy)
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(DEMO, raw)
    moved = _hold_back(raw, tmp_path / "held", first=True)
    before = (clean_corpus(raw, out, jobs=2), analyze_corpus(out, jobs=2))
    for page, held in moved:
        shutil.copyfile(held, page)
    clean_corpus(raw, out, jobs=2)
    after = analyze_corpus(out, jobs=2)
    assert after.cached == before[1].documents < after.documents
    assert {"_CleanJob", "_AnalyzeJob"} <= set(calls)
    assert fp.differences(fp.fingerprints(out), _cold(raw, tmp_path / "cold")) == []


def test_pages_added_back_from_the_cache_give_the_cold_tables(tmp_path):
    """The bench's case: the pages were analysed by an earlier run, so every document comes from the
    cache, and the corpus is as it was then, so TF-IDF and topics come from the corpus cache (keyed by
    the whole documents × terms matrix); only the tables are rewritten."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(DEMO, raw)
    clean_corpus(raw, out, jobs=2)
    analyze_corpus(out, jobs=2)
    moved = _hold_back(raw, tmp_path / "held")
    clean_corpus(raw, out, jobs=2)
    fewer = analyze_corpus(out, jobs=2)
    for page, held in moved:
        shutil.copyfile(held, page)
    clean_corpus(raw, out, jobs=2)
    entries = sorted((out / ".cache" / "analyze_corpus").glob("*.arrow"))
    again = analyze_corpus(out, jobs=2)
    assert again.cached == again.documents > fewer.documents
    # the corpus is back in the state of the first run: its TF-IDF and topics came from the corpus cache
    assert sorted((out / ".cache" / "analyze_corpus").glob("*.arrow")) == entries and len(entries) == 4
    assert fp.differences(fp.fingerprints(out), _cold(raw, tmp_path / "cold")) == []


def test_a_cache_entry_damaged_after_the_plan_is_recomputed_by_the_driver(tmp_path, monkeypatch):
    """An entry whose counts were read but whose rows are unreadable when the tables are written is
    analysed again in the driver: same tables as a cold run."""
    import speechkit.analyze as analyze_mod

    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(DEMO, raw)
    clean_corpus(raw, out, jobs=1)
    analyze_corpus(out, jobs=1)
    (out / ".cache" / "analyze_manifest.json").unlink()
    real = analyze_mod._load_cached
    failed = []

    def rows_unreadable(path, schemas, only=None):
        if only is None and not failed:
            failed.append(path)
            return None
        return real(path, schemas, only)

    monkeypatch.setattr(analyze_mod, "_load_cached", rows_unreadable)
    report = analyze_corpus(out, jobs=1)
    assert failed and report.cached == report.documents - 1
    assert fp.differences(fp.fingerprints(out), _cold(raw, tmp_path / "cold")) == []
