"""indicator_key: which quantity a figure measures, whatever the wording (speechkit.indicators)."""
from __future__ import annotations

import pytest

from speechkit.indicators import IndicatorFileError, indicator_key, load_indicators, normalise_indicator


@pytest.mark.parametrize("indicator, sentence, value, unit, key", [
    # growth named in the clause itself, as an indicator and as a bare clause
    ("国内生产总值增长", "今年发展主要预期目标是：国内生产总值增长5%左右；", 5, "%", "地区生产总值增长"),
    ("地区生产总值增长", "全市地区生产总值增长6%左右。", 6, "%", "地区生产总值增长"),
    ("经济增长预期目标为", "今年经济增长预期目标为7%左右。", 7, "%", "地区生产总值增长"),
    # the clause of the figure has no subject: the one before it names the quantity
    ("比上年增长", "全年国内生产总值达到18.23万亿元，比上年增长9.9%；", 9.9, "%", "地区生产总值增长"),
    # the level of GDP is not GDP growth (unit), nor a contribution rate (a word of another quantity in between)
    ("国内生产总值", "全年国内生产总值达到18.23万亿元，比上年增长9.9%；", 18.23, "万亿元", "国内生产总值"),
    ("对全球经济增长的贡献率超过", "增长6.7%，对全球经济增长的贡献率超过30%。", 30, "%", "全球经济增长贡献率"),
    # a list: each item its own quantity
    ("涨幅控制在", "国内生产总值增长10.3%，居民消费价格涨幅控制在3.3%，城镇新增就业1168万人", 3.3, "%", "居民消费价格涨幅"),
    ("城镇新增就业", "国内生产总值增长10.3%，居民消费价格涨幅控制在3.3%，城镇新增就业1168万人", 1168, "万人", "城镇新增就业"),
    ("城镇调查失业率", "城镇调查失业率5.5%左右", 5.5, "%", "城镇调查失业率"),
    # the two 纲要
    ("妇女“两癌”筛查覆盖率", "到2025年，妇女“两癌”筛查覆盖率达到90%以上。", 90, "%", "两癌筛查覆盖率"),
    ("普惠性幼儿园覆盖率", "到2025年，普惠性幼儿园覆盖率达到85%以上。", 85, "%", "普惠性幼儿园覆盖率"),
    ("孕产妇死亡率", "全市孕产妇死亡率控制在8/10万以下。", 8, "/10万", "孕产妇死亡率"),
    ("5岁以下儿童死亡率", "5岁以下儿童死亡率降至4‰以下", 4, "‰", "5岁以下儿童死亡率"),
])
def test_indicator_key(indicator, sentence, value, unit, key):
    got = indicator_key(indicator=indicator, sentence=sentence, value=value, unit=unit)
    if key == "全球经济增长贡献率":  # not GDP growth: the fallback, whatever it normalises to
        assert got != "地区生产总值增长"
    else:
        assert got == key


def test_fallback_normalises_the_extracted_words():
    assert normalise_indicator("全年粮食播种面积稳定在") == "粮食播种面积"
    assert normalise_indicator("比上年增长") is None
    assert normalise_indicator("站") is None  # a single character names nothing


def test_user_indicators_come_first_and_replace_same_keys(tmp_path):
    extra = tmp_path / "my.toml"
    extra.write_text('[[indicator]]\nkey = "城镇新增就业"\ndirection = "floor"\nunits = ["万人"]\n'
                     'patterns = ["新增就业岗位"]\n\n[[indicator]]\nkey = "巾帼共富工坊数"\n'
                     'direction = "floor"\npatterns = ["巾帼共富工坊"]\n', encoding="utf-8")
    inds = load_indicators(extra)
    assert inds[0].key == "城镇新增就业" and [i.key for i in inds].count("城镇新增就业") == 1
    assert indicator_key(indicator="培育巾帼共富工坊", sentence="今年培育巾帼共富工坊500家。", value=500, unit="家",
                         indicators=inds) == "巾帼共富工坊数"
    assert indicator_key(indicator="新增就业岗位", sentence="新增就业岗位3万人。", value=3, unit="万人",
                         indicators=inds) == "城镇新增就业"


def test_a_bad_indicators_file_names_the_file_and_the_entry(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[indicator]]\nkey = "x"\ndirection = "up"\npatterns = ["x"]\n', encoding="utf-8")
    with pytest.raises(IndicatorFileError, match=r"bad\.toml.*'x'.*direction"):
        load_indicators(bad)
