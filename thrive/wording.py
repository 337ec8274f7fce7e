"""Rule 9, prompt wording: drafts, the word-level diff, telling staff, acknowledgement, and
the force's choice of model (prompt set family).

Creating a draft from the API and publishing stay in thrive.services (prompt_set_create_draft,
prompt_set_publish); publishing calls `prompt_set_published` here, which refuses a version with
no change summary and emails staff after commit.
"""

import difflib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.roles import role_can
from config.errors import Blocked
from emails.services import Outgoing, email_queue
from thrive.models import ForceModelSetting, PromptSet, PromptSetStatus, WordingAcknowledgement
from thrive.prompt_schema import sections_problems
from thrive.prompts import CONDITIONS, PROMPT_TYPES

# The staff who answer the prompts and are asked to acknowledge new wording.
STAFF_ROLES = (Role.CALL_HANDLER, Role.SUPERVISOR)
NEW_PROMPT_TYPES = ("text", "boolean", "yes_no_unknown", "guidance")


# --- The force's model -------------------------------------------------------------------


def force_family_expression() -> Coalesce:
    """The chosen family as an SQL expression, so that "the current prompt set" stays one
    query: the admin's row when there is one, the setting otherwise."""
    return Coalesce(
        Subquery(ForceModelSetting.objects.order_by("pk").values("family")[:1]), Value(settings.PROMPT_SET_FAMILY)
    )


def current_family() -> str:
    chosen = ForceModelSetting.objects.order_by("pk").values_list("family", flat=True).first()
    return chosen or settings.PROMPT_SET_FAMILY


def force_model_choose(*, family: str) -> ForceModelSetting:
    """An administrator chooses the model; refused unless a version of it is published, so
    that new assessments always have wording to use."""
    if not PromptSet.objects.filter(family=family, status=PromptSetStatus.PUBLISHED).exists():
        raise ValidationError({"family": [f"No published version of {family!r}: a trainer must publish one first."]})
    row = ForceModelSetting.objects.order_by("pk").first() or ForceModelSetting()
    row.family = family
    row.save()
    return row


# --- Drafts ------------------------------------------------------------------------------


def prompt_set_draft_start(*, actor: User, family: str | None = None) -> PromptSet:
    """The trainer's working draft of the family: the open one, or a new copy of the current
    published wording. One draft at a time keeps version numbers in publication order."""
    if not role_can(actor, "edit_prompts"):
        raise PermissionDenied
    family = family or current_family()
    with transaction.atomic():
        top = PromptSet.objects.filter(family=family).order_by("-version").select_for_update().first()
        draft = PromptSet.objects.filter(family=family, status=PromptSetStatus.DRAFT).order_by("-version").first()
        if draft is not None:
            return draft
        base = PromptSet.objects.filter(family=family, status=PromptSetStatus.PUBLISHED).order_by("-version").first()
        if base is None:
            raise Blocked("no_prompt_set", f"No published prompt set for {family!r} to start from.")
        return PromptSet.objects.create(
            family=family,
            name=base.name,
            version=(top.version if top else 0) + 1,
            status=PromptSetStatus.DRAFT,
            sections=base.sections,
            change_summary="",
            created_by=actor,
        )


