from django.urls import path

from webhooks import api

urlpatterns = [
    path("webhooks/", api.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/", api.webhook_detail, name="webhook"),
    path("webhooks/<int:pk>/deliveries/", api.webhook_deliveries, name="webhook-deliveries"),
]
