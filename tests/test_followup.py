"""speechkit followup: targets linked to later outcomes of the same place and year, judged met/missed."""
from __future__ import annotations

import sys

import pandas as pd
import pytest

from corpus_paths import REPO, shared
from speechkit.analyze import AnalysisTools, AnalyzeOptions, analyze_document
from speechkit.followup import followup_table, judge, summarise_followup

TOOLS = None


def _docs(*specs):
    """(doc_id, city, year, text) → documents and targets frames, analysed with the real extractor."""
    global TOOLS
    TOOLS = TOOLS or AnalysisTools(AnalyzeOptions())
    docs, rows = [], []
    for doc_id, city, year, text in specs:
        docs.append({"doc_id": doc_id, "year": year, "province": "浙江省", "city": city, "district": None,
                     "level": "市", "title": None, "meeting": None, "source_path": f"{doc_id}.txt", "text": text})
        rows += analyze_document(doc_id, text, TOOLS, year).rows["targets"]
    return pd.DataFrame(docs), pd.DataFrame(rows)


PLAN_2021 = ("同志们：\n到2025年，全市普惠性幼儿园覆盖率达到90%以上，婴儿死亡率控制在3‰以下，"
             "每千人口拥有3岁以下婴幼儿托位数达到4.5个。\n")
REVIEW_2026 = ("同志们：\n2025年是规划的收官之年。全市普惠性幼儿园覆盖率达到92%，婴儿死亡率为3.4‰，"
               "每千人口拥有3岁以下婴幼儿托位数达到4.5个。\n"
               "五年来，全市累计新建婴幼儿照护服务驿站140个，普惠性幼儿园覆盖率年均提高3个百分点。\n")


def test_a_2025_target_is_judged_by_what_a_later_speech_reports_for_2025():
    documents, targets = _docs(("a", "绍兴市", 2021, PLAN_2021), ("b", "绍兴市", 2026, REVIEW_2026))
    out = followup_table(documents=documents, targets=targets).set_index("indicator_key")
    assert out.loc["普惠性幼儿园覆盖率", "status"] == "met" and out.loc["普惠性幼儿园覆盖率", "gap"] == pytest.approx(2.0)
    assert out.loc["婴儿死亡率", "status"] == "missed"  # a ceiling: 3.4‰ is above 3‰
    assert out.loc["托位数", "status"] == "met"  # reached exactly
    assert set(out["target_year"]) == {2025} and set(out["outcome_doc_id"]) == {"b"}
    assert out.loc["普惠性幼儿园覆盖率", "outcome_value"] == 92.0  # never the 年均 figure of the five-year paragraph


def test_never_another_place_nor_an_earlier_document():
    documents, targets = _docs(("a", "绍兴市", 2021, PLAN_2021), ("b", "洛阳市", 2026, REVIEW_2026),
                               ("c", "绍兴市", 2020, REVIEW_2026.replace("2025年", "2019年")))
    assert followup_table(documents=documents, targets=targets).empty


def test_a_report_reviews_the_year_before_it_was_given():
    target = "今年发展主要预期目标是：国内生产总值增长5%左右，城镇新增就业1200万人以上，居民消费价格涨幅3%左右。\n"
    review = "过去一年，国内生产总值增长4.9%，城镇新增就业1244万人，居民消费价格上涨0.2%。\n"
    documents, targets = _docs(("r1", None, 2024, "各位代表：\n" + target), ("r2", None, 2025, "各位代表：\n" + review))
    documents["level"], documents["province"], documents["title"] = "国家", None, "政府工作报告"
    out = followup_table(documents=documents, targets=targets).set_index("indicator_key")
    assert out.loc["地区生产总值增长", "status"] == "missed"  # 5%左右 counts at 5.0
    assert out.loc["城镇新增就业", "status"] == "met"
    assert out.loc["居民消费价格涨幅", "status"] == "met"  # a ceiling
    assert set(out["place"]) == {"全国"} and set(out["outcome_year"]) == {2024}
    tolerant = followup_table(documents=documents, targets=targets, tolerance=0.2).set_index("indicator_key")
    assert tolerant.loc["地区生产总值增长", "status"] == "met"


def test_units_are_converted_or_the_pair_is_unknown():
    assert judge(direction="floor", comparator=">=", value=900, low=None, high=None, outcome=1168) == ("met", 268)
    assert judge(direction="floor", comparator="~", value=None, low=None, high=None, outcome=3.0)[0] == "unknown"
    from speechkit.followup import _convert

    assert _convert(1.2, "万亿元", "亿元") == pytest.approx(12000)
    assert _convert(13000, "万人", "人") == pytest.approx(1.3e8)
    assert _convert(5, "%", "万人") is None
    assert _convert(1.3, "亿斤", "万吨") == pytest.approx(6.5)


