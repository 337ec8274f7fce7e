"""Every read of personal data goes through one door (issue 14).

READS below classifies every URL the resolver knows: what a GET (or a form shown again)
shows of a victim's details (name, date of birth, phone, address) or an assessment's
answers. The walk then asks each route, as every role the permission matrix lets in, and
proves:

- a route that shows a victim or a version's answers leaves EXACTLY one audit row per
  object shown (not none: the read went round the helper; not two: two layers recorded it);
- a route classified as showing nothing personal leaves no read row, and its body holds none
  of the world's personal values (so a classification cannot hide a silent read);
- an export leaves exactly one `qa_export` disclosure;
- a page shown again after a rejected POST (the form with its errors, 400) records what it
  shows once, as its GET does (SHOWN_AGAIN);
- the row's action is a consultation on a page or in the admin, a disclosure over the API.

A new URL without a line here fails `test_every_route_is_classified`. The admin is walked
model by model (list, change, history, delete pages), with its victim and assessment change
pages named in the table."""

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from audit.models import Action, AuditEvent
from tests.accounts.test_anonymous_access import walk
from tests.security.test_permission_matrix import MATRIX, ask, url_of
from tests.security.world import DRAFT_TEXT, VICTIM_NAME, World


@dataclass(frozen=True)
class Shows:
    """What a route shows. `victims`/`assessments` name World attributes; `roles` narrows the
    readers asked (default: every role the matrix lets GET the route)."""

    victims: tuple[str, ...] = ()
    assessments: tuple[str, ...] = ()
    export: bool = False
    roles: tuple[str, ...] = ()
    method: str = "GET"
    status: int = 200


NOTHING = Shows()
WRITE_ONLY = None  # POST-only routes that answer with a redirect or an error, showing no record

