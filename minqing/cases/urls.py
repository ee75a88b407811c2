from django.urls import path

from minqing.cases.views import batches, case, field, public, queues, sync, webapp

app_name = "cases"

urlpatterns = [
    # the installable handbook (service worker at the root, so its scope covers every page)
    path("sw.js", webapp.service_worker, name="service_worker"),
    path("manifest.webmanifest", webapp.manifest, name="manifest"),
    # staff
    path("field/", field.field_home, name="field"),
    path("cases/new/", field.capture, name="capture"),
    path("cases/sync/", sync.sync_capture, name="sync"),
    path("cases/visits/sync/", sync.sync_visit, name="sync_visit"),
    path("cases/suggest/", field.suggest, name="suggest"),
    path("cases/duplicates/", field.duplicates, name="duplicates"),
    path("cases/", queues.queue, {"name": "open"}, name="open"),
    path("cases/triage/", queues.queue, {"name": "triage"}, name="triage"),
    path("cases/department/", queues.queue, {"name": "department"}, name="department"),
    path("cases/overdue/", queues.queue, {"name": "overdue"}, name="overdue"),
    path("cases/visits/", queues.visits, name="visits"),
    path("cases/<str:code>/", case.case_detail, name="detail"),
    path("cases/<str:code>/phone/", case.case_phone, name="phone"),
    path("cases/<str:code>/photos/<str:name>", case.case_photo, name="photo"),
    path("cases/<str:code>/route-to/", case.case_route_to, name="route_to"),
    path("cases/<str:code>/merge-with/", case.case_merge_with, name="merge_with"),
    path("cases/<str:code>/<slug:action>/", case.case_action, name="action"),
    path("batches/", batches.batch_list, name="batches"),
    path("batches/new/", batches.batch_new, name="batch_new"),
    path("batches/<str:code>/", batches.batch_detail, name="batch"),
    # residents
    path("report/", public.public_report, name="public_report"),
    path("report/buildings/", public.public_buildings, name="public_buildings"),
    path("report/thanks/", public.report_thanks, name="report_thanks"),
    path("track/", public.track, name="track"),
    path("track/<str:code>/", public.track_case, name="track_case"),
    path("track/<str:code>/rate/", public.track_rate, name="track_rate"),
]
