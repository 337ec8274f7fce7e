from django.urls import path

from qa import api

urlpatterns = [
    path("qa/samples/", api.sample_create_api, name="qa-sample-create"),
    path("qa/reviews/", api.review_create_api, name="qa-review-create"),
    path("qa/monthly/", api.monthly_api, name="qa-monthly"),
    path("qa/compliance/", api.compliance_api, name="qa-compliance"),
    path("qa/exemption-audits/", api.exemption_audit_create_api, name="qa-exemption-audit-create"),
    path("qa/exemption-audits/monthly/", api.exemption_monthly_api, name="qa-exemption-monthly"),
    path("qa/victims-code/", api.victims_code_api, name="qa-victims-code"),
]
