from django.urls import path

from minqing.outreach import views

app_name = "outreach"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_plan, name="plan"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/record/", views.session_record, name="record"),
    path("<int:pk>/close/", views.session_close, name="close"),
    path("<int:pk>/revisit-done/", views.session_revisit_done, name="revisit_done"),
]
