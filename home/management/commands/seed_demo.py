"""Demo data for a newcomer's first run: two teams, staff of every role, and a few hundred
incidents over the past six months, written through the same services the pages use."""

import random
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.services import staff_set_role
from casework.demo.victims import seed_demo as victims_seed_demo
from casework.demo.wording import seed_returns_and_wording
from casework.services import assessment_record, incident_close
from incidents.models import Category, Channel, Grading, Incident
from incidents.rules import rethrive_interval
from incidents.services import incident_add_note, incident_create
from qa.demo import seed_demo as qa_seed_demo

DEMO_PASSWORD = "thrive-demo-2026"  # noqa: S105 - printed for the demo, never a real account

STAFF = [
    ("handler1", "Amy Clarke", Role.CALL_HANDLER, "Blue Watch"),
    ("handler2", "Ben Okafor", Role.CALL_HANDLER, "Blue Watch"),
    ("handler3", "Chloe Davies", Role.CALL_HANDLER, "Blue Watch"),
    ("handler4", "Dan Hughes", Role.CALL_HANDLER, "Red Watch"),
    ("handler5", "Ella Singh", Role.CALL_HANDLER, "Red Watch"),
    ("handler6", "Finn Murphy", Role.CALL_HANDLER, "Red Watch"),
    ("supervisor1", "Grace Patel", Role.SUPERVISOR, "Blue Watch"),
    ("supervisor2", "Harry Evans", Role.SUPERVISOR, "Red Watch"),
    ("trainer1", "Isla Brown", Role.TRAINER, ""),
    ("analyst1", "Jack Wilson", Role.ANALYST, ""),
    ("analyst2", "Kara Lewis", Role.ANALYST, ""),
    ("admin1", "Leo Walker", Role.ADMIN, ""),
]

SUMMARIES = {
    "burglary_dwelling": ("Caller returned home to find the back door forced and jewellery taken.", "12 Elm Road"),
    "domestic_abuse": (
        "Caller reports her partner shouting and throwing items; two children at home.",
        "Flat 4, Mill Court",
    ),
    "theft": ("Bicycle stolen from outside the railway station.", "Station Approach"),
    "asb": ("Group of youths throwing stones at windows of the community centre.", "Park Lane community centre"),
    "concern_for_safety": ("Neighbour has not seen the elderly man next door for three days.", "3 Church Street"),
    "criminal_damage": ("Car windscreen smashed overnight.", "Oak Avenue car park"),
    "assault": ("Man punched outside a pub; suspect has left on foot.", "High Street"),
    "fraud": ("Caller paid £900 to someone posing as her bank.", "27 Victoria Road"),
    "vehicle_crime": ("Catalytic converter stolen from a parked van.", "Industrial Estate Unit 5"),
    "harassment": ("Ex-partner keeps turning up at the caller's workplace.", "Market Square"),
}


def _answers(category: str, rng: random.Random, *, children: bool) -> dict[str, Any]:
    yes = rng.random() < 0.5
    send_link = rng.random() < 0.6
    answers: dict[str, Any] = {
        "threat": "Suspect not present; no threats made to the caller since the call began.",
        "harm": "Caller shaken but uninjured. Property loss and distress.",
        "children_involved": children,
        "voice_of_child": "Caller says the children (6 and 9) heard the shouting and are frightened."
        if children
        else "",
        "risk": "Low likelihood of the suspect returning tonight; no history at the address.",
        "investigation": "CCTV on the street to be checked; house-to-house with neighbours.",
        "vulnerability": "Caller lives alone and is 78; no other vulnerability identified.",
        "engagement": "Caller told an officer will attend; given the reference number.",
        "scene_preservation": {
            "forensic_opportunities": "yes" if yes else "no",
            "evidence_retainable": "yes" if yes else "not_known",
            "csi_required": "yes" if yes and rng.random() < 0.5 else "no",
            "advice": "Asked the caller not to touch the door or window and to keep the room closed." if yes else "",
        },
        "prevention": {
            "advice": "Advised on locks for the back door, marking property and a timer for lights.",
            "send_link": send_link,
            "phone": "07700 900" + f"{rng.randint(0, 999):03d}" if send_link else "",
            "safe_to_text_confirmed": send_link,
            "link_not_sent_reason": "" if send_link else "Caller has no mobile phone.",
        },
        "risk_level": rng.choice(["standard", "standard", "medium", "high"]),
        "grading": rng.choice(Grading.values),
        "rationale": "Graded on the risk to the caller and the forensic opportunity, not on officer availability.",
    }
    if category == "domestic_abuse":
        answers["prevention"].update(
            send_link=False,
            phone="",
            safe_to_text_confirmed=False,
            link_not_sent_reason="Not safe to text: the suspect may see the victim's phone.",
        )
        answers["risk_level"] = "high"
    return answers


EXEMPT_REASONS = {
    "duplicate": "Duplicate of an earlier call about the same event.",
    "test_call": "Test call from the CAD supplier.",
    "abandoned_no_trace": "Abandoned call; the caller could not be traced.",
}


