from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

# The role a CAD adapter's account holds (accounts.roles, issue 16): never a person, so it
# never signs in through single sign-on, and under SSO_ONLY keeps only its API password.
INTEGRATION_ROLE = "integration"


def password_sign_in_allowed(user: Any, *, api: bool) -> bool:
    """Whether `user` may sign in with a password: the sign-in page, the admin's and the API
    token endpoint all reach this through StaffBackend.

    Always, unless SSO_ONLY is set. Under SSO_ONLY: the accounts named in
    BREAK_GLASS_USERNAMES (anywhere), and integration accounts at the API only (a CAD adapter
    has no force account; it keeps getting its token with its password)."""
    if not settings.SSO_ONLY:
        return True
    if user.get_username() in settings.BREAK_GLASS_USERNAMES:
        return True
    return api and getattr(user, "role", None) == INTEGRATION_ROLE


class StaffBackend(ModelBackend):
    """Django's password backend, reading the signed-in member of staff with their team: the
    header shows the team on every page, so it comes in the same query as the user."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None
        # Checked after the password, so a refused account answers exactly as a wrong
        # password does (and is counted as a failure): no oracle for either.
        api = request is not None and request.path_info.startswith("/api/")
        return user if password_sign_in_allowed(user, api=api) else None

    def get_user(self, user_id: Any) -> Any:
        from accounts.models import User

        user = User._default_manager.select_related("team").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
