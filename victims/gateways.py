"""Where texts leave the building. settings.TEXT_GATEWAY picks one:

- `console`: the embedded default. The text goes to the log (the service writes the
  incident timeline entry), nothing leaves the machine.
- `notify`: GOV.UK Notify through its official client; our text id is the reference, so a
  delivery receipt (victims.api.notify_callback) finds the text again.

A gateway returns the provider's id, or raises TemporaryFailure (try again later) or
PermanentFailure (never will work: the text fails now).
"""

import logging
import threading
from typing import Any, Protocol

from django.conf import settings

from victims.models import Text

logger = logging.getLogger(__name__)

NOTIFY_DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"
NOTIFY_TIMEOUT_SECONDS = 10
_clients = threading.local()


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


class Gateway(Protocol):
    name: str

    def send(self, text: Text) -> str: ...

    def find_sent(self, text: Text) -> str | None:
        """The provider's id for this text if the provider already has it (an earlier try
        reached it and its answer was lost), else None; TemporaryFailure when it cannot
        tell, so that nothing is sent blind."""
        ...


class ConsoleGateway:
    name = "console"

    def send(self, text: Text) -> str:
        # Never the number: no victim's details in the logs (docs/DEPLOYMENT.md "Logs").
        logger.warning("TEXT (console gateway) %s: %s", text.pk, text.body)
        return f"console-{text.pk}"

    def find_sent(self, text: Text) -> str | None:
        return None  # nothing leaves the machine, so nothing can arrive twice


class NotifyGateway:
    name = "notify"

    def _client(self) -> Any:
        from notifications_python_client.notifications import NotificationsAPIClient

        if not settings.NOTIFY_API_KEY or not settings.NOTIFY_TEMPLATE_ID:
            raise PermanentFailure("GOV.UK Notify is not configured (NOTIFY_API_KEY, NOTIFY_TEMPLATE_ID).")
        # The client (its requests.Session, so its open HTTPS connections) is kept per thread:
        # Notify's client is not thread-safe, and a new one per text would open a new
        # connection, with its TLS handshake, for every text.
        config = (settings.NOTIFY_API_KEY, settings.NOTIFY_BASE_URL or NOTIFY_DEFAULT_BASE_URL)
        client = getattr(_clients, "client", None)
        if client is None or getattr(_clients, "config", None) != config:
            try:
                client = NotificationsAPIClient(config[0], base_url=config[1], timeout=NOTIFY_TIMEOUT_SECONDS)
            except (AssertionError, ValueError) as exc:
                raise PermanentFailure(f"GOV.UK Notify key is not valid: {exc}") from exc
            old = getattr(_clients, "client", None)
            if old is not None:
                old.request_session.close()
            _clients.client, _clients.config = client, config
        return client

    def find_sent(self, text: Text) -> str | None:
        """Notify keeps our reference (the text's id) on each notification: ask for it. Any
        error is a TemporaryFailure: not knowing is no reason to send a second time."""
        from notifications_python_client.errors import APIError

        client = self._client()
        try:
            found = client.get_all_notifications(template_type="sms", reference=str(text.pk))
        except APIError as exc:
            raise TemporaryFailure(f"GOV.UK Notify {exc.status_code} when asked for text {text.pk}") from exc
        notifications = found.get("notifications") if isinstance(found, dict) else None
        if not notifications:
            return None
        return str(notifications[0].get("id") or "")

    def send(self, text: Text) -> str:
        from notifications_python_client.errors import APIError

        client = self._client()
        try:
            response = client.send_sms_notification(
                phone_number=text.phone,
                template_id=settings.NOTIFY_TEMPLATE_ID,
                personalisation={"message": text.body, "link": text.link, "incident": text.incident.reference},
                reference=str(text.pk),
            )
        except APIError as exc:
            if 200 <= exc.status_code < 300:
                # Accepted, but the answer did not parse: the text is on its way; sending it
                # again would send it twice.
                return ""
            # Notify's own advice: 429 and 5xx (and a request that never got an answer,
            # which the client reports as 503) may work later; any other 4xx never will.
            if exc.status_code == 429 or exc.status_code >= 500:
                raise TemporaryFailure(f"GOV.UK Notify {exc.status_code}: {exc.message}") from exc
            raise PermanentFailure(f"GOV.UK Notify {exc.status_code}: {exc.message}") from exc
        provider_id = response.get("id") if isinstance(response, dict) else None
        return str(provider_id or "")


def get_gateway() -> Gateway:
    return NotifyGateway() if settings.TEXT_GATEWAY == "notify" else ConsoleGateway()
