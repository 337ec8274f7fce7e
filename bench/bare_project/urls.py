from django.urls import path

from bench.bare_project import views

urlpatterns = [path("__bench__/signed/", views.bare_signed)]
