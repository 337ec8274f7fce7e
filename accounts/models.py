from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    CALL_HANDLER = "call_handler", "Call handler"
    SUPERVISOR = "supervisor", "Supervisor"
    TRAINER = "trainer", "Trainer"
    ANALYST = "analyst", "Analyst"
    ADMIN = "admin", "Administrator"
    # A force's command-and-control (CAD) adapter: an API account with a token, never a
    # person at a page (API.md "Command-and-control (CAD) integration").
    INTEGRATION = "integration", "CAD integration"


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. The role decides what they see; it is mirrored in a group that
    carries the Django permissions (accounts.roles keeps the two in step)."""

    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CALL_HANDLER)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members")

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_handler(self) -> bool:
        return self.role == Role.CALL_HANDLER

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_trainer(self) -> bool:
        return self.role == Role.TRAINER

    @property
    def is_analyst(self) -> bool:
        return self.role == Role.ANALYST

    @property
    def is_integration(self) -> bool:
        return self.role == Role.INTEGRATION

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser
