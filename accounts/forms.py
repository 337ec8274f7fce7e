from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.roles import is_integration


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
