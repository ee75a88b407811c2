from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhistlesConfig(AppConfig):
    name = "minqing.whistles"
    verbose_name = _("Whistles")

    def ready(self) -> None:
        # The periodic sweep (cases/tick.py) cannot import this app, which is above it.
        from minqing.cases.tick import WHISTLE_SWEEPS
        from minqing.whistles.services import whistle_sweep_at

        if whistle_sweep_at not in WHISTLE_SWEEPS:
            WHISTLE_SWEEPS.append(whistle_sweep_at)
