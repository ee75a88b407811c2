"""Admin: categories are edited here; cases are read-mostly (state changes go through services)."""

from django.contrib import admin

from minqing.cases.models import (
    Batch,
    Case,
    CaseEvent,
    Category,
    DistrictRules,
    ReturnVisit,
    TimeLimit,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "level",
        "parent",
        "default_department",
        "time_limit_class",
        "district",
    ]
    list_filter = ["level", "time_limit_class", "district"]
    search_fields = ["code", "name", "keywords"]
    raw_id_fields = ["parent"]


class TimeLimitInline(admin.TabularInline):
    model = TimeLimit
    extra = 1


@admin.register(DistrictRules)
class DistrictRulesAdmin(admin.ModelAdmin):
    """A district's ladder and time limits; processes pick a change up within a minute."""

    list_display = ["district", "ladder", "respond_hours"]
    inlines = [TimeLimitInline]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = readonly_fields = (
        "seq",
        "at",
        "action",
        "actor_label",
        "from_state",
        "to_state",
        "note",
    )


class ReturnVisitInline(ReadOnlyInline):
    model = ReturnVisit
    fields = readonly_fields = (
        "status",
        "opens_at",
        "due_at",
        "done_at",
        "method",
        "solved",
        "satisfied",
    )


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "state", "level", "category", "place", "deadline", "overdue"]
    list_filter = ["state", "level", "channel", "urgency", "overdue"]
    search_fields = ["code", "title"]
    inlines = [CaseEventInline, ReturnVisitInline]
    # Only text corrections here; the state and everything it depends on go through services.
    editable = {"title", "description"}

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields if f.name not in self.editable]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "created_at", "resolved_at"]
    readonly_fields = ["code", "created_by", "created_at", "resolved_at", "reply"]

    def has_add_permission(self, request):
        return False
