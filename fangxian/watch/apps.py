from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WatchConfig(AppConfig):
    name = "fangxian.watch"
    verbose_name = _("Observation")

    def ready(self):
        from fangxian.people.management.commands.purge_personal_data import PURGE_HOOKS

        from .retention import purge_watch

        PURGE_HOOKS.append(purge_watch)
