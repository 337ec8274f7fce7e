"""API fuzzing (issue 9, review finding 16): schemathesis drives every operation in the app's
own /api/schema/ through the real WSGI application (config.wsgi.application, the same
middleware stack as production) as each role with a token, and anonymously, with schemathesis'
response checks: no 5xx, every status documented (config.schema adds each operation's error
answers), bodies, content types and headers as documented, invalid data (negative cases)
refused, a method the schema does not list answered 405.

The number of examples per operation and role is bounded for CI (FUZZ_EXAMPLES, default 8);
docs/SECURITY.md gives the command for the longer run.

The WSGI app runs in this thread, on this test's database connection, inside the test's
transaction: nothing it writes outlives the test. Django's request signals would close that
connection between requests (autocommit is off inside the test's atomic block), so they are
disconnected for the duration, as Django's own test client does.
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from config.wsgi import application
from incidents.models import Incident
from tests.factories import TeamFactory, UserFactory, api_token, make_incident

pytestmark = pytest.mark.django_db

ROLES = ["call_handler", "supervisor", "trainer", "analyst", "admin", "integration", "anonymous"]
# Per operation and role: ~24 operations x 6 roles in about a minute. FUZZ_EXAMPLES=100 is
# the longer run (docs/SECURITY.md).
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
# Every check schemathesis has for one response but three. use_after_free and
# ensure_resource_availability need a stateful run; ignored_auth and missing_required_header
# need its coverage phase, which as_strategy does not drive. positive_data_acceptance
# (schema-valid data must not get a 400) is left out on purpose: the schema cannot state the
# domain's rules (an opening or closure code that exists, a month from 1900 on, a time not in
# the future, rule 2's completeness), so a 400 for schema-valid data is the contract
# (API.md), not a fault. docs/SECURITY.md says the same.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    unsupported_method,
]


@pytest.fixture
def _wsgi_on_test_connection() -> Iterator[None]:
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(settings: Any) -> dict[str, Any]:
    """A team with a handler and a supervisor, the other roles, and real objects for the
    path parameters (an assessed incident with a victim, a text, a QA sample)."""
    from qa.services import sample_draw
    from victims.services import victim_link

    settings.NOTIFY_CALLBACK_TOKEN = "fuzz-receipt-token"
    team = TeamFactory(name="Fuzz Watch")
    users = {
        "call_handler": UserFactory(handler=True, username="fuzz-handler", team=team),
        "supervisor": UserFactory(supervisor=True, username="fuzz-supervisor", team=team),
        "trainer": UserFactory(trainer=True, username="fuzz-trainer"),
        "analyst": UserFactory(analyst=True, username="fuzz-analyst"),
        "admin": UserFactory(admin=True, username="fuzz-admin"),
        # The CAD adapter (API.md): its routes under /api/cad/, refused everywhere else.
        "integration": UserFactory(role="integration", username="fuzz-cad", team=None),
    }
    handler = users["call_handler"]
    incident = make_incident(handler=handler, assessed=True)
    Incident.objects.filter(pk=incident.pk).update(cad_ref="FUZZ/0001")
    victim = victim_link(
        incident=incident,
        actor=handler,
        name="Ann Example",
        phone="07700 900123",
        postcode="SW1A 1AA",
        address="1 High St",
    )
    closed = make_incident(handler=handler, closed=True)
    assessment = incident.assessments.order_by("-version").first()
    month = timezone.localtime(closed.closed_at).date().replace(day=1)
    sample = sample_draw(actor=users["supervisor"], month=month, per_handler=3, seed=1)
    return {
        "users": users,
        "tokens": {role: api_token(user) for role, user in users.items()},
        "path": {
            "reference": incident.reference,
            "pk": assessment.pk,
            "version": 1,
            "victim": victim.pk,
            "sample_item": sample.items.first().pk,
            "cad_ref": "FUZZ/0001",
        },
        "closed": closed,
    }


def _real_path_parameters(operation: Any, world: dict[str, Any]) -> dict[str, Any] | None:
    names = {p.name for p in operation.path_parameters}
    if not names:
        return None
    known = dict(world["path"])
    if "victims/{id}" in operation.path or "victims/{pk}" in operation.path:
        known["pk"] = known["id"] = world["path"]["victim"]
    else:
        known["id"] = known["pk"]
    values = {name: known[name] for name in names if name in known}
    return values if len(values) == len(names) else None


def _runner(strategy: Any, call_headers: dict[str, str]) -> Any:
    @seed(20_260_109)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(headers=call_headers)
        case.validate_response(response, checks=CHECKS)

    return run


def _describe(error: BaseException) -> str:
    parts = [str(error)]
    for inner in getattr(error, "exceptions", ()):
        parts.append(f"  - {type(inner).__name__}: {str(inner)[:1500]}")
    return "\n".join(parts)


@pytest.mark.usefixtures("_wsgi_on_test_connection")
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_survives_fuzzing_as(role: str, world: dict[str, Any]) -> None:
    # The schema is read as an administrator (it needs a sign-in); the operations are called
    # as the role, or with no credentials at all.
    admin = {"Authorization": f"Token {world['tokens']['admin']}"}
    headers = {} if role == "anonymous" else {"Authorization": f"Token {world['tokens'][role]}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, headers=admin)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15, [op.label for op in operations]
    failures = []
    for operation in operations:
        if operation.path == "/api/auth/token/" and role != "anonymous":
            continue  # unauthenticated: the same for every role, fuzzed once
        is_receipt = operation.path.endswith("/texts/receipts/")
        # The receipt callback authenticates Notify with its own bearer token, not a staff
        # token: send the right one, so the body is what gets fuzzed.
        call_headers = {"Authorization": "Bearer fuzz-receipt-token"} if is_receipt else headers
        strategy = st.one_of(operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        real = _real_path_parameters(operation, world)
        if real:
            strategy = st.one_of(strategy, operation.as_strategy(path_parameters=real))

        run = _runner(strategy, call_headers)
        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # schemathesis' FailureGroup is a BaseExceptionGroup
            failures.append(f"{operation.label} as {role}: {_describe(error)}")
    assert not failures, "\n\n".join(failures)
