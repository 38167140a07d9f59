"""What every ledger row shares: where it is (area codes, like cases) and when it is valid.

Rows carry plain district/street/community codes rather than foreign keys, as cases do
(docs/decisions.md): a ledger outlives a re-cut of the territory, an Excel file names places by
code, and "everything in this street" is one indexed equality. The codes are checked against the
territory whenever a row is written (civicgrid.registry.checks).

`valid_from`/`valid_to` say when a row was true in the world (an organisation registered, a
facility opened, a volunteer signed up; deregistered, closed, left), so an indicator can be
computed as of any date. The change history of the rows themselves (who changed what, when)
is django-simple-history's, on every ledger model.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

LIST_SEPARATOR = "、"  # how lists (lanes, buildings, fields of service) are written in a cell


class AreaPlaced(models.Model):
    district_code = models.CharField(_("区县编码"), max_length=6, blank=True, default="",
                                     db_index=True)
    street_code = models.CharField(_("街道编码"), max_length=9, blank=True, default="",
                                   db_index=True)
    community_code = models.CharField(_("社区编码"), max_length=12, blank=True, default="",
                                      db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # For the permission policy (core.permissions.visible).
    scope_fields = {6: "district_code", 9: "street_code", 12: "community_code"}

    class Meta:
        abstract = True

    @property
    def area_code(self) -> str:
        """The deepest place the row belongs to ('' = the whole city)."""
        return self.community_code or self.street_code or self.district_code


class LedgerRow(AreaPlaced):
    code = models.CharField(_("编号"), max_length=40, unique=True,
                            help_text=_("台账内唯一，Excel 导入按编号新增或更新"))
    name = models.CharField(_("名称"), max_length=120)
    valid_from = models.DateField(_("起始日期"), null=True, blank=True,
                                  help_text=_("成立、登记、建成、注册或任职日期；空表示早已存在"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True,
                                help_text=_("注销、撤销、关闭或离任日期；空表示仍然有效"))
    note = models.TextField(_("备注"), blank=True, default="")

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


def valid_on(day: dt.date) -> Q:
    """Rows true in the world on `day`: started on or before it and not ended by it."""
    return ((Q(valid_from__isnull=True) | Q(valid_from__lte=day))
            & (Q(valid_to__isnull=True) | Q(valid_to__gt=day)))


def split_list(text: str) -> list[str]:
    """'西四北头条、西四北二条' (or separated by ， , ; ； / newlines) → the items, no blanks or
    repeats, in their written order."""
    import re

    seen: dict[str, None] = {}
    for item in re.split(r"[、,，;；\n/|]+", text or ""):
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return list(seen)


def join_list(items) -> str:
    return LIST_SEPARATOR.join(items)
