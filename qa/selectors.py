"""Reads for the QA pages and API: the monthly figures (rule 11) and access helpers."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import Role, Team, User
from accounts.roles import role_can
from config.statements import Statement, marker_id
from qa.models import Check, Dispute, GradeLevel, Review, Sample, SampleItem
from qa.rules import MAX_MONTHS, MonthlyFigures, month_add, month_parse, month_range, percentage
from qa.summary import Family, counted, in_months

GRADED_MEASURES = ("vulnerability", "prevention", "preservation")
MEASURES = (*GRADED_MEASURES, "repeat_victim_check")


@dataclass
class QaFilters:
    """The filters of the dashboard, the API and the exports (rule 11)."""

    first: date
    last: date
    team: Team | None = None
    handler: User | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Any, *, today: date) -> "QaFilters":
        """Parse `from`, `to`, `team` (name) and `handler` (username). Without a range, the
        six months up to last month (the newest month a dip sample is drawn for). Errors are
        keyed by parameter, as API.md wants."""
        errors: dict[str, list[str]] = {}
        last_month = month_add(date(today.year, today.month, 1), -1)
        months: dict[str, date] = {}
        for name, default in (("from", month_add(last_month, -5)), ("to", last_month)):
            raw = (params.get(name) or "").strip()
            try:
                months[name] = month_parse(raw) if raw else default
            except ValueError as exc:
                errors[name] = [str(exc)]
                months[name] = default
        first, last = months["from"], months["to"]
        if not errors:
            if first > last:
                errors["to"] = ["The end month must be the same as or after the start month"]
            elif (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
                errors["to"] = [f"Ask for at most {MAX_MONTHS} months at a time"]
        team = handler = None
        team_name = (params.get("team") or "").strip()
        if team_name:
            team = Team.objects.filter(name=team_name[:100]).first()
            if team is None:
                errors["team"] = [f"There is no team called {team_name[:100]!r}"]
        username = (params.get("handler") or "").strip()
        if username:
            handler = User.objects.filter(username=username[:150]).first()
            if handler is None:
                errors["handler"] = [f"There is no member of staff {username[:150]!r}"]
        return cls(first=first, last=last, team=team, handler=handler, errors=errors)

    def as_params(self) -> dict[str, str]:
        params = {"from": f"{self.first:%Y-%m}", "to": f"{self.last:%Y-%m}"}
        if self.team:
            params["team"] = self.team.name
        if self.handler:
            params["handler"] = self.handler.username
        return params


def grade_counts_as_good(measure: str) -> Q:
    """Rule 11's numerator for one graded measure: a grade the scale counts as good or
    outstanding (GradeLevel.counts_as_good; the shipped scale: outstanding and good)."""
    return Q(**{f"{measure}__counts_as_good": True})


def grade_counted(measure: str) -> Q:
    """Rule 11's denominator for one graded measure: every grade but not applicable."""
    return Q(**{f"{measure}__not_applicable": False})


def grade_scale(*, include: list[str] | None = None) -> list[GradeLevel]:
    """The grades offered when grading, in the scale's order: the active levels, and any
    inactive one named in `include` (the grade a review being corrected already holds)."""
    return list(GradeLevel.objects.filter(Q(active=True) | Q(code__in=include or [])).order_by("order", "code"))


def reviews_in(months: list[date]) -> QuerySet[Review]:
    """Rule 11's rows: the current version of each graded item of those months."""
    return Review.objects.filter(in_months("month", months), current=True)


def reviews_counted(filters: QaFilters) -> QuerySet[Review]:
    """The reviews that make the figures: the current version of each graded item in the
    months asked for (served by the partial index qa_review_month)."""
    qs = reviews_in(month_range(filters.first, filters.last))
    if filters.team is not None:
        qs = qs.filter(team=filters.team)
    if filters.handler is not None:
        qs = qs.filter(handler=filters.handler)
    return qs


