from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "fangxian.inspections"
    verbose_name = _("Business inspections")

    def ready(self):
        from fangxian.people import retention

        from .retention import purge_staff

        retention.register(purge_staff)
