"""End-to-end checks of `speechkit clean` on the shared corpus and the demo corpus."""
import re

import pandas as pd
import pytest

from corpus_paths import DEMO, shared
from speechkit.clean import DOCUMENT_COLUMNS, RawDirError, clean_corpus

# Kinds of chrome seen in the seeds; none may survive cleaning (written here independently of the rules).
CHROME = [r"评论\d", r"省略\d+字", r"全文共\d+字", r"当前只显示", r"当前位置", r"首页 >", r"上一篇", r"下一篇", r"相关栏目",
          r"欢迎访问", r"版权所有", r"Copyright", r"许可证", r"举报电话", r"喜欢就分享吧", r"标题:", r"链接地址", r"来源:",
          r"编辑:", r"阅读数", r"关于我们", r"\d/8", r"^\|", r"\|$", r"所有资源均是用户", r"记者 李"]
SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]")


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds_out")
    report = clean_corpus(shared("seeds"), out, jobs=1, use_cache=False)
    return report


def test_seeds_no_chrome_survives(seeds):
    docs = seeds.documents
    assert (docs["status"] == "ok").all() and len(docs) == 5
    for _, row in docs.iterrows():
        for pattern in CHROME:
            assert not re.search(pattern, row["text"], re.M), f"{row['source_path']}: {pattern} survived"


def test_seeds_no_speech_sentence_is_lost(seeds):
    """Every sentence of the raw page that is not chrome is in the cleaned text (page markers aside)."""
    lost = []
    for _, row in seeds.documents.iterrows():
        clean = re.sub(r"\s+", "", row["text"])
        # photo captions (a line ending in "王效 摄") are chrome too, not speech
        raw = "\n".join(l for l in row["raw_text"].split("\n") if not re.search(r"[\u4e00-\u9fff]{2,4}\s+摄\s*$", l))
        for sent in SENTENCE.findall(raw):
            if any(re.search(p, sent) for p in CHROME + [r"会议强调要", r"省略", r"分享"]):
                continue
            body = re.sub(r"\d/8|\s+|^\|", "", sent)
            body = re.sub(r"^.*?上的讲话(?=同志们)", "", body)
            if len(re.findall(r"[\u4e00-\u9fff]", body)) >= 8 and body not in clean:
                lost.append((row["source_path"], body[:40]))
    assert lost == []


def test_removals_audit_reconstructs_the_text(seeds):
    rem = seeds.removals
    for _, doc in seeds.documents.iterrows():
        raw, spans = doc["raw_text"], rem[rem["doc_id"] == doc["doc_id"]].sort_values("start")
        assert all(raw[s:e] == t for s, e, t in zip(spans["start"], spans["end"], spans["text"]))
        kept, pos = [], 0
        for s, e in zip(spans["start"], spans["end"]):
            kept.append(raw[pos:s])
            pos = e
        kept.append(raw[pos:])
        assert "".join(kept) == doc["text"]


def test_seeds_truncation_and_metadata(seeds):
    docs = seeds.documents.set_index(seeds.documents["source_path"].str[:3])
    assert docs.loc["001", "truncated"] and docs.loc["001", "declared_chars"] == 14030 and docs.loc["001", "omitted_chars"] == 1949
    assert not docs.loc["000", "truncated"]
    assert docs.loc["000", "year"] == 2024 and docs.loc["000", "level"] == "区"
    assert docs.loc["003", "year"] == 2022
    assert docs.loc["002", "city"] == "成都市" and docs.loc["002", "date"] == "2024-01-10"
    assert docs.loc["004", "redactions"] > 0 and "〔*〕" in docs.loc["004", "text"]
    assert docs.loc["001", "title"] == "在全市妇女第十五次代表大会上的讲话"


def test_doc_ids_are_stable_and_content_derived(seeds, tmp_path):
    again = clean_corpus(shared("seeds"), tmp_path, jobs=2, use_cache=False)
    pd.testing.assert_frame_equal(again.documents, seeds.documents)
    assert again.documents["doc_id"].is_unique