def _qa_counts() -> dict[str, Any]:
    """Rule 11's additive counts: calls assessed, and each measure's good and counted."""
    counts: dict[str, Any] = {"calls": Count("id")}
    for measure in GRADED_MEASURES:
        counts[f"{measure}_good"] = Count("id", filter=grade_counts_as_good(measure))
        counts[f"{measure}_of"] = Count("id", filter=grade_counted(measure))
    counts["repeat_victim_check_good"] = Count("id", filter=Q(repeat_victim_check=Check.YES))
    counts["repeat_victim_check_of"] = Count("id", filter=~Q(repeat_victim_check=Check.NOT_APPLICABLE))
    return counts


# Rule 11's counts as a summary family (qa.summary): the current reviews of each month.
QA_FAMILY = Family(
    name="qa",
    counts=tuple(_qa_counts()),
    rows=reviews_in,
    aggregates=_qa_counts,
    month="month",
    team="team",
    handler="handler",
)


def qa_monthly(filters: QaFilters) -> list[MonthlyFigures]:
    """Rule 11, the one home of the QA percentages: one row per month of the range, oldest
    first. The database counts (settled months from the monthly summary, the others live,
    qa.summary); only the four divisions (and their half-up rounding) happen here, on sums."""
    by_month = {
        month: row
        for (month, _), row in counted(
            [QA_FAMILY], first=filters.first, last=filters.last, team=filters.team, handler=filters.handler
        )["qa"].items()
    }
    rows = []
    for month in month_range(filters.first, filters.last):
        row = by_month.get(month)
        if row is None or not row["calls"]:
            rows.append(MonthlyFigures(month, 0, None, None, None, None))
            continue
        rows.append(
            MonthlyFigures(
                month=month,
                calls_assessed=row["calls"],
                **{f"{m}_pct": percentage(row[f"{m}_good"], row[f"{m}_of"]) for m in MEASURES},
            )
        )
    return rows


def drilldown_reviews(filters: QaFilters, *, month: date, measure: str = "", outcome: str = "") -> QuerySet[Review]:
    """The reviews behind one figure of the table: a month, and optionally one measure with
    `outcome` "good" (counted in the numerator) or "counted" (in the denominator)."""
    qs = reviews_counted(QaFilters(first=month, last=month, team=filters.team, handler=filters.handler))
    if measure in GRADED_MEASURES:
        qs = qs.filter(grade_counts_as_good(measure) if outcome == "good" else grade_counted(measure))
    elif measure == "repeat_victim_check":
        if outcome == "good":
            qs = qs.filter(repeat_victim_check=Check.YES)
        else:
            qs = qs.exclude(repeat_victim_check=Check.NOT_APPLICABLE)
    # The written feedback and correction reasons stay behind: analysts read this page.
    return (
        qs.select_related(
            "item__incident", "handler", "team", "reviewer", "vulnerability", "prevention", "preservation"
        )
        .defer("feedback", "correction_reason")
        .order_by("handler__username", "id")
    )


def month_highlights(filters: QaFilters, *, month: date, themes: int = 5) -> dict[str, Any]:
    """Good practice and the commonest learning themes of a month (two queries)."""
    qs = reviews_counted(QaFilters(first=month, last=month, team=filters.team, handler=filters.handler))
    # Who is credited and for which incident, and nothing else: this feeds the dashboard,
    # which analysts read, and a supervisor's written feedback is for the handler alone
    # (docs/SECURITY.md). The feedback column is never even fetched.
    good = [
        {
            "handler": row["handler__full_name"] or row["handler__username"],
            "reference": row["item__incident__reference"],
        }
        for row in qs.filter(good_practice=True)
        .order_by("handler__username", "id")
        .values("handler__full_name", "handler__username", "item__incident__reference")[:20]
    ]
    common = list(
        qs.filter(themes__isnull=False)
        .values("themes__name")
        .annotate(n=Count("id"))
        .order_by("-n", "themes__name")[:themes]
    )
    return {"month": month, "good_practice": good, "themes": [(t["themes__name"], t["n"]) for t in common]}


def may_grade_team(user: User, team_id: int | None) -> bool:
    """Supervisors sample and grade their own team only; admins any team."""
    if not role_can(user, "qa_grade"):
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    return team_id is not None and team_id == user.team_id


