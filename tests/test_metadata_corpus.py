"""End to end: the metadata of every text file of ../shared/corpus against the hand-read gold
(tests/gold/metadata.csv), scored by scripts/eval_metadata.py. Skips without the shared corpus."""
import importlib.util

import pytest
from corpus_paths import REPO, shared


def _harness():
    spec = importlib.util.spec_from_file_location("eval_metadata", REPO / "scripts" / "eval_metadata.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scored():
    ev = _harness()
    ev.CORPUS = shared()
    rows = ev.read_gold()
    got = ev.run_speechkit(rows)
    table, misses = ev.score(rows, got)
    return ev, rows, got, {t[0]: t[1:] for t in table}, misses


@pytest.mark.slow
def test_gold_covers_every_text_file_of_the_shared_corpus(scored):
    ev, rows, *_ = scored
    files = {str(p.relative_to(ev.CORPUS)) for sub in ("seeds", "city-reports-2024", "province-reports-2025", "national-reports")
             for p in (ev.CORPUS / sub).glob("*.txt")}
    assert files == {r["file"] for r in rows}


@pytest.mark.slow
def test_place_right_on_every_file_that_names_one_and_made_up_on_none(scored):
    ev, rows, got, table, misses = scored
    right, named = ev.place_right(rows, got)
    assert right == named, [m for m in misses if m[0] in ("province", "city", "district")]
    assert all(table[f][2] == 0 for f in ("province", "city", "district"))


@pytest.mark.slow
def test_year_right_on_every_file_that_names_one(scored):
    _, _, _, table, misses = scored
    right, stated, invented, _ = table["year"]
    assert right == stated and invented == 0, [m for m in misses if m[0] == "year"]


@pytest.mark.slow
@pytest.mark.parametrize("field,floor", [("speaker", 0.90), ("speaker_role", 0.90), ("date", 0.95), ("meeting", 0.90)])
def test_speaker_role_date_and_session_as_stated(scored, field, floor):
    _, _, _, table, misses = scored
    right, stated, invented, unstated = table[field]
    assert right / stated >= floor, [m for m in misses if m[0] == field]
    assert invented <= 0.02 * unstated, [m for m in misses if m[0] == field]
