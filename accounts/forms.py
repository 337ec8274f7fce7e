from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

SSO_ONLY_INVALID_LOGIN = (
    "Enter a correct username and password. Only the emergency administrator accounts sign in with "
    "a password: everyone else uses “Sign in with your force account”."
)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is not active. Ask an administrator.",
    }

    def get_invalid_login_error(self) -> ValidationError:
        # Under SSO_ONLY a refused account and a wrong password answer alike
        # (accounts.backends.password_sign_in_allowed); the message says why either may be.
        if settings.SSO_ONLY:
            return ValidationError(SSO_ONLY_INVALID_LOGIN, code="invalid_login")
        return super().get_invalid_login_error()
