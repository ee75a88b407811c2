from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from minqing.lib import clock
from minqing.notify.models import (
    Delivery,
    NotificationRule,
    OutboxMessage,
    OutboxStatus,
    PhoneOptOut,
    WebhookDelivery,
    WebhookSubscription,
)
from minqing.notify.webhooks import ALL_EVENT_TYPES, new_secret


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "topic", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "topic"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(e, e) for e in ALL_EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=WebhookSubscription._meta.get_field("events").help_text,
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "secret", "events", "active", "contact"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["secret"].initial = new_secret()


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    ordering = ["-at"]
    fields = readonly_fields = (
        "at",
        "event_type",
        "event_id",
        "attempt",
        "ok",
        "status_code",
        "error",
        "duration_ms",
    )
    max_num = 0

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-at")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url", "contact"]
    inlines = [WebhookDeliveryInline]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["at", "subscription", "event_type", "event_id", "attempt", "ok", "status_code"]
    list_filter = ["ok", "event_type", "subscription"]
    search_fields = ["event_id"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- notifications to people -----------------------------------------------------------------


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = ["event", "audience", "channel", "district", "active"]
    list_filter = ["event", "audience", "channel", "active", "district"]
    list_editable = ["active"]
    raw_id_fields = ["district"]


@admin.register(PhoneOptOut)
class PhoneOptOutAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "note"]
    search_fields = ["phone"]


@admin.action(description=_("Send again now"))
def retry_now(modeladmin, request, queryset):
    queryset.exclude(status=OutboxStatus.SENT).update(
        status=OutboxStatus.PENDING, available_at=clock.now()
    )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "audience", "channel", "to", "status", "attempts"]
    list_filter = ["status", "channel", "event", "audience"]
    search_fields = ["message__payload", "user__username"]
    exclude = ["recipient"]  # shown masked
    readonly_fields = [f.name for f in Delivery._meta.fields if f.name != "recipient"] + ["to"]
    actions = [retry_now]

    @admin.display(description=_("recipient"))
    def to(self, obj: Delivery) -> str:
        return obj.masked_recipient

    def has_add_permission(self, request):
        return False