# --- THE TABLE ------------------------------------------------------------------------------
READS: dict[str, Shows | None] = {
    "accounts:home": NOTHING,
    "accounts:login": Shows(roles=("anonymous",)),  # a signed-in user is sent home
    "accounts:login_break_glass": Shows(roles=("anonymous",)),
    # Single sign-on is off here: both answer 404 and show nothing.
    "accounts:sso_start": Shows(roles=("anonymous",), status=404),
    "accounts:sso_callback": Shows(roles=("anonymous",), status=404),
    "accounts:logout": WRITE_ONLY,
    "accounts:shortcuts": NOTHING,
    # Operations: health JSON names checks, /metrics counts (404 here: off without a token),
    # the operations page shows ids, references, workers and staff lockouts, never a victim.
    "ops:health-live": NOTHING,
    "ops:health-ready": Shows(status=503),  # no worker's heartbeat in this world
    "ops:metrics": Shows(status=404),
    "ops:overview": NOTHING,
    "ops:text-retry": WRITE_ONLY,
    "ops:webhook-retry": WRITE_ONLY,
    "ops:lockout-clear": WRITE_ONLY,
    "incidents:incident-list": NOTHING,
    "incidents:incident-create": NOTHING,
    # The victims panel (victims_for_user, from the panel's template tag).
    "incidents:incident-detail": Shows(victims=("victim",)),
    # An incident's older log entries and its versions list (issue 18): references, times,
    # authors and statuses, never a victim's details or a version's answers.
    "incidents:incident-log": NOTHING,
    "incidents:incident-versions": NOTHING,
    "incidents:incident-close": WRITE_ONLY,
    "incidents:incident-note": WRITE_ONLY,
    "incidents:incident-grading": WRITE_ONLY,
    # References, categories and due times; the closure and its owner: nothing personal.
    "incidents:incident-handover": NOTHING,
    "incidents:incident-reopen": NOTHING,
    # The handler's own draft is shown back to them unrecorded; anyone else gets the form
    # prefilled from the last submitted version: one read of it.
    # Issue 19: and the incident's victims in the side panel (victims_for_user): one read each.
    "thrive:assessment-form": Shows(victims=("victim",), assessments=("submitted",), roles=("supervisor", "admin")),
    "thrive:assessment-autosave": WRITE_ONLY,
    # Without htmx (as asked here) the panel's routes send the browser to the victim pages.
    "thrive:assessment-victim-link": WRITE_ONLY,
    # Phone first (issue 19): posted without a number it offers no one; with a caller's number
    # each person offered is one consultation (tests/casework/test_call_phone_first.py).
    "thrive:assessment-victim-phone": Shows(method="POST"),
    "thrive:assessment-victim-outcome": WRITE_ONLY,
    "thrive:assessment-dispatch-first": WRITE_ONLY,
    "thrive:assessment-submit": WRITE_ONLY,
    "thrive:assessment-version": Shows(assessments=("submitted",)),
    "thrive:prompt-set-current": NOTHING,
    "thrive:review-queue": NOTHING,
    "thrive:review-detail": Shows(assessments=("submitted",)),
    "thrive:review-return": WRITE_ONLY,
    "thrive:review-mark": WRITE_ONLY,
    "thrive:returned-to-me": NOTHING,
    "thrive:returned-revise-form": Shows(assessments=("returned_version",)),
    "thrive:returned-revise": WRITE_ONLY,
    "thrive:wording-home": NOTHING,
    "thrive:wording-draft-start": WRITE_ONLY,
    "thrive:wording-draft": NOTHING,
    "thrive:wording-preview": NOTHING,
    "thrive:wording-diff": NOTHING,
    "thrive:wording-publish": WRITE_ONLY,
    "thrive:wording-changes": NOTHING,
    "thrive:wording-acknowledge": WRITE_ONLY,
    "thrive:wording-trained": NOTHING,
    "thrive:briefing-list": NOTHING,
    "thrive:briefing-create": NOTHING,
    "thrive:briefing-detail": NOTHING,
    "thrive:wording-remind": WRITE_ONLY,
    "victims:victim-link": NOTHING,  # the empty link form; the POST records the collection
    "victims:incident-texts": NOTHING,  # texts with the number masked
    "victims:incident-texts-all": NOTHING,  # the same table, every text a page at a time
    "victims:victim-check": Shows(victims=("victim",)),
    "victims:victim-code": WRITE_ONLY,
    "victims:advice-list": NOTHING,
    "victims:advice-edit": NOTHING,
    "qa:dashboard": NOTHING,
    "qa:drilldown": NOTHING,
    "qa:compliance": NOTHING,
    "qa:export-csv": Shows(export=True),
    "qa:victims-code-csv": Shows(export=True),
    "qa:export-xlsx": Shows(export=True),
    "qa:sample-list": NOTHING,
    "qa:sample-create": WRITE_ONLY,
    "qa:sample-detail": NOTHING,
    "qa:sample-withdraw": WRITE_ONLY,
    "qa:item-review": Shows(assessments=("item_version",)),
    "qa:exemption-audit": NOTHING,
    "qa:feedback-list": NOTHING,
    "qa:feedback-acknowledge": WRITE_ONLY,
    "qa:feedback-dispute": WRITE_ONLY,
    "qa:dispute-list": NOTHING,
    "qa:dispute-uphold": WRITE_ONLY,
    "qa:dispute-change": WRITE_ONLY,
    "audit:event-list": NOTHING,
    "api:token": WRITE_ONLY,
    "api:schema": NOTHING,
    "api:docs": NOTHING,
    "api:incident-list": NOTHING,
    "api:incident-detail": Shows(victims=("victim",)),
    "api:incident-close": WRITE_ONLY,
    "api:incident-handover": WRITE_ONLY,
    "api:incident-reopen": WRITE_ONLY,
    "api:incident-assessments": WRITE_ONLY,
    "api:assessment-detail": Shows(assessments=("submitted",)),
    "api:assessment-list": NOTHING,  # ids, versions and return details, never the answers
    "api:assessment-return": WRITE_ONLY,
    "api:prompt-set-current": NOTHING,
    "api:prompt-set-list": WRITE_ONLY,
    "api:prompt-set-detail": NOTHING,
    "api:prompt-set-publish": WRITE_ONLY,
    "api:incident-victims": Shows(victims=("victim",)),
    "api:incident-texts": NOTHING,
    "api:victim-outcome": WRITE_ONLY,
    "api:victim-victims-code": WRITE_ONLY,
    "api:briefing-list": NOTHING,
    "api:briefing-detail": NOTHING,
    "api:text-receipt": WRITE_ONLY,
    "api:qa-sample-create": WRITE_ONLY,
    "api:qa-review-create": WRITE_ONLY,
    "api:qa-monthly": NOTHING,
    "api:qa-compliance": NOTHING,
    "api:qa-exemption-audit-create": WRITE_ONLY,
    "api:qa-exemption-monthly": NOTHING,
    "api:qa-victims-code": NOTHING,
    # Rule 13: alerts name the incident (reference, summary), never a victim or the answers.
    "alerts:queue": NOTHING,
    "alerts:panel": NOTHING,
    "alerts:acknowledge": WRITE_ONLY,
    "alerts:decision": NOTHING,
    "alerts:watch-start": WRITE_ONLY,
    "alerts:watch-end": WRITE_ONLY,
    "alerts:report": NOTHING,
    "api:alert-list": NOTHING,
    "api:alert-acknowledge": WRITE_ONLY,
    "api:alert-decision": WRITE_ONLY,
    # The CAD's routes (cad/): the incident as the reference detail shows it, victims included
    # (its PUT answers the same body, recorded by the same selector); the closure check shows
    # blockers and the latest version's number, risk level and author, never its answers.
    "api:cad-incident-detail": Shows(victims=("victim",)),
    "api:cad-incident-closure": NOTHING,
    "api:cad-incident-close": WRITE_ONLY,
    "cad:deep-link": Shows(status=302),  # a redirect to the assessment form
    "api:webhooks": NOTHING,  # addresses and event types, never a secret
    "api:webhook": WRITE_ONLY,
    "api:webhook-deliveries": NOTHING,  # references and codes
    # The admin: every model is walked below; these two are the pages with personal data.
    "admin:victims_victim_change": Shows(victims=("victim",), roles=("admin",)),
    "admin:thrive_assessment_change": Shows(roles=("admin",)),  # answers excluded
}

