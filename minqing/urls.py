from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("open311/", include("minqing.open311.urls")),
    path("api/v1/", include("minqing.api.urls")),
    path("dashboards/", include("minqing.dashboards.urls")),
    path("", include("minqing.core.urls")),
]
