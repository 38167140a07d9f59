"""The territory: district → street → community → grid (→ micro-grid), the source grid layers
fused into the unified grid layer, the staff of each grid, and place-name aliases.

Codes are primary keys: they are the official identifiers, they nest by prefix, and every other
table can carry them without a join. Geometry is WGS84 WKB (shapely reads and writes it in bulk);
`area_m2` is kept beside it because validation and size-outlier checks need it everywhere.
Ancestors are stored on each node (a grid knows its street and district), so "everything in this
street" is one indexed equality, not a prefix scan.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.geo import from_wkb


class AreaNode(models.Model):
    code = models.CharField(_("编码"), max_length=18, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    geometry = models.BinaryField(_("边界(WKB, WGS84)"), null=True, blank=True, editable=False)
    area_m2 = models.FloatField(_("面积(平方米)"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    level = ""  # set by each subclass: district/street/community/grid/microgrid
    # For the permission policy: which field holds the code of each ancestor level.
    scope_fields: dict[int, str] = {}

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def area_code(self) -> str:
        return self.code

    @property
    def shape(self):
        return from_wkb(self.geometry)


class District(AreaNode):
    abbr = models.CharField(_("简称字母"), max_length=8, blank=True, default="",
                            help_text=_("案件编号前缀，如西城区为 XC"))
    level = "district"
    scope_fields = {6: "code"}

    class Meta(AreaNode.Meta):
        verbose_name = _("区县")
        verbose_name_plural = _("区县")


class StreetKind(models.TextChoices):
    STREET = "street", _("街道")
    TOWNSHIP = "township", _("乡镇")
    AREA = "area", _("地区/开发区")


class Street(AreaNode):
    district = models.ForeignKey(District, verbose_name=_("区县"), on_delete=models.PROTECT,
                                 related_name="streets")
    kind = models.CharField(_("类型"), max_length=16, choices=StreetKind.choices,
                            default=StreetKind.STREET)
    level = "street"
    scope_fields = {6: "district_id", 9: "code"}

    class Meta(AreaNode.Meta):
        verbose_name = _("街道乡镇")
        verbose_name_plural = _("街道乡镇")


class CommunityKind(models.TextChoices):
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")


class Community(AreaNode):
    street = models.ForeignKey(Street, verbose_name=_("街道乡镇"), on_delete=models.PROTECT,
                               related_name="communities")
    district = models.ForeignKey(District, verbose_name=_("区县"), on_delete=models.PROTECT,
                                 related_name="communities")
    kind = models.CharField(_("类型"), max_length=16, choices=CommunityKind.choices,
                            default=CommunityKind.COMMUNITY)
    level = "community"
    scope_fields = {6: "district_id", 9: "street_id", 12: "code"}

    class Meta(AreaNode.Meta):
        verbose_name = _("社区村")
        verbose_name_plural = _("社区村")


class Grid(AreaNode):
    """A unit grid of the unified (fused) layer, GB/T 30428.1 15-digit code."""

    community = models.ForeignKey(Community, verbose_name=_("社区村"), on_delete=models.PROTECT,
                                  related_name="grids")
    street = models.ForeignKey(Street, verbose_name=_("街道乡镇"), on_delete=models.PROTECT,
                               related_name="grids")
    district = models.ForeignKey(District, verbose_name=_("区县"), on_delete=models.PROTECT,
                                 related_name="grids")
    level = "grid"
    scope_fields = {6: "district_id", 9: "street_id", 12: "community_id", 15: "code"}

    class Meta(AreaNode.Meta):
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        indexes = [models.Index(fields=["street", "code"]), models.Index(fields=["district", "code"])]


class MicroGrid(AreaNode):
    """An optional subdivision of a grid (a building, a courtyard): grid code + 3 digits."""

    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.CASCADE,
                             related_name="micro_grids")
    level = "microgrid"
    scope_fields = {15: "grid_id", 18: "code"}

    class Meta(AreaNode.Meta):
        verbose_name = _("微网格")
        verbose_name_plural = _("微网格")


class TerritoryRevision(models.Model):
    """One row, bumped in the same transaction as any change to the territory. Each process's
    cached locator compares it to the revision it was built from (cheap, works across servers)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    revision = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("区域数据版本")
        verbose_name_plural = _("区域数据版本")

    def __str__(self) -> str:
        return f"r{self.revision}"


# --- Grid-layer fusion (多网融合) --------------------------------------------------------------


class GridLayer(models.TextChoices):
    SOCIAL_SERVICE = "social_service", _("社会服务管理网格")
    CITY_MANAGEMENT = "city_management", _("城市管理网格")
    PUBLIC_SECURITY = "public_security", _("社会治安网格")
    ENFORCEMENT = "enforcement", _("综合执法网格")


