from django.urls import path

from victims import api

urlpatterns = [
    path("incidents/<ref:reference>/victims/", api.incident_victims, name="incident-victims"),
    path("incidents/<ref:reference>/texts/", api.incident_texts, name="incident-texts"),
    path("victims/<int:pk>/outcome/", api.victim_outcome, name="victim-outcome"),
    path("victims/<int:pk>/victims-code/", api.victim_victims_code, name="victim-victims-code"),
    path("texts/receipts/", api.notify_receipt, name="text-receipt"),
]
