from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .labels import form_label
from .models import Building, Grid


class GridForm(forms.ModelForm):
    class Meta:
        model = Grid
        fields = ["code", "name_zh", "name_en"]

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.community = community

    def clean_code(self):
        code = form_label(self.cleaned_data["code"])
        if (
            Grid.objects.filter(community=self.instance.community, code__iexact=code)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(_("This community already has a grid with this code."))
        return code


class BuildingForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = ["number", "name", "kind", "floors", "entrances", "grid"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = Grid.objects.filter(community=self.instance.community)

    def clean_number(self):
        number = form_label(self.cleaned_data["number"])
        clash = Building.objects.filter(community=self.instance.community, number=number).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Building %(number)s already exists in this community.") % {"number": number})
        return number

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            for field, message in self.instance.shrink_problems(data.get("floors"), data.get("entrances")).items():
                self.add_error(field, message)
        return data
