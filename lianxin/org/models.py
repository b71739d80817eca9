"""The organisation: units drawn as a tree and as grids, roles held at units, people and their files,
responsibility (包保) and pairing (结对)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class UnitKind(models.Model):
    """A configurable kind of unit (企业/党委, 部门, 区队, 党支部, 班组, 党小组 …)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    level = models.PositiveSmallIntegerField(_("层级"), help_text=_("0 为最高层级"))
    is_branch = models.BooleanField(
        _("支部级"), default=False, help_text=_("此类单位的书记是其人员的第一责任人")
    )

    class Meta:
        ordering = ["level", "code"]
        verbose_name = _("单位类型")
        verbose_name_plural = _("单位类型")

    def __str__(self) -> str:
        return self.name


class Unit(MP_Node):
    """A unit in the organisation tree (materialised path)."""

    name = models.CharField(_("行政名称"), max_length=100)
    party_name = models.CharField(_("党组织名称"), max_length=100, blank=True)
    kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, verbose_name=_("类型"))
    is_grid = models.BooleanField(_("网格"), default=False, db_index=True)
    grid_chief = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grids_led",
        verbose_name=_("网格长"),
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        indexes = [models.Index(fields=["depth", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        if self.party_name and self.party_name != self.name:
            return f"{self.name}（{self.party_name}）"
        return self.name

    @classmethod
    def ancestor_paths(cls, path: str) -> list[str]:
        """The paths of the unit at `path` and of every unit above it, from the root down."""
        return [path[:end] for end in range(cls.steplen, len(path) + 1, cls.steplen)]

    def subtree_q(self, prefix: str = "") -> Q:
        """A filter for rows whose unit lies in this unit's subtree; prefix is the path to the unit."""
        return Q(**{f"{prefix}path__startswith": self.path})

    def path_label(self) -> str:
        """Names from the top below the root down to this unit, joined by '/'."""
        names = [a.name for a in self.get_ancestors()[1:]] if self.depth > 1 else []
        if self.depth > 1:
            names.append(self.name)
        return "/".join(names) or self.name


class Role(models.TextChoices):
    EMPLOYEE = "employee", _("职工")
    GRID_MEMBER = "grid_member", _("网格员")
    INFORMANT = "informant", _("信息员")
    SECRETARY = "secretary", _("支部书记")
    DEPARTMENT = "department", _("党群工作部")
    LEADERSHIP = "leadership", _("领导班子")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")
    # Sees counselling referral details in the subtree where held, and nothing else of a file.
    COUNSELLOR = "counsellor", _("心理咨询协调员")


# Roles that see the people of the subtree where they are held.
SCOPE_ROLES = frozenset({Role.GRID_MEMBER, Role.SECRETARY, Role.DEPARTMENT, Role.LEADERSHIP})
# Roles that also see the restricted parts of a file (the branch secretary and above).
SENSITIVE_ROLES = frozenset({Role.SECRETARY, Role.DEPARTMENT, Role.LEADERSHIP})


class InformantKind(models.TextChoices):
    THOUGHT = "thought", _("思想")
    PETITION = "petition", _("信访")
    STABILITY = "stability", _("综治维稳")
    INTEGRITY = "integrity", _("党风廉政")


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="role_assignments")
    informant_kind = models.CharField(
        _("信息员类别"), max_length=12, choices=InformantKind.choices, blank=True
    )

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="unique_role_at_unit"),
            models.CheckConstraint(
                condition=Q(role="informant", informant_kind__gt="") | ~Q(role="informant"),
                name="informant_has_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.unit}"


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "cpc", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    CYL_MEMBER = "cyl", _("共青团员")
    MASSES = "masses", _("群众")
    OTHER = "other", _("其他")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在岗")
    RETIRED = "retired", _("退休")
    LEFT = "left", _("离职")


class DifficultyTag(models.Model):
    """A tag for a kind of difficulty (困难职工, 单亲, 大病 …); names are not sensitive, details are."""

    name = models.CharField(_("名称"), max_length=32, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("困难标签")
        verbose_name_plural = _("困难标签")

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """One file per person (一人一档)."""

    employee_no = models.CharField(_("工号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, db_index=True, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="people", verbose_name=_("所在单位")
    )
    position = models.CharField(_("岗位"), max_length=64, blank=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=16, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    hire_date = models.DateField(_("入职日期"), null=True, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    household = models.TextField(_("家庭情况"), blank=True)
    difficulty_tags = models.ManyToManyField(DifficultyTag, blank=True, verbose_name=_("困难标签"))
    status = models.CharField(
        _("状态"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE, db_index=True
    )
    # Restricted: the person, and the secretary of their branch and above.
    health_notes = models.TextField(_("健康情况"), blank=True)
    hardship_details = models.TextField(_("困难详情"), blank=True)
    is_key_person = models.BooleanField(_("重点人员"), default=False)
    key_person_reason = models.TextField(_("重点人员原因"), blank=True)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        verbose_name=_("账号"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        indexes = [
            models.Index(fields=["unit", "name"]),
            models.Index(fields=["political_status", "name"]),
            # The person list filters key people; its hire-date sorts have PostgreSQL-only indexes
            # (NULLS LAST in an index is not SQLite), created in migration 0004.
            models.Index(fields=["name", "id"], condition=Q(is_key_person=True), name="person_key_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        from lianxin.org.pinyin import initials

        self.name_initials = initials(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_initials"}
        super().save(*args, **kwargs)


class ResponsibilityLevel(models.IntegerChoices):
    DEPARTMENT = 1, _("部门包区队")
    CADRE = 2, _("干部包班组")
    TEAM = 3, _("班组包职工")


class Responsibility(models.Model):
    """包保: a department or a cadre responsible for a unit."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="responsibilities")
    level = models.PositiveSmallIntegerField(_("层级"), choices=ResponsibilityLevel.choices)
    responsible_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="units_covered",
        verbose_name=_("包保部门"),
    )
    responsible_person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="units_covered",
        verbose_name=_("包保干部"),
    )
    start_date = models.DateField(_("开始日期"), default=timezone.localdate)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("包保责任")
        verbose_name_plural = _("包保责任")
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible_unit__isnull=False) | Q(responsible_person__isnull=False),
                name="responsibility_has_responsible",
            ),
        ]

    def __str__(self) -> str:
        who = self.responsible_person or self.responsible_unit
        return f"{who} → {self.unit}"


class PairingQuerySet(models.QuerySet["Pairing"]):
    def active(self, on: Any = None) -> PairingQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)


class Pairing(models.Model):
    """结对: a party member or cadre linked to a person. One-to-many is several rows with one contact."""

    contact = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="pairings_as_contact", verbose_name=_("联系人")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="pairings", verbose_name=_("联系对象")
    )
    start_date = models.DateField(_("开始日期"), default=timezone.localdate)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        indexes = [models.Index(fields=["person", "end_date"]), models.Index(fields=["contact", "end_date"])]
        constraints = [
            models.CheckConstraint(condition=~Q(contact=models.F("person")), name="pairing_not_self"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="pairing_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact.name} ↔ {self.person.name}"


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    ACCEPTED = "accepted", _("已采纳")
    DECLINED = "declined", _("未采纳")


class CorrectionRequest(models.Model):
    """A person's request to correct their own file (PIPL art. 46)."""

    CORRECTABLE_FIELDS = ("name", "gender", "birth_date", "position", "phone", "household", "hire_date")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="correction_requests")
    field = models.CharField(_("字段"), max_length=32)
    current_value = models.TextField(_("原值"), blank=True)
    proposed_value = models.TextField(_("更正为"))
    reason = models.TextField(_("理由"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("更正申请")
        verbose_name_plural = _("更正申请")

    def __str__(self) -> str:
        return f"{self.person.name}: {self.field}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    CHECKED = "checked", _("已检查")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class RosterImport(models.Model):
    """One roster file through the wizard: uploaded, checked (dry run), then applied all-or-nothing."""

    file = models.FileField(_("文件"), upload_to="roster/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    create_units = models.BooleanField(_("创建缺失单位"), default=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(_("检查结果"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("花名册导入")
        verbose_name_plural = _("花名册导入")

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress_percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class UnitCount(models.Model):
    """Stored counts of the people directly in one unit, kept fresh by lianxin.org.counts; subtree totals
    are sums of these rows, so a page never aggregates the person table. A unit without a row counts
    as empty until the next refresh."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, primary_key=True, related_name="count")
    people = models.PositiveIntegerField(_("人数"), default=0, help_text=_("不含离职人员"))
    covered = models.PositiveIntegerField(_("已结对人数"), default=0, help_text=_("今日至少有一位有效联系人"))
    refreshed_at = models.DateTimeField(_("统计时间"))

    class Meta:
        verbose_name = _("单位人数统计")
        verbose_name_plural = _("单位人数统计")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.covered}/{self.people}"


class CalendarDay(models.Model):
    """An administrator's correction to the working-day calendar: a public holiday on a weekday, or an
    adjusted working weekend, as the State Council publishes each autumn for the next year."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"), help_text=_("勾选表示调休上班；不勾选表示放假"))
    note = models.CharField(_("说明"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '放假'}"


class UnitMoveStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    DECLINED = "declined", _("未批准")


class UnitMove(models.Model):
    """A request to move a unit (and everything under it) to another parent. Moving changes who reads the
    files below it, so the system administrator only asks; the party-mass department decides."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="move_requests", verbose_name=_("单位")
    )
    from_label = models.CharField(_("原上级"), max_length=300)
    new_parent = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("调整至"))
    reason = models.TextField(_("理由"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=UnitMoveStatus.choices,
        default=UnitMoveStatus.PENDING,
        db_index=True,
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("单位调整申请")
        verbose_name_plural = _("单位调整申请")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="pending"), name="one_pending_move_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.new_parent}"
