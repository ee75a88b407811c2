from django.urls import path

from minqing.whistles import views

app_name = "whistles"

urlpatterns = [
    path("new/", views.whistle_new, name="new"),
    path("calls/", views.calls, name="calls"),
    path("calls/<int:pk>/arrive/", views.call_arrive, name="arrive"),
    path("<int:pk>/", views.whistle_detail, name="detail"),
    path("<int:pk>/close/", views.whistle_close, name="close"),
]
