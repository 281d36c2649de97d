from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ErrandsConfig(AppConfig):
    name = "fangxian.errands"
    verbose_name = _("Errands")

    def ready(self):
        from fangxian.people import retention

        from .retention import purge_errands

        retention.register(purge_errands)
