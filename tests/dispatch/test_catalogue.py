import csv

from civicgrid.core.calendar import DeadlineUnit
from civicgrid.dispatch.catalogue import DEFAULT_CSV, catalogue_load_default, split_keywords
from civicgrid.dispatch.models import Category, CategoryKind, Stream, UnitKind


def _leaves():
    return Category.objects.filter(children__isnull=True)


def test_default_catalogue_covers_streams_and_standard_classes(catalogue):
    names = set(Category.objects.values_list("name", flat=True))
    for name in ("公用设施", "道路交通", "市容环境设施", "园林绿化", "房屋土地", "其他设施",
                 "市容环境", "宣传广告", "施工管理", "突发事件", "街面秩序", "其他事件",
                 "上水井盖", "雨水箅子", "路灯", "消防栓", "交通标志牌", "暴露垃圾",
                 "违规张贴小广告", "无照经营游商", "占道经营", "机动车乱停放", "施工扰民",
                 "路面塌陷", "燃气泄漏", "火灾", "邻里纠纷", "物业管理", "养老服务", "噪音扰民",
                 "供暖", "停车难", "垃圾分类", "老旧小区改造", "证照办理咨询"):
        assert name in names, name
    assert set(Category.objects.values_list("stream", flat=True)) == set(Stream.values)
    assert set(Category.objects.values_list("kind", flat=True)) == set(CategoryKind.values)
    assert 80 <= _leaves().count() <= 150


def test_every_leaf_is_complete_and_valid(catalogue):
    units = set(DeadlineUnit.values)
    for c in _leaves():
        assert c.stream in Stream.values and c.kind in CategoryKind.values, c
        assert c.default_unit_kind in UnitKind.values, c
        for step in ("register", "dispatch", "handle"):
            assert getattr(c, f"{step}_unit") in units, c
            assert getattr(c, f"{step}_limit") > 0, c
        assert len(split_keywords(c.keywords)) >= 2, c
        assert c.parent is not None and c.code.startswith(c.parent.code), c


def test_emergencies_run_on_emergency_hours_and_components_go_to_owners(catalogue):
    for c in _leaves().filter(stream=Stream.EMERGENCY_RESPONSE):
        assert c.dispatch_unit == c.handle_unit == DeadlineUnit.emergency_hours
        assert c.dispatch_limit <= 1 and 2 <= c.handle_limit <= 24
    owned = _leaves().filter(kind=CategoryKind.COMPONENT, parent__code="C01")
    assert set(owned.values_list("default_unit_kind", flat=True)) == {UnitKind.DEPARTMENT}
    assert not _leaves().filter(kind=CategoryKind.EVENT, stream=Stream.CITY_MANAGEMENT,
                                default_unit_kind=UnitKind.DEPARTMENT).exists()


def test_reload_is_idempotent_and_restores_shipped_values(catalogue):
    count = Category.objects.count()
    with open(DEFAULT_CSV, encoding="utf-8") as f:
        assert count == sum(1 for _ in csv.DictReader(f))
    assert catalogue_load_default() == 0
    Category.objects.filter(code="C0109").update(keywords="改坏了", handle_limit=99)
    assert catalogue_load_default() == 1
    lamp = Category.objects.get(code="C0109")
    assert lamp.handle_limit == 2 and "路灯不亮" in lamp.keywords
    assert Category.objects.count() == count
