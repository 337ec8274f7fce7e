"""Every write to staff and teams."""

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import Role, Team, User

STAFF_CSV_HEADER = ["username", "full_name", "email", "role", "team", "password"]


def staff_set_role(*, user: User, role: str) -> None:
    """The only way a role changes: the field and the group move together."""
    user.role = role
    user.is_staff = role == Role.ADMIN or user.is_superuser
    user.save(update_fields=["role", "is_staff"])
    role_groups = Group.objects.filter(name__in=Role.labels)
    user.groups.remove(*role_groups)
    group, _ = Group.objects.get_or_create(name=Role(role).label)
    user.groups.add(group)


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class _StaffRow:
    line: int
    username: str
    full_name: str
    email: str
    role: str
    team: str
    password: str


def _parse_staff_rows(text: str, errors: list[str]) -> list[_StaffRow]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        errors.append("line 1: the file is empty; expected the header " + ",".join(STAFF_CSV_HEADER))
        return []
    header = [h.strip().lower() for h in header]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0].lstrip("\ufeff")
    if header != STAFF_CSV_HEADER:
        errors.append(f"line 1: the header must be {','.join(STAFF_CSV_HEADER)} (found {','.join(header)})")
        return []
    rows: list[_StaffRow] = []
    seen: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(STAFF_CSV_HEADER):
            errors.append(f"line {line}: expected 6 columns, found {len(values)}")
            continue
        username, full_name, email, role, team, password = (v.strip() for v in values)
        problems = []
        if not username:
            problems.append("username is empty")
        elif len(username) > 150:
            problems.append("username is longer than 150 characters")
        elif username in seen:
            problems.append(f"username {username!r} already appears on line {seen[username]}")
        if role not in Role.values:
            problems.append(f"role {role!r} is not one of {', '.join(Role.values)}")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(f"email {email!r} is not a valid address")
        if len(full_name) > 150:
            problems.append("full_name is longer than 150 characters")
        if len(team) > 100:
            problems.append("team is longer than 100 characters")
        if problems:
            errors.append(f"line {line}: " + "; ".join(problems))
            continue
        seen[username] = line
        rows.append(_StaffRow(line, username, full_name, email, role, team, password))
    return rows


def _staff_state(user: User, *, role: str | None = None) -> tuple[object, ...]:
    """What a staff CSV row sets, to tell an unchanged row from an update."""
    role_groups = sorted(user.groups.filter(name__in=Role.labels).values_list("name", flat=True))
    if role is not None:
        role_groups = [Role(role).label]
    return (user.full_name, user.email, user.team_id, user.is_active, role or user.role, role_groups)


def staff_import(*, text: str) -> ImportResult:
    """Create or update staff from the CSV in API.md. All or nothing: any bad row and
    nothing is written; the errors name each bad line. Re-running the same file changes
    nothing (passwords are set again only when the row gives one that does not match)."""
    result = ImportResult()
    rows = _parse_staff_rows(text, result.errors)
    if result.errors:
        return result
    with transaction.atomic():
        for row in rows:
            team = None
            if row.team:
                team, _ = Team.objects.get_or_create(name=row.team)
            existing = User.objects.filter(username=row.username).first()
            created = existing is None
            before = None if existing is None else _staff_state(existing)
            user = existing or User(username=row.username)
            user.full_name = row.full_name
            user.email = row.email
            user.team = team
            user.is_active = True
            password_set = False
            if row.password:
                if created or not user.check_password(row.password):
                    user.set_password(row.password)
                    password_set = True
            elif created:
                user.set_unusable_password()  # single sign-on account
            if not created and not password_set and before == _staff_state(user, role=row.role):
                # Idempotent: the same row again writes nothing and says so.
                result.unchanged.append(row.username)
                continue
            user.save()
            staff_set_role(user=user, role=row.role)
            (result.created if created else result.updated).append(row.username)
    return result
