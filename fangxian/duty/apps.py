from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "fangxian.duty"
    verbose_name = _("Duty")

    def ready(self):
        from fangxian.people.management.commands.purge_personal_data import PURGE_HOOKS

        from .retention import purge_people

        PURGE_HOOKS.append(purge_people)
