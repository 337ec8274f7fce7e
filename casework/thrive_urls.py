# thrive's pages under /thrive/, in the "thrive" namespace as before. The assessment form and
# the revise form submit through casework, so their views are casework's (views_assessment);
# the conf that routes both lives here, at the top.
from django.urls import path

from casework import views_assessment, views_call_victim
from thrive import views, views_briefings, views_returns, views_wording

app_name = "thrive"

urlpatterns = [
    path("incidents/<ref:reference>/assessment/", views_assessment.assessment_form, name="assessment-form"),
    path(
        "incidents/<ref:reference>/assessment/autosave/",
        views_assessment.assessment_autosave,
        name="assessment-autosave",
    ),
    path("incidents/<ref:reference>/assessment/submit/", views_assessment.assessment_submit, name="assessment-submit"),
    path(
        "incidents/<ref:reference>/assessment/dispatch-first/",
        views_assessment.assessment_dispatch_first,
        name="assessment-dispatch-first",
    ),
    path(
        "incidents/<ref:reference>/assessment/victim/",
        views_call_victim.form_victim_link,
        name="assessment-victim-link",
    ),
    # Outside .../victim/: its answer is a fragment under the number, not the whole panel.
    path(
        "incidents/<ref:reference>/assessment/victim-phone/",
        views_call_victim.form_victim_phone,
        name="assessment-victim-phone",
    ),
    path(
        "incidents/<ref:reference>/assessment/victim/<int:pk>/outcome/",
        views_call_victim.form_victim_outcome,
        name="assessment-victim-outcome",
    ),
    path(
        "incidents/<ref:reference>/assessment/v<int:version>/",
        views.assessment_version,
        name="assessment-version",
    ),
    path("prompt-wording/", views.prompt_set_current_page, name="prompt-set-current"),
    # Returns (thrive/views_returns.py) and the wording editor (thrive/views_wording.py).
    path("reviews/", views_returns.review_queue_page, name="review-queue"),
    path("reviews/<int:pk>/", views_returns.review_page, name="review-detail"),
    path("reviews/<int:pk>/return/", views_returns.return_submit, name="review-return"),
    path("reviews/<int:pk>/reviewed/", views_returns.mark_reviewed, name="review-mark"),
    path("returned/", views_returns.returned_to_me_page, name="returned-to-me"),
    path("returned/<int:pk>/revise/", views_assessment.revise_page, name="returned-revise-form"),
    path("returned/<int:pk>/revise/submit/", views_assessment.revise_submit, name="returned-revise"),
    path("wording/", views_wording.wording_home, name="wording-home"),
    path("wording/drafts/new/", views_wording.draft_start, name="wording-draft-start"),
    path("wording/drafts/<int:pk>/", views_wording.draft_edit, name="wording-draft"),
    path("wording/drafts/<int:pk>/preview/", views_wording.draft_preview, name="wording-preview"),
    path("wording/drafts/<int:pk>/diff/", views_wording.draft_diff, name="wording-diff"),
    path("wording/drafts/<int:pk>/publish/", views_wording.draft_publish, name="wording-publish"),
    path("wording/versions/<int:pk>/changes/", views_wording.version_changes, name="wording-changes"),
    path("wording/versions/<int:pk>/acknowledge/", views_wording.acknowledge, name="wording-acknowledge"),
    path("training/", views_wording.trained, name="wording-trained"),
    path("training/remind/", views_wording.remind, name="wording-remind"),
    path("briefings/", views_briefings.briefing_list_page, name="briefing-list"),
    path("briefings/new/", views_briefings.briefing_create_page, name="briefing-create"),
    path("briefings/<int:pk>/", views_briefings.briefing_detail_page, name="briefing-detail"),
]
