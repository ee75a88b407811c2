"""Admin: per-person API tokens, made here (shown once) and revoked here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minqing.api.auth import token_material, token_revoke
from minqing.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__full_name", "name", "prefix"]
    raw_id_fields = ["user"]
    fields = ["user", "name", "expires_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if not change:
            raw, obj.prefix, obj.digest = token_material()
            messages.warning(
                request,
                gettext("The new API token is %(token)s — copy it now; it will not be shown again.")
                % {"token": raw},
            )
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            token_revoke(token=token)
        messages.success(request, gettext("Revoked %(count)s tokens.") % {"count": len(queryset)})

    def has_delete_permission(self, request, obj=None):
        return False
