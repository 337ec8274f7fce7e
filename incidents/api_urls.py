from django.urls import path

from incidents import api

urlpatterns = [
    path("incidents/", api.incidents, name="incident-list"),
    path("incidents/<ref:reference>/", api.incident, name="incident-detail"),
    path("incidents/<ref:reference>/close/", api.incident_close_api, name="incident-close"),
    path("incidents/<ref:reference>/assessments/", api.incident_assessments, name="incident-assessments"),
    path("assessments/<int:pk>/", api.assessment, name="assessment-detail"),
]
