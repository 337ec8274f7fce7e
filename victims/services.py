"""Every write to victims and texts. Views, the API, tasks and thrive.services call these.

Texts (rule 7) move queued -> sent -> delivered | failed, only through `_text_move`. The
worker's path is `text_send`: claim the row with a conditional update (its row count says
who won), call the gateway outside any transaction, then record the outcome. A second
delivery of the same task, or a second worker, loses the claim and sends nothing.
"""

import logging
import math
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from config.dates import local_month
from config.params import whole_number
from config.phones import PHONE_ERROR, normalise_uk_mobile, normalise_uk_phone
from config.text import ERASED, free_text_errors
from incidents.models import Category, EntryKind, Incident, LogEntry
from incidents.services import log_entry_write
from victims import rules
from victims.gateways import PermanentFailure, TemporaryFailure, get_gateway
from victims.models import PreventionAdvice, RepeatOutcome, Text, TextStatus, Victim
from victims.rules import phone_masked
from victims.signals import victim_erasing

logger = logging.getLogger(__name__)

NAME_MAX = 150
ADDRESS_MAX = 300
NOTE_MAX = 2000
MATCH_LIMIT = 200
# How long a worker holds a claimed text. Long enough for the gateway's timeout many times
# over; a worker that dies holding it lets the sweep try again once it lapses.
CLAIM_SECONDS = 300
# After this many tries a temporary failure becomes a failed text the handler is told about.
TEXT_MAX_ATTEMPTS = getattr(settings, "TEXT_MAX_ATTEMPTS", 5)
# A queued text this long past its due time has lost its message (a broker outage, a worker
# killed outright): the sweep enqueues it again.
SWEEP_GRACE_SECONDS = 60
DEFAULT_ADVICE_MESSAGE = "Thank you for calling the police. Advice to help keep you safe:"


# --- Victims and the repeat-victim check (rule 6) -----------------------------------------


def _clean_victim(
    *, name: str, date_of_birth: date | None, phone: str, address: str, postcode: str, today: date
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = ["Enter the victim's name"]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"Name must be {NAME_MAX} characters or fewer"]
    if date_of_birth is not None and (date_of_birth > today or date_of_birth.year < 1900):
        errors["date_of_birth"] = ["Date of birth must be a real date in the past"]
    phone = (phone or "").strip()
    phone_e164 = ""
    if phone:
        phone_e164 = normalise_uk_phone(phone) or ""
        if not phone_e164:
            errors["phone"] = [PHONE_ERROR]
    address = " ".join((address or "").split())
    if len(address) > ADDRESS_MAX:
        errors["address"] = [f"Address must be {ADDRESS_MAX} characters or fewer"]
    postcode_norm = ""
    if (postcode or "").strip():
        postcode_norm = rules.normalise_postcode(postcode) or ""
        if not postcode_norm:
            errors["postcode"] = ["Enter a real UK postcode, like SW1A 1AA"]
    if address and not postcode_norm and "postcode" not in errors:
        errors["postcode"] = ["Enter the postcode with the address, so the household can be matched"]
    for field, messages in free_text_errors(name=name, address=address).items():
        errors.setdefault(field, messages)
    if not errors and not phone_e164 and date_of_birth is None and not address:
        message = "Give a phone number, a date of birth or an address, so the repeat-victim check can search"
        errors = {"phone": [message], "date_of_birth": [message], "address": [message]}
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "date_of_birth": date_of_birth,
        "phone": phone,
        "phone_e164": phone_e164,
        "address": address,
        "postcode": postcode_norm,
        "name_key": rules.normalise_name(name),
        "household_key": rules.household_key(address, postcode_norm),
    }


