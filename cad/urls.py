# The deep link the CAD's screen opens: /cad/{cad_ref}/ (API.md).
from django.urls import path

from cad import views

app_name = "cad"

urlpatterns = [
    path("<cadref:cad_ref>/", views.cad_deep_link, name="deep-link"),
]
