"""The demo ledgers (generated, labelled, deterministic, idempotent) and `civicgrid registry
compute` on them."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.registry.checks import id_number_ok
from civicgrid.registry.computed import COMPUTED
from civicgrid.registry.demo import NOTE, ensure_demo_ledgers
from civicgrid.registry.ledgers import LEDGERS
from civicgrid.registry.models import CommunityBody, Volunteer
from tests.factories import CHAOYANG, STREET_W, XICHENG

pytestmark = pytest.mark.django_db


def contents() -> dict[str, list[tuple]]:
    out = {}
    for name, ledger in LEDGERS.items():
        fields = [f"{f.name}__code" if f.is_relation else f.name
                  for f in ledger.model._meta.concrete_fields
                  if f.name not in ("id", "updated_at")]  # references by code, not by id
        out[name] = list(ledger.model.objects.order_by(ledger.key).values_list(*fields))
    return out


def wipe() -> None:
    for model in apps.get_app_config("registry").get_models():
        model.objects.all().delete()


def test_demo_ledgers_are_generated_labelled_and_deterministic(territory):
    report = ensure_demo_ledgers(XICHENG)
    assert not report.skipped and report.rows["社区三位一体"] == 4  # Xicheng's 4 communities
    assert all(report.rows.get(lg.title_zh) for lg in LEDGERS.values())
    first = contents()
    for ledger in LEDGERS.values():
        notes = set(ledger.model.objects.values_list("note", flat=True))
        assert notes == {NOTE}, ledger.name
        assert not ledger.model.objects.exclude(district_code=XICHENG).exists()
    for v in Volunteer.objects.all():
        assert v.id_number.startswith("000000") and id_number_ok(v.id_number)
        assert v.phone.startswith("000")
    assert CommunityBody.history.count() == 4  # created with their history
    assert ensure_demo_ledgers(XICHENG).skipped  # idempotent
    wipe()
    ensure_demo_ledgers(XICHENG)
    assert contents() == first
    assert ensure_demo_ledgers(CHAOYANG).rows["社区三位一体"] == 1


def test_compute_command_prints_every_indicator(territory):
    ensure_demo_ledgers(XICHENG)
    out = io.StringIO()
    call_command("registry", "compute", "--as-of", "2018-06-30", "--area", STREET_W, stdout=out)
    text = out.getvalue()
    assert "2018-06-30" in text and STREET_W in text
    for ci in COMPUTED.values():
        assert ci.name in text
    out = io.StringIO()
    call_command("registry", "compute", "--as-of", "2018-06-30", "--json", stdout=out)
    data = json.loads(out.getvalue())
    values = {i["code"]: i["value"] for i in data["indicators"]}
    assert set(values) == set(COMPUTED)
    assert values["social_orgs_per_community"] is not None
    assert values["community_homes"] == str(COMPUTED["community_homes"].compute(
        as_of=dt.date(2018, 6, 30)))
    with pytest.raises(CommandError):
        call_command("registry", "compute", "--area", "12345", stdout=io.StringIO())
