from django.contrib import admin

from minqing.whistles.models import Whistle, WhistleCall


class WhistleCallInline(admin.TabularInline):
    model = WhistleCall
    extra = 0
    readonly_fields = ["department", "arrived_at", "arrived_by", "late"]
    can_delete = False


@admin.register(Whistle)
class WhistleAdmin(admin.ModelAdmin):
    list_display = ["place", "case", "called_by", "called_at", "deadline", "status"]
    list_filter = ["status"]
    inlines = [WhistleCallInline]
    readonly_fields = [f.name for f in Whistle._meta.fields]