@pytest.mark.slow
def test_report_corpora_places_and_years(tmp_path):
    root = shared()
    report = clean_corpus(root, tmp_path, jobs=2, use_cache=False)
    docs = report.documents
    prov = docs[docs["source_path"].str.startswith("province-reports-2025/")]
    assert len(prov) == 31 and (prov["year"] == 2025).all()
    for _, row in prov.iterrows():
        stem = row["source_path"].split("/")[1].removeprefix("2025年").removesuffix("政府工作报告.txt")
        assert row["province"].startswith(stem), (stem, row["province"])
    city = docs[docs["source_path"].str.startswith("city-reports-2024/")]
    assert len(city) == 143
    for _, row in city.iterrows():
        stem = row["source_path"].split("/")[1].removesuffix(".txt")
        assert isinstance(row["city"], str) and row["city"].startswith(stem), (stem, row["city"])
    # one file is a 2023 report (it reviews 2022); every other city report is 2024
    assert (city["year"] == 2024).sum() == 142 and set(city["year"]) == {2023, 2024}


def test_outputs_have_the_documented_columns(seeds, tmp_path):
    assert list(seeds.documents.columns) == DOCUMENT_COLUMNS
    assert list(seeds.removals.columns) == ["doc_id", "rule", "start", "end", "text"]