def prompt_set_update_draft(
    *, prompt_set: PromptSet, actor: User, sections: Any = None, change_summary: str | None = None
) -> PromptSet:
    """Change a draft's wording or summary. A published version never changes (409)."""
    if not role_can(actor, "edit_prompts"):
        raise PermissionDenied
    errors: dict[str, list[str]] = sections_problems(sections) if sections is not None else {}
    if change_summary is not None and len(change_summary) > 5000:
        errors["change_summary"] = ["The change summary must be 5,000 characters or fewer"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = PromptSet.objects.select_for_update().get(pk=prompt_set.pk)
        if locked.status != PromptSetStatus.DRAFT:
            raise Blocked("already_published", f"Version {locked.version} is published and cannot change.")
        if sections is not None:
            locked.sections = sections
        if change_summary is not None:
            locked.change_summary = change_summary.strip()
        locked.save(update_fields=["sections", "change_summary"])
    return locked


def prompt_set_published(*, prompt_set: PromptSet) -> None:
    """Called by thrive.services.prompt_set_publish inside its transaction: staff must be told
    what changed, so a version without a change summary is not published. The emails are
    outbox rows written in this same transaction (emails.services): a rolled-back
    publication tells nobody, and a committed one keeps its emails even when the broker is
    down as it commits (the sweep sends them)."""
    if not (prompt_set.change_summary or "").strip():
        raise ValidationError({"change_summary": ["Summarise the change for staff before publishing"]})
    wording_emails_queue(prompt_set=prompt_set)


def sections_from_post(base: list[dict[str, Any]], post: QueryDict) -> list[dict[str, Any]]:
    """The structured editor's form read back into sections: each section's title and
    guidance, each question's wording and conditions (or its removal), and at most one new
    question per section. Keys, fields and types of existing questions are not editable
    here: answers already written are read by them."""
    sections: list[dict[str, Any]] = []
    for i, section in enumerate(base):
        prefix = f"s-{i}-"
        prompts = []
        for j, prompt in enumerate(section.get("prompts", [])):
            p = f"{prefix}p-{j}-"
            if post.get(p + "remove") == "true":
                continue
            changed = dict(prompt)
            for attr in ("label", "hint", "error"):
                if p + attr in post:
                    changed[attr] = post.get(p + attr, "").strip()
            for attr in ("required", "show_when"):
                if post.get(p + attr):
                    changed[attr] = post.get(p + attr)
            prompts.append(changed)
        new = f"{prefix}new-"
        if (post.get(new + "label") or "").strip():
            added: dict[str, Any] = {
                "type": post.get(new + "type") or "text",
                "label": post.get(new + "label", "").strip(),
                "hint": post.get(new + "hint", "").strip(),
                "required": post.get(new + "required") or "optional",
                "show_when": post.get(new + "show_when") or "always",
                "error": post.get(new + "error", "").strip(),
            }
            if added["type"] != "guidance":
                added["field"] = post.get(new + "field", "").strip()
            prompts.append(added)
        sections.append(
            {
                **section,
                "title": post.get(prefix + "title", section.get("title", "")).strip(),
                "guidance": post.get(prefix + "guidance", section.get("guidance", "")).strip(),
                "prompts": prompts,
            }
        )
    return sections


def editor_choices() -> dict[str, Any]:
    return {
        "conditions": [(name, label) for name, (label, _) in CONDITIONS.items()],
        "new_types": [(name, PROMPT_TYPES[name]) for name in NEW_PROMPT_TYPES],
    }


# --- The word-level diff -----------------------------------------------------------------


@dataclass
class Segment:
    op: str  # "same", "removed" or "added"
    text: str


@dataclass
class DiffRow:
    what: str
    status: str  # "same", "changed", "added" or "removed"
    segments: list[Segment]


@dataclass
class SectionDiff:
    title: str
    status: str
    rows: list[DiffRow] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.status != "same" or any(row.status != "same" for row in self.rows)


def word_diff(old: str, new: str) -> list[Segment]:
    """Word by word, as a reader compares them: runs of unchanged, removed and added words."""
    a, b = (old or "").split(), (new or "").split()
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("same", " ".join(a[i1:i2])))
            continue
        if op in {"replace", "delete"}:
            segments.append(Segment("removed", " ".join(a[i1:i2])))
        if op in {"replace", "insert"}:
            segments.append(Segment("added", " ".join(b[j1:j2])))
    return segments


def _row(what: str, old: str, new: str) -> DiffRow:
    if old == new:
        return DiffRow(what, "same", [Segment("same", new)] if new else [])
    if not old:
        return DiffRow(what, "added", [Segment("added", new)])
    if not new:
        return DiffRow(what, "removed", [Segment("removed", old)])
    return DiffRow(what, "changed", word_diff(old, new))


def _prompt_key(prompt: dict[str, Any], index: int) -> str:
    return prompt.get("field") or f"guidance:{prompt.get('label', index)}"


