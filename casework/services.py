"""The writes that span an incident, its assessments and its victims.

- `incident_close`: rule 1, the only code that closes an incident (the gate: casework.rules),
  written in casework/closing.py and named here too.
- `incident_note`: a log note; one marked "new information" makes a re-THRIVE due now.
- `incident_change_grading`: a grading change, which makes a re-THRIVE due now once the
  incident has a submitted assessment (rule 5, incidents.rules.rethrive_due_after_regrade).
- `assessment_record` / `assessment_submit_keeping_draft`: saving and submitting an assessment
  (rules 2, 4, 5, 7, 8, 12): the version, the log entry, the prevention text, the return
  it answers, the grading it sets and the clock it resets, in one transaction.

Pages, the API, the admin, commands and the demo seeding all call these. Each locks the
incident through incidents.services.incident_lock and writes it through incident_update.
"""

from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from alerts.services import alert_raise_for_submission
from audit.models import Action
from audit.services import audit_record
from casework.closing import incident_close as incident_close
from config.dates import local_month
from config.errors import Blocked
from config.phones import normalise_uk_mobile
from config.text import free_text_errors
from incidents.events import incident_event
from incidents.gradings import grading_label
from incidents.models import EntryKind, Incident, LogEntry, Status
from incidents.rules import (
    client_time_problem,
    rethrive_due_after_new_information,
    rethrive_due_after_regrade,
    rethrive_due_at,
    rethrive_on_time,
)
from incidents.services import (
    grading_problem,
    incident_add_note,
    incident_lock,
    incident_regrade,
    incident_update,
    log_entry_write,
    rethrive_due_now_record,
)
from thrive.models import Assessment, AssessmentStatus, PromptSet
from thrive.prompts import get_answer
from thrive.returns import assessment_return_resolve, late_return_for
from thrive.rules import answers_clean, incomplete_sections, resend_reason_clean, submission_digest, text_requested
from thrive.selectors import latest_submitted_assessment
from thrive.services import prompt_set_current
from victims.tasks import text_enqueue
from victims.texts import text_queue


def incident_change_grading(
    *,
    incident: Incident,
    actor: User,
    grading: str,
    expected_version: int | None = None,
    reason: str = "",
) -> Incident:
    if problem := grading_problem(grading):
        raise ValidationError({"grading": [problem]})
    reason = reason or ""
    if errors := free_text_errors(reason=reason, labels={"reason": "The reason"}):
        raise ValidationError(errors)
    with transaction.atomic():
        locked = incident_lock(incident, expected_version)
        if locked.status == Status.CLOSED:
            raise Blocked("already_closed", f"Incident {locked.reference} is closed.")
        if locked.grading != grading:
            old_label = grading_label(locked.grading)
            incident_regrade(locked, actor=actor, grading=grading, reason=reason)
            # Rule 5: a changed response needs the risk assessed again, now, once there is an
            # assessment to revisit; before the first, the first stays due at the new interval.
            now = timezone.now()
            assessed = latest_submitted_assessment(locked) is not None
            due = rethrive_due_after_regrade(
                grading=grading,
                opened_at=locked.opened_at,
                assessed=assessed,
                current_due=locked.rethrive_due_at,
                now=now,
            )
            if not assessed:
                incident_update(locked, rethrive_due_at=due)
            else:
                # Our own "re-THRIVE due" entry says why; marking the due time flagged keeps
                # the sweep from adding its "no assessment in the last 3 h 30 min", untrue here.
                rethrive_due_now_record(
                    locked,
                    due=due,
                    at=now,
                    author=actor,
                    text=f"Re-THRIVE due now: the grading changed from {old_label} to {grading_label(grading)}. "
                    "Reassess the risk now.",
                )
    return locked


def incident_note(*, incident: Incident, actor: User, text: str, new_information: bool = False) -> LogEntry:
    """Add a line to the log. Marked as new information on an open incident with a submitted
    assessment, it makes a re-THRIVE due now (rule 5, incidents.rules
    .rethrive_due_after_new_information), with a "Re-THRIVE due" entry saying why, in the
    same transaction. A plain note, or one on a closed incident, is appended as before."""
    if not new_information:
        return incident_add_note(incident=incident, actor=actor, text=text)
    with transaction.atomic():
        locked = incident_lock(incident)
        entry = incident_add_note(incident=locked, actor=actor, text=text, new_information=True)
        if locked.status != Status.OPEN:
            return entry
        due = rethrive_due_after_new_information(
            assessed=latest_submitted_assessment(locked) is not None,
            current_due=locked.rethrive_due_at,
            now=entry.at,
        )
        if due is not None:
            rethrive_due_now_record(
                locked,
                due=due,
                at=entry.at,
                author=actor,
                text=f"Re-THRIVE due now: {actor.display_name} logged new information. Reassess the risk now.",
            )
    return entry


