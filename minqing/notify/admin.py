from django import forms
from django.contrib import admin

from minqing.notify.models import OutboxMessage, WebhookDelivery, WebhookSubscription
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
