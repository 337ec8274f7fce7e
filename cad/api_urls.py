# API.md "Command-and-control (CAD) integration", under /api/cad/. A CAD reference may hold a
# slash, so the routes that end in closure/ and close/ come before the bare reference.
from django.urls import path

from cad import api

urlpatterns = [
    path("incidents/<cadref:cad_ref>/closure/", api.cad_incident_closure, name="cad-incident-closure"),
    path("incidents/<cadref:cad_ref>/close/", api.cad_incident_close, name="cad-incident-close"),
    path("incidents/<cadref:cad_ref>/", api.cad_incident_detail, name="cad-incident-detail"),
]