def _draft_for(incident: Incident, author: User) -> Assessment | None:
    return Assessment.objects.filter(incident=incident, author=author, status=AssessmentStatus.DRAFT).first()


def _new_version(incident: Incident, *, author: User, prompt_set: PromptSet) -> Assessment:
    """The next version number, taken under the incident's row lock (callers hold it)."""
    top = Assessment.objects.filter(incident=incident).aggregate(top=Max("version"))["top"] or 0
    return Assessment(
        incident=incident, version=top + 1, author=author, prompt_set=prompt_set, team_id=incident.team_id
    )


def assessment_record(
    *,
    incident: Incident,
    author: User,
    data: dict[str, Any],
    submit: bool,
    submitted_at: datetime | None = None,
    form_version: int | None = None,
    request: HttpRequest | None = None,
    channel: str = "",
) -> Assessment:
    """Save the author's working copy of an assessment, and submit it when asked.

    The author has at most one draft per incident: an autosave or a draft post updates it in
    place, keeping the wording it was started with. Submitting checks rule 2 and freezes the
    version (rule 4); the next post starts the next version. Returns the saved version.

    `form_version` is the version number the page was about to write. Once this author has
    submitted that version or a later one, the form is out of date: a second arrival of the
    same submission (a double click, a resent request) and an autosave that arrives after
    the submission it raced are both refused as `already_submitted`, instead of becoming a
    duplicate version or a stray draft holding the autosaved words.

    Without a form version (the API), a submission identical to the one this author made on
    this incident moments ago (ASSESSMENT_REPEAT_WINDOW_SECONDS, thrive.rules.submission_digest)
    is the same request arriving twice: the version already made is returned, marked
    `replayed`, and nothing is written again (no version, no log entry, no text).

    `data["prevention"]["resend_reason"]` (API.md) is the reason for a second text to a
    number this incident has already texted (rule 12, victims.texts.text_queue).

    A submission is recorded in the audit log here (rule 4: collection), in the same
    transaction as the version, once, whichever route made it: `request` gives the row its
    address and path (and its channel: page or API), `channel` names a route without one
    (a command, the demo). A draft save, a refusal and a replay record nothing.
    """
    with transaction.atomic():
        locked = incident_lock(incident)
        # Rule 8 after closure: a version returned at review is revised as a late version.
        late = locked.status == Status.CLOSED and late_return_for(locked, author) is not None
        if locked.status == Status.CLOSED and not late:
            raise Blocked("already_closed", f"Incident {locked.reference} is closed: its assessments cannot change.")
        if (
            form_version is not None
            and Assessment.objects.filter(
                incident=locked, version__gte=form_version, author=author, status=AssessmentStatus.SUBMITTED
            ).exists()
        ):
            raise Blocked(
                "already_submitted",
                f"Version {form_version} of the assessment for {locked.reference} is already submitted.",
            )
        assessment = _draft_for(locked, author)
        latest: Assessment | None = None
        if assessment is None or submit:
            latest = latest_submitted_assessment(locked)
        if assessment is None:
            assessment = _new_version(locked, author=author, prompt_set=prompt_set_current())
            assessment.revises = latest
        sections = assessment.prompt_set.sections
        answers, errors = answers_clean(sections, data)
        # The grading must be one of the force's active gradings (the table, not the wording).
        if (grading := answers.get("grading")) and (problem := grading_problem(grading)):
            errors.setdefault("grading", []).append(problem)
        resend_reason, reason_errors = resend_reason_clean(data, submitting=submit)
        for key, messages in reason_errors.items():
            errors.setdefault(key, []).extend(messages)
        if errors:
            raise ValidationError(errors)
        assessment.answers = answers
        if not submit:
            assessment.save()
            return assessment

        now = timezone.now()
        digest = submission_digest(
            prompt_set_id=assessment.prompt_set_id,
            answers=answers,
            resend_reason=resend_reason,
            submitted_at=submitted_at,
        )
        repeat = _recent_repeat(latest, author=author, digest=digest, now=now) if assessment.pk is None else None
        if repeat is not None:
            repeat.replayed = True
            return repeat

        incomplete = incomplete_sections(sections, answers)
        if incomplete:
            raise ValidationError(incomplete)
        when = submitted_at or now
        # The version this one revises: the latest submitted, read under the lock (another
        # author may have submitted since a draft was started).
        previous = latest
        not_before, label = locked.opened_at, "the time the incident was opened"
        if previous is not None and previous.submitted_at and previous.submitted_at > not_before:
            not_before, label = previous.submitted_at, "the previous assessment"
        problem = client_time_problem(when, not_before=not_before, not_before_label=label, now=now)
        if problem:
            raise ValidationError({"submitted_at": [f"Submitted at {problem}"]})

        assessment.status = AssessmentStatus.SUBMITTED
        assessment.submitted_at = when
        assessment.submitted_month = local_month(when)
        assessment.recorded_at = now
        assessment.submission_digest = digest
        # Rule 5's record for the compliance figures: a re-THRIVE is on time when it came in
        # within the grading's interval of the previous version. Not the incident's due time:
        # a grading change makes that "now" to put the incident at the top of every list, and
        # answering it promptly must not count as late.
        assessment.late = late
        if previous is not None and previous.submitted_at is not None and not late:
            assessment.rethrive_on_time = rethrive_on_time(
                submitted_at=when,
                due_at=rethrive_due_at(grading=locked.grading, last_assessed_at=previous.submitted_at),
            )
        assessment.risk_level = answers.get("risk_level") or ""
        assessment.save()
        log_entry_write(
            incident=locked,
            kind=EntryKind.ASSESSMENT_SUBMITTED,
            author=author,
            at=when,
            text=f"{'Late ' if late else ''}THRIVE-SP assessment version {assessment.version} submitted by "
            f"{author.display_name}{' after closure' if late else ''}: risk {assessment.risk_level or 'not given'}.",
        )
        audit_record(
            actor=author,
            action=Action.COLLECT,
            object_type="assessment",
            object_id=assessment.pk,
            incident_reference=locked.reference,
            description=f"version {assessment.version} submitted",
            request=request,
            channel=channel,
        )
        # Rule 13: a high risk alerts the supervisors on watch, in this transaction.
        alert_raise_for_submission(incident=locked, risk_level=assessment.risk_level, version=assessment.version)
        # Rules 7 and 12: the text is an outbox row in this transaction, sent by a worker
        # after commit; a number already texted for this incident needs a reason.
        # Rule 3: a text only when asked for and safe to send, to the number given (read once
        # here, so the prevention app takes plain values, not the assessment).
        # A late version (the incident closed) sends no text and moves no clock or grading.
        wants_text = text_requested(answers) and not late
        phone = normalise_uk_mobile(get_answer(answers, "prevention.phone") or "") if wants_text else None
        if phone:
            text = text_queue(
                incident=locked,
                assessment_id=assessment.pk,
                version=assessment.version,
                author=author,
                phone=phone,
                submitted_at=when,
                resend_reason=resend_reason,
            )
            if text is not None:  # sent by a worker once the version is committed (rule 7)
                transaction.on_commit(lambda: text_enqueue(text_id=text.pk))
        # Rule 8: a revision clears the return it answers.
        assessment_return_resolve(incident=locked, revision=assessment)
        if late:
            # Still an assessment the outside world should hear of (it answers a return), but
            # the incident stays closed: no clock, no grading change.
            incident_event(
                locked,
                "assessment.submitted",
                at=now,
                version=assessment.version,
                risk_level=assessment.risk_level,
                grading=locked.grading,
                submitted_at=when,
                rethrive_due_at=None,
                late=True,
            )
            return assessment
        grading = answers.get("grading") or locked.grading
        if grading != locked.grading:
            incident_regrade(locked, actor=author, grading=grading, reason=f"assessment version {assessment.version}")
        # Rule 5: a new assessment resets the re-THRIVE clock.
        incident_update(
            locked,
            rethrive_due_at=rethrive_due_at(grading=locked.grading, last_assessed_at=when),
            rethrive_flagged_for=None,
        )
        incident_event(
            locked,
            "assessment.submitted",
            at=now,
            version=assessment.version,
            risk_level=assessment.risk_level,
            grading=locked.grading,
            submitted_at=when,
            rethrive_due_at=locked.rethrive_due_at,
            late=False,
        )
    return assessment