# A page shown again after a rejected POST (400, the form with its errors) shows the record
# again: one read, as the GET.
SHOWN_AGAIN: dict[str, Shows] = {
    "victims:victim-check": Shows(victims=("victim",), method="POST", status=400),
    "victims:victim-code": Shows(victims=("victim",), method="POST", status=400),
    "qa:item-review": Shows(assessments=("item_version",), roles=("supervisor",), method="POST", status=400),
    "thrive:review-return": Shows(assessments=("submitted",), method="POST", status=400),
    "incidents:incident-close": Shows(victims=("victim",), method="POST", status=400),
    "incidents:incident-note": Shows(victims=("victim",), method="POST", status=400),
    "incidents:incident-grading": Shows(victims=("victim",), method="POST", status=400),
    "victims:victim-link": Shows(method="POST", status=400),
    "thrive:assessment-submit": Shows(victims=("victim",), roles=("handler", "supervisor"), method="POST", status=400),
    "thrive:returned-revise": Shows(assessments=("returned_version",), method="POST", status=400),
}

# Values that only a read of a victim, or of a version's answers, could put on a page.
VICTIM_VALUES = (VICTIM_NAME,)
# The victim's phone in any format (the masked form shows only the last three digits): on the
# victim's record, and copied into the answers' prevention section, so either read covers it.
PHONE = "900461"
ANSWER_VALUES = (
    DRAFT_TEXT,
    "Ex-partner threatened to come back tonight.",
    "Caller is pregnant and lives alone.",
    "Do not clean the kitchen",
)

READ_TYPES = ("victim", "assessment")


def objects(world: World, shows: Shows, *, api: bool = False) -> Counter:
    """(object type, id, action) -> how many rows: a page or the admin consults, the API
    discloses (DPA 2018 s.62); an export is a disclosure wherever it is asked."""
    found = {
        "victim": world.victim,
        "submitted": world.submitted,
        "returned_version": world.returned.assessment,
        "item_version": world.item.assessment,
    }
    action = Action.DISCLOSE if api else Action.CONSULT
    expected: Counter = Counter()
    for name in shows.victims:
        expected[("victim", str(found[name].pk), action)] += 1
    for name in shows.assessments:
        expected[("assessment", str(found[name].pk), action)] += 1
    if shows.export:
        expected[("qa_export", "", Action.DISCLOSE)] += 1
    return expected


def recorded(since: int) -> Counter:
    rows = AuditEvent.objects.filter(pk__gt=since)
    return Counter(
        (row.object_type, row.object_id if row.object_type != "qa_export" else "", row.action)
        for row in rows
        if row.object_type in (*READ_TYPES, "qa_export")
    )


def last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def leaks(body: str, shows: Shows = NOTHING) -> list[str]:
    """The personal values on a page that its recorded reads do not account for."""
    values = (() if shows.victims else VICTIM_VALUES) + (() if shows.assessments else ANSWER_VALUES)
    if not (shows.victims or shows.assessments):
        values += (PHONE,)
    return [value for value in values if value in body]


