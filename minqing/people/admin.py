from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from minqing.people.models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["place", "department", "liaison_unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "phone", "is_staff"]
    search_fields = ["username", "full_name", "phone"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            _("Contact"),
            {"fields": ("full_name", "phone", "wechat_id", "language", "notify_opt_out")},
        ),
    )
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "place", "department", "head", "on_call", "active"]
    list_filter = ["role", "head", "active"]
    search_fields = ["user__username", "user__full_name", "place__name"]
    raw_id_fields = ["user", "place", "department", "liaison_unit"]