def test_missing_or_empty_raw_dir_is_a_clear_error(tmp_path):
    with pytest.raises(RawDirError, match="does not exist"):
        clean_corpus(tmp_path / "nope", tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RawDirError, match="no speech files found"):
        clean_corpus(tmp_path / "empty", tmp_path / "out")
    (tmp_path / "empty" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(RawDirError, match=r"skipped 1: 1 × unsupported type \(\.png\)"):
        clean_corpus(tmp_path / "empty", tmp_path / "out")


def test_bad_file_is_an_error_row_and_the_rest_goes_on(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_text("同志们：今天召开2023年全县妇女儿童工作会议，部署全年工作。", encoding="utf-8")
    (raw / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00")
    (raw / "empty.html").write_bytes(b"")
    report = clean_corpus(raw, tmp_path / "out", jobs=1)
    docs = report.documents.set_index("source_path")
    assert docs.loc["good.txt", "status"] == "ok"
    assert docs.loc["picture.txt", "status"] == "error" and "PNG" in docs.loc["picture.txt", "error"]
    assert docs.loc["empty.html", "status"] == "error" and "empty" in docs.loc["empty.html", "error"]


def test_cache_reuses_unchanged_files(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(3):
        (raw / f"s{i}.txt").write_text(f"同志们：今天召开第{i}次会议。\n评论0", encoding="utf-8")
    first = clean_corpus(raw, tmp_path / "out", jobs=1)
    second = clean_corpus(raw, tmp_path / "out", jobs=1)
    assert first.cached == 0 and second.cached == 3
    pd.testing.assert_frame_equal(first.documents, second.documents)
    (raw / "s1.txt").write_text("同志们：内容改了。", encoding="utf-8")
    third = clean_corpus(raw, tmp_path / "out", jobs=1)
    assert third.cached == 2
    assert "内容改了" in third.documents.set_index("source_path").loc["s1.txt", "text"]


def test_a_source_larger_than_the_cache_cap_is_cleaned_but_not_cached(tmp_path, monkeypatch):
    from speechkit import cache

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "small.txt").write_text("同志们：今天召开妇女儿童工作会议。", encoding="utf-8")
    (raw / "huge.txt").write_text("同志们：" + "推进妇女儿童事业高质量发展。\n" * 200, encoding="utf-8")
    monkeypatch.setattr(cache, "MAX_ENTRY_BYTES", 2000)  # huge.txt is ~8 KB, small.txt ~50 bytes
    first = clean_corpus(raw, tmp_path / "out", jobs=1)
    entries = list((tmp_path / "out" / ".cache" / "clean").rglob("*.json"))
    assert len(entries) == 1  # only the small source
    second = clean_corpus(raw, tmp_path / "out", jobs=1, use_cache=True)
    assert set(second.documents["source_path"]) == {"small.txt", "huge.txt"}
    pd.testing.assert_frame_equal(first.documents, second.documents)
    assert cache.store_json_entry(tmp_path / "x" / "e.json", {"text": "长" * 3000}) is False
    assert not (tmp_path / "x" / "e.json").exists()


# --- the bundled demo corpus against its ground truth (tests/demo_truth.toml) ----------------

def _nfkc(s):
    import unicodedata

    return unicodedata.normalize("NFKC", s)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    import tomllib

    truth = tomllib.loads((DEMO.parent.parent / "tests" / "demo_truth.toml").read_text(encoding="utf-8"))
    report = clean_corpus(DEMO, tmp_path_factory.mktemp("demo_out"), jobs=2, use_cache=False)
    return truth, report.documents.set_index("source_path")


def test_demo_boilerplate_removed_and_speech_kept(demo):
    truth, docs = demo
    assert set(truth) == set(docs.index)
    problems = []
    for path, t in truth.items():
        text = _nfkc(docs.loc[path, "text"])
        problems += [(path, "survived", s) for s in t["must_remove"] if _nfkc(s) in text]
        problems += [(path, "lost", s) for s in t["must_keep"] if _nfkc(s) not in text]
    assert problems == []


@pytest.mark.parametrize("field", ["province", "city", "district", "level", "year", "meeting", "speaker", "truncated",
                                   "declared_chars", "omitted_chars"])
def test_demo_metadata_matches_ground_truth(demo, field):
    truth, docs = demo
    wrong = []
    for path, t in truth.items():
        expected, got = t[field], docs.loc[path, field]
        if expected in ("", 0) and (got is None or pd.isna(got) or got in (0, False)):
            continue
        if expected != got:
            wrong.append((path, expected, got))
    assert wrong == []


def test_demo_speaker_role_is_one_of_the_offices_the_byline_lists(demo):
    """speaker_role is the office of the speaker_title in the ground truth (区委副书记、区长 -> 区长)."""
    truth, docs = demo
    wrong = []
    for path, t in truth.items():
        role = docs.loc[path, "speaker_role"]
        expected = [part for part in t["speaker_title"].split("、") if part]
        if (role in expected) if expected else (role is None or pd.isna(role)):
            continue
        wrong.append((path, t["speaker_title"], role))
    assert wrong == []


def test_demo_titles_and_encodings(demo):
    truth, docs = demo
    assert [p for p, t in truth.items() if _nfkc(t["title"]) != _nfkc(docs.loc[p, "title"] or "")] == []
    assert {docs.loc[p, "encoding"] for p in truth} >= {"gb18030", "utf-16", "utf-8-sig", "utf-8"}
    assert (docs["format"] == "html").sum() >= 3


def test_a_utf8_speech_with_stray_nuls_is_cleaned_without_them(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    speech = ("当前位置：首页 > 领导讲话\n同志们：今天召开全市妇女儿童工作会议，部署今年任务。\n"
              "一、推进托育服务。到2025年，全市建成普惠托位300个。\n") * 30
    data = speech.encode("utf-8")
    data = data[:60] + b"\x00" + data[60:3000] + b"\x00\x00" + data[3000:]  # 60 and 3000 fall between characters
    assert data.replace(b"\x00", b"").decode("utf-8") == speech
    (raw / "nul.txt").write_bytes(data)
    report = clean_corpus(raw, tmp_path / "out", jobs=1, use_cache=False)
    doc = report.documents.iloc[0]
    assert doc["status"] == "ok" and "\x00" not in doc["text"] and "\x00" not in doc["raw_text"]
    assert doc["raw_text"] == speech and "3 NUL byte(s) dropped" in doc["notes"]
    spans = report.removals.sort_values("start")
    kept, pos = [], 0
    for s, e in zip(spans["start"], spans["end"]):
        kept.append(doc["raw_text"][pos:s])
        pos = e
    assert "".join(kept) + doc["raw_text"][pos:] == doc["text"]


def test_script_column_on_the_national_reports():
    """The 1954 report is written in Traditional characters; 1957 has a few Traditional lines."""
    folder = shared("national-reports")
    from speechkit.clean import clean_file

    scripts = {}
    for year in (1954, 1957, 2024):
        path = folder / f"{year}_国务院政府工作报告.txt"
        if path.exists():
            scripts[year] = clean_file(path, path.name)[0]["script"]
    assert scripts == {1954: "traditional", 1957: "mixed", 2024: "simplified"}


def test_explain_file_reports_exactly_the_cuts_clean_file_makes():
    from speechkit.clean import clean_file, explain_file

    for path in sorted(shared("seeds").glob("*.txt")):
        _row, removals = clean_file(path, path.name)
        info = explain_file(path)
        by_rule = {}
        for r in removals:
            by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
        assert {e["rule"]: e["cuts"] for e in info["rules"]} == by_rule
        listed = sorted((s["start"], s["end"]) for e in info["rules"] for s in e["samples"])
        assert listed == sorted((r["start"], r["end"]) for r in removals if r["rule"] != "whitespace")


# --- a huge page is cleaned without whole-text copies: the lean helpers equal their definitions ---

def test_the_kept_view_equals_its_definition_on_random_pages():
    """boilerplate._kept_view builds its offsets in place from the kept runs (int32, no 8-byte
    diff): the view and offsets must be exactly the characters no span covers, in order."""
    import random

    from speechkit.boilerplate import _kept_view, _map_back, _map_back_spans

    rng = random.Random(15)
    for _ in range(3000):
        text = "".join(rng.choice("同志们\n 评论0") for _ in range(rng.randint(0, 40)))
        spans = [tuple(sorted((rng.randint(0, len(text) + 2), rng.randint(0, len(text) + 2))))
                 for _ in range(rng.randint(0, 6))]
        kept = [i for i in range(len(text)) if not any(s <= i < e for s, e in spans)]
        view, idx = _kept_view(text, spans)
        assert view == "".join(text[i] for i in kept) and idx.tolist() == kept, (text, spans)
        pieces = [(s, e) for s, e in zip(range(len(kept)), range(1, len(kept) + 1))] + [(0, len(kept))]
        assert _map_back_spans(idx, pieces) == [p for s, e in pieces for p in _map_back(idx, s, e)]


def test_the_traditional_share_equals_its_per_line_definition():
    """script.traditional_share counts per line with reduceat and a blocked lookup: the same share as
    counting each line's Chinese and Traditional-only characters one by one."""
    import random

    from speechkit import script

    settings = script._settings()["line"]
    traditional = script._traditional_only()

    def by_lines(text: str) -> float:
        total = on = 0
        for line in text.split("\n"):
            n = sum("\u4e00" <= ch <= "\u9fff" for ch in line)
            t = sum(ch in traditional for ch in line)
            total += n
            if n >= settings["min_cjk"] and n > 0 and t >= settings["traditional_share"] * n:
                on += n
        return on / total if total else 0.0

    rng = random.Random(15)
    for _ in range(2000):
        text = "".join(rng.choice("同志們们會会議议開开\n a") for _ in range(rng.randint(0, 80)))
        assert script.traditional_share(text) == pytest.approx(by_lines(text), abs=0), text


def test_a_damaged_entry_is_cleaned_again_with_this_runs_rules_not_an_earlier_runs(tmp_path):
    """Review (issue 15): with every file cached, a damaged entry is cleaned again in the driver; the
    rules it uses are this run's, never the user rules a previous run in the same process compiled."""
    from speechkit.clean import CleanOptions

    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("a", "b"):
        (raw / f"{name}.txt").write_text(f"同志们：\n今天召开{name}市工作会议。\n广而告之买买买\n抓好落实。\n", encoding="utf-8")
    rules = tmp_path / "mine.toml"
    rules.write_text('[[rule]]\nname = "ad"\npattern = \'广而告之买买买\'\n', encoding="utf-8")
    plain = clean_corpus(raw, tmp_path / "plain", jobs=1).documents.set_index("source_path")["text"]
    assert plain.str.contains("买买买").all()
    mine = clean_corpus(raw, tmp_path / "mine", options=CleanOptions(rules_files=(str(rules),)), jobs=1).documents
    assert not mine["text"].str.contains("买买买").any()  # this process has compiled the user rule now
    (tmp_path / "plain" / ".cache" / "clean_manifest.json").unlink()
    entries = sorted((tmp_path / "plain" / ".cache" / "clean").rglob("*.json"))
    assert len(entries) == 2
    entries[0].write_text("{", encoding="utf-8")  # damaged: every file has an entry, one is unreadable
    again = clean_corpus(raw, tmp_path / "plain", jobs=1)
    assert again.cached == 1
    assert again.documents.set_index("source_path")["text"].to_dict() == plain.to_dict()
