"""Rules 3 and 7 at the service and task: one text per submitted assessment, the claim, the
retry ceiling, the rate limit, the broker outage and the sweep. Notify is the local fake."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.services import assessment_record
from incidents.models import EntryKind
from tests.factories import UserFactory, complete_answers, make_incident
from tests.victims.conftest import broker_down, texting_answers
from victims import texts
from victims.models import Text, TextStatus
from victims.tasks import text_send_task, text_sweep
from victims.texts import text_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return UserFactory(handler=True)


def _submit(incident, actor, answers):
    return assessment_record(incident=incident, author=actor, data=answers, submit=True)


def test_a_submitted_assessment_asking_for_the_link_makes_exactly_one_text(actor, django_capture_on_commit_callbacks):
    incident = make_incident(handler=actor)
    with django_capture_on_commit_callbacks() as callbacks:
        assessment = _submit(incident, actor, texting_answers("07700 900123"))
    (text,) = Text.objects.filter(incident=incident)
    assert text.assessment == assessment
    assert text.status == TextStatus.QUEUED
    assert text.phone == "+447700900123"
    assert text.link.endswith("/burglary")
    assert text.link in text.body
    assert incident.reference in text.body
    assert len(callbacks) == 1  # the send is enqueued only after commit
    assert incident.entries.filter(kind=EntryKind.TEXT_QUEUED).count() == 1


def test_each_submitted_version_makes_its_own_text_and_drafts_make_none(actor):
    incident = make_incident(handler=actor)
    assessment_record(incident=incident, author=actor, data=texting_answers(), submit=False)
    assert not Text.objects.exists()
    _submit(incident, actor, texting_answers())
    _submit(incident, actor, texting_answers("07700 900456"))
    assert Text.objects.filter(incident=incident).count() == 2
    assert Text.objects.values("assessment").distinct().count() == 2


def test_a_link_asked_for_without_the_safe_to_text_confirmation_is_refused_and_nothing_is_saved(actor):
    """Rule 3: asking for the link without confirming the number is the victim's own, safe to
    use and agreed is an incomplete prevention section (rule 2 names it), not a text."""
    incident = make_incident(handler=actor)
    answers = complete_answers(prevention={"send_link": True, "safe_to_text_confirmed": False, "phone": "07700900123"})

    with pytest.raises(ValidationError) as refused:
        _submit(incident, actor, answers)

    assert refused.value.message_dict == {
        "prevention": ["Confirm the number is the victim's own, safe to text, and the victim agrees"]
    }
    assert not incident.assessments.exists()
    assert not Text.objects.exists()


def test_a_confirmed_number_without_the_link_asked_for_is_submitted_and_sends_nothing(actor):
    incident = make_incident(handler=actor)
    answers = complete_answers(
        prevention={
            "send_link": False,
            "safe_to_text_confirmed": True,
            "phone": "07700900123",
            "link_not_sent_reason": "Victim prefers a call back.",
        }
    )

    assessment = _submit(incident, actor, answers)

    assert assessment.status == "submitted"
    assert not Text.objects.exists()
    assert not incident.entries.filter(kind=EntryKind.TEXT_QUEUED).exists()


def test_the_database_refuses_a_second_text_for_one_assessment(actor):
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Text.objects.create(
            incident=incident,
            assessment=text.assessment,
            created_by=actor,
            phone=text.phone,
            link=text.link,
            body=text.body,
            next_attempt_at=timezone.now(),
        )


def test_queueing_again_for_the_same_assessment_returns_the_same_text(actor):
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    again = texts.text_queue(
        incident=incident,
        assessment_id=text.assessment_id,
        version=text.assessment.version,
        author=actor,
        phone=text.phone,
        submitted_at=text.assessment.submitted_at,
    )
    assert again == text
    assert Text.objects.count() == 1


def test_the_console_gateway_sends_and_logs_it(actor, settings):
    settings.TEXT_GATEWAY = "console"
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    assert text_send(text_id=text.pk).result == "sent"
    text.refresh_from_db()
    assert text.status == TextStatus.SENT
    assert text.sent_at
    assert text.attempts == 1
    assert incident.entries.filter(kind=EntryKind.TEXT_SENT).count() == 1


def test_notify_gets_the_template_personalisation_and_our_text_id_as_reference(actor, fake_notify):
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    text_send(text_id=text.pk)
    (sms,) = fake_notify.sms_for(text.pk)
    assert sms["path"] == "/v2/notifications/sms"
    assert sms["phone_number"] == "+447700900123"
    assert sms["template_id"] == texts.settings.NOTIFY_TEMPLATE_ID
    assert sms["personalisation"]["link"] == text.link
    assert sms["auth"].startswith("Bearer ")
    text.refresh_from_db()
    assert text.status == TextStatus.SENT
    assert text.provider_id


def test_a_second_delivery_of_the_same_task_sends_nothing(actor, fake_notify):
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    assert text_send_task.apply(args=[text.pk]).get() == "sent"
    assert text_send_task.apply(args=[text.pk]).get() == "skipped"
    assert len(fake_notify.sms_for(text.pk)) == 1
    assert incident.entries.filter(kind=EntryKind.TEXT_SENT).count() == 1


def test_a_text_claimed_by_another_worker_is_not_sent(actor, fake_notify):
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    Text.objects.filter(pk=text.pk).update(claimed_until=timezone.now() + timedelta(minutes=5))
    assert text_send(text_id=text.pk).result == "skipped"
    assert fake_notify.sms_for(text.pk) == []


def test_temporary_failures_retry_with_backoff_then_fail_and_the_handler_is_told(
    actor, fake_notify, client_for, monkeypatch
):
    monkeypatch.setattr(texts, "TEXT_MAX_ATTEMPTS", 3)
    fake_notify.fail_with = [500, 503, 429]
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    delays = []
    for _ in range(3):
        outcome = text_send(text_id=text.pk)
        delays.append(outcome.retry_in)
        # Not due yet: a duplicate message in the meantime does nothing.
        assert outcome.result == "failed" or text_send(text_id=text.pk).result == "skipped"
        Text.objects.filter(pk=text.pk).update(next_attempt_at=timezone.now())
    assert delays == [30, 60, None]
    text.refresh_from_db()
    assert text.status == TextStatus.FAILED
    assert text.attempts == 3
    assert "429" in text.last_error
    assert len(fake_notify.sms_for(text.pk)) == 3
    assert incident.entries.filter(kind=EntryKind.TEXT_FAILED).count() == 1
    page = client_for(actor).get("/")
    assert page.status_code == 200
    assert incident.reference in page.content.decode()
    assert "could not be sent" in page.content.decode()


def _due_now(text) -> None:
    Text.objects.filter(pk=text.pk).update(next_attempt_at=timezone.now())


def test_a_text_accepted_but_whose_answer_was_lost_is_not_sent_again(actor, fake_notify):
    """The provider took the text, but its answer never came back (a timeout, a dropped
    connection: Notify's client says 503). The next try asks the provider for our reference,
    finds it and records the text as sent: the victim gets one text, not two."""
    fake_notify.lose_answers = [503]
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    assert text_send(text_id=text.pk).result == "retry"
    assert len(fake_notify.sms_for(text.pk)) == 1
    assert fake_notify.lookups == []  # a first try asks nobody: it just sends
    _due_now(text)
    assert text_send(text_id=text.pk).result == "sent"
    assert len(fake_notify.sms_for(text.pk)) == 1
    assert fake_notify.lookups == [str(text.pk)]
    text.refresh_from_db()
    assert text.status == TextStatus.SENT
    assert text.provider_id == fake_notify.accepted[str(text.pk)][0]
    assert incident.entries.filter(kind=EntryKind.TEXT_SENT).count() == 1


def test_a_retry_the_provider_never_took_is_sent(actor, fake_notify):
    fake_notify.fail_with = [503]
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    assert text_send(text_id=text.pk).result == "retry"
    _due_now(text)
    assert text_send(text_id=text.pk).result == "sent"
    assert fake_notify.lookups == [str(text.pk)]
    assert len(fake_notify.sms_for(text.pk)) == 2  # the refused try and the one that went
    assert len(fake_notify.accepted[str(text.pk)]) == 1


def test_when_the_provider_cannot_say_whether_it_has_the_text_nothing_is_sent_blind(actor, fake_notify):
    fake_notify.lose_answers = [503]
    fake_notify.lookups_fail_with = [500]
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    text_send(text_id=text.pk)
    _due_now(text)
    assert text_send(text_id=text.pk).result == "retry"
    text.refresh_from_db()
    assert text.status == TextStatus.QUEUED
    assert "when asked for text" in text.last_error
    _due_now(text)
    assert text_send(text_id=text.pk).result == "sent"
    assert len(fake_notify.accepted[str(text.pk)]) == 1


def test_a_permanent_notify_error_fails_at_once(actor, fake_notify):
    fake_notify.fail_with = [400]
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    assert text_send(text_id=text.pk).result == "failed"
    text.refresh_from_db()
    assert text.status == TextStatus.FAILED
    assert text.attempts == 1
    assert text_send(text_id=text.pk).result == "skipped"


def test_over_the_rate_limit_a_text_waits_for_a_free_slot_and_is_not_dropped(actor, fake_notify, settings):
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter("thrive:texts:rate:*"):
        client.delete(key)
    settings.TEXT_RATE_LIMIT_PER_MINUTE = 1
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    _submit(incident, actor, texting_answers("07700 900456"))
    first, second = Text.objects.order_by("id")
    assert text_send(text_id=first.pk).result == "sent"
    outcome = text_send(text_id=second.pk)
    # A sliding 60 s window: the second waits until the first send is a minute old.
    assert outcome.result == "rate_limited"
    assert 55 <= outcome.retry_in <= 61
    second.refresh_from_db()
    assert second.status == TextStatus.QUEUED
    assert second.attempts == 0
    assert second.claimed_until is None
    assert second.next_attempt_at > timezone.now()
    assert fake_notify.sms_for(second.pk) == []
    client.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_broker_down_the_submission_is_saved_and_the_text_stays_queued(api_client_for):
    handler = UserFactory(handler=True)
    incident = make_incident(handler=handler)
    with broker_down():
        response = api_client_for(handler).post(
            f"/api/incidents/{incident.reference}/assessments/", {"submit": True, **texting_answers()}, format="json"
        )
        assert response.status_code == 201, response.content
        text = Text.objects.get(incident=incident)
        assert text.status == TextStatus.QUEUED
        # The sweep while the broker is still down enqueues nothing and loses nothing.
        assert text_sweep(now=timezone.now() + timedelta(minutes=2)) == 0
    assert Text.objects.get(pk=text.pk).status == TextStatus.QUEUED


def test_the_sweep_leaves_fresh_and_claimed_texts_alone(actor):
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    _submit(incident, actor, texting_answers("07700 900456"))
    _fresh, claimed = Text.objects.order_by("id")
    later = timezone.now() + timedelta(minutes=2)
    Text.objects.filter(pk=claimed.pk).update(claimed_until=later + timedelta(minutes=1))
    assert text_sweep() == 0  # neither is past due yet
    assert text_sweep(now=later) == 1  # only the unclaimed one


def test_a_landline_for_the_text_is_refused_naming_prevention(actor, api_client_for):
    incident = make_incident(handler=actor)
    response = api_client_for(actor).post(
        f"/api/incidents/{incident.reference}/assessments/",
        {"submit": True, **texting_answers("01632 960001")},
        format="json",
    )
    assert response.status_code == 400
    assert "prevention" in response.json()
    assert not Text.objects.exists()


def test_a_receipt_that_beats_the_workers_own_update_is_kept(actor, settings, client):
    from tests.victims.conftest import CALLBACK_TOKEN

    settings.TEXT_GATEWAY = "console"
    incident = make_incident(handler=actor)
    _submit(incident, actor, texting_answers())
    text = Text.objects.get()
    response = client.post(
        "/api/texts/receipts/",
        {"reference": str(text.pk), "status": "delivered"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {CALLBACK_TOKEN}",
    )
    assert response.status_code == 200
    text.refresh_from_db()
    assert text.status == TextStatus.DELIVERED
    assert text.sent_at is not None
    assert text_send(text_id=text.pk).result == "skipped"


def test_the_rate_limit_holds_across_a_minute_boundary(settings):
    """However the sends fall against the clock's minutes, no 60 s window takes more than the
    limit: the sliding window refuses the burst a per-minute counter would let through."""
    import redis

    from victims.texts import RATE_LIMIT_KEY, _rate_limit_wait

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(RATE_LIMIT_KEY)
    settings.TEXT_RATE_LIMIT_PER_MINUTE = 5
    waits = [_rate_limit_wait(text_id) for text_id in range(12)]
    assert waits[:5] == [0, 0, 0, 0, 0]
    assert all(wait > 0 for wait in waits[5:])
    assert client.zcard(RATE_LIMIT_KEY) == 5
    client.delete(RATE_LIMIT_KEY)
    client.close()
