from django.apps import AppConfig
from django.db.models.signals import m2m_changed
from django.utils.translation import gettext_lazy as _


class GateConfig(AppConfig):
    name = "fangxian.gate"
    verbose_name = _("Gates and permits")

    def ready(self):
        from fangxian.accounts.models import bump_access_version, version_follows
        from fangxian.people import retention

        from .models import Gate, TrustGrant
        from .retention import purge_passes

        retention.register(purge_passes)
        # Who keeps a gate and whose permits it admits decide what a scan may learn.
        version_follows(Gate, TrustGrant)
        m2m_changed.connect(bump_access_version, sender=Gate.keepers.through, dispatch_uid="access-gate-keepers")
