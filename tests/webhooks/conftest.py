"""Webhook fixtures: see tests/webhooks/support.py."""

from tests.webhooks.support import (  # noqa: F401 (fixtures)
    _webhook_worker,
    idle_queue,
    receiver,
    receiver_server,
    webhook_worker,
)