def repeat_check_matches(
    *,
    incident: Incident,
    phone_e164: str,
    name_key: str,
    date_of_birth: date | None,
    household_key: str,
) -> list[dict[str, Any]]:
    """Rule 6: earlier incidents in the look-back window linked to this person or household,
    newest first, each with what matched. One query over three partial indexes."""
    routes = Q()
    if phone_e164:
        routes |= Q(phone_e164=phone_e164)
    if name_key and date_of_birth:
        routes |= Q(name_key=name_key, date_of_birth=date_of_birth)
    if household_key:
        routes |= Q(household_key=household_key)
    if not routes:
        return []
    since = incident.opened_at - timedelta(days=settings.REPEAT_VICTIM_LOOKBACK_DAYS)
    candidates = (
        Victim.objects.filter(routes, incident_opened_at__gte=since)
        .exclude(incident_id=incident.pk)
        .select_related("incident__category")
        .order_by("-incident_opened_at", "id")[:MATCH_LIMIT]
    )
    by_incident: dict[int, dict[str, Any]] = {}
    for candidate in candidates:
        matched = rules.matched_on(
            candidate,
            phone_e164=phone_e164,
            name_key=name_key,
            date_of_birth=date_of_birth,
            household=household_key,
        )
        entry = by_incident.setdefault(
            candidate.incident_id,
            {
                "reference": candidate.incident.reference,
                "opened_at": candidate.incident.opened_at.isoformat(),
                "category": candidate.incident.category.code,
                "category_name": candidate.incident.category.name,
                "matched_on": [],
                "people": [],
            },
        )
        for route in matched:
            if route not in entry["matched_on"]:
                entry["matched_on"].append(route)
        if candidate.name not in entry["people"]:
            entry["people"].append(candidate.name)
    order = ("phone", "name_dob", "address")
    for entry in by_incident.values():
        entry["matched_on"].sort(key=order.index)
    return list(by_incident.values())


def victim_link(
    *,
    incident: Incident,
    actor: User,
    name: str,
    date_of_birth: date | None = None,
    phone: str = "",
    address: str = "",
    postcode: str = "",
    request: HttpRequest | None = None,
) -> Victim:
    """Link a victim to an incident and run the repeat-victim check; both go on the log, and
    the collection goes in the audit log in the same transaction."""
    cleaned = _clean_victim(
        name=name,
        date_of_birth=date_of_birth,
        phone=phone,
        address=address,
        postcode=postcode,
        today=timezone.localdate(),
    )
    now = timezone.now()
    with transaction.atomic():
        matches = repeat_check_matches(
            incident=incident,
            phone_e164=cleaned["phone_e164"],
            name_key=cleaned["name_key"],
            date_of_birth=cleaned["date_of_birth"],
            household_key=cleaned["household_key"],
        )
        victim = Victim.objects.create(
            incident=incident,
            incident_opened_at=incident.opened_at,
            created_by=actor,
            checked_at=now,
            check_matches=matches,
            **cleaned,
        )
        # The log names the victim by id only: it is read widely and kept whole, so nothing
        # personal is written into it (the details live on the victim's record, which
        # erasure can blank).
        log_entry_write(
            incident=incident,
            kind=EntryKind.VICTIM_LINKED,
            author=actor,
            at=now,
            text=f"{victim_label(victim.pk)} linked by {actor.display_name}.",
        )
        log_entry_write(
            incident=incident,
            kind=EntryKind.REPEAT_CHECK,
            author=actor,
            at=now,
            text=_check_summary(f"victim V{victim.pk}", matches),
        )
        _victim_audit(victim=victim, actor=actor, action=Action.COLLECT, request=request)
    return victim


def _victim_audit(*, victim: Victim, actor: User, action: str, request: HttpRequest | None) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="victim",
        object_id=victim.pk,
        incident_reference=victim.incident.reference,
        request=request,
    )


def victim_label(pk: int) -> str:
    """How the incident log names a victim: by id ("Victim V123"), never by name."""
    return f"Victim V{pk}"


def _check_summary(who: str, matches: list[dict[str, Any]]) -> str:
    days = settings.REPEAT_VICTIM_LOOKBACK_DAYS
    if not matches:
        return f"Repeat victim check for {who}: no earlier incidents in the last {days} days."
    labels = {"phone": "phone", "name_dob": "name and date of birth", "address": "address"}
    listed = "; ".join(
        f"{m['reference']} ({m['category_name']}, by {' and '.join(labels[r] for r in m['matched_on'])})"
        for m in matches[:10]
    )
    more = f" and {len(matches) - 10} more" if len(matches) > 10 else ""
    return f"Repeat victim check for {who}: {len(matches)} earlier incident(s) in the last {days} days: {listed}{more}."


