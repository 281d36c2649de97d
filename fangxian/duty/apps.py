from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "fangxian.duty"
    verbose_name = _("Duty")

    def ready(self):
        from fangxian.people import retention

        from .retention import purge_people

        retention.register(purge_people)
