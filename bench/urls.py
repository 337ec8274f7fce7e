"""The product's URLs plus the benchmark's references, under /__bench__/ (bench settings only)."""

from django.urls import path

from bench import views
from config.urls import urlpatterns as product

urlpatterns = [
    path("__bench__/bare/", views.bare_page),
    path("__bench__/insert/", views.bare_insert),
    path("__bench__/signed/", views.bare_signed),
    *product,
]
