from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list_page, name="incident-list"),
    path("new/", views.incident_create_page, name="incident-create"),
    path("<ref:reference>/", views.incident_detail_page, name="incident-detail"),
    path("<ref:reference>/close/", views.incident_close_page, name="incident-close"),
    path("<ref:reference>/notes/", views.incident_note_page, name="incident-note"),
    path("<ref:reference>/grading/", views.incident_grading_page, name="incident-grading"),
]
