# The sign-in pages and the home page, in the "accounts" namespace as before (accounts:home,
# accounts:login). The conf lives here, at the top, because the home page draws on every app;
# accounts itself imports no other app.
from django.urls import path

from accounts import views
from home import views as home_views

app_name = "accounts"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    # The password form under SSO_ONLY, for the break-glass accounts (docs/SECURITY.md).
    path("login/break-glass/", views.LoginView.as_view(break_glass=True), name="login_break_glass"),
    # Single sign-on (accounts/sso.py): off the provider and back.
    path("login/sso/", views.sso_start, name="sso_start"),
    path("login/sso/callback/", views.sso_callback, name="sso_callback"),
    path("logout/", views.logout, name="logout"),
    path("help/shortcuts/", views.shortcuts, name="shortcuts"),
]