def victim_erase(*, victim: Victim, actor: User, reason: str) -> Victim:
    """Erase a victim's personal details (name, date of birth, phone, address, the look-up
    keys, the matches naming other people, the household note) and every copy of them
    (`_scrub_copies`): the incident's log entries, other victims' repeat-check matches, the
    phone on the incident's texts and in its assessments' prevention answers, the admin's
    history. What stays: that a victim was linked, when and by whom, and the outcome of the
    check. The audit log records the erasure and the reason, never the erased data. The
    assessments' free-text answers are the record of the decision and are kept whole (rule
    4); their retention follows the force's records policy, not this route."""
    reason = (reason or "").strip()
    if errors := free_text_errors(reason=reason, labels={"reason": "The reason"}):
        raise ValidationError(errors)
    if not reason:
        raise ValidationError({"reason": ["Give the reason for the erasure"]})
    with transaction.atomic():
        locked = Victim.objects.select_for_update().get(pk=victim.pk)
        if locked.erased_at is not None:
            return locked
        _scrub_copies(locked)
        now = timezone.now()
        Victim.objects.filter(pk=locked.pk).update(
            name="[erased]",
            date_of_birth=None,
            phone="",
            address="",
            postcode="",
            phone_e164="",
            name_key="",
            household_key="",
            check_matches=[],
            household_note="",
            erased_at=now,
            erased_by=actor,
        )
        log_entry_write(
            incident=locked.incident,
            kind=EntryKind.VICTIM_LINKED,
            author=actor,
            text=f"A victim's personal details were erased by {actor.display_name}.",
        )
        audit_record(
            actor=actor,
            action=Action.ERASE,
            object_type="victim",
            object_id=locked.pk,
            incident_reference=locked.incident.reference,
            description=reason[:300],
            channel="admin",
        )
    return Victim.objects.get(pk=locked.pk)


def _scrub(text: str, secrets: list[str]) -> str:
    """Each secret, as a whole word or phrase, replaced by [erased]."""
    for secret in secrets:
        text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", ERASED, text)
    return text


def _scrub_copies(victim: Victim) -> None:
    """Every place the victim's details were copied to, scrubbed before the record itself
    is blanked (victim_erase's transaction). New log entries name the victim by id, so the
    log part finds only entries written before that, or typed by hand (a note)."""
    secrets = [
        value
        for value in {victim.name, victim.phone, victim.phone_e164, victim.address, victim.household_note}
        if value and len(value.strip()) >= 2 and value != ERASED
    ]
    secrets.sort(key=len, reverse=True)  # the longest first: a name inside a note goes with the note
    # 1. The incident's log (the victim-linked and repeat-check entries, notes).
    if secrets:
        contains = Q()
        for secret in secrets:
            contains |= Q(text__contains=secret)
        for entry in LogEntry.objects.filter(contains, incident_id=victim.incident_id):
            scrubbed = _scrub(entry.text, secrets)
            if scrubbed != entry.text:
                LogEntry.objects.filter(pk=entry.pk).update(text=scrubbed)
    # 2. Later victims whose repeat check matched this one keep the match, not the name.
    if victim.name and victim.name != ERASED:
        later = Victim.objects.filter(incident_opened_at__gte=victim.incident_opened_at).exclude(pk=victim.pk)
        if connection.vendor == "postgresql":  # jsonb containment: only the rows that name them
            later = later.filter(check_matches__contains=[{"reference": victim.incident.reference}])
        for other in later.exclude(check_matches=[]).only("pk", "check_matches"):
            changed = False
            for match in other.check_matches:
                if match.get("reference") == victim.incident.reference and victim.name in match.get("people", []):
                    match["people"] = [ERASED if person == victim.name else person for person in match["people"]]
                    changed = True
            if changed:
                Victim.objects.filter(pk=other.pk).update(check_matches=other.check_matches)
    # 3. The phone: on the incident's texts to it, and (through the signal, in this
    # transaction) in its assessments' prevention answer (thrive.erasure).
    if victim.phone_e164:
        Text.objects.filter(incident_id=victim.incident_id, phone=victim.phone_e164).update(phone="")
        victim_erasing.send(sender=Victim, incident_id=victim.incident_id, phone_e164=victim.phone_e164)
    # 4. The admin's history named the record by its old string (the name).
    AdminLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Victim), object_id=str(victim.pk)
    ).update(object_repr=victim_label(victim.pk))