def _recent_repeat(latest: Assessment | None, *, author: User, digest: str, now: datetime) -> Assessment | None:
    """`latest` when this submission is the one it recorded a moment ago, arriving again.
    Only the incident's newest submitted version counts, and only its own author's:
    anything submitted in between makes a later identical submission a real re-assessment."""
    window = settings.ASSESSMENT_REPEAT_WINDOW_SECONDS
    if (
        window > 0
        and latest is not None
        and latest.author_id == author.pk
        and latest.submission_digest == digest
        and latest.recorded_at is not None
        and now - latest.recorded_at <= timedelta(seconds=window)
    ):
        return latest
    return None


def assessment_submit_keeping_draft(
    *,
    incident: Incident,
    author: User,
    data: dict[str, Any],
    form_version: int | None = None,
    request: HttpRequest | None = None,
) -> Assessment:
    """Submit from a page. When the submission is refused as incomplete, what was typed is
    kept as the author's draft before the refusal goes back to the page, so nothing typed is
    lost (a submission that goes through needs no separate draft save: one transaction)."""
    try:
        return assessment_record(
            incident=incident, author=author, data=data, submit=True, form_version=form_version, request=request
        )
    except ValidationError:
        # Unsavable input (too long, say) keeps nothing: the page shows why, with the refusal.
        with suppress(ValidationError, Blocked):
            assessment_record(incident=incident, author=author, data=data, submit=False)
        raise
