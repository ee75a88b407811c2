from django.urls import path

from minqing.people import views

app_name = "people"

urlpatterns = [
    path("", views.contacts, name="contacts"),
    path("<str:code>/", views.card, name="card"),
]
