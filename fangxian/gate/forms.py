from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from fangxian.accounts.models import Role
from fangxian.places.models import Community

from .models import Gate


class GateForm(forms.ModelForm):
    class Meta:
        model = Gate
        fields = ["name", "direction", "accepts", "keepers"]
        widgets = {"accepts": forms.CheckboxSelectMultiple, "keepers": forms.CheckboxSelectMultiple}

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.community = community
        # A gate may trust any community of its district (a market serves its neighbours).
        self.fields["accepts"].queryset = Community.objects.filter(street__district_id=community.street.district_id)
        self.fields["accepts"].help_text = _("Permits of these communities are admitted here.")
        if not self.instance.pk:
            self.initial.setdefault("accepts", [community.pk])
        keepers = Role.objects.filter(kind=Role.Kind.GATE_KEEPER, community=community).values("user_id")
        self.fields["keepers"].queryset = get_user_model().objects.filter(pk__in=keepers)
        self.fields["keepers"].label_from_instance = lambda u: u.get_full_name() or u.username
