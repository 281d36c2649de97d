from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WatchConfig(AppConfig):
    name = "fangxian.watch"
    verbose_name = _("Observation")

    def ready(self):
        from fangxian.people import retention

        from .retention import purge_watch

        retention.register(purge_watch)
