from django.urls import path

from qa import api, views

app_name = "qa"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reviews/", views.drilldown, name="drilldown"),
    path("compliance/", views.compliance, name="compliance"),
    path("export.csv", api.export_csv, name="export-csv"),
    path("export.xlsx", api.export_xlsx, name="export-xlsx"),
    path("samples/", views.sample_list, name="sample-list"),
    path("samples/new/", views.sample_create, name="sample-create"),
    path("samples/<int:sample_id>/", views.sample_detail, name="sample-detail"),
    path("samples/<int:sample_id>/withdraw/", views.sample_withdraw_page, name="sample-withdraw"),
    path("items/<int:item_id>/review/", views.item_review, name="item-review"),
    path("feedback/", views.feedback_list, name="feedback-list"),
    path("feedback/<int:review_id>/acknowledge/", views.feedback_acknowledge, name="feedback-acknowledge"),
    path("feedback/<int:review_id>/dispute/", views.feedback_dispute, name="feedback-dispute"),
    path("disputes/", views.dispute_list, name="dispute-list"),
    path("disputes/<int:dispute_id>/uphold/", views.dispute_uphold, name="dispute-uphold"),
    path("disputes/<int:dispute_id>/change/", views.dispute_change, name="dispute-change"),
]