class SourceGrid(models.Model):
    """A grid of one of the layers that existed before fusion, kept as its owner drew it."""

    layer = models.CharField(_("图层"), max_length=32, choices=GridLayer.choices)
    source_code = models.CharField(_("原编码"), max_length=64)
    name = models.CharField(_("名称"), max_length=100, blank=True, default="")
    geometry = models.BinaryField(_("边界(WKB, WGS84)"), editable=False)
    area_m2 = models.FloatField(_("面积(平方米)"), editable=False)
    district = models.ForeignKey(District, verbose_name=_("区县"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="source_grids")
    imported_at = models.DateTimeField(_("导入时间"), auto_now=True)
    scope_fields = {6: "district_id"}

    class Meta:
        verbose_name = _("源图层网格")
        verbose_name_plural = _("源图层网格")
        constraints = [models.UniqueConstraint(fields=["layer", "source_code"],
                                               name="uniq_source_grid_per_layer")]

    def __str__(self) -> str:
        return f"{self.get_layer_display()} {self.source_code}"


class GridCrosswalk(models.Model):
    """How much of a unified grid each source grid covers, and the reverse share."""

    grid = models.ForeignKey(Grid, verbose_name=_("统一网格"), on_delete=models.CASCADE,
                             related_name="crosswalk")
    source_grid = models.ForeignKey(SourceGrid, verbose_name=_("源网格"), on_delete=models.CASCADE,
                                    related_name="crosswalk")
    layer = models.CharField(_("图层"), max_length=32, choices=GridLayer.choices)
    share_of_grid = models.FloatField(_("占统一网格面积比"))
    share_of_source = models.FloatField(_("占源网格面积比"))

    class Meta:
        verbose_name = _("网格对照")
        verbose_name_plural = _("网格对照")
        constraints = [models.UniqueConstraint(fields=["grid", "source_grid"],
                                               name="uniq_crosswalk_pair")]

    def __str__(self) -> str:
        return f"{self.grid_id} ~ {self.source_grid_id} ({self.share_of_grid:.0%})"


# --- Staffing (一员一格 / 一员多格 / 多员一格) ---------------------------------------------------


class Force(models.TextChoices):
    BASIC = "basic", _("基础力量")
    SPECIALIST = "specialist", _("专业力量")
    RESPONSE = "response", _("响应力量")


class GridWorker(models.Model):
    """A person who works the grids: basic force one grid each, specialists several grids each,
    response forces several to a grid. Linked to a user account when they sign in."""

    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, default="")
    force = models.CharField(_("力量类型"), max_length=16, choices=Force.choices)
    organisation = models.CharField(_("所属单位"), max_length=100, blank=True, default="",
                                    help_text=_("如：社区居委会、城管执法队、派出所"))
    street = models.ForeignKey(Street, verbose_name=_("所属街道"), on_delete=models.PROTECT,
                               related_name="grid_workers")
    district = models.ForeignKey(District, verbose_name=_("区县"), on_delete=models.PROTECT,
                                 related_name="grid_workers")
    user = models.OneToOneField("accounts.User", verbose_name=_("登录账号"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="grid_worker")
    active = models.BooleanField(_("在岗"), default=True)
    grids = models.ManyToManyField(Grid, through="GridAssignment", related_name="workers",
                                   verbose_name=_("负责网格"))
    scope_fields = {6: "district_id", 9: "street_id"}

    class Meta:
        verbose_name = _("网格员")
        verbose_name_plural = _("网格员")
        indexes = [models.Index(fields=["street", "force"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_force_display()}）"


class GridAssignment(models.Model):
    worker = models.ForeignKey(GridWorker, verbose_name=_("网格员"), on_delete=models.CASCADE,
                               related_name="assignments")
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.CASCADE,
                             related_name="assignments")
    since = models.DateField(_("起始日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("网格分配")
        verbose_name_plural = _("网格分配")
        constraints = [models.UniqueConstraint(fields=["worker", "grid"],
                                               name="uniq_worker_grid")]

    def __str__(self) -> str:
        return f"{self.worker_id} → {self.grid_id}"


# --- Gazetteer -------------------------------------------------------------------------------


class PlaceAlias(models.Model):
    """Another name people use for an area: an old name, a short form, a landmark."""

    alias = models.CharField(_("别名"), max_length=100, db_index=True)
    code = models.CharField(_("对应区域编码"), max_length=15, db_index=True)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("地名别名")
        verbose_name_plural = _("地名别名")
        constraints = [models.UniqueConstraint(fields=["alias", "code"], name="uniq_alias_code")]

    def __str__(self) -> str:
        return f"{self.alias} → {self.code}"