def victim_record_outcome(
    *, victim: Victim, actor: User, outcome: str, household_note: str = "", request: HttpRequest | None = None
) -> Victim:
    """The handler's conclusion from the check: repeat victim or not, household at risk."""
    errors: dict[str, list[str]] = {}
    if outcome not in {RepeatOutcome.REPEAT, RepeatOutcome.NOT_REPEAT}:
        errors["outcome"] = ["Select whether this is a repeat victim"]
    household_note = (household_note or "").strip()
    if len(household_note) > NOTE_MAX:
        errors["household_note"] = [f"The note must be {NOTE_MAX:,} characters or fewer"]
    for field, messages in free_text_errors(
        household_note=household_note, labels={"household_note": "The note"}
    ).items():
        errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Victim.objects.select_for_update().select_related("incident").get(pk=victim.pk)
        locked.outcome = outcome
        locked.household_note = household_note
        locked.outcome_by = actor
        locked.outcome_at = timezone.now()
        locked.save(update_fields=["outcome", "household_note", "outcome_by", "outcome_at"])
        # By id, and the household note stays on the victim's record (erasure blanks it there).
        text = f"Repeat victim check outcome for victim V{locked.pk}: {RepeatOutcome(outcome).label.lower()}"
        text += ". Household note recorded on the victim's record." if household_note else "."
        log_entry_write(incident=locked.incident, kind=EntryKind.REPEAT_CHECK, author=actor, text=text)
        _victim_audit(victim=locked, actor=actor, action=Action.ALTER, request=request)
    return locked


# --- The prevention advice library --------------------------------------------------------

DEFAULT_ADVICE: dict[str, tuple[str, str, str]] = {
    # category code: (title, path under FORCE_ADVICE_BASE_URL, the text's wording)
    "burglary_dwelling": (
        "Burglary: securing your home",
        "burglary",
        "Thank you for calling the police. Advice on securing your home after a burglary:",
    ),
    "domestic_abuse": (
        "Domestic abuse: support and safety",
        "domestic-abuse",
        "Support and safety advice is available 24 hours a day:",
    ),
    "theft": ("Theft: protecting your belongings", "theft", "Advice on protecting your belongings from theft:"),
    "asb": (
        "Anti-social behaviour",
        "anti-social-behaviour",
        "Advice on reporting and dealing with anti-social behaviour:",
    ),
    "concern_for_safety": ("Staying safe", "staying-safe", "Advice and support to help keep you and others safe:"),
    "criminal_damage": ("Criminal damage", "criminal-damage", "Advice after criminal damage to your property:"),
    "assault": ("Victim support after an assault", "assault", "Support for victims of assault, and what happens next:"),
    "fraud": ("Fraud and scams", "fraud", "Advice on fraud and scams, and how to protect your money:"),
    "vehicle_crime": ("Vehicle crime", "vehicle-crime", "Advice on keeping your vehicle and its parts safe:"),
    "harassment": ("Harassment and stalking", "harassment", "Advice and support if you are being harassed:"),
}


def advice_seed_defaults() -> int:
    """Create the default advice for the common categories that have none. Idempotent:
    a trainer's edits are never overwritten."""
    base = settings.FORCE_ADVICE_BASE_URL.rstrip("/")
    made = 0
    for category in Category.objects.filter(code__in=DEFAULT_ADVICE):
        title, path, message = DEFAULT_ADVICE[category.code]
        _, created = PreventionAdvice.objects.get_or_create(
            category=category, defaults={"title": title, "url": f"{base}/{path}", "message": message}
        )
        made += int(created)
    return made


ADVICE_MESSAGE_MAX = 600


def advice_update(*, advice: PreventionAdvice, title: str, url: str, message: str, active: bool) -> PreventionAdvice:
    """A trainer's edit of one category's advice. The link must be https: it goes to victims."""
    from django.core.validators import URLValidator

    errors: dict[str, list[str]] = {}
    title, url, message = (title or "").strip(), (url or "").strip(), " ".join((message or "").split())
    if not title:
        errors["title"] = ["Enter a title"]
    elif len(title) > 150:
        errors["title"] = ["Title must be 150 characters or fewer"]
    try:
        URLValidator(schemes=["https"])(url)
        if len(url) > 300:
            raise ValidationError("too long")
    except ValidationError:
        errors["url"] = ["Enter the full https:// address of the advice page, 300 characters or fewer"]
    if not message:
        errors["message"] = ["Enter the wording of the text"]
    elif len(message) > ADVICE_MESSAGE_MAX:
        errors["message"] = [f"The wording must be {ADVICE_MESSAGE_MAX} characters or fewer"]
    for field, messages in free_text_errors(title=title, message=message, labels={"message": "The wording"}).items():
        errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    advice.title, advice.url, advice.message, advice.active = title, url, message, active
    advice.save(update_fields=["title", "url", "message", "active", "updated_at"])
    return advice