def sample_list_for_user(user: User) -> QuerySet[Sample]:
    """Samples the user may work, each with its progress (graded of total) in one query."""
    qs = Sample.objects.select_related("team", "created_by").annotate(
        total=Count("items", distinct=True),
        graded=Count("items", filter=Q(items__reviews__current=True), distinct=True),
    )
    if not (user.is_superuser or user.role == Role.ADMIN):
        # Not the supervisors' sample: that is their own work, for an administrator to grade.
        qs = qs.filter(Q(team_id=user.team_id) | Q(team__isnull=True, overseers=False)) if user.team_id else qs.none()
    return qs.order_by("-month", "-created_at")


def get_sample_for_user(user: User, sample_id: int) -> Sample:
    """A supervisor sees their team's samples (and an admin's all-teams sample); admins all."""
    sample = Sample.objects.select_related("team", "created_by").filter(pk=sample_id).first()
    if sample is None or not role_can(user, "qa_grade"):
        raise Http404
    if not (user.is_superuser or user.role == Role.ADMIN) and (
        sample.team_id not in (None, user.team_id) or sample.overseers
    ):
        raise Http404
    return sample


def get_item_for_user(user: User, item_id: int) -> SampleItem:
    """The one access check for grading an item: a supervisor of the item's team, or an admin."""
    item = (
        SampleItem.objects.select_related("sample", "incident", "assessment__prompt_set", "handler", "team")
        .filter(pk=item_id)
        .first()
    )
    if item is None or not may_grade_team(user, item.team_id):
        raise Http404
    return item


# What a feedback card reads of its review (qa/feedback_html.py).
FEEDBACK_FIELDS = (
    "pk", "item__incident__reference", "month", "version", "acknowledged_at", "vulnerability__label",
    "prevention__label", "preservation__label", "repeat_victim_check", "feedback", "good_practice",
    "reviewer__full_name", "reviewer__username", "created_at",
)  # fmt: skip


def feedback_for_handler(user: User) -> QuerySet[Review]:
    """A handler's own reviews (current versions), newest first, as the tuples of
    FEEDBACK_FIELDS: the page builds its cards from them, no instances (issue 18)."""
    return (
        Review.objects.filter(handler=user, current=True).order_by("-created_at", "-pk").values_list(*FEEDBACK_FIELDS)
    )


@dataclass
class FeedbackExtras:
    """What the cards show beside their reviews: themes, disputes and answered disputes."""

    themes: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    disputes: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    answered: dict[int, dict[str, Any]] = field(default_factory=dict)


def feedback_extras(ids: list[int]) -> FeedbackExtras:
    """The themes of these reviews, and (in one read) the disputes raised on them and those a
    corrected version of them answered (a dispute hangs on the version it challenged; the
    handler reads its outcome on the new one), newest first."""
    extras = FeedbackExtras()
    if not ids:
        return extras
    for review_id, name in (
        Review.themes.through.objects.filter(review_id__in=ids)
        .order_by("learningtheme__name")
        .values_list("review_id", "learningtheme__name")
    ):
        extras.themes[review_id].append(name)
    wanted = set(ids)
    for dispute in (
        Dispute.objects.filter(Q(review_id__in=ids) | Q(new_review_id__in=ids))
        .order_by("-raised_at")
        .values(
            "review_id",
            "new_review_id",
            "comment",
            "outcome",
            "response",
            "resolved_at",
            "resolved_by__full_name",
            "resolved_by__username",
        )
    ):
        if dispute["review_id"] in wanted:
            extras.disputes[dispute["review_id"]].append(dispute)
        if dispute["new_review_id"] in wanted:
            # The oldest of several wins, as it did read into a dict in this order.
            extras.answered[dispute["new_review_id"]] = dispute
    return extras


_FEEDBACK_NEW = Statement(
    lambda handler: Review.objects.filter(
        handler_id=handler, current=True, acknowledged_at__isnull=True, disputes=None
    ).values_list("pk"),
    handler=marker_id(12),
)


def feedback_new_count(user: User) -> int:
    """Reviews the handler has neither acknowledged nor disputed (on the handler's home page:
    a statement built once)."""
    return _FEEDBACK_NEW.count(handler=user.pk)


def qa_home_summary(*, today: date) -> list[MonthlyFigures]:
    """The analyst's landing page: the last six months for every team (one query)."""
    return qa_monthly(QaFilters.from_params({}, today=today))
