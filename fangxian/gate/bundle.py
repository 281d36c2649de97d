"""A gate's trust bundle: what a gate phone needs to judge permits with the network gone.

The keys of the issuers it accepts (its own community and those that granted it trust), the
key ids alone of every other community of its district (so an offline gate can still tell
"not accepted here" from "unknown issuer", and learns nothing more of them), the revoked
permits of accepted issuers that have not yet expired, the permits of their residents under
observation and of those awaiting a retest after a positive pooled sample, the fever threshold, a version that changes whenever any of that changes, and
an Ed25519 signature by the gate's own community."""

from __future__ import annotations

import base64
import hashlib
import json

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import Gate, Permit, SigningKey


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def build(gate: Gate) -> dict:
    accepted = gate.accepted_issuers()
    district_id = gate.community.street.district_id
    keys = (
        SigningKey.objects.filter(retired_at=None)
        .filter(Q(community_id__in=accepted) | Q(community__street__district_id=district_id))
        .select_related("community")
        .order_by("id")
    )
    now = timezone.now()
    revoked = Permit.objects.filter(community_id__in=accepted, revoked_at__isnull=False, valid_until__gt=now)
    # By permit id only: the bundle names no one.
    live = Permit.objects.filter(community_id__in=accepted, revoked_at=None, valid_until__gt=now)
    observed = live.filter(resident__under_observation=True)
    held = live.filter(resident__awaiting_retest=True)
    body = {
        "gate": {"id": gate.pk, "name": gate.name, "community": gate.community.code, "direction": gate.direction},
        "fever_at": settings.FEVER_AT_TENTHS / 10,
        "keys": [
            {
                "kid": bytes(k.kid).hex(),
                "issuer": k.community.code,
                "name": k.community.name_zh,  # the verdict names the issuer as people know it
                "accepted": True,
                "public_key": b64(bytes(k.public_key)),
            }
            if k.community_id in accepted
            else {"kid": bytes(k.kid).hex(), "issuer": k.community.code, "accepted": False}
            for k in keys
        ],
        "revoked": sorted(revoked.values_list("id", flat=True)),
        "observed": sorted(observed.values_list("id", flat=True)),
        "held": sorted(held.values_list("id", flat=True)),
    }
    body["version"] = hashlib.sha256(canonical(body)).hexdigest()[:16]
    body["issued_at"] = timezone.now().isoformat()
    signer = SigningKey.current(gate.community)
    body["signed_by"] = bytes(signer.kid).hex()
    body["signature"] = b64(signer.private.sign(canonical(body)))
    return body
