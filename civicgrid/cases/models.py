"""Cases: a reported problem from any channel, its reporters, its audited history, its photos,
its co-handling tasks and its extension requests.

Location is stored as codes (district/street/community/grid) rather than foreign keys: a case may
lie outside every grid, old cases keep the codes they had when the territory is re-cut, and
"every case in this street" stays a single indexed equality. Warning and overdue states are never
stored; they come from the deadlines and now (civicgrid.core.calendar).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .workflow import Action, State


class Channel(models.TextChoices):
    PATROL = "patrol", _("网格员巡查")
    HOTLINE = "hotline", _("12345热线")
    RESIDENT = "resident", _("居民上报")
    LANE_CHIEF = "lane_chief", _("街巷长")
    VIDEO = "video", _("视频/物联感知")
    OPEN311 = "open311", _("Open311接口")
    IMPORT = "import", _("批量导入")


class Priority(models.IntegerChoices):
    NORMAL = 0, _("一般")
    URGENT = 1, _("紧急")
    EMERGENCY = 2, _("特急")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class LocationSource(models.TextChoices):
    GPS = "gps", _("坐标")
    ADDRESS = "address", _("地址解析")
    MANUAL = "manual", _("人工指定")
    NONE = "none", _("未定位")


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=32, unique=True)
    client_key = models.CharField(_("幂等键"), max_length=80, null=True, blank=True, unique=True,
                                  help_text=_("同一键重复提交只生成一个案件"))
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    state = models.CharField(_("状态"), max_length=24, choices=State.choices,
                             default=State.REPORTED)
    priority = models.SmallIntegerField(_("紧急程度"), choices=Priority.choices,
                                        default=Priority.NORMAL)
    category = models.ForeignKey("dispatch.Category", verbose_name=_("问题分类"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="cases")
    stream = models.CharField(_("业务板块"), max_length=32, blank=True, default="")
    title = models.CharField(_("标题"), max_length=120, blank=True, default="")
    description = models.TextField(_("问题描述"))
    # Where
    address = models.CharField(_("地址"), max_length=255, blank=True, default="")
    lon = models.FloatField(_("经度(WGS84)"), null=True, blank=True)
    lat = models.FloatField(_("纬度(WGS84)"), null=True, blank=True)
    location_source = models.CharField(_("定位方式"), max_length=12,
                                       choices=LocationSource.choices, default=LocationSource.NONE)
    district_code = models.CharField(_("区县编码"), max_length=6, blank=True, default="")
    street_code = models.CharField(_("街道编码"), max_length=9, blank=True, default="")
    community_code = models.CharField(_("社区编码"), max_length=12, blank=True, default="")
    grid_code = models.CharField(_("网格编码"), max_length=15, blank=True, default="")
    # Who handles it
    # Not indexed alone: the (unit_department, state) index below serves every look-up by unit.
    unit_department = models.ForeignKey("dispatch.Department", verbose_name=_("处置部门"),
                                        null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="cases", db_index=False)
    unit_area_code = models.CharField(_("处置属地编码"), max_length=15, blank=True, default="",
                                      help_text=_("由街道或社区处置时填写其编码"))
    routing_reason = models.TextField(_("派遣依据"), blank=True, default="")
    # When
    reported_at = models.DateTimeField(_("上报时间"))
    registered_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    reported_back_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    register_deadline = models.DateTimeField(_("立案时限"), null=True, blank=True)
    dispatch_deadline = models.DateTimeField(_("派遣时限"), null=True, blank=True)
    handle_deadline = models.DateTimeField(_("处置时限"), null=True, blank=True)
    review_date = models.DateField(_("挂账复核日期"), null=True, blank=True)
    # Counters the evaluation reads (each also has its events).
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    supervise_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    # Outcome
    rating = models.CharField(_("评价"), max_length=24, choices=Rating.choices, blank=True,
                              default="")
    solved = models.BooleanField(_("是否解决"), null=True, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    merged_into = models.ForeignKey("self", verbose_name=_("合并到"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged_cases",
                                    db_index=False)  # partial index in Meta: almost all NULL
    # Optimistic concurrency: every transition is a conditional UPDATE on (id, version).
    version = models.PositiveIntegerField(_("版本"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_fields = {6: "district_code", 9: "street_code", 12: "community_code", 15: "grid_code"}
    department_field = "unit_department_id"

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        indexes = [
            models.Index(fields=["street_code", "state"]),
            models.Index(fields=["district_code", "reported_at"]),
            models.Index(fields=["unit_department", "state"]),
            models.Index(fields=["state", "handle_deadline"]),
            models.Index(fields=["community_code"]),
            models.Index(fields=["grid_code"]),
            # Partial: only the few merged cases are indexed (every bulk-loaded row pays for
            # each index; a full index of NULLs costs as much as a useful one).
            models.Index(fields=["merged_into"], condition=models.Q(merged_into__isnull=False),
                         name="case_merged_into_set"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def area_code(self) -> str:
        return self.grid_code or self.community_code or self.street_code or self.district_code


class Reporter(models.Model):
    """A person who reported the case. Merged duplicates keep every reporter, and every one of
    them is called back. Personal data: masked for roles that do not need it."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE,
                             related_name="reporters")
    name = models.CharField(_("姓名"), max_length=50, blank=True, default="")
    phone = models.CharField(_("电话"), max_length=20, blank=True, default="")
    email = models.CharField(_("邮箱"), max_length=120, blank=True, default="")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("账号"), null=True,
                             blank=True, on_delete=models.SET_NULL, related_name="reports",
                             db_index=False)  # partial index in Meta: callers have no account
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    reported_at = models.DateTimeField(_("上报时间"))
    is_primary = models.BooleanField(_("首报人"), default=True)
    original_case_number = models.CharField(_("原案件编号"), max_length=32, blank=True,
                                            default="", help_text=_("合并前的案件编号"))
    called_back_at = models.DateTimeField(_("回访时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报告人")
        verbose_name_plural = _("报告人")
        indexes = [models.Index(fields=["user"], condition=models.Q(user__isnull=False),
                                name="reporter_user_set")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_channel_display()}"


class CaseEvent(models.Model):
    """One step of a case's history, written in the same transaction as the change."""

    # Not indexed alone: the (case, at) index below serves every look-up by case.
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE,
                             related_name="events", db_index=False)
    action = models.CharField(_("操作"), max_length=24, choices=Action.choices + [
        ("report", _("上报")), ("note", _("备注")), ("route", _("改派"))])
    from_state = models.CharField(_("原状态"), max_length=24, blank=True, default="")
    to_state = models.CharField(_("新状态"), max_length=24, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="case_events",
                              db_index=False)  # partial index in Meta: imported history has none
    actor_role = models.CharField(_("操作人角色"), max_length=32, blank=True, default="")
    unit_department = models.ForeignKey("dispatch.Department", verbose_name=_("涉及部门"),
                                        null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", db_index=False)  # partial, in Meta
    unit_area_code = models.CharField(_("涉及属地"), max_length=15, blank=True, default="")
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True, default="")
    internal = models.BooleanField(_("内部记录"), default=False,
                                   help_text=_("内部记录不向居民公开"))
    data = models.JSONField(_("附加数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("案件流转记录")
        verbose_name_plural = _("案件流转记录")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"]),
            models.Index(fields=["actor"], condition=models.Q(actor__isnull=False),
                         name="caseevent_actor_set"),
            models.Index(fields=["unit_department"],
                         condition=models.Q(unit_department__isnull=False),
                         name="caseevent_unit_set"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_state}→{self.to_state}"


class AttachmentStage(models.TextChoices):
    REPORT = "report", _("上报照片")
    BEFORE = "before", _("处置前")
    AFTER = "after", _("处置后")
    VERIFY = "verify", _("核查照片")


class Attachment(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE,
                             related_name="attachments")
    event = models.ForeignKey(CaseEvent, verbose_name=_("流转记录"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="attachments")
    stage = models.CharField(_("阶段"), max_length=12, choices=AttachmentStage.choices)
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(_("类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    public = models.BooleanField(_("向居民公开"), default=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.sha256[:8]}"


class TaskRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class CaseTask(models.Model):
    """Co-handling: one lead unit and assisting units, each reporting back its part."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE,
                             related_name="tasks")
    role = models.CharField(_("角色"), max_length=8, choices=TaskRole.choices)
    unit_department = models.ForeignKey("dispatch.Department", verbose_name=_("部门"), null=True,
                                        blank=True, on_delete=models.PROTECT,
                                        related_name="case_tasks")
    unit_area_code = models.CharField(_("属地编码"), max_length=15, blank=True, default="")
    assigned_at = models.DateTimeField(_("分配时间"))
    reported_back_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    note = models.TextField(_("反馈说明"), blank=True, default="")

    department_field = "unit_department_id"

    class Meta:
        verbose_name = _("协同任务")
        verbose_name_plural = _("协同任务")
        indexes = [models.Index(fields=["unit_department", "reported_back_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.role} {self.unit_department_id or self.unit_area_code}"


class ExtensionDecision(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    DENIED = "denied", _("已驳回")


class Extension(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE,
                             related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"),
                                     null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    amount = models.FloatField(_("延长时长"))
    unit = models.CharField(_("时长单位"), max_length=16, default="working_days")
    reason = models.TextField(_("申请理由"))
    decision = models.CharField(_("审批结果"), max_length=12, choices=ExtensionDecision.choices,
                                default=ExtensionDecision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True, default="")

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self) -> str:
        return f"{self.case_id} +{self.amount:g} {self.unit} ({self.decision})"


class CaseNumberSequence(models.Model):
    """The last number given per prefix and day (XC-20261122-000123). Bulk imports reserve a
    block with one conditional UPDATE."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="uniq_case_seq")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.day:%Y%m%d}: {self.last}"