def _prompt_rows(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[DiffRow]:
    old, new = old or {}, new or {}
    what = "Guidance note" if (new or old).get("type") == "guidance" else "Question"
    rows = [
        _row(what, old.get("label", ""), new.get("label", "")),
        _row("Hint", old.get("hint", ""), new.get("hint", "")),
        _row("Message when missing", old.get("error", ""), new.get("error", "")),
    ]
    conditions = (
        (("show_when", "Shown"),) if what == "Guidance note" else (("required", "Required"), ("show_when", "Shown"))
    )
    for attr, label in conditions:
        before = CONDITIONS.get(old.get(attr, ""), ("",))[0] if old else ""
        after = CONDITIONS.get(new.get(attr, ""), ("",))[0] if new else ""
        rows.append(_row(label, before, after))
    return [row for row in rows if row.segments]


def prompt_set_diff(old_sections: list[dict[str, Any]], new_sections: list[dict[str, Any]]) -> list[SectionDiff]:
    """Section by section (matched by key) and question by question (matched by field)."""
    old_by_key = {s["key"]: s for s in old_sections}
    new_keys = {s["key"] for s in new_sections}
    ordered = [(s["key"], old_by_key.get(s["key"]), s) for s in new_sections]
    ordered += [(s["key"], s, None) for s in old_sections if s["key"] not in new_keys]
    result = []
    for _key, old, new in ordered:
        status = "same" if old and new else ("added" if new else "removed")
        diff = SectionDiff(title=(new or old or {}).get("title", ""), status=status)
        diff.rows.append(_row("Section title", (old or {}).get("title", ""), (new or {}).get("title", "")))
        diff.rows.append(_row("Guidance", (old or {}).get("guidance", ""), (new or {}).get("guidance", "")))
        old_prompts = {_prompt_key(p, i): p for i, p in enumerate((old or {}).get("prompts", []))}
        new_prompts = [(_prompt_key(p, i), p) for i, p in enumerate((new or {}).get("prompts", []))]
        seen = set()
        for key, prompt in new_prompts:
            seen.add(key)
            diff.rows.extend(_prompt_rows(old_prompts.get(key), prompt))
        for key, prompt in old_prompts.items():
            if key not in seen:
                diff.rows.extend(_prompt_rows(prompt, None))
        result.append(diff)
    return result


def diff_as_text(diff: list[SectionDiff]) -> str:
    """The changes only, for the email: [-removed words-] {+added words+}."""
    lines: list[str] = []
    for section in diff:
        if not section.changed:
            continue
        lines.append(
            f"{section.title}{' (new section)' if section.status == 'added' else ''}"
            f"{' (section removed)' if section.status == 'removed' else ''}"
        )
        for row in section.rows:
            if row.status == "same":
                continue
            text = " ".join(
                s.text if s.op == "same" else (f"[-{s.text}-]" if s.op == "removed" else f"{{+{s.text}+}}")
                for s in row.segments
            )
            lines.append(f"  {row.what}: {text}")
        lines.append("")
    return "\n".join(lines).strip() or "No change to the wording."


def previous_published(prompt_set: PromptSet) -> PromptSet | None:
    return (
        PromptSet.objects.filter(
            family=prompt_set.family, status=PromptSetStatus.PUBLISHED, version__lt=prompt_set.version
        )
        .order_by("-version")
        .first()
    )


def current_published(family: str) -> PromptSet | None:
    return PromptSet.objects.filter(family=family, status=PromptSetStatus.PUBLISHED).order_by("-version").first()


# --- Telling staff, and their acknowledgement -----------------------------------------


def staff_to_tell(team: Team | None = None) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True, role__in=STAFF_ROLES).select_related("team").order_by("username")
    return qs.filter(team=team) if team is not None else qs


def _published_email(prompt_set: PromptSet, user: User, *, body_diff: str, reminder: bool) -> tuple[str, str]:
    when = timezone.localtime(prompt_set.published_at).strftime("%d/%m/%Y %H:%M") if prompt_set.published_at else ""
    subject = (
        f"{'Reminder: please acknowledge' if reminder else 'New'} THRIVE-SP guidance: "
        f"{prompt_set.name} version {prompt_set.version}"
    )
    body = (
        f"Dear {user.display_name},\n\n"
        f"{prompt_set.name} version {prompt_set.version} of the assessment prompts was published {when}. "
        "New assessments use it from now on; a draft you started before keeps its wording until you submit it.\n\n"
        f"What changed, in the trainer's words:\n{prompt_set.change_summary}\n\n"
        f"The changes, word by word ([-removed-] {{+added+}}):\n{body_diff}\n\n"
        "Please sign in to THRIVE-SP and acknowledge the new guidance from the banner on your home page.\n"
    )
    return subject, body


def _body_diff(prompt_set: PromptSet) -> str:
    previous = previous_published(prompt_set)
    return diff_as_text(prompt_set_diff(previous.sections if previous else [], prompt_set.sections))


def wording_emails_queue(*, prompt_set: PromptSet, now: datetime | None = None) -> int:
    """Queue one email to every active handler and supervisor with the change summary and
    the diff, in the caller's transaction, and record that each was told.

    Idempotent: each member's email has the dedupe key of this version and this person, so
    queuing again (a retried task from before the outbox) writes nothing. Returns how many
    were new."""
    if prompt_set.status != PromptSetStatus.PUBLISHED:
        return 0
    now = now or timezone.now()
    body_diff = _body_diff(prompt_set)
    staff = list(staff_to_tell().exclude(email=""))
    messages = []
    for user in staff:
        subject, body = _published_email(prompt_set, user, body_diff=body_diff, reminder=False)
        messages.append(
            Outgoing(
                to=user.email, subject=subject, body=body, dedupe_key=f"wording_published:{prompt_set.pk}:{user.pk}"
            )
        )
    WordingAcknowledgement.objects.bulk_create(
        [WordingAcknowledgement(prompt_set=prompt_set, user=user, emailed_at=now) for user in staff],
        ignore_conflicts=True,
    )
    return email_queue(kind="wording_published", topic=f"prompt_set:{prompt_set.pk}", messages=messages)


