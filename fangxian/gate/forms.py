from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from fangxian.accounts.models import Role
from fangxian.places.models import Community

from . import trust
from .models import Gate, TrustGrant


class GateForm(forms.ModelForm):
    """A gate, its keepers, and the communities it asks to admit; each of those decides."""

    asks = forms.ModelMultipleChoiceField(
        Community.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("also admit permits of"),
        help_text=_("Each community decides: its permits are admitted here only once it grants it."),
    )

    class Meta:
        model = Gate
        fields = ["name", "direction", "keepers"]
        widgets = {"keepers": forms.CheckboxSelectMultiple}

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.community = community
        self.fields["asks"].queryset = trust.candidates(self.instance)
        if self.instance.pk:
            self.initial["asks"] = list(
                self.instance.grants.filter(status__in=trust.OPEN).values_list("issuer_id", flat=True)
            )
        keepers = Role.objects.filter(kind=Role.Kind.GATE_KEEPER, community=community).values("user_id")
        self.fields["keepers"].queryset = get_user_model().objects.filter(pk__in=keepers)
        self.fields["keepers"].label_from_instance = lambda u: u.get_full_name() or u.username

    def states(self) -> dict[int, str]:
        """What each community asked has answered so far, shown beside its box."""
        if not self.instance.pk:
            return {}
        grants = self.instance.grants.filter(status__in=trust.OPEN)
        return {g.issuer_id: TrustGrant.Status(g.status).label for g in grants}

    def save_for(self, request) -> Gate:
        gate = self.save()
        trust.set_asked(request, gate, list(self.cleaned_data["asks"]))
        return gate
