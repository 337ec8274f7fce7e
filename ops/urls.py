from django.urls import path

from ops import health, metrics, views

app_name = "ops"

urlpatterns = [
    # For load balancers and compose (no sign-in; JSON naming checks, never people).
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    # For Prometheus: a bearer token and/or a network rule (ops/metrics.py).
    path("metrics", metrics.metrics, name="metrics"),
    # The administrators' operations page.
    path("ops/", views.overview, name="overview"),
    path("ops/texts/<int:pk>/retry/", views.text_retry, name="text-retry"),
    path("ops/webhooks/<int:pk>/retry/", views.webhook_retry, name="webhook-retry"),
    path("ops/lockouts/<int:pk>/clear/", views.lockout_clear, name="lockout-clear"),
]
