from django.contrib.auth import views as auth_views
from django.urls import include, path

from minqing.core import views
from minqing.dashboards import public

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("welcome/", views.no_role, name="no_role"),
    path("results/", public.results, name="results"),
    path("", include("minqing.cases.urls")),
    path("talks/", include("minqing.outreach.urls")),
    path("whistles/", include("minqing.whistles.urls")),
    path("contacts/", include("minqing.people.urls")),
]