def _advice_for(incident: Incident) -> tuple[str, str]:
    """(message, link) for the incident's category, or the force's general advice page."""
    advice = PreventionAdvice.objects.filter(category_id=incident.category_id, active=True).first()
    if advice is not None:
        return advice.message, advice.url
    return DEFAULT_ADVICE_MESSAGE, f"{settings.FORCE_ADVICE_BASE_URL.rstrip('/')}/crime-prevention"


# --- Texts (rules 3 and 7) ----------------------------------------------------------------


def text_queue(
    *,
    incident: Incident,
    assessment_id: int,
    version: int,
    author: User,
    phone: str,
    submitted_at: datetime | None,
    resend_reason: str = "",
) -> Text | None:
    """Queue the prevention text an assessment version asked for (rules 3, 7 and 12).

    Plain values, not the assessment: whether a text was asked for and may be sent (rule 3,
    thrive.rules.text_requested) and the number it goes to are the caller's reading of the
    answers, casework.services.assessment_record's, which calls this inside the
    submission's transaction: the outbox row commits with the version or not at all, and is
    sent after commit.

    Rule 12: a number that has already had a text for this incident (from an earlier
    version, whatever became of that text) gets another only with a reason, which is kept
    on the text and written in the incident log. Without one the version stands and the log
    says why no text went. The caller holds the incident's row lock, so two versions cannot
    both count as the first text to a number.
    """
    own = Text.objects.filter(assessment_id=assessment_id).first()
    if own is not None:  # queued already: a retry of the same submission changes nothing
        return own
    now = timezone.now()
    earlier = (
        Text.objects.filter(incident=incident, phone=phone)
        .select_related("assessment")
        .order_by("-created_at", "-id")
        .first()
    )
    resend_reason = (resend_reason or "").strip()
    if earlier is not None and not resend_reason:
        log_entry_write(
            incident=incident,
            kind=EntryKind.TEXT_NOT_SENT,
            author=author,
            at=now,
            text=f"No prevention advice text for version {version}: {phone_masked(phone)} already had "
            f"one for this incident (version {earlier.assessment.version}), and no reason to send it again was given.",
        )
        return None
    message, link = _advice_for(incident)
    text, created = Text.objects.get_or_create(
        assessment_id=assessment_id,
        defaults={
            "incident": incident,
            "created_by": author,
            "phone": phone,
            "link": link,
            "body": f"{message} {link} (Police reference {incident.reference})",
            "next_attempt_at": now,
            "created_month": local_month(submitted_at or now),
            "resend_reason": resend_reason if earlier is not None else "",
        },
    )
    if created:
        if earlier is not None:
            entry = (
                f"Prevention advice text queued again to {phone_masked(phone)} (it had one for this incident with "
                f"version {earlier.assessment.version}): {link}. Reason for sending again: {resend_reason}"
            )
        else:
            entry = f"Prevention advice text queued to {phone_masked(phone)}: {link}"
        log_entry_write(incident=incident, kind=EntryKind.TEXT_QUEUED, author=author, at=now, text=entry)
        transaction.on_commit(lambda: text_enqueue(text_id=text.pk))
    return text


def text_enqueue(*, text_id: int, countdown: int | None = None) -> bool:
    """Hand the text to a worker. A broker that is down loses nothing: the row stays queued
    and the sweep enqueues it again, so this never raises into the request that submitted."""
    from victims.tasks import text_send_task

    try:
        text_send_task.apply_async(args=[text_id], countdown=countdown)
    except Exception:
        logger.warning("Could not enqueue text %s; the sweep will send it.", text_id, exc_info=True)
        return False
    return True


@dataclass
class SendOutcome:
    result: str  # sent | skipped | retry | rate_limited | failed
    retry_in: int | None = None


