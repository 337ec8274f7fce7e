"""Rule 13's pages: the watch buttons and the alert panel (polled by the supervisor's home
page and the queue), acknowledging, the owner's decision, and the report."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.models import Team
from accounts.roles import role_can
from alerts.models import Decision
from alerts.selectors import alert_month_list, alert_panel, alert_report, get_alert_for_user, watch_current
from alerts.services import alert_acknowledge, alert_decide, watch_end, watch_start
from config.errors import Blocked
from config.pages import errors_list

# htmx stops polling an element when the answer is 286 (htmx.org/docs/#polling).
STOP_POLLING = 286


def panel_context(user: object, *, notice: str = "", focus: bool = False) -> dict[str, object]:
    """What the alert panel partial needs (the home page adds it to its own context)."""
    now = timezone.now()
    return {
        "panel": alert_panel(user, now=now),
        "poll_seconds": settings.ALERT_POLL_SECONDS,
        "notice": notice,
        "focus_notice": focus,
    }


def watch_context(user: object) -> dict[str, object]:
    return {"watch": watch_current(user, now=timezone.now())}


@require_GET
@login_not_required  # a signed-out poll is told to stop, not sent the sign-in page to swap in
def panel(request: HttpRequest) -> HttpResponse:
    """The polled fragment. A poll is not activity: it must not keep an unattended session
    alive (accounts.middleware.IdleSessionMiddleware reads `idle_poll`). Nothing changed
    since the fingerprint the page holds: 204, so htmx leaves the page alone."""
    request.idle_poll = True  # type: ignore[attr-defined]
    if not request.user.is_authenticated:
        return render(request, "alerts/_signed_out.html", status=STOP_POLLING)
    if not role_can(request.user, "alerts_acknowledge"):
        raise PermissionDenied
    context = panel_context(request.user)
    if request.GET.get("seen") == context["panel"].fingerprint:  # type: ignore[attr-defined]
        return HttpResponse(status=204)
    return _fragment(request, context)


def _fragment(request: HttpRequest, context: dict[str, object]) -> HttpResponse:
    """The panel alone, rendered without the context processors: the header's navigation
    (and its counts) is not on a fragment, and a poll every few seconds for every supervisor
    must cost only the session, the user and the alerts. The forms post through htmx, which
    sends the CSRF token from <body>'s hx-headers; the token is given here too."""
    context = {**context, "request": request, "user": request.user, "csrf_token": get_token(request)}
    return HttpResponse(get_template("alerts/_panel.html").render(context))


@require_GET
@role_required("alerts_acknowledge")
def queue(request: HttpRequest) -> HttpResponse:
    """The supervisor's alert queue: the same panel at full length, with the watch."""
    context = {
        **panel_context(request.user),
        **watch_context(request.user),
        "target_minutes": settings.ALERT_ESCALATE_MINUTES,
        "perms_report": role_can(request.user, "view_dashboards"),
    }
    return render(request, "alerts/queue.html", context)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) or not target.startswith("/"):
        target = "/alerts/"
    return redirect(target)


@require_POST
@role_required("alerts_acknowledge")
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_alert_for_user(request.user, pk)
    try:
        alert_acknowledge(alert=alert, actor=request.user, request=request)
        notice = f"You acknowledged the alert on {alert.incident.reference}: it is yours. Record what you did."
        ok = True
    except Blocked as exc:
        notice, ok = exc.message, False
    if request.htmx:
        return _fragment(request, panel_context(request.user, notice=notice, focus=True))
    (messages.success if ok else messages.error)(request, notice)
    return _back(request)


@require_http_methods(["GET", "POST"])
@role_required("alerts_acknowledge")
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_alert_for_user(request.user, pk)
    posted = {"decision": request.POST.get("decision", ""), "note": request.POST.get("note", "")}
    context: dict[str, object] = {"alert": alert, "decisions": Decision.choices, "posted": posted}
    if request.method == "POST":
        try:
            alert_decide(alert=alert, actor=request.user, request=request, **posted)
        except ValidationError as exc:
            context["errors"] = errors_list(exc.message_dict, {"decision": "decision"})
            context["field_errors"] = exc.message_dict
            return render(request, "alerts/decide.html", context, status=400)
        except Blocked as exc:
            messages.error(request, exc.message)
            return redirect("alerts:queue")
        messages.success(request, f"Your decision on the alert for {alert.incident.reference} is recorded.")
        return redirect("alerts:queue")
    return render(request, "alerts/decide.html", context)


@require_POST
@role_required("alerts_acknowledge")
def watch_start_page(request: HttpRequest) -> HttpResponse:
    watch_start(supervisor=request.user, request=request)
    messages.success(request, "You are on watch: alerts for your team come to you first.")
    return _back(request)


@require_POST
@role_required("alerts_acknowledge")
def watch_end_page(request: HttpRequest) -> HttpResponse:
    watch_end(supervisor=request.user, request=request)
    messages.success(request, "Your watch has ended.")
    return _back(request)


def _month(value: str) -> date | None:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


@require_GET
@role_required("view_dashboards")
def report(request: HttpRequest) -> HttpResponse:
    """Alerts by month with the time to acknowledge; one month's alerts listed."""
    errors: dict[str, list[str]] = {}
    teams = list(Team.objects.order_by("name"))
    team_id = None
    team_param = request.GET.get("team", "")
    if team_param:
        team_id = next((t.pk for t in teams if str(t.pk) == team_param), None)
        if team_id is None:
            errors["team"] = ["Team must be one of the teams listed"]
    month_param = request.GET.get("month", "")
    month = _month(month_param) if month_param else None
    if month_param and month is None:
        errors["month"] = ["Month must be a year and month, like 2026-11"]
    today = timezone.localdate()
    context = {
        "rows": alert_report(team_id=team_id, today=today),
        "teams": teams,
        "team_id": team_id,
        "month": month,
        "alerts": list(alert_month_list(month=month, team_id=team_id)) if month else [],
        "target_minutes": settings.ALERT_ESCALATE_MINUTES,
        "errors": errors_list(errors, {"team": "f-team", "month": "f-month"}),
    }
    return render(request, "alerts/report.html", context, status=400 if errors else 200)
