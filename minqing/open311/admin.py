"""Admin: integrators and their API keys (made and revoked here), service attributes,
the record of posted requests, and moderators' redactions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minqing.open311.keys import api_key_revoke, key_material
from minqing.open311.models import (
    ApiKey,
    CaseRedaction,
    Integrator,
    Open311Request,
    ServiceAttribute,
)


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "name",
        "prefix",
        "rate_limit_per_minute",
        "created_at",
        "last_used_at",
        "revoked_at",
    )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Integrator)
class IntegratorAdmin(admin.ModelAdmin):
    list_display = ["name", "contact", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "contact"]
    inlines = [ApiKeyInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Adding a key shows it once; afterwards only its first characters are known."""

    list_display = [
        "integrator",
        "name",
        "prefix",
        "rate_limit_per_minute",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["integrator", ("revoked_at", admin.EmptyFieldListFilter)]
    fields = ["integrator", "name", "rate_limit_per_minute"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ["integrator"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if not change:
            raw, obj.prefix, obj.digest = key_material()
            messages.warning(
                request,
                gettext("The new API key is %(key)s — copy it now; it will not be shown again.")
                % {"key": raw},
            )
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            api_key_revoke(key=key)
        messages.success(request, gettext("Revoked %(count)s keys.") % {"count": len(queryset)})

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "code", "description", "datatype", "required", "order"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "category__name", "category__code"]
    raw_id_fields = ["category"]


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ["case", "api_key", "created_at", "device_id", "account_id"]
    search_fields = ["case__code", "token"]
    readonly_fields = [f.name for f in Open311Request._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseRedaction)
class CaseRedactionAdmin(admin.ModelAdmin):
    """A moderator replaces the public description; the case keeps the original."""

    list_display = ["case", "reason", "redacted_by", "redacted_at"]
    search_fields = ["case__code", "public_description"]
    raw_id_fields = ["case"]
    fields = ["case", "public_description", "reason"]

    def save_model(self, request: HttpRequest, obj: CaseRedaction, form, change: bool) -> None:
        obj.redacted_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
