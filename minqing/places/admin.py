from django.contrib import admin

from minqing.places.models import Department, LiaisonUnit, Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]
    raw_id_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "place"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(LiaisonUnit)
class LiaisonUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    filter_horizontal = ["communities"]
