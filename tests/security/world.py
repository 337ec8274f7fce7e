"""One world of real objects, made through the services, that every URL of the permission
matrix resolves to: an incident of Blue Watch with a submitted assessment, a victim and a
text; a returned assessment; the handler's private draft; a drafted prompt-set version; a
graded dip sample with a dispute. Built once per test module inside a transaction that is
rolled back when the module ends, so nothing leaks into other tests."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from accounts.models import User
from casework.services import assessment_record
from incidents.models import Incident
from qa.models import Dispute, ExemptionCheck, Review, Sample, SampleItem
from qa.services import dispute_raise
from tests.factories import TeamFactory, UserFactory, api_token, complete_answers, make_incident
from tests.qa.factories import closed_incident, drawn_sample, grades, utc
from thrive.models import Assessment, AssessmentReturn, PromptSet
from thrive.returns import assessment_return
from thrive.services import prompt_set_current
from thrive.wording import prompt_set_draft_start
from victims.models import PreventionAdvice, Text, Victim
from victims.services import victim_link
from webhooks.models import Subscription
from webhooks.services import webhook_subscription_create

ROLES = ("handler", "supervisor", "trainer", "analyst", "admin", "integration")
CAD_REF = "STORM/0042/30NOV"

VICTIM_NAME = "Morwenna Quillfeather"
VICTIM_PHONE = "07700 900461"
DRAFT_TEXT = "Private working note: the sister of the caller may know more."
HANDLER_FEEDBACK = "Feedback meant for the handler alone."
COLLEAGUE_FEEDBACK = "Feedback meant for the colleague alone."
SAMPLE_MONTH = date(2022, 6, 1)


@dataclass
class World:
    users: dict[str, User]  # the six roles, plus "colleague" (Blue) and "red_supervisor"
    tokens: dict[str, str]
    incident: Incident  # open, Blue Watch, opened and assessed by the handler
    submitted: Assessment  # its version 1
    draft: Assessment  # its version 2, the handler's draft
    victim: Victim
    briefing: Any  # a training briefing on the published wording (thrive.models.Briefing)
    text: Text
    returned: AssessmentReturn  # on a second open incident, returned to the handler
    prompt_draft: PromptSet
    prompt_published: PromptSet
    advice: PreventionAdvice
    sample: Sample
    item: SampleItem  # the handler's item
    review: Review  # the handler's review
    colleague_review: Review
    dispute: Dispute  # the handler's dispute of their review
    exemption_check: ExemptionCheck  # the handler's exempt closure drawn for the audit
    closed_references: list[str]
    webhook: Subscription  # an administrator's subscription (made last: the world's own changes send nothing)


def build_world() -> World:
    blue = TeamFactory(name="Blue Watch")
    red = TeamFactory(name="Red Watch")
    users = {
        "handler": UserFactory(handler=True, username="handler", team=blue),
        "supervisor": UserFactory(supervisor=True, username="supervisor", team=blue),
        "trainer": UserFactory(trainer=True, username="trainer"),
        "analyst": UserFactory(analyst=True, username="analyst"),
        "admin": UserFactory(admin=True, username="administrator"),
        # The CAD adapter's account (API.md "Command-and-control (CAD) integration").
        "integration": UserFactory(role="integration", username="cad-adapter", team=None),
        "colleague": UserFactory(handler=True, username="colleague", team=blue),
        "red_supervisor": UserFactory(supervisor=True, username="red_supervisor", team=red),
    }
    tokens = {name: api_token(user) for name, user in users.items()}
    handler = users["handler"]

    # The incident every incident, assessment, victim and text URL points at. Its version 1
    # asks for the prevention link, so it has a text (queued: nothing commits here).
    incident = make_incident(handler=handler)
    Incident.objects.filter(pk=incident.pk).update(cad_ref=CAD_REF)  # it came from the CAD
    submitted = assessment_record(
        incident=incident,
        author=handler,
        data=complete_answers(
            prevention={
                "send_link": True,
                "safe_to_text_confirmed": True,
                "phone": VICTIM_PHONE,
                "link_not_sent_reason": "",
            }
        ),
        submit=True,
    )
    draft = assessment_record(incident=incident, author=handler, data=complete_answers(threat=DRAFT_TEXT), submit=False)
    victim = victim_link(incident=incident, actor=handler, name=VICTIM_NAME, phone=VICTIM_PHONE)
    text = Text.objects.get(incident=incident)

    other = make_incident(handler=handler, assessed=True)
    returned = assessment_return(
        assessment=other.assessments.get(version=1),
        actor=users["supervisor"],
        reason="poor_quality",
        sections=["prevention"],
        feedback="Say what advice was given.",
    )

    published = prompt_set_current()
    prompt_draft = prompt_set_draft_start(actor=users["trainer"])
    from django.utils import timezone

    from thrive.wording import briefing_record

    briefing = briefing_record(
        actor=users["trainer"],
        held_on=timezone.localdate(),
        topic="Voice of the child",
        prompt_set_id=published.pk,
        attendee_ids=[handler.pk],
    )

    closed = [
        closed_incident(handler=handler, closed_at=utc(2022, 6, 10, 12)),
        closed_incident(handler=users["colleague"], closed_at=utc(2022, 6, 11, 12)),
    ]
    closed_incident(handler=handler, closed_at=utc(2022, 6, 12, 12), assessed=False)  # exempt: audited
    sample = drawn_sample(supervisor=users["supervisor"], month=SAMPLE_MONTH)
    from qa.services import review_record

    items = {item.handler_id: item for item in sample.items.all()}
    item = items[handler.pk]
    review = review_record(item=item, reviewer=users["supervisor"], data=grades(feedback=HANDLER_FEEDBACK))
    colleague_review = review_record(
        item=items[users["colleague"].pk], reviewer=users["supervisor"], data=grades(feedback=COLLEAGUE_FEEDBACK)
    )
    dispute = dispute_raise(review=review, actor=handler, comment="The preservation advice was given.")

    return World(
        users=users,
        tokens=tokens,
        incident=Incident.objects.get(pk=incident.pk),
        submitted=submitted,
        draft=draft,
        victim=victim,
        text=text,
        returned=returned,
        prompt_draft=prompt_draft,
        prompt_published=published,
        briefing=briefing,
        advice=PreventionAdvice.objects.order_by("pk").first(),
        sample=sample,
        item=item,
        review=review,
        colleague_review=colleague_review,
        dispute=dispute,
        exemption_check=sample.exemption_checks.get(),
        closed_references=[i.reference for i in closed],
        webhook=webhook_subscription_create(
            actor=users["admin"], url="https://cad.example.police.uk/events", events=["incident.closed"]
        ),
    )


def world_fixture(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The body of a module-scoped fixture: the world lives in an outer transaction; each
    test's own transaction (pytest-django's `db`) nests inside it as a savepoint and is
    rolled back, so a test that changes something changes it for itself alone."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
