import pytest

from civicgrid.accounts.models import Role
from civicgrid.dispatch.classify import Classifier, get_classifier
from civicgrid.dispatch.models import Category
from civicgrid.dispatch.services import category_update
from tests.factories import make_user

TYPICAL = [
    ("西城区月坛街道三里河一区3号楼门口污水井盖丢失了，很危险", "污水井盖"),
    ("路灯不亮已经三天了，晚上走路很黑", "路灯"),
    ("小区门口天天有人摆摊卖水果，占道经营", "占道经营"),
    ("暖气不热，室温只有15度", "供暖"),
    ("单元门口垃圾成堆没人清理", "暴露垃圾"),
    ("楼道里闻到很大的煤气味，怀疑燃气泄漏", "燃气泄漏"),
    ("楼上每天半夜太吵了，睡不着", "噪音扰民"),
    ("家门口的消防通道被车堵了", "消防通道堵塞"),
    ("电线杆上和墙上贴满了办证小广告", "违规张贴小广告"),
    ("马路中间路面塌陷出现一个大坑", "路面塌陷"),
    ("想咨询一下营业执照怎么办理，需要什么材料", "证照办理咨询"),
    ("ＡＢＣ小区的路灯不亮", "路灯"),  # full-width text is normalised like addresses
]


@pytest.mark.parametrize(("text", "expected"), TYPICAL)
def test_typical_descriptions_pick_the_right_leaf(catalogue, text, expected):
    best = get_classifier().suggest(text)[0]
    assert best.name == expected
    assert best.matched and all(w in text.lower() or w for w in best.matched)


@pytest.mark.parametrize("text", ["", "阿斯顿发", "今天天气不错", "12345", "hello world"])
def test_nonsense_gets_no_suggestion(catalogue, text):
    assert get_classifier().suggest(text) == []
    assert get_classifier().suggest_many([text]).tolist() == [-1]


def test_leaf_wins_over_its_parent_and_generic_words_suggest_the_class(catalogue):
    clf = get_classifier()
    generic = clf.suggest("路边的井盖丢了")
    assert generic[0].name == "公用设施" and generic[0].matched == ("井盖",)
    specific = clf.suggest("路边的燃气井盖丢了")
    assert specific[0].name == "燃气井盖"
    assert "公用设施" not in [s.name for s in specific]


def test_longer_keywords_weigh_more_and_matches_are_explained(catalogue):
    rows = [(1, "X", "根", None, "", True), (2, "X01", "甲", 1, "漏水", True),
            (3, "X02", "乙", 1, "楼上漏水", True), (4, "X03", "丙", 1, "渗水 墙皮", True)]
    clf = Classifier(rows)
    top = clf.suggest("楼上漏水了", limit=5)
    assert [s.name for s in top] == ["乙"]  # 漏水 inside 楼上漏水 is not counted again
    both = clf.suggest("墙皮渗水，漏水", limit=5)
    assert [s.name for s in both] == ["丙", "甲"]
    assert set(both[0].matched) == {"墙皮", "渗水"}


def test_suggest_many_equals_first_suggestion(catalogue):
    clf = get_classifier()
    texts = [t for t, _e in TYPICAL] + ["阿斯顿发", "狗叫扰民", "井盖", "路灯 暖气不热"]
    expected = [(clf.suggest(t, 1) or [None])[0] for t in texts]
    got = clf.suggest_many(texts).tolist()
    assert got == [s.category_id if s else -1 for s in expected]


def test_keyword_edits_rebuild_the_classifier(catalogue):
    admin = make_user(Role.CITY_ADMIN)
    assert get_classifier().suggest("窨井冒黑水") == []
    lid = Category.objects.get(code="C0102")
    category_update(actor=admin, category=lid, keywords=lid.keywords + " 窨井 冒黑水")
    assert get_classifier().suggest("窨井冒黑水")[0].code == "C0102"
    category_update(actor=admin, category=lid, active=False)
    assert "C0102" not in [s.code for s in get_classifier().suggest("窨井冒黑水")]
