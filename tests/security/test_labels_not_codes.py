"""A person reads labels, never codes (issue 15, "Labels, never codes").

Every page of the URLconf a person reads (not the API, whose contract keeps codes, and not
the Django admin) is asked as every role the permission matrix lets in, over the security
world with more states added (an exempt closure, an abandoned call, every channel, a failed
text, an audit trail of every kind); so are the forms shown again with their errors. The
visible text of each answer (text nodes only: tag attributes such as name, value and id may
carry codes for the browser) must hold none of the product's codes: every TextChoices value
with an underscore, and the category and closure codes of the tables."""

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import OBJECT_TYPES
from casework.services import assessment_record, incident_change_grading, incident_close
from incidents.models import Category, Channel, ClosureCode, Grading, Incident
from incidents.services import incident_create
from qa.models import Check, Grade
from qa.services import export_record, review_correct
from tests.factories import complete_answers
from tests.qa.factories import grades
from tests.security.test_permission_matrix import ask, is_api
from tests.security.test_reads_one_door import READS, SHOWN_AGAIN, matrix_roles
from tests.security.world import ROLES, World, world_fixture

EXTRA: dict[str, Any] = {}


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The security world, with the states whose codes have underscores added: a live-chat
    call graded "resolution without deployment", assessed and closed as an abandoned call
    with no trace; the open incident regraded (a "grading changed" entry); the handler's
    review corrected to "requires improvement" and "not applicable"."""
    for built in world_fixture(django_db_setup, django_db_blocker):
        handler, supervisor = built.users["handler"], built.users["supervisor"]
        chat = incident_create(
            actor=handler,
            channel=Channel.LIVE_CHAT,
            category="domestic_abuse",
            grading=Grading.RESOLUTION_WITHOUT_DEPLOYMENT,
            summary="Chat ended before an address was given.",
        )
        assessment_record(incident=chat, author=handler, data=complete_answers(), submit=True)
        incident_close(
            incident=chat,
            actor=handler,
            closure_code="abandoned_no_trace",
            exemption_reason="Three call-backs unanswered.",
        )
        incident_change_grading(
            incident=Incident.objects.get(pk=built.incident.pk),
            actor=supervisor,
            grading=Grading.RESOLUTION_WITHOUT_DEPLOYMENT,
            reason="No unit needed.",
        )
        review_correct(
            review=built.review,
            reviewer=supervisor,
            data=grades(
                vulnerability=Grade.REQUIRES_IMPROVEMENT,
                prevention=Grade.NOT_APPLICABLE,
                repeat_victim_check=Check.NOT_APPLICABLE,
                feedback="Say what was checked.",
            ),
            reason="Second look.",
        )
        export_record(user=built.users["analyst"], format="csv", filters={"from": "2022-06"})  # audit: qa_export
        EXTRA["chat"] = chat
        yield built


def choice_sets() -> list[type[models.TextChoices]]:
    found = []
    pending = list(models.TextChoices.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {
            "accounts",
            "audit",
            "casework",
            "emails",
            "incidents",
            "qa",
            "thrive",
            "victims",
        }:
            found.append(cls)
    return found


def product_codes() -> set[str]:
    codes = {value for cls in choice_sets() for value in cls.values if "_" in value}
    codes |= set(Category.objects.filter(code__contains="-").values_list("code", flat=True))
    codes |= set(Category.objects.filter(code__contains="_").values_list("code", flat=True))
    codes |= set(ClosureCode.objects.filter(code__contains="_").values_list("code", flat=True))
    codes |= set(ClosureCode.objects.filter(code__contains="-").values_list("code", flat=True))
    codes |= {kind for kind in OBJECT_TYPES if "_" in kind}  # the audit log's kinds of record
    return codes


class _Text(HTMLParser):
    """The text nodes a person sees (no script or style bodies, no attribute values)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join(parser.parts)


def codes_shown(html: str, codes: set[str]) -> list[str]:
    text = visible_text(html)
    return sorted(code for code in codes if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text))


PAGES = [
    pytest.param(name, shows.method, role, id=f"{name}-{shows.method}-{role}")
    for table in (READS, SHOWN_AGAIN)
    for name, shows in table.items()
    if shows is not None and not name.startswith("admin:") and not is_api(name)
    # Machine answers, not pages a person reads: the health checks' JSON, Prometheus' text.
    if name not in {"api:schema", "api:docs", "ops:health-live", "ops:health-ready", "ops:metrics"}
    for role in (shows.roles or matrix_roles(name, shows.method))
]


def test_the_walk_knows_the_codes(world, db):
    codes = product_codes()
    assert {"abandoned_no_trace", "requires_improvement", "resolution_without_deployment"} <= codes
    assert codes_shown("<p>Closed: abandoned_no_trace</p>", codes) == ["abandoned_no_trace"]
    assert codes_shown('<option value="abandoned_no_trace">Abandoned call, no trace</option>', codes) == []


@pytest.mark.parametrize(("name", "method", "role"), PAGES)
def test_each_page_shows_labels_not_codes(world, db, name, method, role):
    response = ask(world, role, name, method)
    assert response.status_code < 500
    if "html" not in response.get("Content-Type", ""):
        return
    assert codes_shown(response.content.decode(), product_codes()) == [], f"{method} {name} as {role}"


# Pages the matrix asks with one target each; these show the other states.
EXTRA_PAGES = [
    pytest.param(path, role, id=f"{path}-{role}")
    for path in ("closed_list", "closed_incident", "chat_list", "compliance", "dashboard", "audit")
    for role in ROLES
]


@pytest.mark.parametrize(("which", "role"), EXTRA_PAGES)
def test_the_closed_pages_show_labels_not_codes(world, db, which, role):
    chat = EXTRA["chat"]
    month = f"{timezone.localtime(chat.closed_at):%Y-%m}"
    url = {
        "closed_list": reverse("incidents:incident-list") + "?status=closed",
        "closed_incident": reverse("incidents:incident-detail", kwargs={"reference": chat.reference}),
        "chat_list": reverse("incidents:incident-list") + "?q=" + chat.reference,
        "compliance": reverse("qa:compliance") + f"?from={month}&to={month}",
        "dashboard": reverse("qa:dashboard") + f"?from={month}&to={month}",
        "audit": reverse("audit:event-list"),
    }[which]
    client = Client()
    client.force_login(world.users[role])
    response = client.get(url)
    if response.status_code != 200:
        return  # a role the page refuses reads nothing
    if which == "audit":
        assert "QA export" in visible_text(response.content.decode())
    if which == "compliance":
        assert "Exempt: Abandoned call, no trace" in response.content.decode()
    assert codes_shown(response.content.decode(), product_codes()) == [], f"{url} as {role}"
