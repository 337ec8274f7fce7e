"""What the QA pages share."""

from typing import Any

from accounts.models import Role


def is_admin(user: Any) -> bool:
    return user.is_superuser or user.role == Role.ADMIN
