from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "minqing.notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from minqing.notify import notifications, webhooks

        webhooks.register()
        notifications.register()
