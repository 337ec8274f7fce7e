"""The permission matrix (docs/SECURITY.md), checked for every URL the project defines and
every role. MATRIX below is the one table: URL name → method → who is let in. A URL found by
walking the resolver that has no entry fails `test_every_url_has_an_entry_in_the_matrix`, so
a new page or endpoint cannot ship without someone deciding who may use it.

For each (URL, method, role): anonymous → the login page (pages) or 401 (API); a role not
let in → 403, or 404 where the design hides that the object exists (`hidden`); a role let in
→ not 401/403/404 (a GET answers 200; an empty or invalid POST a validation answer or a
redirect), and never a 500."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from alerts.models import Alert
from tests.accounts.test_anonymous_access import NOT_OURS, walk
from tests.factories import api_token
from tests.security.world import CAD_REF, ROLES, World

HANDLER, SUPERVISOR, TRAINER, ANALYST, ADMIN, INTEGRATION = ROLES
ANONYMOUS = "anonymous"
# Every member of staff. The CAD integration account is not among them: it has no page and
# no API route but the CAD's (and revoking its own token).
EVERYONE = frozenset(ROLES) - {INTEGRATION}
WORK = frozenset({HANDLER, SUPERVISOR, ADMIN})  # accounts.roles "work_incidents" / "view_incidents"
EDIT_PROMPTS = frozenset({TRAINER, ADMIN})
DASHBOARDS = frozenset({SUPERVISOR, ANALYST, ADMIN})
GRADE = frozenset({SUPERVISOR, ADMIN})


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    hidden: frozenset[str] = frozenset()  # refused with 404, not 403: the object's existence is not told
    public: bool = False  # anonymous is let in too
    denied: int = 403  # the answer to a role not let in
    ok: tuple[int, ...] = ()  # what a role let in gets, when not the default


def allow(*roles: str | frozenset[str], hidden: tuple[str, ...] = (), **kwargs: Any) -> Rule:
    let_in: set[str] = set()
    for role in roles:
        let_in |= {role} if isinstance(role, str) else set(role)
    return Rule(frozenset(let_in), frozenset(hidden), **kwargs)


NOBODY = Rule(frozenset())

# --- THE MATRIX ---------------------------------------------------------------------------
# Keep docs/SECURITY.md in step: it is this table in words.
MATRIX: dict[str, dict[str, Rule]] = {
    # accounts
    "accounts:home": {"GET": allow(EVERYONE)},
    "accounts:login": {
        # Public; a signed-in user is sent home (redirect_authenticated_user).
        "GET": allow(EVERYONE, public=True, ok=(200, 302)),
        "POST": allow(EVERYONE, public=True, ok=(200, 302)),
    },
    # An integration account somehow signed in may still sign out.
    "accounts:logout": {"POST": allow(EVERYONE, INTEGRATION)},
    # The same form for the break-glass accounts under SSO_ONLY (who may sign in with it is
    # accounts.backends.password_sign_in_allowed; tests/accounts/test_sso_only.py).
    "accounts:login_break_glass": {
        "GET": allow(EVERYONE, public=True, ok=(200, 302)),
        "POST": allow(EVERYONE, public=True, ok=(200, 302)),
    },
    # Single sign-on, out to the provider and back: public; 404 while it is not configured
    # (as here); with it on, tests/accounts/test_sso.py follows the whole flow.
    "accounts:sso_start": {"GET": allow(EVERYONE, public=True, ok=(302, 404))},
    "accounts:sso_callback": {"GET": allow(EVERYONE, public=True, ok=(400, 403, 404))},
    "accounts:shortcuts": {"GET": allow(EVERYONE)},
    # operations (ops/): health is public JSON naming no one (503 here: no worker runs);
    # /metrics answers for itself, by bearer token or network, never by role (404: off in
    # tests, tests/ops/test_metrics.py); the operations page is the administrators'.
    "ops:health-live": {"GET": allow(EVERYONE, public=True)},
    "ops:health-ready": {"GET": allow(EVERYONE, public=True, ok=(200, 503))},
    "ops:metrics": {"GET": allow(EVERYONE, public=True, ok=(404,))},
    "ops:overview": {"GET": allow(ADMIN)},
    "ops:text-retry": {"POST": allow(ADMIN)},
    "ops:webhook-retry": {"POST": allow(ADMIN)},
    "ops:lockout-clear": {"POST": allow(ADMIN)},
    # incidents (pages)
    "incidents:incident-list": {"GET": allow(WORK)},
    "incidents:incident-create": {"GET": allow(WORK), "POST": allow(WORK)},
    "incidents:incident-detail": {"GET": allow(WORK)},
    # Issue 18: the incident's whole log and every version, a page at a time.
    "incidents:incident-log": {"GET": allow(WORK)},
    "incidents:incident-versions": {"GET": allow(WORK)},
    "incidents:incident-close": {"POST": allow(WORK)},
    "incidents:incident-note": {"POST": allow(WORK)},
    "incidents:incident-grading": {"POST": allow(WORK)},
    # Watch handover (capability hand_over; the admin is a superuser, who passes every
    # capability) and reopening (reopen_incidents: supervisors; a handler is refused).
    "incidents:incident-handover": {
        "GET": allow(HANDLER, SUPERVISOR, ADMIN),
        "POST": allow(HANDLER, SUPERVISOR, ADMIN),
    },
    "incidents:incident-reopen": {"GET": allow(SUPERVISOR, ADMIN), "POST": allow(SUPERVISOR, ADMIN)},
    # thrive: assessments
    "thrive:assessment-form": {"GET": allow(WORK)},
    "thrive:assessment-autosave": {"POST": allow(WORK)},
    "thrive:assessment-submit": {"POST": allow(WORK)},
    # Issue 19: the victim panel beside the form, and Immediate first.
    "thrive:assessment-victim-link": {"POST": allow(WORK)},
    "thrive:assessment-victim-outcome": {"POST": allow(WORK)},
    # The phone-first lookup: an empty number is a lookup that offers no one (200, an empty
    # fragment that clears an earlier offer), not a refused form.
    "thrive:assessment-victim-phone": {"POST": allow(WORK, ok=(200,))},
    "thrive:assessment-dispatch-first": {"POST": allow(WORK)},
    "thrive:assessment-version": {"GET": allow(WORK)},
    "thrive:prompt-set-current": {"GET": allow(EVERYONE)},
    # thrive: returns (rule 8): supervisors with a team, of the incident's team; not admins
    "thrive:review-queue": {"GET": allow(SUPERVISOR)},
    "thrive:review-detail": {"GET": allow(SUPERVISOR)},
    "thrive:review-return": {"POST": allow(SUPERVISOR)},
    "thrive:review-mark": {"POST": allow(SUPERVISOR)},
    "thrive:returned-to-me": {"GET": allow(WORK)},
    # A return is its author's alone: anyone else who works incidents is told "not found".
    "thrive:returned-revise-form": {"GET": allow(HANDLER, hidden=(SUPERVISOR, ADMIN))},
    "thrive:returned-revise": {"POST": allow(HANDLER, hidden=(SUPERVISOR, ADMIN))},
    # thrive: wording (rule 9)
    "thrive:wording-home": {"GET": allow(EDIT_PROMPTS)},
    "thrive:wording-draft-start": {"POST": allow(EDIT_PROMPTS)},
    "thrive:wording-draft": {"GET": allow(EDIT_PROMPTS), "POST": allow(EDIT_PROMPTS)},
    "thrive:wording-preview": {"GET": allow(EDIT_PROMPTS)},
    "thrive:wording-diff": {"GET": allow(EDIT_PROMPTS)},
    "thrive:wording-publish": {"POST": allow(EDIT_PROMPTS)},
    "thrive:wording-changes": {"GET": allow(EVERYONE)},
    "thrive:wording-acknowledge": {"POST": allow(EVERYONE)},
    "thrive:wording-trained": {"GET": allow(EDIT_PROMPTS)},
    "thrive:briefing-list": {"GET": allow(EDIT_PROMPTS)},
    "thrive:briefing-create": {"GET": allow(EDIT_PROMPTS), "POST": allow(EDIT_PROMPTS, ok=(400,))},
    "thrive:briefing-detail": {"GET": allow(EDIT_PROMPTS)},
    # Without a prompt_set in the body: 400 naming the field.
    "thrive:wording-remind": {"POST": allow(EDIT_PROMPTS, ok=(400,))},
    # victims
    "victims:victim-link": {"GET": allow(WORK), "POST": allow(WORK)},
    "victims:incident-texts": {"GET": allow(WORK)},
    "victims:incident-texts-all": {"GET": allow(WORK)},
    "victims:victim-check": {"GET": allow(WORK), "POST": allow(WORK)},
    "victims:victim-code": {"POST": allow(WORK, ok=(400,))},
    "victims:advice-list": {"GET": allow(EDIT_PROMPTS)},
    "victims:advice-edit": {"GET": allow(EDIT_PROMPTS), "POST": allow(EDIT_PROMPTS)},
    # qa
    "qa:dashboard": {"GET": allow(DASHBOARDS)},
    "qa:drilldown": {"GET": allow(DASHBOARDS)},
    "qa:compliance": {"GET": allow(DASHBOARDS)},
    "qa:export-csv": {"GET": allow(DASHBOARDS)},
    "qa:victims-code-csv": {"GET": allow(DASHBOARDS)},
    "qa:export-xlsx": {"GET": allow(DASHBOARDS)},
    "qa:sample-list": {"GET": allow(GRADE)},
    "qa:sample-create": {"POST": allow(GRADE)},
    "qa:sample-detail": {"GET": allow(GRADE)},
    "qa:sample-withdraw": {"POST": allow(GRADE)},
    "qa:item-review": {"GET": allow(GRADE), "POST": allow(GRADE)},
    # An empty finding is a form error (400) for those let in.
    "qa:exemption-audit": {"GET": allow(GRADE), "POST": allow(GRADE, ok=(400,))},
    # Everyone with QA feedback has a list; a review is its handler's alone (404 otherwise).
    "qa:feedback-list": {"GET": allow(HANDLER, SUPERVISOR, ADMIN)},
    "qa:feedback-acknowledge": {"POST": allow(HANDLER, hidden=(SUPERVISOR, ADMIN))},
    "qa:feedback-dispute": {"POST": allow(HANDLER, hidden=(SUPERVISOR, ADMIN))},
    "qa:dispute-list": {"GET": allow(GRADE)},
    "qa:dispute-uphold": {"POST": allow(GRADE)},
    "qa:dispute-change": {"POST": allow(GRADE)},
    # audit
    "audit:event-list": {"GET": allow(ADMIN)},
    # alerts (rule 13): supervisors (a superuser passes the role check, but an alert is
    # only ever a supervisor's: 404); the polled panel tells a signed-out page to stop (286).
    "alerts:queue": {"GET": allow(SUPERVISOR, ADMIN)},
    "alerts:panel": {"GET": allow(SUPERVISOR, ADMIN, public=True, ok=(200, 204, 286))},
    "alerts:acknowledge": {"POST": allow(SUPERVISOR, hidden=(ADMIN,))},
    "alerts:decision": {"GET": allow(SUPERVISOR, hidden=(ADMIN,)), "POST": allow(SUPERVISOR, hidden=(ADMIN,))},
    "alerts:watch-start": {"POST": allow(SUPERVISOR, ADMIN)},
    "alerts:watch-end": {"POST": allow(SUPERVISOR, ADMIN)},
    "alerts:report": {"GET": allow(DASHBOARDS)},
    # API
    # POST takes a password; DELETE revokes the token presented (API.md "Tokens").
    "api:token": {"POST": allow(EVERYONE, INTEGRATION, public=True), "DELETE": allow(EVERYONE, INTEGRATION, ok=(204,))},
    "api:schema": {"GET": allow(EVERYONE)},
    "api:docs": {"GET": allow(EVERYONE)},
    "api:incident-list": {"GET": allow(WORK), "POST": allow(WORK)},
    "api:incident-detail": {"GET": allow(WORK)},
    "api:incident-close": {"POST": allow(WORK)},
    "api:incident-handover": {"POST": allow(HANDLER, SUPERVISOR, ADMIN)},
    "api:incident-reopen": {"POST": allow(SUPERVISOR, ADMIN)},
    "api:incident-assessments": {"POST": allow(WORK)},
    "api:assessment-detail": {"GET": allow(WORK)},
    "api:assessment-list": {"GET": allow(WORK)},
    "api:assessment-return": {"POST": allow(SUPERVISOR)},
    "api:prompt-set-current": {"GET": allow(EVERYONE)},
    "api:prompt-set-list": {"POST": allow(EDIT_PROMPTS)},
    # An empty PATCH is a valid partial update that changes nothing: 200.
    "api:prompt-set-detail": {"GET": allow(EDIT_PROMPTS), "PATCH": allow(EDIT_PROMPTS, ok=(200,))},
    "api:prompt-set-publish": {"POST": allow(EDIT_PROMPTS)},
    "api:incident-victims": {"GET": allow(WORK), "POST": allow(WORK)},
    "api:incident-texts": {"GET": allow(WORK)},
    "api:victim-outcome": {"POST": allow(WORK)},
    "api:victim-victims-code": {"POST": allow(WORK, ok=(400,))},
    "api:briefing-list": {"GET": allow(EDIT_PROMPTS), "POST": allow(EDIT_PROMPTS, ok=(400,))},
    "api:briefing-detail": {"GET": allow(EDIT_PROMPTS)},
    # GOV.UK Notify's receipt callback: its own bearer token, no staff account gets in.
    "api:text-receipt": {"POST": Rule(frozenset(), public=False, denied=401)},
    "api:qa-sample-create": {"POST": allow(GRADE)},
    "api:qa-review-create": {"POST": allow(GRADE)},
    "api:qa-monthly": {"GET": allow(DASHBOARDS)},
    "api:qa-compliance": {"GET": allow(DASHBOARDS)},
    "api:qa-exemption-audit-create": {"POST": allow(GRADE, ok=(400,))},
    "api:qa-exemption-monthly": {"GET": allow(DASHBOARDS)},
    "api:qa-victims-code": {"GET": allow(DASHBOARDS)},
    "api:alert-list": {"GET": allow(SUPERVISOR, ADMIN)},
    # Acknowledging needs no body: 200 (or 409 once someone else owns it).
    "api:alert-acknowledge": {"POST": allow(SUPERVISOR, hidden=(ADMIN,), ok=(200, 409))},
    "api:alert-decision": {"POST": allow(SUPERVISOR, hidden=(ADMIN,))},
    # The CAD integration (cad/): the adapter writes and closes; handlers and supervisors read.
    # An empty PUT or close body is a 400 naming the fields.
    "api:cad-incident-detail": {"GET": allow(INTEGRATION, HANDLER, SUPERVISOR), "PUT": allow(INTEGRATION)},
    "api:cad-incident-closure": {"GET": allow(INTEGRATION, HANDLER, SUPERVISOR)},
    "api:cad-incident-close": {"POST": allow(INTEGRATION)},
    # The deep link from the CAD's screen: to the assessment form.
    "cad:deep-link": {"GET": allow(WORK, ok=(302,))},
    # Webhooks (API.md): administrators only.
    "api:webhooks": {"GET": allow(ADMIN), "POST": allow(ADMIN)},
    "api:webhook": {"DELETE": allow(ADMIN, ok=(204,))},
    "api:webhook-deliveries": {"GET": allow(ADMIN)},
}


# --- Where each URL points in the world, and how it is asked ------------------------------


@dataclass(frozen=True)
class Target:
    kwargs: dict[str, Any] = field(default_factory=dict)
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def target(world: World, name: str) -> Target:
    ref = {"reference": world.incident.reference}
    # The world's submitted version is high risk: it raised the alert these URLs act on.
    alert = {"pk": Alert.objects.filter(incident=world.incident).values_list("pk", flat=True).first() or 0}
    special: dict[str, Target] = {
        "thrive:assessment-version": Target({**ref, "version": world.submitted.version}),
        "thrive:review-detail": Target({"pk": world.submitted.pk}),
        "thrive:review-return": Target({"pk": world.submitted.pk}),
        "thrive:review-mark": Target({"pk": world.submitted.pk}),
        "thrive:returned-revise-form": Target({"pk": world.returned.pk}),
        "thrive:returned-revise": Target({"pk": world.returned.pk}),
        "thrive:wording-draft": Target({"pk": world.prompt_draft.pk}),
        "thrive:wording-preview": Target({"pk": world.prompt_draft.pk}),
        "thrive:wording-diff": Target({"pk": world.prompt_draft.pk}),
        "thrive:wording-publish": Target({"pk": world.prompt_draft.pk}),
        "thrive:wording-changes": Target({"pk": world.prompt_published.pk}),
        "thrive:wording-acknowledge": Target({"pk": world.prompt_published.pk}),
        # The texts fragment is what htmx polls; without htmx it redirects to the incident.
        "victims:incident-texts": Target(ref, headers={"HX-Request": "true"}),
        "victims:victim-check": Target({"pk": world.victim.pk}),
        "thrive:assessment-victim-outcome": Target({**ref, "pk": world.victim.pk}),
        "victims:victim-code": Target({"pk": world.victim.pk}),
        "thrive:briefing-detail": Target({"pk": world.briefing.pk}),
        "victims:advice-edit": Target({"pk": world.advice.pk}),
        "qa:drilldown": Target(query=f"month={world.sample.month:%Y-%m}"),
        "qa:sample-detail": Target({"sample_id": world.sample.pk}),
        "qa:sample-withdraw": Target({"sample_id": world.sample.pk}),
        "qa:item-review": Target({"item_id": world.item.pk}),
        "qa:exemption-audit": Target({"check_id": world.exemption_check.pk}),
        "qa:feedback-acknowledge": Target({"review_id": world.review.pk}),
        "qa:feedback-dispute": Target({"review_id": world.review.pk}),
        "qa:dispute-uphold": Target({"dispute_id": world.dispute.pk}),
        "qa:dispute-change": Target({"dispute_id": world.dispute.pk}),
        "api:assessment-detail": Target({"pk": world.submitted.pk}),
        # Reopening asks for a closed incident (an open one is sent back to its page).
        "incidents:incident-reopen": Target({"reference": world.closed_references[0]}),
        "api:incident-reopen": Target({"reference": world.closed_references[0]}),
        "api:assessment-list": Target(query="returned_to=me"),
        "api:assessment-return": Target({"pk": world.submitted.pk}),
        "api:prompt-set-detail": Target({"version": world.prompt_draft.version}),
        "api:prompt-set-publish": Target({"version": world.prompt_draft.version}),
        "api:victim-outcome": Target({"pk": world.victim.pk}),
        "api:victim-victims-code": Target({"pk": world.victim.pk}),
        "api:briefing-detail": Target({"pk": world.briefing.pk}),
        "alerts:panel": Target(headers={"HX-Request": "true"}),
        "alerts:acknowledge": Target(alert),
        "alerts:decision": Target(alert),
        "api:alert-acknowledge": Target(alert),
        "api:alert-decision": Target(alert),
        "api:cad-incident-detail": Target({"cad_ref": CAD_REF}),
        "api:cad-incident-closure": Target({"cad_ref": CAD_REF}),
        "api:cad-incident-close": Target({"cad_ref": CAD_REF}),
        "cad:deep-link": Target({"cad_ref": CAD_REF}),
        "api:webhook": Target({"pk": world.webhook.pk}),
        "api:webhook-deliveries": Target({"pk": world.webhook.pk}),
        # No such text or lockout: an administrator is sent back to the page, told so.
        "ops:text-retry": Target({"pk": 1}),
        "ops:webhook-retry": Target({"pk": 1}),
        "ops:lockout-clear": Target({"pk": 1}),
    }
    if name in special:
        return special[name]
    needs_reference = {
        "incidents:incident-detail",
        "incidents:incident-log",
        "incidents:incident-versions",
        "incidents:incident-close",
        "incidents:incident-note",
        "incidents:incident-grading",
        "thrive:assessment-form",
        "thrive:assessment-autosave",
        "thrive:assessment-submit",
        "thrive:assessment-victim-link",
        "thrive:assessment-victim-phone",
        "thrive:assessment-dispatch-first",
        "victims:victim-link",
        "victims:incident-texts-all",
        "api:incident-detail",
        "api:incident-close",
        "api:incident-assessments",
        "api:incident-victims",
        "api:incident-texts",
    }
    return Target(ref if name in needs_reference else {})


def url_of(world: World, name: str) -> tuple[str, Target]:
    found = target(world, name)
    url = reverse(name, kwargs=found.kwargs)
    return (f"{url}?{found.query}" if found.query else url), found


def is_api(name: str) -> bool:
    """REST framework views: the API, and the QA exports that answer like it (API.md)."""
    return name.startswith("api:") or name in {"qa:export-csv", "qa:export-xlsx", "qa:victims-code-csv"}


def ask(world: World, role: str, name: str, method: str) -> Any:
    url, found = url_of(world, name)
    headers = dict(found.headers)
    if is_api(name):
        client: Any = APIClient()
        if role != ANONYMOUS:
            # Revoking a token is tried on a token of its own: the world's must outlive it.
            revokes = (name, method) == ("api:token", "DELETE")
            token = api_token(world.users[role]) if revokes else world.tokens[role]
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        if method == "GET":
            return client.get(url, headers=headers)
        return client.generic(method, url, data="{}", content_type="application/json", headers=headers)
    client = Client()
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    if method == "GET":
        return client.get(url, headers=headers)
    return client.post(url, data={}, headers=headers)


CASES = [
    pytest.param(name, method, role, id=f"{name}-{method}-{role}")
    for name, methods in MATRIX.items()
    for method in methods
    for role in (ANONYMOUS, *ROLES)
]


# --- The tests -----------------------------------------------------------------------------


def test_every_url_has_an_entry_in_the_matrix(world, db):
    """Deny by default: a URL nobody has decided about fails here, and so does a stale entry."""
    names = {route.name for route in walk({}) if not route.path.startswith(NOT_OURS)}
    assert sorted(names - MATRIX.keys()) == [], "give each new URL its line in MATRIX (and docs/SECURITY.md)"
    assert sorted(MATRIX.keys() - names) == [], "these MATRIX entries name no URL any more"


def test_methods_not_in_the_matrix_are_refused(world, db):
    """The matrix lists every method a URL answers: any other is 405 to a role that is let in."""
    wrong = []
    for name, methods in MATRIX.items():
        let_in = sorted(set().union(*(rule.allowed for rule in methods.values())))
        if not let_in:
            continue
        probes = ("GET", "POST", "PUT", "PATCH", "DELETE") if is_api(name) else ("GET", "POST")
        for method in probes:
            if method in methods:
                continue
            response = ask(world, let_in[0], name, method)
            if response.status_code != 405:
                wrong.append(f"{method} {name} as {let_in[0]}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("name", "method", "role"), CASES)
def test_permission_matrix(world, db, name, method, role):
    rule = MATRIX[name][method]
    url, _ = url_of(world, name)
    response = ask(world, role, name, method)
    status = response.status_code
    # /health/ready's 503 is its answer while not ready (no worker runs here), not a fault.
    assert status < 500 or status in rule.ok, f"{method} {url} as {role}: {status}"

    if role == ANONYMOUS and not rule.public:
        if rule.denied == 401 or is_api(name):
            assert status == 401, f"{method} {url} anonymous: {status}, not 401"
        else:
            location = urlsplit(response.get("Location", ""))
            assert (status, location.path) == (302, "/login/"), f"{method} {url} anonymous: {status} {location}"
        return

    if role != ANONYMOUS and role not in rule.allowed:
        expected = 404 if role in rule.hidden else rule.denied
        assert status == expected, f"{method} {url} as {role}: {status}, not {expected}"
        return

    # Let in (or public).
    if rule.ok:
        assert status in rule.ok, f"{method} {url} as {role}: {status}, not one of {rule.ok}"
    elif method == "GET":
        assert status == 200, f"GET {url} as {role}: {status}, not 200"
    else:
        assert status not in (401, 403, 404, 405), f"{method} {url} as {role}: {status}"
        assert 300 <= status < 500, f"{method} {url} as {role} with an empty body: {status}"
