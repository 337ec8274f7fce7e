from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.roles import is_integration

SSO_ONLY_INVALID_LOGIN = (
    "Enter a correct username and password. Only the emergency administrator accounts sign in with "
    "a password: everyone else uses “Sign in with your force account”."
)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is not active. Ask an administrator.",
        "integration": "This is a CAD integration account. It connects the command-and-control system "
        "through the API with a token and cannot sign in to these pages.",
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if is_integration(user):
            raise ValidationError(self.error_messages["integration"], code="integration")

    def get_invalid_login_error(self) -> ValidationError:
        # Under SSO_ONLY a refused account and a wrong password answer alike
        # (accounts.backends.password_sign_in_allowed); the message says why either may be.
        if settings.SSO_ONLY:
            return ValidationError(SSO_ONLY_INVALID_LOGIN, code="invalid_login")
        return super().get_invalid_login_error()
