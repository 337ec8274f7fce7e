from django.urls import path

from thrive import api, api_briefings

urlpatterns = [
    path("prompt-sets/current/", api.prompt_set_current_api, name="prompt-set-current"),
    path("prompt-sets/", api.prompt_sets, name="prompt-set-list"),
    path("prompt-sets/<int:version>/publish/", api.prompt_set_publish_api, name="prompt-set-publish"),
    path("prompt-sets/<int:version>/", api.prompt_set_api, name="prompt-set-detail"),
    path("briefings/", api_briefings.briefings_api, name="briefing-list"),
    path("briefings/<int:pk>/", api_briefings.briefing_api, name="briefing-detail"),
    path("assessments/", api.assessments_api, name="assessment-list"),
    path("assessments/<int:pk>/return/", api.assessment_return_api, name="assessment-return"),
]
