from django.contrib import admin
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api import obtain_token
from config.converters import CadRefConverter, ReferenceConverter

# An incident reference in a URL: ASCII letters, digits, - and _ only (config/converters.py).
register_converter(ReferenceConverter, "ref")
# A CAD's own reference: the same alphabet and a slash (config/converters.py).
register_converter(CadRefConverter, "cadref")

api_patterns = [
    path("auth/token/", obtain_token, name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include("casework.api_urls")),
    path("", include("thrive.api_urls")),
    path("", include("victims.api_urls")),
    path("", include("qa.api_urls")),
    path("", include("alerts.api_urls")),
    path("cad/", include("cad.api_urls")),
    path("", include("webhooks.api_urls")),
]

urlpatterns = [
    path("", include("home.urls")),
    path("incidents/", include("casework.urls")),
    path("thrive/", include("casework.thrive_urls")),
    path("victims/", include("victims.urls")),
    path("qa/", include("qa.urls")),
    path("cad/", include("cad.urls")),
    path("api/", include((api_patterns, "api"))),
    path("audit/", include("audit.urls")),
    path("alerts/", include("alerts.urls")),
    path("admin/", admin.site.urls),
]

# Errors outside a view (an unknown URL, a body too large, an unhandled fault): JSON under
# /api/, Django's pages elsewhere (config/http.py).
handler400 = "config.http.bad_request"
handler403 = "config.http.permission_denied"
handler404 = "config.http.page_not_found"
handler500 = "config.http.server_error"

admin.site.site_header = "THRIVE-SP administration"
admin.site.site_title = "THRIVE-SP"
