"""What kit distributions keep once an emergency's data are anonymised: the signatures and
door photos that proved each hand-over, the tagged person a kit was for and the reasons a
household was left out go; which household had which kit, when and from whom stay, as the
ledger's issues do."""

from fangxian.people.models import Emergency

from .models import Recipient


def purge_kits(emergency: Emergency) -> int:
    recipients = Recipient.objects.filter(
        distribution__community__street__district__city_id=emergency.city_id,
        distribution__created_at__date__lte=emergency.closed_on,
    )
    kept = recipients.exclude(proof="", resident=None, reason="")
    for recipient in kept.exclude(proof=""):
        recipient.proof.delete(save=False)
    return kept.update(proof="", resident=None, reason="")