class Command(BaseCommand):
    help = "Load demo staff and incidents (once; --force to add more incidents)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incidents", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true")

    def handle(self, *args: Any, incidents: int, seed: int, force: bool, **options: Any) -> None:
        if User.objects.filter(username="handler1").exists() and not force:
            self.stdout.write("Demo data is already loaded.")
            self._print_logins()
            return
        rng = random.Random(seed)
        with transaction.atomic():
            staff = self._staff()
        handlers = [u for u in staff if u.role in {Role.CALL_HANDLER, Role.SUPERVISOR}]
        categories = list(Category.objects.filter(code__in=SUMMARIES))
        now = timezone.now()
        for index in range(incidents):
            # Spread over six months, busier in the evening, the newest few still open.
            age = timedelta(days=rng.uniform(0, 182)) if index >= 25 else timedelta(hours=rng.uniform(0.2, 9))
            opened = now - age
            opened = opened.replace(
                hour=rng.choice([8, 10, 13, 16, 18, 19, 20, 21, 22, 23]) if age.days else opened.hour
            )
            opened = min(opened, now - timedelta(minutes=5))
            self._incident(rng, handlers, categories, opened, now, index)
        self.stdout.write(self.style.SUCCESS(f"Loaded {incidents} demo incidents."))
        victims_seed_demo(rng=random.Random(seed), now=now)  # repeat victims, households, texts in every state
        qa_seed_demo(seed=seed)  # graded dip samples for the past six months: the QA dashboard's trend
        seed_returns_and_wording(self.stdout)  # returns; wording v2
        self._print_logins()

    def _staff(self) -> list[User]:
        staff = []
        for username, name, role, team_name in STAFF:
            team = Team.objects.get_or_create(name=team_name)[0] if team_name else None
            user, _ = User.objects.get_or_create(username=username)
            user.full_name, user.team, user.email = name, team, f"{username}@example-police.uk"
            user.is_superuser = role == Role.ADMIN
            user.set_password(DEMO_PASSWORD)
            user.save()
            staff_set_role(user=user, role=role)
            staff.append(user)
        return staff

    def _incident(
        self, rng: random.Random, handlers: list[User], categories: list[Category], opened: Any, now: Any, index: int
    ) -> None:
        handler = rng.choice(handlers)
        category = rng.choice(categories)
        summary, location = SUMMARIES[category.code]
        incident = incident_create(
            actor=handler,
            channel=rng.choice(Channel.values),
            category=category.code,
            grading=rng.choice(Grading.values),
            summary=summary,
            location=location,
            opened_at=opened,
        )
        kind = rng.random()
        if kind < 0.06 and index >= 25:
            code = rng.choice(["duplicate", "test_call", "abandoned_no_trace"])
            # The force's policy decides what each needs: an abandoned 999 call a risk
            # decision (the service keeps the call-backs only where the policy line asks).
            incident_close(
                incident=incident,
                actor=handler,
                closure_code=code,
                exemption_reason=EXEMPT_REASONS[code],
                callback_attempts=2,
                callback_outcome="Called back twice with no answer; no trace on checks, no risk identified.",
                closed_at=opened + timedelta(minutes=4),
            )
            return
        children = category.code == "domestic_abuse" or rng.random() < 0.1
        answers = _answers(category.code, rng, children=children)
        first = opened + timedelta(minutes=rng.randint(3, 12))
        if first >= now:
            assessment_record(incident=incident, author=handler, data=answers, submit=False)
            return
        assessment_record(
            incident=incident, author=handler, data=answers, submit=True, submitted_at=first, channel="command"
        )
        last = first
        if rng.random() < 0.25 and first + timedelta(hours=4) < now:
            # A re-THRIVE: circumstances changed, a second version.
            answers["risk"] = "Suspect seen back in the street; likelihood of return is now higher."
            answers["risk_level"] = "medium"
            last = first + timedelta(hours=3, minutes=rng.randint(0, 40))
            assessment_record(
                incident=incident, author=handler, data=answers, submit=True, submitted_at=last, channel="command"
            )
        if index < 25:
            if rng.random() < 0.5:
                incident_add_note(incident=incident, actor=handler, text="Caller rang back: no change.")
            return  # still open; some of these are overdue a re-THRIVE
        # Closed before the re-THRIVE falls due: a later close would need a fresh re-THRIVE
        # or a supervisor's decision (the closure gate).
        closed = min(last + timedelta(minutes=rng.randint(20, 600)), last + rethrive_interval(incident.grading))
        if closed < now:
            incident_close(
                incident=Incident.objects.get(pk=incident.pk),
                actor=handler,
                closure_code=rng.choice(["crime_recorded", "attended_resolved", "advice_given"]),
                closed_at=closed,
            )

    def _print_logins(self) -> None:
        self.stdout.write("\nDemo logins (password for every account: " + DEMO_PASSWORD + ")")
        for username, name, role, team in STAFF:
            self.stdout.write(f"  {username:<12} {Role(role).label:<13} {name}{', ' + team if team else ''}")
