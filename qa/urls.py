from django.urls import path

from qa import api
from qa.views import dashboard, exemptions, feedback, grading, samples

app_name = "qa"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("reviews/", dashboard.drilldown, name="drilldown"),
    path("compliance/", dashboard.compliance, name="compliance"),
    path("export.csv", api.export_csv, name="export-csv"),
    path("export.xlsx", api.export_xlsx, name="export-xlsx"),
    path("victims-code.csv", api.victims_code_csv_export, name="victims-code-csv"),
    path("samples/", samples.sample_list, name="sample-list"),
    path("samples/new/", samples.sample_create, name="sample-create"),
    path("samples/<int:sample_id>/", samples.sample_detail, name="sample-detail"),
    path("samples/<int:sample_id>/withdraw/", samples.sample_withdraw_page, name="sample-withdraw"),
    path("items/<int:item_id>/review/", grading.item_review, name="item-review"),
    path("exemptions/<int:check_id>/", exemptions.exemption_audit, name="exemption-audit"),
    path("feedback/", feedback.feedback_list, name="feedback-list"),
    path("feedback/<int:review_id>/acknowledge/", feedback.feedback_acknowledge, name="feedback-acknowledge"),
    path("feedback/<int:review_id>/dispute/", feedback.feedback_dispute, name="feedback-dispute"),
    path("disputes/", feedback.dispute_list, name="dispute-list"),
    path("disputes/<int:dispute_id>/uphold/", feedback.dispute_uphold, name="dispute-uphold"),
    path("disputes/<int:dispute_id>/change/", feedback.dispute_change, name="dispute-change"),
]
