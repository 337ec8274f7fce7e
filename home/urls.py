# The sign-in pages and the home page, in the "accounts" namespace as before (accounts:home,
# accounts:login). The conf lives here, at the top, because the home page draws on every app;
# accounts itself imports no other app.
from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.forms import LoginForm
from home import views as home_views

app_name = "accounts"

urlpatterns = [
    path("", home_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("help/shortcuts/", views.shortcuts, name="shortcuts"),
]
