from django.contrib import admin

from minqing.outreach.models import OutreachSession, SessionEvent


class SessionEventInline(admin.TabularInline):
    model = SessionEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "action", "actor", "data")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutreachSession)
class OutreachSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "community", "starts_at", "attendance", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "community__name"]
    filter_horizontal = ["hosts", "liaison_units"]
    raw_id_fields = ["community"]
    inlines = [SessionEventInline]