RATE_LIMIT_KEY = "thrive:texts:rate:window"
# The provider counts 60 s by when our calls reach it, which is a little after we take the
# slot (the gateway call's own set-up, a busy machine, the network). A second of margin
# keeps that jitter from squeezing one send too many into its 60 s.
RATE_WINDOW_MS = 61_000
# A sliding window over the last 60 s, in one atomic script so that every worker shares it:
# drop sends older than the window, and take a slot if one is free. A per-clock-minute
# counter would let a burst either side of a minute boundary reach twice the limit. The
# time is Redis's own clock, so workers on hosts whose clocks disagree share one window.
# Answers 0 when a slot was taken, else the milliseconds until the oldest send leaves.
_RATE_SCRIPT = """
if redis.replicate_commands then redis.replicate_commands() end
local key, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""
# One client (a thread-safe connection pool) and one loaded script per Redis URL, per
# process: a send costs one round trip (EVALSHA) on a connection already open.
_rate_scripts: dict[str, Any] = {}
_rate_scripts_lock = threading.Lock()


def _rate_script() -> Any:
    url = settings.REDIS_URL
    script = _rate_scripts.get(url)
    if script is None:
        import redis

        with _rate_scripts_lock:
            script = _rate_scripts.get(url)
            if script is None:
                client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)
                script = _rate_scripts[url] = client.register_script(_RATE_SCRIPT)
    return script


def _rate_limit_wait(text_id: int) -> float:
    """The provider's limit (TEXT_RATE_LIMIT_PER_MINUTE in any 60 s), shared by every worker
    through Redis. 0 when this send may go now; otherwise the seconds until a slot frees.
    Over the limit nothing is dropped: the caller puts the text back for then."""
    if not settings.REDIS_URL:
        return 0  # the embedded demo: one process, the console gateway, no provider
    wait_ms = _rate_script()(
        keys=[RATE_LIMIT_KEY],
        args=[RATE_WINDOW_MS, settings.TEXT_RATE_LIMIT_PER_MINUTE, f"{text_id}:{uuid.uuid4().hex[:12]}"],
    )
    return int(wait_ms) / 1000


def _text_move(text: Text, new: str, *, at: datetime, entry: str, **fields: Any) -> bool:
    """The one way a text's status changes: a conditional update from the status we read,
    checked against the transition table, with its timeline entry. False if someone else
    moved it first."""
    if not rules.text_can_move(text.status, new):
        return False
    with transaction.atomic():
        moved = Text.objects.filter(pk=text.pk, status=text.status).update(status=new, **fields)
        if not moved:
            return False
        kind = {
            TextStatus.SENT: EntryKind.TEXT_SENT,
            TextStatus.DELIVERED: EntryKind.TEXT_DELIVERED,
            TextStatus.FAILED: EntryKind.TEXT_FAILED,
        }[TextStatus(new)]
        log_entry_write(incident=text.incident, kind=kind, at=at, text=entry)
    text.status = new
    for name, value in fields.items():
        setattr(text, name, value)
    return True


def text_send(*, text_id: int) -> SendOutcome:
    """Send one queued text, at most once. Returns what happened and, for a retry, when."""
    now = timezone.now()
    claim_until = now + timedelta(seconds=CLAIM_SECONDS)
    # The claim. Only a queued text that is due and held by nobody (or by a worker whose
    # claim lapsed) can be won; the row count says whether we won it. The same update counts
    # the attempt (given back below if the rate limit turns the send away).
    won = (
        Text.objects.filter(pk=text_id, status=TextStatus.QUEUED, next_attempt_at__lte=now + timedelta(seconds=1))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=claim_until, attempts=F("attempts") + 1)
    )
    if not won:
        return SendOutcome("skipped")
    text = Text.objects.select_related("incident").get(pk=text_id)
    try:
        wait = _rate_limit_wait(text_id)
    except Exception as exc:
        logger.warning("Text rate limit unavailable (%s): text %s tries again shortly.", exc, text_id)
        wait = 5.0
    if wait > 0:
        # Put it back, due when a slot frees, without counting an attempt.
        retry_in = max(1, math.ceil(wait))
        Text.objects.filter(pk=text_id, claimed_until=claim_until).update(
            claimed_until=None, next_attempt_at=now + timedelta(seconds=retry_in), attempts=F("attempts") - 1
        )
        return SendOutcome("rate_limited", retry_in=retry_in)

    # The number is read again as config.phones reads it: a row queued before non-ASCII
    # digits were refused would reach the gateway as somebody else's number, or nobody's.
    if normalise_uk_mobile(text.phone) != text.phone:
        return _text_failed(text, now=timezone.now(), reason="the number is not a UK mobile (+447 and nine digits)")

    gateway = get_gateway()
    try:
        provider_id = gateway.send(text)
    except PermanentFailure as exc:
        return _text_failed(text, now=timezone.now(), reason=str(exc))
    except Exception as exc:  # TemporaryFailure, or anything unexpected: retry with a ceiling
        reason = str(exc) if isinstance(exc, TemporaryFailure) else f"{type(exc).__name__}: {exc}"
        if text.attempts >= TEXT_MAX_ATTEMPTS:
            return _text_failed(text, now=timezone.now(), reason=f"gave up after {text.attempts} tries: {reason}")
        delay = rules.retry_delay_seconds(text.attempts)
        Text.objects.filter(pk=text_id, claimed_until=claim_until).update(
            claimed_until=None, next_attempt_at=timezone.now() + timedelta(seconds=delay), last_error=reason[:500]
        )
        logger.warning("Text %s try %s failed (%s); next try in %s s.", text_id, text.attempts, reason, delay)
        return SendOutcome("retry", retry_in=delay)

    sent_at = timezone.now()
    moved = _text_move(
        text,
        TextStatus.SENT,
        at=sent_at,
        entry=f"Prevention advice text sent to {phone_masked(text.phone)} through {gateway.name}.",
        sent_at=sent_at,
        provider_id=provider_id[:100],
        claimed_until=None,
        last_error="",
    )
    if not moved:
        # A receipt got here before us (delivered already): keep its status, add what we know.
        Text.objects.filter(pk=text_id).update(provider_id=provider_id[:100], claimed_until=None)
    return SendOutcome("sent")


def _text_failed(text: Text, *, now: datetime, reason: str) -> SendOutcome:
    _text_move(
        text,
        TextStatus.FAILED,
        at=now,
        entry=f"Prevention advice text to {phone_masked(text.phone)} failed: {reason[:300]}",
        failed_at=now,
        claimed_until=None,
        last_error=reason[:500],
    )
    logger.warning("Text %s failed: %s", text.pk, reason)
    return SendOutcome("failed")


NOTIFY_RECEIPT_STATUSES = {
    "delivered": TextStatus.DELIVERED,
    "permanent-failure": TextStatus.FAILED,
    "temporary-failure": TextStatus.FAILED,
    "technical-failure": TextStatus.FAILED,
}


class UnknownText(Exception):
    pass


def text_receipt(*, reference: str, provider_status: str, provider_id: str = "") -> Text:
    """A delivery receipt: move the text to delivered or failed. Notify's temporary-failure
    is final too (it has already retried for 72 hours). A repeated receipt changes nothing."""
    pk = whole_number(str(reference or ""))
    if pk is None:
        raise UnknownText(reference)
    text = Text.objects.select_related("incident").filter(pk=pk).first()
    if text is None:
        raise UnknownText(reference)
    new = NOTIFY_RECEIPT_STATUSES.get(provider_status)
    if new is None:
        return text  # an intermediate status (sending, pending): nothing to record
    now = timezone.now()
    if new == TextStatus.DELIVERED:
        _text_move(
            text,
            new,
            at=now,
            entry=f"Prevention advice text delivered to {phone_masked(text.phone)}.",
            delivered_at=now,
            sent_at=text.sent_at or now,
            claimed_until=None,
        )
    else:
        _text_move(
            text,
            new,
            at=now,
            entry=f"Prevention advice text to {phone_masked(text.phone)} was not delivered ({provider_status}).",
            failed_at=now,
            claimed_until=None,
            last_error=f"receipt: {provider_status}",
        )
    return text


def text_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Every minute (beat): enqueue again each queued text whose message was lost, i.e. that
    is well past due and not held by a live claim. Duplicates are harmless: the claim in
    text_send lets one of them through."""
    now = now or timezone.now()
    stale = list(
        Text.objects.filter(status=TextStatus.QUEUED, next_attempt_at__lt=now - timedelta(seconds=SWEEP_GRACE_SECONDS))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    enqueued = 0
    for text_id in stale:
        if not text_enqueue(text_id=text_id):
            break  # the broker is still down; the next sweep tries again
        enqueued += 1
    return enqueued
