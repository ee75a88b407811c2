from django.contrib import admin

from minqing.outreach.models import OutreachSession


@admin.register(OutreachSession)
class OutreachSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "community", "starts_at", "attendance", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "community__name"]
    filter_horizontal = ["hosts", "liaison_units"]
    raw_id_fields = ["community"]
