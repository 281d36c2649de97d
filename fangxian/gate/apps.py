from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GateConfig(AppConfig):
    name = "fangxian.gate"
    verbose_name = _("Gates and permits")

    def ready(self):
        from fangxian.people import retention

        from .retention import purge_passes

        retention.register(purge_passes)
