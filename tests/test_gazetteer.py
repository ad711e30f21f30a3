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
