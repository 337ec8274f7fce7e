"""Review finding 12: the wording emails go through an outbox, as texts do (rule 7's shape).
A Redis outage while publishing loses nothing: the version is published, the emails are
rows in the same transaction, and the sweep sends each one once when the broker is back."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from emails.models import Email, EmailStatus
from emails.services import email_send, email_sweep
from tests.victims.conftest import broker_down
from tests.wording.conftest import reworded
from thrive.models import PromptSet, PromptSetStatus
from thrive.wording import prompt_set_draft_start, prompt_set_update_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(trainer, v1):
    draft = prompt_set_draft_start(actor=trainer)
    prompt_set_update_draft(prompt_set=draft, actor=trainer, sections=reworded(v1.sections))
    return draft


def test_publishing_with_redis_down_publishes_and_the_sweep_sends_each_email_once(
    trainer_client, draft, handler, supervisor, django_capture_on_commit_callbacks, eager_tasks
):
    from config.celery import app

    # Eager off for the publication: the after-commit hand-over really goes to the broker.
    app.conf.task_always_eager = False
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = trainer_client.post(f"/thrive/wording/drafts/{draft.pk}/publish/", {"change_summary": "Harm."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PromptSetStatus.PUBLISHED
    assert mail.outbox == []
    queued = Email.objects.filter(topic=f"prompt_set:{draft.pk}")
    assert sorted(queued.values_list("to", "status")) == sorted(
        [(handler.email, EmailStatus.QUEUED), (supervisor.email, EmailStatus.QUEUED)]
    )

    # The broker is back (tasks run in-process here): the sweep hands each one over, once.
    app.conf.task_always_eager = True
    later = timezone.now() + timedelta(minutes=5)
    assert email_sweep(now=later) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([handler.email, supervisor.email])
    assert "Harm." in mail.outbox[0].body
    assert set(queued.values_list("status", flat=True)) == {EmailStatus.SENT}
    assert email_sweep(now=later) == 0
    assert (
        "Emails about this version: 2 sent, 0 waiting to send"
        in trainer_client.get("/thrive/training/").content.decode()
    )
    assert all(email_send(email_id=pk).result == "skipped" for pk in queued.values_list("pk", flat=True))
    assert len(mail.outbox) == 2


def test_publishing_queues_the_emails_in_its_own_transaction(trainer, draft, handler, supervisor):
    """A publication that rolls back queues nothing; one that commits queues one per member."""
    from django.db import transaction

    from thrive.wording import prompt_set_publish

    PromptSet.objects.filter(pk=draft.pk).update(change_summary="Harm.")
    draft.refresh_from_db()

    def publish_then_roll_back() -> None:
        with transaction.atomic():
            prompt_set_publish(prompt_set=draft, actor=trainer)
            assert Email.objects.count() == 2
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        publish_then_roll_back()
    assert Email.objects.count() == 0
    prompt_set_publish(prompt_set=draft, actor=trainer)
    assert Email.objects.filter(status=EmailStatus.QUEUED).count() == 2


def test_a_reminder_with_redis_down_is_kept_and_swept(
    trainer, trainer_client, v1, draft, handler, supervisor, django_capture_on_commit_callbacks, eager_tasks
):
    from config.celery import app
    from thrive.wording import prompt_set_publish

    PromptSet.objects.filter(pk=draft.pk).update(change_summary="Harm.")
    draft.refresh_from_db()
    prompt_set_publish(prompt_set=draft, actor=trainer)
    Email.objects.all().delete()
    app.conf.task_always_eager = False
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = trainer_client.post("/thrive/training/remind/", {"prompt_set": draft.pk})
    assert response.status_code == 302
    reminders = Email.objects.filter(kind="wording_reminder")
    assert reminders.count() == 2
    app.conf.task_always_eager = True
    assert email_sweep(now=timezone.now() + timedelta(minutes=5)) == 2
    assert all("Reminder" in m.subject for m in mail.outbox)
