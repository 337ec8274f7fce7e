"""`/metrics` in the Prometheus text format.

The request counts and latencies by view are django-prometheus' (its middleware, in this
process's default registry, or every gunicorn worker's when PROMETHEUS_MULTIPROC_DIR is
set). The product's figures are read at scrape time by `ProductCollector`, from
ops.selectors: a fixed number of queries, whatever the size of the tables.

Access: a bearer token (METRICS_TOKEN) and/or the scraper's address in METRICS_ALLOWED_NETWORKS.
With neither set, /metrics is off (404)."""

import hmac
import ipaddress
import os
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from accounts.throttle import client_address
from ops import selectors


class ProductCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        texts = selectors.text_figures(now)
        by_status = GaugeMetricFamily("thrive_texts", "Prevention texts by status", labels=["status"])
        for status, count in sorted(texts.by_status.items()):
            by_status.add_metric([status], count)
        yield by_status
        yield GaugeMetricFamily(
            "thrive_oldest_queued_text_age_seconds",
            "Age of the oldest text still queued (0 when none)",
            value=texts.oldest_waiting_seconds,
        )
        events = selectors.webhook_event_figures(now)
        if events is not None:  # the webhook outbox, once installed
            family = GaugeMetricFamily("thrive_webhook_events", "Webhook events by status", labels=["status"])
            for status, count in sorted(events.by_status.items()):
                family.add_metric([status], count)
            yield family
            yield GaugeMetricFamily(
                "thrive_oldest_pending_webhook_event_age_seconds",
                "Age of the oldest webhook event still pending (0 when none)",
                value=events.oldest_waiting_seconds,
            )
        yield GaugeMetricFamily(
            "thrive_rethrive_overdue", "Open incidents overdue a re-THRIVE", value=selectors.rethrive_overdue_count(now)
        )
        yield GaugeMetricFamily(
            "thrive_login_lockouts", "Sign-in lockouts standing now", value=selectors.lockouts(now).count()
        )
        newest = selectors.workers_seen().first()
        yield GaugeMetricFamily(
            "thrive_worker_heartbeat_age_seconds",
            "Seconds since any Celery worker last wrote its heartbeat (-1: never)",
            value=(now - newest.last_seen).total_seconds() if newest else -1,
        )


def _process_metrics() -> bytes:
    """django-prometheus' request metrics: this process's, or all of gunicorn's workers'."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def product_metrics() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ProductCollector())
    return generate_latest(registry)


def _token_ok(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and bool(token) and hmac.compare_digest(token.strip(), settings.METRICS_TOKEN)


def _network_ok(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


def metrics_refusal(request: HttpRequest) -> HttpResponse | None:
    """The access rule: None to let the scrape in. Token and network together when both are
    set; either alone when only it is set; nobody when neither is."""
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_NETWORKS:
        return HttpResponse("Not found\n", status=404, content_type="text/plain")
    if settings.METRICS_ALLOWED_NETWORKS and not _network_ok(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    if settings.METRICS_TOKEN and not _token_ok(request):
        response = HttpResponse("A bearer token is needed\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return None


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    refused = metrics_refusal(request)
    if refused is not None:
        return refused
    return HttpResponse(_process_metrics() + product_metrics(), content_type=CONTENT_TYPE_LATEST)
