"""The nine ledgers as spreadsheets: name (used on the command line and in URLs), model, title,
key column and columns with their Chinese headers.

Every ledger starts with its key (编号, or the community's code for the three bodies) and ends
with the place (区县编码 / 街道编码 / 社区编码: give the deepest one, the others follow from it)
and the dates a row was valid. A file may leave out any column except the key: a missing
column leaves that field of existing rows as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from .columns import Column
from .models import (
    AlleySteward,
    BuildingStation,
    Certificate,
    CommunityBody,
    Enterprise,
    Facility,
    FacilityKind,
    HubLevel,
    LaneChief,
    OrgStatus,
    OrgType,
    PartyOrgKind,
    SocialOrganization,
    StationMode,
    Volunteer,
    Worker,
    WorkerKind,
)

AREA_COLUMNS = (
    Column("district_code", "区县编码", "area"),
    Column("street_code", "街道编码", "area"),
    Column("community_code", "社区编码", "area"),
)
DATES = (Column("valid_from", "起始日期", "date"), Column("valid_to", "终止日期", "date"))
NOTE = (Column("note", "备注"),)
LEVELS = {"district": 6, "street": 9, "community": 12}


@dataclass(frozen=True)
class Ledger:
    name: str  # community-bodies, social-organizations, ...
    model: type
    title: str
    key: str  # model field holding the row's key
    columns: tuple[Column, ...]
    min_level: str = ""  # the row must be placed at least this deep ('' = the city is fine)
    personal: tuple[str, ...] = ()  # fields masked for roles without registry.view_personal

    @property
    def key_column(self) -> Column:
        return next(c for c in self.columns if c.field == self.key)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column_for(self, header: str) -> Column | None:
        header = (header or "").strip()
        return next((c for c in self.columns if header in (c.header, c.field)), None)

    @property
    def title_zh(self) -> str:
        return _(self.title)


def _with_lengths(model, columns) -> tuple[Column, ...]:
    """Each text column gets its model field's max_length, so a long cell is a named row error
    rather than a database error."""
    out = []
    for c in columns:
        try:
            field = model._meta.get_field(c.field)
        except Exception:  # pseudo-columns: crs, trainings
            out.append(c)
            continue
        length = getattr(field, "max_length", None)
        if c.kind in ("text", "area", "list") and length:
            c = replace(c, max_length=length)
        if c.kind == "decimal":
            c = replace(c, places=field.decimal_places)
        out.append(c)
    return tuple(out)


def _ledger(name, model, title, key, columns, **kw) -> Ledger:
    return Ledger(name, model, title, key, _with_lengths(model, columns), **kw)


LEDGERS: dict[str, Ledger] = {lg.name: lg for lg in (
    _ledger("community-bodies", CommunityBody, N_("社区三位一体"), "community_code", (
        Column("community_code", "社区编码", "area", required=True),
        Column("party_org_name", "社区党组织"),
        Column("party_org_kind", "党组织类型", "choice", choices=PartyOrgKind),
        Column("party_members", "党员人数", "int"),
        Column("committee_name", "社区居委会"),
        Column("committee_members", "居委会成员数", "int"),
        Column("station_name", "社区服务站"),
        Column("station_staff", "服务站工作人员数", "int"),
        Column("population", "常住人口", "int"),
        Column("households", "户数", "int"),
        Column("facility_area_m2", "服务设施面积(平方米)", "decimal"),
        *NOTE,
    ), min_level="community"),
    _ledger("social-organizations", SocialOrganization, N_("社会组织"), "code", (
        Column("code", "统一社会信用代码或备案编号", required=True),
        Column("name", "名称", required=True),
        Column("org_type", "组织类型", "choice", required=True, choices=OrgType),
        Column("status", "登记或备案", "choice", choices=OrgStatus),
        Column("hub_level", "枢纽型组织层级", "choice", choices=HubLevel),
        Column("is_social_work_agency", "社会工作服务机构", "bool"),
        Column("has_party_org", "已建党组织", "bool"),
        Column("service_fields", "服务领域", "list"),
        Column("communities_served", "服务社区编码", "codes"),
        *AREA_COLUMNS, *DATES, *NOTE,
    )),
    _ledger("workers", Worker, N_("社会工作者和社区工作者"), "code", (
        Column("code", "编号", required=True),
        Column("name", "姓名", required=True),
        Column("kind", "类别", "choice", required=True, choices=WorkerKind),
        Column("certificate", "职业水平证书", "choice", choices=Certificate),
        Column("employer", "工作单位"),
        Column("position", "岗位"),
        Column("trainings", "培训记录", "trainings"),
        *AREA_COLUMNS, *DATES, *NOTE,
    ), min_level="district"),
    _ledger("volunteers", Volunteer, N_("实名注册志愿者"), "code", (
        Column("code", "志愿者编号", required=True),
        Column("name", "姓名", required=True),
        Column("id_number", "身份证号"),
        Column("phone", "手机号"),
        Column("organisation", "所属志愿服务组织"),
        Column("service_hours", "累计服务时长(小时)", "decimal"),
        *AREA_COLUMNS, *DATES, *NOTE,
    ), min_level="district", personal=("id_number", "phone")),
    _ledger("facilities", Facility, N_("服务设施"), "code", (
        Column("code", "编号", required=True),
        Column("name", "名称", required=True),
        Column("kind", "设施类型", "choice", required=True, choices=FacilityKind),
        Column("address", "地址"),
        Column("lon", "经度", "float"),
        Column("lat", "纬度", "float"),
        Column("crs", "坐标系", "crs"),
        Column("opening_hours", "开放时间"),
        Column("area_m2", "面积(平方米)", "decimal"),
        Column("operator", "运营单位"),
        *AREA_COLUMNS, *DATES, *NOTE,
    ), min_level="district"),
    _ledger("building-stations", BuildingStation, N_("商务楼宇工作站"), "code", (
        Column("code", "编号", required=True),
        Column("name", "名称", required=True),
        Column("mode", "建站方式", "choice", choices=StationMode),
        Column("buildings", "覆盖楼宇", "list"),
        Column("has_party_org", "已建联合党组织", "bool"),
        *AREA_COLUMNS, *DATES, *NOTE,
    ), min_level="district"),
    _ledger("enterprises", Enterprise, N_("非公有制企业"), "code", (
        Column("code", "统一社会信用代码", required=True),
        Column("name", "名称", required=True),
        Column("industry", "行业"),
        Column("employees", "从业人数", "int"),
        Column("building", "所在楼宇"),
        Column("station", "所属楼宇工作站编号", "ref", ref="building-stations"),
        Column("has_party_org", "单独建立党组织", "bool"),
        *AREA_COLUMNS, *DATES, *NOTE,
    ), min_level="district"),
    _ledger("lane-chiefs", LaneChief, N_("街巷长"), "code", (
        Column("code", "编号", required=True),
        Column("name", "姓名", required=True),
        Column("position", "职务"),
        Column("lanes", "负责街巷", "list", required=True),
        *AREA_COLUMNS, *DATES, *NOTE,
    ), min_level="street"),
    _ledger("alley-stewards", AlleySteward, N_("小巷管家"), "code", (
        Column("code", "编号", required=True),
        Column("name", "姓名", required=True),
        Column("lanes", "负责街巷", "list", required=True),
        Column("chief", "协助街巷长编号", "ref", ref="lane-chiefs"),
        *AREA_COLUMNS, *DATES, *NOTE,
    ), min_level="street"),
)}

def ledger_named(name: str) -> Ledger:
    from civicgrid.core.errors import NotFound

    try:
        return LEDGERS[name]
    except KeyError:
        raise NotFound(_("没有名为“%(name)s”的台账，可选：%(names)s")
                       % {"name": name, "names": "、".join(LEDGERS)}, code="ledger") from None


def ledger_of_model(model) -> Ledger:
    return next(lg for lg in LEDGERS.values() if lg.model is model)