def test_explicit_comparators_decide_over_the_direction():
    assert judge(direction="floor", comparator="<=", value=4.6, low=None, high=None, outcome=4.5)[0] == "met"
    assert judge(direction="ceiling", comparator=">=", value=90, low=None, high=None, outcome=85)[0] == "missed"
    assert judge(direction="floor", comparator="=", value=6.5, low=6.5, high=7.0, outcome=6.4)[0] == "missed"
    assert judge(direction="ceiling", comparator="=", value=6.0, low=6.0, high=6.5, outcome=6.4)[0] == "met"


def test_summary_counts_share_met_and_mean_gap():
    f = pd.DataFrame({"indicator_key": ["A", "A", "A", "B"], "status": ["met", "missed", "unknown", "met"],
                      "gap": [1.0, -1.0, None, 2.0]})
    s = summarise_followup(f).set_index("indicator_key")
    assert s.loc["A", "linked"] == 3 and s.loc["A", "share_met"] == 0.5 and s.loc["B", "mean_gap"] == 2.0


def test_followup_cli_on_the_demo_corpus_writes_the_table_and_the_report_section(tmp_path):
    from typer.testing import CliRunner

    import speechkit as sk
    from speechkit.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(REPO / "data" / "raw"), "--out", str(out), "-j", "1", "--by", "city"])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "followup.parquet")
    shaoxing = table[table["place"] == "绍兴市"].set_index("indicator_key")
    assert {"孕产妇死亡率", "婴儿死亡率", "两癌筛查覆盖率", "托位数"} <= set(shaoxing.index)
    assert shaoxing.loc["托位数", "status"] == "missed" and shaoxing.loc["两癌筛查覆盖率", "status"] == "met"
    corpus = sk.load(out)
    assert len(corpus.followup(by="city")) == len(table)
    assert "目标完成情况" in (out / "report" / "report.html").read_text(encoding="utf-8")
    assert (out / "report" / "charts" / "followup.png").exists()


@pytest.mark.slow
def test_national_reports_against_the_gold_pairs(tmp_path):
    """Every follow-up row of GDP growth, CPI and new urban jobs links 全国 to the next year's report."""
    corpus = shared("national-reports")
    sys.path.insert(0, str(REPO / "scripts"))
    from eval_followup import read_gold, score

    from speechkit.analyze import analyze_corpus
    from speechkit.clean import clean_corpus
    from speechkit.followup import followup_corpus

    clean_corpus(corpus, tmp_path, jobs=2)
    analyze_corpus(tmp_path, jobs=2)
    rows = followup_corpus(processed_dir=tmp_path)
    docs = pd.read_parquet(tmp_path / "documents.parquet", columns=["doc_id", "year"]).set_index("doc_id")["year"]
    gold_keys = {"地区生产总值增长", "居民消费价格涨幅", "城镇新增就业"}
    mine = rows[rows["indicator_key"].isin(gold_keys)]
    assert (mine["place"] == "全国").all()
    assert (mine["outcome_doc_id"].map(docs) > mine["target_doc_id"].map(docs)).all()
    assert (mine["outcome_year"] == mine["target_year"]).all()
    result = score(rows, read_gold())
    assert result["recall"] >= 0.95 and result["precision"] >= 0.95, result


def test_the_year_cue_nearest_before_the_figure_decides_the_outcome_year():
    """A paragraph that opens with the report's own year but reviews 过去一年 reports on the year before."""
    target = "今年发展主要预期目标是：国内生产总值增长8%左右。\n"
    review = "2011年，是开局之年，做好今年的工作至关重要。过去一年，我们的各项工作取得了很大成绩。国内生产总值增长10.3%。\n"
    documents, targets = _docs(("r1", None, 2010, "各位代表：\n" + target), ("r2", None, 2011, "各位代表：\n" + review))
    documents["level"], documents["province"], documents["title"] = "国家", None, "政府工作报告"
    out = followup_table(documents=documents, targets=targets)
    assert out[["target_year", "outcome_value", "status"]].values.tolist() == [[2010, 10.3, "met"]]


def test_a_figure_broken_across_lines_keeps_its_indicator():
    """…达到74.4⏎万亿元，增长6.7%: the subject of the growth figure stands on the line before."""
    _, targets = _docs(("r", None, 2017, "各位代表：\n国内生产总值达到74.4\n万亿元，增长6.7%，名列世界前茅。\n"))
    growth = targets[targets["value"] == 6.7]
    assert growth["indicator_key"].tolist() == ["地区生产总值增长"]
