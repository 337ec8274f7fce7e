# The incident pages under /incidents/, in the "incidents" namespace as before: the list and
# creation are incidents' own; the log page and its forms compose several apps (casework.views).
from django.urls import path

from casework import views
from incidents import views as incidents_views
from incidents import views_handover

app_name = "incidents"

urlpatterns = [
    path("", incidents_views.incident_list_page, name="incident-list"),
    path("new/", incidents_views.incident_create_page, name="incident-create"),
    # Before the reference route, which would take "handover" for a reference.
    path("handover/", views_handover.handover_page, name="incident-handover"),
    path("<ref:reference>/", views.incident_detail_page, name="incident-detail"),
    path("<ref:reference>/log/", views.incident_log_page, name="incident-log"),
    path("<ref:reference>/versions/", views.incident_versions_page, name="incident-versions"),
    path("<ref:reference>/close/", views.incident_close_page, name="incident-close"),
    path("<ref:reference>/notes/", views.incident_note_page, name="incident-note"),
    path("<ref:reference>/grading/", views.incident_grading_page, name="incident-grading"),
    path("<ref:reference>/reopen/", views_handover.reopen_page, name="incident-reopen"),
]
