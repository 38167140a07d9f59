"""Resident tracking (案件查询), no login needed: case number + the phone of any reporter →
the public history (civicgrid.cases.selectors.case_for_resident: no internal notes, no people,
units by name only) → a rating once the case is closed.

- A wrong number and a wrong phone get the same message, and every look-up counts against a
  limit per client address and per session (cache counters), so the pair cannot be guessed.
- The verified pair is kept in the session (server-side) for VERIFIED_SECONDS; the case page,
  its photos and the rating form are answered from the session, never from a hidden field,
  and re-checked against the reporters each time (a phone removed from the case loses access).
- Rating goes through the workflow's case_rate(source="reporter"), by the signed-in resident
  or by the reporter the number + phone pair proved (a hotline caller needs no account); the
  workflow checks either against the case's reporters (units.reporter_owns).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.cases.models import Attachment, Case, Rating
from civicgrid.cases.selectors import case_for_resident, resident_rater
from civicgrid.core.errors import DomainError

from .access import PUBLIC, page
from .views_cases import stream_attachment

SESSION_KEY = "track"
VERIFIED_SECONDS = 30 * 60
DEFAULT_LIMIT = (20, 600)  # look-ups per window (seconds), per client address and per session
NEUTRAL = _("没有找到与该案件编号和手机号匹配的记录。请核对案件编号（如 XC-20251122-000123）"
            "和反映问题时留下的手机号后重试。")


def lookup_limit() -> tuple[int, int]:
    n, seconds = getattr(settings, "CIVICGRID", {}).get("TRACK_RATE_LIMIT", DEFAULT_LIMIT)
    return int(n), int(seconds)


def _hit(key: str, seconds: int) -> int:
    """Count one look-up in a fixed window; returns the count so far."""
    if cache.add(key, 1, seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, seconds)
        return 1


def over_limit(request, prefix: str, n: int, seconds: int) -> bool:
    """Count one request under `prefix`; True when the client address or the session went over
    `n` in the window. The client address is REMOTE_ADDR: behind a proxy, the proxy must set it
    (never trust a header a client can write). The resident's report page counts its
    anonymous submissions the same way (views_mobile)."""
    if not request.session.session_key:
        request.session.save()
    keys = [f"{prefix}:ip:{request.META.get('REMOTE_ADDR', '')}",
            f"{prefix}:session:{request.session.session_key}"]
    return max(_hit(k, seconds) for k in keys) > n


def too_many_lookups(request) -> bool:
    """Count this look-up; True when the client or the session went over the limit."""
    n, seconds = lookup_limit()
    return over_limit(request, "track", n, seconds)


def verified(request) -> dict | None:
    data = request.session.get(SESSION_KEY)
    if not data or data.get("until", 0) < time.time():
        return None
    return data


def remember_verified(request, number: str, phone: str) -> bool:
    """Keep a proven number + phone pair in the session; False (nothing kept) when the pair
    does not match a case. The resident's report page calls it for the cases it just took."""
    if case_for_resident(number, phone) is None:
        return False
    request.session.cycle_key()  # a fresh session id once a pair is proven
    request.session[SESSION_KEY] = {"number": number, "phone": phone,
                                    "until": time.time() + VERIFIED_SECONDS}
    return True


def public_view(request):
    """(PublicCase, Case) of the verified pair, re-checked; None when no longer valid."""
    data = verified(request)
    if data is None:
        return None, None
    view = case_for_resident(data["number"], data["phone"])
    if view is None:
        request.session.pop(SESSION_KEY, None)
        return None, None
    return view, Case.objects.get(number=view.number)


@page(PUBLIC)
@require_http_methods(["GET", "POST"])
def track(request):
    """The look-up form; on success the case page (redirect, so a reload does not re-post).
    `?number=` fills in the number (the link the resident's report page gives)."""
    context = {"number": (request.GET.get("number") or "").strip()[:40], "error": ""}
    if request.method == "POST":
        number = (request.POST.get("number") or "").strip()[:40]
        phone = (request.POST.get("phone") or "").strip()[:30]
        context["number"] = number
        if too_many_lookups(request):
            n, seconds = lookup_limit()
            context["error"] = _("查询过于频繁：%(minutes)d 分钟内最多查询 %(n)d 次。"
                                 "请稍后再试，或拨打 12345 热线咨询。") % {
                "minutes": max(1, seconds // 60), "n": n}
            return render(request, "web/track/form.html", context, status=429)
        if not number or not phone:
            context["error"] = _("请填写案件编号和手机号。")
            return render(request, "web/track/form.html", context, status=400)
        if not remember_verified(request, number, phone):
            context["error"] = NEUTRAL
            return render(request, "web/track/form.html", context)
        return redirect("web:track_case")
    return render(request, "web/track/form.html", context)


@page(PUBLIC)
def track_case(request):
    view, case = public_view(request)
    if view is None:
        return redirect("web:track")
    photos = public_photo_ids(case)
    return render(request, "web/track/case.html", {
        "view": view, "photos": photos, "ratings": Rating.choices,
        "can_rate_online": view.can_rate,
        "rated": request.GET.get("rated") == "1",
    })


def public_photo_ids(case: Case) -> list[Attachment]:
    """The photos the public view shows (selectors.public_case's rule), as rows so that they
    are served through track_photo instead of a MEDIA_URL path."""
    return list(Attachment.objects.filter(case=case, public=True)
                .filter(Q(event=None) | Q(event__internal=False)).order_by("uploaded_at", "id"))


@page(PUBLIC)
def track_photo(request, attachment_id: int):
    view, case = public_view(request)
    if view is None:
        raise Http404(_("照片不存在。"))
    attachment = next((p for p in public_photo_ids(case) if p.pk == attachment_id), None)
    if attachment is None:
        raise Http404(_("照片不存在。"))
    return stream_attachment(attachment)


def rater_for(request, case: Case):
    return resident_rater(case, user=request.user, phone=verified(request)["phone"])


@page(PUBLIC)
@require_POST
def track_rate(request):
    view, case = public_view(request)
    if view is None:
        return redirect("web:track")
    rating = request.POST.get("rating", "")
    solved = {"yes": True, "no": False}.get(request.POST.get("solved", ""))
    error = ""
    if rating not in Rating.values:
        error = _("请选择评价：满意、基本满意或不满意。")
    elif solved is None:
        error = _("请选择问题是否已解决。")
    else:
        from civicgrid.cases.services import case_rate

        try:
            case_rate(case=case, actor=rater_for(request, case), rating=rating, solved=solved,
                      source="reporter", note=(request.POST.get("note") or "")[:500])
        except DomainError as exc:
            error = exc.message
    if error:
        return render(request, "web/track/case.html", {
            "view": view, "photos": public_photo_ids(case), "ratings": Rating.choices,
            "can_rate_online": view.can_rate, "error": error,
            "chosen": rating, "chosen_solved": request.POST.get("solved", ""),
        }, status=400)
    return redirect(reverse("web:track_case") + "?rated=1")
