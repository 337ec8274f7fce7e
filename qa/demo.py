"""Demo QA data: six past months of dip samples, graded through the services, improving
month by month so the dashboard shows a trend on first run."""

import random
from datetime import datetime

from django.utils import timezone

from accounts.models import Role, User
from qa.models import Check, Grade, LearningTheme, Sample
from qa.rules import local_month, month_add
from qa.services import review_record, sample_draw

THEMES = [
    "Voice of the child",
    "Hidden vulnerability",
    "Scene preservation advice",
    "Repeat caller",
    "Crime prevention",
]


def _grade(rng: random.Random, good_chance: float) -> str:
    roll = rng.random()
    if roll < 0.05:
        return Grade.NOT_APPLICABLE
    if roll < 0.05 + good_chance:
        return rng.choice([Grade.GOOD, Grade.GOOD, Grade.OUTSTANDING])
    return rng.choice([Grade.REQUIRES_IMPROVEMENT, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE])


def seed_demo(*, seed: int = 2026, months: int = 6, now: datetime | None = None) -> int:
    """Draw and grade each team's sample for the past `months` months. Idempotent: a month
    and team already sampled is left alone. Returns the number of reviews written."""
    rng = random.Random(seed)  # noqa: S311 - demo data
    now = now or timezone.now()
    themes = [LearningTheme.objects.get_or_create(name=name)[0] for name in THEMES]
    written = 0
    for supervisor in User.objects.filter(role=Role.SUPERVISOR, team__isnull=False).order_by("username"):
        for back in range(months, 0, -1):
            month = month_add(local_month(now), -back)
            if Sample.objects.filter(month=month, team=supervisor.team, withdrawn_at__isnull=True).exists():
                continue
            sample = sample_draw(actor=supervisor, month=month, per_handler=3, seed=seed + back, team=supervisor.team)
            progress = (months - back) / max(months - 1, 1)  # 0 for the oldest month, 1 for the newest
            for item in sample.items.all():
                review_record(
                    item=item,
                    reviewer=supervisor,
                    data={
                        "vulnerability": _grade(rng, 0.45 + 0.2 * progress),
                        "prevention": _grade(rng, 0.65 + 0.1 * progress),
                        "preservation": _grade(rng, 0.65 + 0.08 * progress),
                        "repeat_victim_check": (
                            Check.YES
                            if rng.random() < 0.7 + 0.15 * progress
                            else rng.choice([Check.NO, Check.NOT_APPLICABLE])
                        ),
                        "feedback": rng.choice(
                            [
                                "Clear rationale for the grading. Ask about others in the household next time.",
                                "Good scene preservation advice; prevention advice was generic.",
                                "Vulnerability not explored: the caller mentioned living alone.",
                                "Excellent: voice of the child recorded in the caller's words.",
                            ]
                        ),
                        "good_practice": rng.random() < 0.12,
                        "themes": [t.pk for t in rng.sample(themes, k=rng.choice([0, 1, 1, 2]))],
                    },
                )
                written += 1
    return written
