from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "minqing.jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        from minqing.jobs.schedules import ensure_schedules
        from minqing.jobs.tasks import deliver_soon
        from minqing.notify.services import AFTER_PUT

        # notify cannot import this app, which is above it (docs/decisions/0008).
        if deliver_soon not in AFTER_PUT:
            AFTER_PUT.append(deliver_soon)
        # After django_q's tables exist (this app has no models, so no signal of its own).
        post_migrate.connect(
            ensure_schedules,
            sender=apps.get_app_config("django_q"),
            dispatch_uid="minqing-schedules",
        )
