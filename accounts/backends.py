from typing import Any

from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Django's password backend, reading the signed-in member of staff with their team: the
    header shows the team on every page, so it comes in the same query as the user."""

    def get_user(self, user_id: Any) -> Any:
        from accounts.models import User

        user = User._default_manager.select_related("team").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
