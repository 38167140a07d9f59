"""Creating accounts and changing their role and scope.

Two rules meet here. The scope must fit the role (core.permissions.SCOPE_LEVELS: a street
dispatcher stands on a 9-digit street, a department handler on a department and no area, a
resident on nothing) and must name a node that exists. And the actor may only hand out what lies
inside their own scope: a district admin creates accounts in their district, never a city admin
and never an account for the whole city. The Django admin's user form applies the same checks
(`user_scope_error`, `user_manage_error`).
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from civicgrid.core import permissions
from civicgrid.core.codes import level_of
from civicgrid.core.errors import Conflict, InvalidInput, PermissionDenied
from civicgrid.territory.selectors import MODEL_OF_LEVEL

from .models import Role, User

PROFILE_FIELDS = frozenset({"first_name", "last_name", "email", "phone", "is_staff", "is_active"})
LEVEL_NAMES = {0: "全市", 6: "区县", 9: "街道乡镇", 12: "社区村", 15: "网格"}


def _area_exists(code: str) -> bool:
    level = level_of(code)
    return level in MODEL_OF_LEVEL and MODEL_OF_LEVEL[level].objects.filter(code=code).exists()


def user_scope_error(role: str, area_code: str = "", department=None) -> str | None:
    """Why this scope does not fit this role, in Chinese; None when it does."""
    if role not in Role.values:
        return _("未知角色“%(role)s”。") % {"role": role}
    area_code = area_code or ""
    label = Role(role).label
    if role == Role.RESIDENT:
        if area_code or department is not None:
            return _("居民账户没有辖区和部门，请清空辖区编码和所属部门。")
        return None
    if role == Role.DEPARTMENT_HANDLER:
        if department is None:
            return _("部门处置人员必须选择所属部门。")
        if area_code:
            return _("部门处置人员的范围由所属部门决定，请清空辖区编码。")
        return None
    if department is not None:
        return _("只有部门处置人员可以选择所属部门，%(role)s请清空所属部门。") % {"role": label}
    allowed = permissions.SCOPE_LEVELS[role]
    if len(area_code) not in allowed:
        return _("%(role)s的辖区应为：%(levels)s，请填写相应的编码。") % {
            "role": label, "levels": "、".join(
                f"{LEVEL_NAMES[n]}（{n}位）" if n else _("全市（留空）") for n in allowed)}
    if area_code and not _area_exists(area_code):
        return _("辖区编码“%(code)s”在区域数据中不存在，请先导入该区域或检查编码。") % {
            "code": area_code}
    return None


def scope_area(role: str, area_code: str, department) -> str | None:
    """Where an account stands, for comparing with the actor's scope (None: nowhere)."""
    if role == Role.DEPARTMENT_HANDLER:
        return department.area_code if department is not None else None
    if role == Role.RESIDENT:
        return None
    return area_code or ""


def user_manage_error(actor, role: str, area_code: str = "", department=None) -> str | None:
    """Why the actor may not give an account this role and scope; None when they may."""
    if not permissions.may(actor, "user.manage"):
        return _("您没有管理账户的权限，请联系上级管理员。")
    if actor.is_superuser:
        return None
    if role == Role.CITY_ADMIN and actor.role != Role.CITY_ADMIN:
        return _("只有市级管理员可以设置市级管理员账户。")
    own = permissions.scope_of(actor).area
    target = scope_area(role, area_code or "", department)
    # Residents stand on no area: only city-wide managers look after them.
    if own is None or (target is None and own != "") or (
            target is not None and not target.startswith(own)):
        return _("只能在您的辖区（%(own)s）内设置账户，请选择辖区内的区域或部门。") % {
            "own": own or _("全市")}
    return None


def _check(actor, role: str, area_code: str, department) -> None:
    error = user_scope_error(role, area_code, department)
    if error:
        raise InvalidInput(error, code="bad_scope")
    error = user_manage_error(actor, role, area_code, department)
    if error:
        raise PermissionDenied(error, code="forbidden")


def _check_may_touch(actor, user: User) -> None:
    """The account as it is now must be the actor's to manage, and not the actor's own."""
    if user.pk == actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("不能修改自己的角色和辖区，请联系上级管理员。"), code="forbidden")
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied(_("只有超级管理员可以修改超级管理员账户。"), code="forbidden")
    error = user_manage_error(actor, user.role, user.area_code, user.department)
    if error:
        raise PermissionDenied(error, code="forbidden")


@transaction.atomic
def user_create(*, actor, username: str, password: str | None, role: str, area_code: str = "",
                department=None, **profile) -> User:
    """Create an account with a role and a scope. `profile`: first_name, last_name, email,
    phone, is_staff, is_active. A password of None makes an account that cannot sign in yet."""
    unknown = set(profile) - PROFILE_FIELDS
    if unknown:
        raise InvalidInput(_("不能设置这些字段：%(fields)s。") % {
            "fields": "、".join(sorted(unknown))}, code="bad_field")
    username = (username or "").strip()
    if not username:
        raise InvalidInput(_("请填写用户名。"), code="username_required")
    area_code = (area_code or "").strip()
    _check(actor, role, area_code, department)
    if profile.get("is_staff") and role == Role.RESIDENT:
        raise InvalidInput(_("居民账户不能进入管理后台。"), code="bad_field")
    user = User(username=username, role=role, area_code=area_code, department=department,
                **profile)
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput("；".join(exc.messages), code="weak_password") from exc
        user.set_password(password)
    if User.objects.filter(username=username).exists():
        raise Conflict(_("用户名“%(u)s”已被使用，请换一个。") % {"u": username}, code="username_taken")
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict(_("用户名“%(u)s”已被使用，请换一个。") % {"u": username},
                       code="username_taken") from exc
    return user


_UNCHANGED = object()


@transaction.atomic
def user_update_scope(*, actor, user: User, role: str | None = None,
                      area_code: str | None = None, department=_UNCHANGED) -> User:
    """Change an account's role and/or scope; arguments left out keep their value."""
    _check_may_touch(actor, user)
    new_role = user.role if role is None else role
    new_area = user.area_code if area_code is None else (area_code or "").strip()
    new_dept = user.department if department is _UNCHANGED else department
    _check(actor, new_role, new_area, new_dept)
    user.role, user.area_code, user.department = new_role, new_area, new_dept
    user.save(update_fields=["role", "area_code", "department"])
    return user
