# The incident routes of API.md, exactly as before the split: the list and creation are
# incidents' own; the detail, closing and assessments compose several apps (casework.api).
from django.urls import path

from casework import api
from incidents import api as incidents_api

urlpatterns = [
    path("incidents/", incidents_api.incidents, name="incident-list"),
    # Before the reference route, which would take "handover" for a reference.
    path("incidents/handover/", incidents_api.incidents_handover, name="incident-handover"),
    path("incidents/<ref:reference>/", api.incident, name="incident-detail"),
    path("incidents/<ref:reference>/close/", api.incident_close_api, name="incident-close"),
    path("incidents/<ref:reference>/reopen/", incidents_api.incident_reopen_api, name="incident-reopen"),
    path("incidents/<ref:reference>/assessments/", api.incident_assessments, name="incident-assessments"),
    path("assessments/<int:pk>/", api.assessment, name="assessment-detail"),
]
