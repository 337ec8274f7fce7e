"""The writes that span an incident, its assessments and its victims.

- `incident_close`: rule 1, the only code that closes an incident (the gate: casework.rules).
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
from audit.models import Action
from audit.services import audit_record
from casework.rules import close_blockers
from config.choices import labels_listed
from config.dates import local_month
from config.errors import Blocked
from config.phones import normalise_uk_mobile
from config.text import free_text_errors
from incidents.events import incident_event
from incidents.models import ClosureCode, EntryKind, Grading, Incident, Status
from incidents.rules import client_time_problem, rethrive_due_after_regrade, rethrive_due_at, rethrive_on_time
from incidents.services import incident_lock, incident_regrade, incident_update, log_entry_write
from thrive.models import Assessment, AssessmentStatus, PromptSet
from thrive.prompts import get_answer
from thrive.returns import assessment_return_resolve
from thrive.rules import answers_clean, incomplete_sections, resend_reason_clean, submission_digest, text_requested
from thrive.selectors import latest_submitted_assessment
from thrive.services import prompt_set_current
from victims.tasks import text_enqueue
from victims.texts import text_queue


def incident_close(
    *,
    incident: Incident,
    actor: User,
    closure_code: str,
    exemption_reason: str = "",
    closed_at: datetime | None = None,
    expected_version: int | None = None,
) -> Incident:
    """Rule 1: the only code that closes an incident."""
    # A NUL character cannot reach PostgreSQL, even in a look-up: it is simply not a code.
    clean = "\x00" not in (closure_code or "")
    code = ClosureCode.objects.filter(code=closure_code, active=True).first() if clean else None
    if code is None:
        raise ValidationError(
            {"closure_code": [f"{closure_code!r} is not a closure code" if closure_code else "Select a closure code"]}
        )
    exemption_reason = (exemption_reason or "").strip()
    if errors := free_text_errors(exemption_reason=exemption_reason, labels={"exemption_reason": "The reason"}):
        raise ValidationError(errors)
    if code.exempt and not exemption_reason:
        raise ValidationError(
            {"exemption_reason": [f"Give the reason this incident closes as “{code.name}” without an assessment"]}
        )
    if len(exemption_reason) > 2000:
        raise ValidationError({"exemption_reason": ["The reason must be 2,000 characters or fewer"]})
    with transaction.atomic():
        locked = incident_lock(incident, expected_version)
        # Asked again under the lock: a second click, or a second request racing this one,
        # sees the first close and is refused as already closed.
        blockers = close_blockers(locked, closure_code=code)
        if blockers:
            raise Blocked(blockers[0].code, blockers[0].message)
        now = timezone.now()
        when = closed_at or now
        latest = latest_submitted_assessment(locked)
        not_before, label = locked.opened_at, "the time the incident was opened"
        if latest is not None and latest.submitted_at and latest.submitted_at > not_before:
            not_before, label = latest.submitted_at, "the last assessment"
        problem = client_time_problem(when, not_before=not_before, not_before_label=label, now=now)
        if problem:
            raise ValidationError({"closed_at": [f"Closed at {problem}"]})
        incident_update(
            locked,
            status=Status.CLOSED,
            closed_at=when,
            closed_month=local_month(when),
            closed_by=actor,
            closure_code=code,
            exemption_reason=exemption_reason if code.exempt else "",
            rethrive_due_at=None,
        )
        text = f"Closed by {actor.display_name} as {code.name}."
        if code.exempt:
            text += f" Exempt from assessment. Reason: {exemption_reason}"
        log_entry_write(incident=locked, kind=EntryKind.CLOSED, author=actor, at=when, text=text)
        incident_event(locked, "incident.closed", at=now, closure_code=code.code, exempt=code.exempt, closed_at=when)
    return locked


def incident_change_grading(
    *,
    incident: Incident,
    actor: User,
    grading: str,
    expected_version: int | None = None,
    reason: str = "",
) -> Incident:
    if grading not in Grading.values:
        raise ValidationError({"grading": [f"Select a grading: {labels_listed(Grading.choices)}"]})
    reason = reason or ""
    if errors := free_text_errors(reason=reason, labels={"reason": "The reason"}):
        raise ValidationError(errors)
    with transaction.atomic():
        locked = incident_lock(incident, expected_version)
        if locked.status == Status.CLOSED:
            raise Blocked("already_closed", f"Incident {locked.reference} is closed.")
        if locked.grading != grading:
            old_label = Grading(locked.grading).label
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
                incident_update(locked, rethrive_due_at=due, rethrive_flagged_for=due)
                log_entry_write(
                    incident=locked,
                    kind=EntryKind.RETHRIVE_DUE,
                    author=actor,
                    at=now,
                    text=f"Re-THRIVE due now: the grading changed from {old_label} to {Grading(grading).label}. "
                    "Reassess the risk now.",
                )
    return locked


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
        if locked.status == Status.CLOSED:
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
        if previous is not None and previous.submitted_at is not None:
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
            text=f"THRIVE-SP assessment version {assessment.version} submitted by {author.display_name}: "
            f"risk {assessment.risk_level or 'not given'}.",
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
        # Rules 7 and 12: the text is an outbox row in this transaction, sent by a worker
        # after commit; a number already texted for this incident needs a reason.
        # Rule 3: a text only when asked for and safe to send, to the number given (read once
        # here, so the prevention app takes plain values, not the assessment).
        phone = normalise_uk_mobile(get_answer(answers, "prevention.phone") or "") if text_requested(answers) else None
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
