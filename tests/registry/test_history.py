"""Every change to a ledger row keeps its history: who changed what, when, and the old values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from civicgrid.registry.models import CommunityBody, SocialOrganization, TrainingRecord, Worker
from civicgrid.registry.services import ledger_import
from tests.factories import Role, make_user

from .conftest import W1, W2, body

pytestmark = pytest.mark.django_db


def upload(actor, name, text):
    return ledger_import(actor=actor, name=name, data=text.encode(), filename="f.csv")


def test_an_import_records_each_change_with_the_user_and_the_old_values(territory):
    admin = make_user(Role.DISTRICT_ADMIN, W1[:6])
    body(W1, population=3000, facility_area_m2=Decimal("450.0"))
    upload(admin, "community-bodies", f"社区编码,常住人口,服务设施面积(平方米)\n{W1},3100,520\n")
    b = CommunityBody.objects.get()
    records = list(b.history.order_by("history_date", "history_id"))
    assert [r.history_type for r in records] == ["+", "~"]
    new, old = records[1], records[0]
    assert new.history_user == admin and old.history_user is None
    assert (old.population, new.population) == (3000, 3100)
    delta = new.diff_against(old)
    assert set(delta.changed_fields) == {"population", "facility_area_m2"}
    # The same file again changes nothing and adds no history entry.
    upload(admin, "community-bodies", f"社区编码,常住人口,服务设施面积(平方米)\n{W1},3100,520\n")
    assert b.history.count() == 2


def test_communities_served_and_training_records_keep_history(territory):
    admin = make_user(Role.CITY_ADMIN)
    upload(admin, "social-organizations",
           f"统一社会信用代码或备案编号,名称,组织类型,服务社区编码\nSO-1,组织,社区社会组织,{W1}\n")
    upload(admin, "social-organizations",
           f"统一社会信用代码或备案编号,名称,组织类型,服务社区编码\nSO-1,组织,社区社会组织,{W1}、{W2}\n")
    org = SocialOrganization.objects.get()
    assert sorted(org.communities_served.values_list("pk", flat=True)) == [W1, W2]
    latest = org.history.first()
    assert sorted(c.community_id for c in latest.communities_served.all()) == [W1, W2]
    assert latest.history_user == admin

    upload(admin, "workers", f"编号,姓名,类别,社区编码,培训记录\nW-1,张三,社会工作者,{W1},"
                             "2018-03-01|个案工作|8\n")
    upload(admin, "workers", f"编号,姓名,类别,社区编码,培训记录\nW-1,张三,社会工作者,{W1},"
                             "2018-04-01|小组工作|4\n")
    worker = Worker.objects.get()
    assert [t.course for t in worker.trainings.all()] == ["小组工作"]
    kinds = list(TrainingRecord.history.order_by("history_id").values_list("course",
                                                                         "history_type"))
    assert kinds == [("个案工作", "+"), ("个案工作", "-"), ("小组工作", "+")]
    assert {h.history_user for h in TrainingRecord.history.all()} == {admin}
