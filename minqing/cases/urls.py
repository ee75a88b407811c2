from django.urls import path

from minqing.cases import views, views_public

app_name = "cases"

urlpatterns = [
    # staff
    path("field/", views.field_home, name="field"),
    path("cases/new/", views.capture, name="capture"),
    path("cases/suggest/", views.suggest, name="suggest"),
    path("cases/duplicates/", views.duplicates, name="duplicates"),
    path("cases/", views.queue, {"name": "open"}, name="open"),
    path("cases/triage/", views.queue, {"name": "triage"}, name="triage"),
    path("cases/department/", views.queue, {"name": "department"}, name="department"),
    path("cases/overdue/", views.queue, {"name": "overdue"}, name="overdue"),
    path("cases/visits/", views.visits, name="visits"),
    path("cases/<str:code>/", views.case_detail, name="detail"),
    path("cases/<str:code>/phone/", views.case_phone, name="phone"),
    path("cases/<str:code>/photos/<str:name>", views.case_photo, name="photo"),
    path("cases/<str:code>/route-to/", views.case_route_to, name="route_to"),
    path("cases/<str:code>/merge-with/", views.case_merge_with, name="merge_with"),
    path("cases/<str:code>/<slug:action>/", views.case_action, name="action"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/new/", views.batch_new, name="batch_new"),
    path("batches/<str:code>/", views.batch_detail, name="batch"),
    # residents
    path("report/", views_public.public_report, name="public_report"),
    path("report/buildings/", views_public.public_buildings, name="public_buildings"),
    path("report/thanks/", views_public.report_thanks, name="report_thanks"),
    path("track/", views_public.track, name="track"),
    path("track/<str:code>/", views_public.track_case, name="track_case"),
    path("track/<str:code>/rate/", views_public.track_rate, name="track_rate"),
]
