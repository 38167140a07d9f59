"""The gazetteer: address text → community / street candidates, never a silent wrong match.

Names and codes are the real ones (NBS 2023) for the places used here."""

import json

import pytest
from django.core.management import CommandError, call_command

from civicgrid.territory.gazetteer import Gazetteer, get_gazetteer, is_confident, name_forms
from civicgrid.territory.models import PlaceAlias
from civicgrid.territory.services import territory_mark_changed

ROWS = [
    ("110101", "东城区"), ("110102", "西城区"), ("110105", "朝阳区"),
    ("110101010", "和平里街道"), ("110102007", "月坛街道"), ("110102017", "广安门内街道"),
    ("110105003", "呼家楼街道"), ("110105007", "和平街街道"),
    ("110102007003", "月坛社区居委会"),
    ("110102007006", "三里河一区社区居委会"),
    ("110102007018", "三里河二区社区居委会"),
    # The same community name in two districts (real: 核桃园 in 西城 and in 朝阳).
    ("110102017006", "核桃园社区居委会"),
    ("110105003046", "核桃园社区居委会"),
    # ...and 小黄庄 in 东城 and 朝阳.
    ("110101010017", "小黄庄社区居委会"),
    ("110105007045", "小黄庄社区居委会"),
    ("110105038200", "崔各庄村委会"),
]


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer.from_rows(ROWS, aliases=[("钓鱼台国宾馆北", "110102007006")])


def codes(candidates):
    return [c.code for c in candidates]


def test_full_address_resolves_to_the_community_with_high_confidence(gazetteer):
    found = gazetteer.resolve("北京市西城区月坛街道三里河一区社区3号楼2单元")
    assert found[0].code == "110102007006"
    assert found[0].level == "community"
    assert (found[0].street_code, found[0].district_code) == ("110102007", "110102")
    assert found[0].confidence >= 0.9
    assert {"三里河一区社区", "月坛街道", "西城区"} <= set(found[0].matched)
    assert is_confident(found)
    # The street and district are implied by the community, not extra candidates.
    assert "110102007" not in codes(found) and "110102" not in codes(found)
    assert "月坛街道" in found[0].reason_zh


def test_a_shared_name_alone_gives_several_low_confidence_candidates(gazetteer):
    found = gazetteer.resolve("核桃园社区门口有垃圾")
    assert sorted(codes(found)) == ["110102017006", "110105003046"]
    assert all(c.confidence < 0.5 for c in found)
    assert not is_confident(found)
    assert "无法区分" in found[0].reason_zh


@pytest.mark.parametrize("text, expected", [
    ("朝阳区呼家楼街道核桃园社区", "110105003046"),
    ("西城区核桃园社区5号楼", "110102017006"),
    ("广安门内街道核桃园", "110102017006"),
    ("朝阳区和平街街道小黄庄社区", "110105007045"),
])
def test_district_or_street_in_the_text_disambiguates(gazetteer, text, expected):
    found = gazetteer.resolve(text)
    assert found[0].code == expected
    assert is_confident(found)
    other = [c for c in found if c.level == "community" and c.code != expected]
    assert all(c.confidence < found[0].confidence - 0.3 for c in other)


def test_an_alias_names_its_community(gazetteer):
    found = gazetteer.resolve("钓鱼台国宾馆北侧路灯不亮")
    assert codes(found) == ["110102007006"]
    assert "别名" in found[0].reason_zh


def test_no_known_place_gives_nothing(gazetteer):
    assert gazetteer.resolve("楼下有人半夜唱歌") == []
    assert gazetteer.resolve("") == []
    assert not is_confident([])


@pytest.mark.parametrize("text", ["三里河一区居委会", "三里河一区社区", "三里河一区社区居委会",
                                  "三里河一区社区居民委员会", "三 里 河 一 区 社 区"])
def test_suffix_forms_of_a_community_all_resolve_to_it(gazetteer, text):
    found = gazetteer.resolve(text)
    assert codes(found)[:1] == ["110102007006"]
    assert found[0].confidence >= 0.7


def test_full_names_beat_short_forms_and_short_forms_are_less_sure(gazetteer):
    full = gazetteer.resolve("三里河一区社区")[0]
    short = gazetteer.resolve("三里河一区3号楼")[0]
    assert full.code == short.code == "110102007006"
    assert full.confidence > short.confidence
    assert not is_confident([short])  # a short form alone could be a road or a building


def test_the_longer_name_wins_over_a_name_inside_it(gazetteer):
    # 三里河二区 contains no 三里河一区, and 月坛社区 inside 月坛街道 is not a second place.
    assert codes(gazetteer.resolve("三里河二区社区"))[:1] == ["110102007018"]
    found = gazetteer.resolve("月坛街道办事处")
    assert codes(found) == ["110102007"]


def test_a_street_only_address_returns_the_street(gazetteer):
    found = gazetteer.resolve("北京市西城区月坛街道某某路12号")
    assert codes(found) == ["110102007"]
    assert found[0].level == "street" and found[0].street_code == "110102007"
    assert is_confident(found)


def test_a_contradicting_district_lowers_confidence(gazetteer):
    found = gazetteer.resolve("朝阳区三里河一区社区")
    community = next(c for c in found if c.code == "110102007006")
    assert community.confidence < 0.6
    assert not is_confident(found)
    assert "不是它所属的区县" in community.reason_zh


def test_full_width_characters_are_normalised(gazetteer):
    assert codes(gazetteer.resolve("西城区　月坛街道（三里河一区社区）"))[:1] == ["110102007006"]


def test_name_forms_of_villages_streets_and_districts():
    assert name_forms("崔各庄村委会", "community") == {
        "崔各庄村委会": "full", "崔各庄村": "full", "崔各庄": "short"}
    assert name_forms("月坛街道办事处", "street") == {
        "月坛街道办事处": "full", "月坛街道": "full", "月坛": "short"}
    assert name_forms("西城区", "district") == {"西城区": "full", "西城": "short"}
    assert "长哨营" in name_forms("长哨营满族乡", "street")


def test_from_db_and_the_cached_instance_follow_the_territory(territory):
    # tests/factories.py: community 110102001001 is 西长1号社区 in 西长安街街道.
    found = get_gazetteer(refresh=True).resolve("西长安街街道西长1号社区")
    assert codes(found)[:1] == ["110102001001"] and is_confident(found)
    assert get_gazetteer().resolve("老胡同口") == []
    PlaceAlias.objects.create(alias="老胡同口", code="110102001002")
    territory_mark_changed()
    assert codes(get_gazetteer(refresh=True).resolve("老胡同口")) == ["110102001002"]


def test_cli_prints_candidates_and_fails_when_none(territory, capsys):
    call_command("territory", "resolve", "西城区西长安街街道西长1号社区", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["confident"] is True
    assert data["candidates"][0]["code"] == "110102001001"
    call_command("territory", "resolve", "西长安街街道")
    out = capsys.readouterr().out
    assert "110102001" in out and "西长安街街道" in out
    with pytest.raises(CommandError):
        call_command("territory", "resolve", "无名之地")