def wording_email_staff(*, prompt_set_id: int) -> int:
    """The task of the same name, for messages queued before the outbox: queues (idempotently)."""
    return wording_emails_queue(prompt_set=PromptSet.objects.get(pk=prompt_set_id))


def wording_remind(*, prompt_set_id: int, team_id: int | None = None, now: datetime | None = None) -> int:
    """Queue a reminder to those who have not yet acknowledged the version (of one team, or
    all), in the caller's transaction. Each press of the button is its own reminder."""
    prompt_set = PromptSet.objects.get(pk=prompt_set_id)
    now = now or timezone.now()
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    acknowledged = WordingAcknowledgement.objects.filter(prompt_set=prompt_set, acknowledged_at__isnull=False).values(
        "user_id"
    )
    body_diff = _body_diff(prompt_set)
    batch = uuid.uuid4().hex
    messages = []
    with transaction.atomic():
        for user in staff_to_tell(team).exclude(pk__in=acknowledged).exclude(email=""):
            WordingAcknowledgement.objects.update_or_create(
                prompt_set=prompt_set, user=user, defaults={"reminded_at": now}
            )
            subject, body = _published_email(prompt_set, user, body_diff=body_diff, reminder=True)
            messages.append(
                Outgoing(
                    to=user.email,
                    subject=subject,
                    body=body,
                    dedupe_key=f"wording_reminder:{prompt_set.pk}:{user.pk}:{batch}",
                )
            )
        return email_queue(kind="wording_reminder", topic=f"prompt_set:{prompt_set.pk}", messages=messages)


def wording_acknowledge(*, user: User, prompt_set: PromptSet) -> WordingAcknowledgement:
    """The member of staff has read this published version. Idempotent: the first time counts."""
    if prompt_set.status != PromptSetStatus.PUBLISHED:
        raise Blocked("not_published", "Only published guidance can be acknowledged.")
    row, _ = WordingAcknowledgement.objects.get_or_create(prompt_set=prompt_set, user=user)
    if row.acknowledged_at is None:
        WordingAcknowledgement.objects.filter(pk=row.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now()
        )
        row.refresh_from_db()
    return row


def acknowledgement_due(user: User) -> PromptSet | None:
    """The current version when this member of staff has not acknowledged it yet (for the
    banner). One query: the current version with whether this user's row is acknowledged."""
    if not getattr(user, "is_authenticated", False) or user.role not in STAFF_ROLES:
        return None
    current = (
        PromptSet.objects.filter(family=force_family_expression(), status=PromptSetStatus.PUBLISHED)
        .annotate(
            acked=Subquery(
                WordingAcknowledgement.objects.filter(
                    prompt_set=OuterRef("pk"), user=user, acknowledged_at__isnull=False
                ).values("acknowledged_at")[:1]
            )
        )
        .order_by("-version")
        .first()
    )
    if current is None or current.acked is not None:
        return None
    return current


@dataclass
class TeamTraining:
    team: str
    acknowledged: list[User]
    not_yet: list[User]
    team_id: int | None = None

    @property
    def total(self) -> int:
        return len(self.acknowledged) + len(self.not_yet)

    @property
    def percent(self) -> int:
        """Whole percent, for the bar's width and its label."""
        return round(100 * len(self.acknowledged) / self.total) if self.total else 0


def trained_by_team(prompt_set: PromptSet) -> list[TeamTraining]:
    """Per team, who has acknowledged this version and who has not yet. Two queries."""
    acked = set(
        WordingAcknowledgement.objects.filter(prompt_set=prompt_set, acknowledged_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    teams: dict[str, TeamTraining] = {}
    for user in staff_to_tell():
        name = user.team.name if user.team else "No team"
        row = teams.setdefault(name, TeamTraining(team=name, acknowledged=[], not_yet=[], team_id=user.team_id))
        (row.acknowledged if user.pk in acked else row.not_yet).append(user)
    return [teams[name] for name in sorted(teams)]


def published_versions(family: str) -> QuerySet[PromptSet]:
    return PromptSet.objects.filter(family=family, status=PromptSetStatus.PUBLISHED).order_by("-version")


def family_versions() -> list[dict[str, Any]]:
    """Every family with its newest version number, for the editor's overview."""
    return list(PromptSet.objects.values("family").annotate(top=Max("version")).order_by("family"))
