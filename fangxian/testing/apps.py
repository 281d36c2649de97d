from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TestingConfig(AppConfig):
    name = "fangxian.testing"
    verbose_name = _("Testing")

    def ready(self) -> None:
        # The household's page links to its booking page through households' registry, which
        # lets households stay below testing.
        from fangxian.households import services

        from . import views

        services.offer(views.household_links)
