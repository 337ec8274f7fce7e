from django.urls import path

from thrive import views

app_name = "thrive"

urlpatterns = [
    path("incidents/<str:reference>/assessment/", views.assessment_form, name="assessment-form"),
    path("incidents/<str:reference>/assessment/autosave/", views.assessment_autosave, name="assessment-autosave"),
    path("incidents/<str:reference>/assessment/submit/", views.assessment_submit, name="assessment-submit"),
    path(
        "incidents/<str:reference>/assessment/v<int:version>/",
        views.assessment_version,
        name="assessment-version",
    ),
    path("prompt-wording/", views.prompt_set_current_page, name="prompt-set-current"),
]
