from speechkit.gazetteer import find_places, resolve_place


def place_of(text, hint=None):
    return resolve_place(find_places(text), find_places(hint) if hint else None)


def test_short_names_resolve_to_full_official_names():
    p = place_of("成都召开妇女儿童工作会议，成都市委书记出席")
    assert (p.province, p.city, p.district) == ("四川省", "成都市", None)


def test_recent_districts_are_known():
    # 临平区 was created in 2021: the gazetteer must be newer than that
    p = place_of("杭州市临平区妇女儿童工作会议在临平区召开")
    assert (p.province, p.city, p.district) == ("浙江省", "杭州市", "临平区")


def test_autonomous_prefecture_short_form():
    p = place_of("黔东南州妇联召开执委会议，黔东南各县妇联参加")
    assert p.city == "黔东南苗族侗族自治州" and p.province == "贵州省"


def test_municipality_district():
    p = place_of("上海市浦东新区妇女代表大会，浦东新区各街镇妇联")
    assert (p.province, p.city, p.district) == ("上海市", "上海市", "浦东新区")


def test_provincial_document_names_cities_in_passing():
    text = "四川省政府工作报告。四川全省上下……支持成都建设公园城市，四川经济总量……四川省各地"
    p = place_of(text)
    assert p.province == "四川省" and p.city is None


def test_street_names_are_not_places():
    assert place_of("会场设在中山路和南京大街交叉口") .province is None


def test_everyday_words_that_are_also_full_division_names_are_not_places():
    """台中市新社区 / 高雄市大社区 are division names, but in a speech 新社区 is a new community."""
    counts = find_places("我区推进新社区建设，打造大社区服务格局，全区妇女儿童工作稳步推进。")
    assert all(d.name not in ("新社区", "大社区") for d in counts)
    assert not any(d.code.startswith("71") for d in counts)


def test_short_names_count_only_as_words():
    """和康 (和康县) inside 受教育权和康复服务 once filed a speech under 新疆 和田地区 和康县."""
    assert not find_places("保障残疾儿童受教育权和康复服务，〔*〕区妇联积极推动")
    assert [d.name for d in find_places("支持成都建设公园城市")] == ["成都市"]


def test_short_name_followed_by_a_division_suffix_counts():
    p = place_of("黔东南州召开会议")
    assert p.city == "黔东南苗族侗族自治州"


def test_a_name_at_the_very_end_of_the_text_is_found():
    assert [d.name for d in find_places("台州")] == ["台州市"]


def test_county_level_city_sharing_its_prefecture_name():
    from speechkit.gazetteer import same_name_city
    from speechkit.metadata import extract_metadata

    assert same_name_city("恩施土家族苗族自治州") == "恩施市" and same_name_city("凉山彝族自治州") is None
    city = "各位代表：\n现在，我代表市人民政府向大会报告工作。全市上下……我市……建州40周年……全州大局"
    m = extract_metadata(city, city, {}, "恩施")
    assert (m.city, m.district) == ("恩施土家族苗族自治州", "恩施市")
    prefecture = "各位代表：\n现在，我代表州人民政府向大会报告工作。全州上下……我州……"
    m = extract_metadata(prefecture, prefecture, {}, "恩施")
    assert (m.city, m.district) == ("恩施土家族苗族自治州", None)


def test_county_level_city_is_county_level():
    from speechkit.metadata import extract_metadata

    text = "各位代表：\n现在，我代表市人民政府向大会报告工作。全市上下……我市……"
    assert extract_metadata(text, text, {}, "恩施").level == "县"


def test_text_speaks_for_its_own_government():
    from speechkit.metadata import speaking_unit, speaks_as

    assert speaking_unit("各位代表：\n现在，我代表州人民政府向大会报告工作。全市……") == "州"
    assert speaking_unit("下面，我代表行署作工作报告。") == "行署"
    # a city's report ranks itself in the province (全省第一) but speaks as 我市
    assert speaks_as("我市生产总值居全省第一，全省……全省……我市……") == "市"
    assert speaks_as("同志们：今天开会。") is None


def test_place_read_from_the_text_keeps_only_the_levels_it_speaks_as():
    from speechkit.metadata import extract_metadata

    prov = ("各位代表：\n现在，我代表省人民政府向大会报告工作。陕西省经济……支持西安建设国家中心城市，西安、西安、"
            "西安都市圈……宝鸡、咸阳……")
    m = extract_metadata(prov, prov, {}, "report")
    assert (m.province, m.city, m.district) == ("陕西省", None, None)
    city = ("各位代表：\n现在，我代表市人民政府向大会报告工作。广西壮族自治区……全区……广西壮族自治区……"
            "防城港市港口区、东兴市……防城港……")
    m = extract_metadata(city, city, {}, "report")
    assert (m.province, m.city, m.district) == ("广西壮族自治区", "防城港市", None)
