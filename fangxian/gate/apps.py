from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GateConfig(AppConfig):
    name = "fangxian.gate"
    verbose_name = _("Gates and permits")

    def ready(self):
        from fangxian.people.management.commands.purge_personal_data import PURGE_HOOKS

        from .retention import purge_passes

        PURGE_HOOKS.append(purge_passes)
