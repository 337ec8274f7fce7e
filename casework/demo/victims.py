"""Demo victims and texts for seed_demo: repeat victims (by phone, by name and date of
birth), a household typed two ways, the advice library, and texts in every state.

Everything goes through victims.services, as the pages would."""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.conf import settings

from casework.services import assessment_record
from incidents.models import Incident, Status
from victims.advice import advice_seed_defaults
from victims.models import RepeatOutcome, Text, TextStatus, Victim
from victims.services import victim_link, victim_record_outcome
from victims.texts import text_receipt
from victims.victims_code import victims_code_applies, victims_code_record

# Ofcom's drama numbers (07700 900xxx) and made-up people: nothing here is anyone's.
REPEATS = [
    {
        "name": "Sarah Jones",
        "date_of_birth": date(1984, 2, 11),
        "phone": "07700 900201",
        "address": "Flat 4, Mill Court",
        "postcode": "LS1 4AB",
    },
    {"name": "David Brown", "date_of_birth": date(1975, 9, 30), "phone": "", "address": "", "postcode": ""},
    {
        "name": "Tom Hughes",
        "date_of_birth": date(1961, 6, 3),
        "phone": "01632 960441",
        "address": "12 Elm Road",
        "postcode": "CF10 1AA",
    },
]
# The same household as Tom Hughes, typed the way a second handler might.
HOUSEHOLD = {
    "name": "Mary Hughes",
    "date_of_birth": date(1963, 1, 22),
    "phone": "",
    "address": "12 elm rd.",
    "postcode": "cf101aa",
}
FIRST = ["Alice", "Bilal", "Carys", "Deepak", "Erin", "Femi", "Gwen", "Hamza", "Iris", "Jamal", "Kirsty", "Liam"]
LAST = ["Ahmed", "Baker", "Campbell", "Doyle", "Edwards", "Fraser", "Griffiths", "Hall", "Iqbal", "Jenkins"]


@contextmanager
def _left_queued() -> Iterator[None]:
    """In the embedded demo tasks run in-process, so every text is sent at once. For one
    demo text, publish to the in-memory broker instead, where nothing consumes it: the
    text stays queued, as after a broker outage, until a worker's sweep sends it."""
    from config.celery import app

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        yield  # a real broker and no worker yet: the text is queued anyway
        return
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = True


def seed_demo(*, rng: random.Random, now: datetime) -> None:
    advice_seed_defaults()
    incidents = list(Incident.objects.select_related("handler").order_by("opened_at"))
    if not incidents:
        return
    _victims(rng, incidents)
    _texts(rng, incidents, now)


def _victims(rng: random.Random, incidents: list[Incident]) -> None:
    """About a third of incidents get a victim; the repeat people come back every so often,
    and the newest open incidents include a repeat, so the demo shows matches at once."""
    newest_open = [i for i in reversed(incidents) if i.status == Status.OPEN][:3]
    for index, incident in enumerate(incidents):
        if incident in newest_open:
            continue
        if index % 11 == 0:
            person = REPEATS[(index // 11) % len(REPEATS)]
        elif index % 37 == 5:
            person = HOUSEHOLD
        elif rng.random() < 0.3:
            person = {
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "date_of_birth": date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)),
                "phone": f"07700 900{rng.randint(300, 999):03d}",
                "address": f"{rng.randint(1, 200)} {rng.choice(['High Street', 'Church Lane', 'Park Road'])}",
                "postcode": rng.choice(["LS2 7EW", "M1 1AE", "B33 8TH", "CF10 3NQ"]),
            }
        else:
            continue
        _link(rng, incident, person)
    for incident, person in zip(newest_open, [REPEATS[0], HOUSEHOLD, REPEATS[1]], strict=False):
        _link(rng, incident, person, outcome=False)


def _link(rng: random.Random, incident: Incident, person: dict, *, outcome: bool = True) -> None:
    victim = victim_link(incident=incident, actor=incident.handler, **person)
    if outcome and rng.random() < 0.8:
        victim_record_outcome(
            victim=victim,
            actor=incident.handler,
            outcome=RepeatOutcome.REPEAT if victim.check_matches else RepeatOutcome.NOT_REPEAT,
            household_note="Partner lives at the address; no children." if victim.household_key else "",
        )
    _victims_code(victim)


def _victims_code(victim: Victim) -> None:
    """Rule 14 on the demo's victims of crime, by the victim's id (the demo's random stream
    is left as it was): one in four not recorded, one in four not offered the written
    acknowledgement, the rest all three given."""
    if not victims_code_applies(victim) or victim.pk % 4 == 0:
        return
    victims_code_record(
        victim=victim,
        actor=victim.incident.handler,
        told_what_happens_next="yes",
        written_acknowledgement_offered="no" if victim.pk % 4 == 1 else "yes",
        support_information="yes",
    )


def _texts(rng: random.Random, incidents: list[Incident], now: datetime) -> None:
    """Most sent texts delivered, a few failed (one recently, for its handler's home page),
    and one left queued on an open incident."""
    sent = list(Text.objects.filter(status=TextStatus.SENT).order_by("created_at"))
    for text in sent[:-3]:
        status = "delivered" if rng.random() < 0.9 else "permanent-failure"
        text_receipt(reference=str(text.pk), provider_status=status)
    for text in sent[-3:-1]:
        text_receipt(reference=str(text.pk), provider_status="temporary-failure")
    open_incident = next((i for i in reversed(incidents) if i.status == Status.OPEN), None)
    if open_incident is None:
        return
    latest = open_incident.assessments.filter(status="submitted").order_by("-version").first()
    if latest is None:
        return
    answers = dict(latest.answers)
    answers["prevention"] = {
        **answers.get("prevention", {}),
        "send_link": True,
        "safe_to_text_confirmed": True,
        "phone": "07700 900201",
        "link_not_sent_reason": "",
    }
    with _left_queued():
        assessment_record(
            incident=open_incident, author=open_incident.handler, data=answers, submit=True, channel="command"
        )