def matrix_roles(name: str, method: str) -> list[str]:
    return sorted(MATRIX[name][method].allowed)


def admin_names() -> set[str]:
    return {route.name for route in walk({}) if route.path.startswith("/admin/")}


# --- The table covers every route ------------------------------------------------------------


def test_every_route_is_classified(db):
    """Pages and API by name; the admin by model (walked in test_every_admin_page_...)."""
    ours = {route.name for route in walk({}) if not route.path.startswith(("/admin/", "/static/"))}
    assert sorted(ours - READS.keys()) == [], "classify each new route in READS (and docs/SECURITY.md)"
    stale = {name for name in READS.keys() - ours if not name.startswith("admin:")}
    assert sorted(stale) == [], "these READS entries name no route any more"
    assert {"admin:victims_victim_change", "admin:thrive_assessment_change"} <= admin_names()
    # Every route that answers GET is asked below (the others are POST-only writes).
    for name, shows in READS.items():
        if shows is None:
            assert "GET" not in MATRIX[name], f"{name} answers GET: classify what it shows"


# --- Pages and API ----------------------------------------------------------------------------

CASES = [
    pytest.param(name, shows, role, id=f"{name}-{shows.method}-{role}")
    for table in (READS, SHOWN_AGAIN)
    for name, shows in table.items()
    if shows is not None and not name.startswith("admin:")
    for role in (shows.roles or matrix_roles(name, shows.method))
]


@pytest.mark.parametrize(("name", "shows", "role"), CASES)
def test_each_read_leaves_exactly_one_audit_row_per_object(world, db, name, shows, role):
    since = last_event()
    response = ask(world, role, name, shows.method)
    url, _ = url_of(world, name)
    assert response.status_code == shows.status, f"{shows.method} {url} as {role}: {response.status_code}"

    assert recorded(since) == objects(world, shows, api=url.startswith("/api/")), f"{shows.method} {url} as {role}"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert leaks(body.decode(errors="replace"), shows) == [], f"{url} as {role} shows personal data unrecorded"


def test_the_handlers_own_draft_on_the_form_is_not_recorded(world, db):
    since = last_event()
    response = ask(world, "handler", "thrive:assessment-form", "GET")

    assert response.status_code == 200
    assert DRAFT_TEXT in response.content.decode()
    # Only the victim in the side panel (issue 19) is a read; the handler's own draft is not.
    assert recorded(since) == Counter({("victim", str(world.victim.pk), Action.CONSULT): 1})


# --- The admin, model by model ----------------------------------------------------------------


def admin_pages(world: World) -> list[tuple[str, str]]:
    """(url name, url) for each registered model's list, and for its first object the change,
    history and delete pages."""
    special = {"victims_victim": world.victim.pk, "thrive_assessment": world.submitted.pk}
    pages = []
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}"
        pages.append((f"admin:{prefix}_changelist", reverse(f"admin:{prefix}_changelist")))
        pk = special.get(prefix) or model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if pk is None:
            continue
        for view in ("change", "history", "delete"):
            pages.append((f"admin:{prefix}_{view}", reverse(f"admin:{prefix}_{view}", args=[pk])))
    return pages


def test_every_admin_page_records_what_it_shows_and_shows_nothing_else(world, db):
    client = Client()
    client.force_login(world.users["admin"])
    wrong = []
    for name, url in admin_pages(world):
        shows = READS.get(name) or NOTHING
        since = last_event()
        response = client.get(url)
        if response.status_code >= 500:
            wrong.append(f"{url}: {response.status_code}")
            continue
        got = recorded(since)
        if got != objects(world, shows):
            wrong.append(f"{url}: recorded {dict(got)}, expected {dict(objects(world, shows))}")
        if response.status_code == 200 and leaks(response.content.decode(), shows):
            wrong.append(f"{url}: shows {leaks(response.content.decode(), shows)} unrecorded")
    assert wrong == [], "\n".join(wrong)


def test_the_admins_victim_and_assessment_pages_answer(world, db):
    """The two admin pages in the table are really shown (not a redirect or a refusal)."""
    client = Client()
    client.force_login(world.users["admin"])
    victim: Any = client.get(reverse("admin:victims_victim_change", args=[world.victim.pk]))
    assessment: Any = client.get(reverse("admin:thrive_assessment_change", args=[world.submitted.pk]))

    assert (victim.status_code, assessment.status_code) == (200, 200)
    assert VICTIM_NAME in victim.content.decode()
