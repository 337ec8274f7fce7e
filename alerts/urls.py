from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("panel/", views.panel, name="panel"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/decision/", views.decide, name="decision"),
    path("watch/start/", views.watch_start_page, name="watch-start"),
    path("watch/end/", views.watch_end_page, name="watch-end"),
    path("report/", views.report, name="report"),
]
