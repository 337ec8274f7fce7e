from django.urls import path

from alerts import api

urlpatterns = [
    path("alerts/", api.alerts, name="alert-list"),
    path("alerts/<int:pk>/acknowledge/", api.acknowledge, name="alert-acknowledge"),
    path("alerts/<int:pk>/decision/", api.decision, name="alert-decision"),
]
