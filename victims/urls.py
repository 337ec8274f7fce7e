from django.urls import path

from victims import views

app_name = "victims"

urlpatterns = [
    path("incidents/<ref:reference>/link/", views.victim_link_page, name="victim-link"),
    path("incidents/<ref:reference>/texts/", views.incident_texts_fragment, name="incident-texts"),
    path("incidents/<ref:reference>/texts/all/", views.incident_texts_page, name="incident-texts-all"),
    path("<int:pk>/", views.victim_check_page, name="victim-check"),
    path("<int:pk>/victims-code/", views.victim_code_page, name="victim-code"),
    path("advice/", views.advice_list_page, name="advice-list"),
    path("advice/<int:pk>/", views.advice_edit_page, name="advice-edit"),
]
