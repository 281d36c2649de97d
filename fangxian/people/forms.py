from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangxian.places.models import Building, Dwelling

from .models import ImportBatch, Resident, Tag
from .photos import normalise_photo
from .registry import clean_resident


class DayInput(forms.DateInput):
    """The browser's date picker takes only YYYY-MM-DD: the Chinese format (1994/07/13) showed
    it empty, and saving the form then cleared the date."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs, format="%Y-%m-%d")


class ResidentForm(forms.Form):
    building = forms.ModelChoiceField(Building.objects.none(), label=_("building"))
    entrance = forms.IntegerField(label=_("entrance"), min_value=1, max_value=50, initial=1)
    room = forms.CharField(label=_("room"), max_length=20)
    name = forms.CharField(label=_("name"), max_length=50)
    sex = forms.ChoiceField(
        label=_("sex"),
        choices=[("", "—")] + Resident.Sex.choices,
        required=False,
        help_text=_("Taken from a resident ID number when left empty."),
    )
    id_type = forms.ChoiceField(label=_("ID document"), choices=Resident.IdType.choices)
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    birth_date = forms.DateField(label=_("birth date"), required=False, widget=DayInput())
    phone = forms.CharField(
        label=_("phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    relation = forms.ChoiceField(
        label=_("relation to household"), choices=Resident.Relation.choices, initial=Resident.Relation.OTHER
    )
    residence = forms.ChoiceField(label=_("residence"), choices=Resident.Residence.choices)
    tags = forms.MultipleChoiceField(
        label=_("tags"), choices=Tag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    photo = forms.FileField(label=_("photo"), required=False)

    def __init__(self, *args, buildings, instance: Resident | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", {}).update(
                building=instance.dwelling.building_id,
                entrance=instance.dwelling.entrance,
                room=instance.dwelling.room,
                name=instance.name,
                sex=instance.sex,
                id_type=instance.id_type,
                birth_date=instance.masked_birth_date,
                relation=instance.relation,
                residence=instance.residence,
                tags=instance.tag_list,
            )
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings
        if instance is not None:
            # Editing never puts the full numbers into the page: empty keeps what is stored.
            self.fields["id_number"].widget.attrs["placeholder"] = instance.masked_id_number
            self.fields["id_number"].help_text = _("Leave empty to keep the number on record.")
            self.fields["phone"].widget.attrs["placeholder"] = instance.masked_phone
            self.fields["phone"].help_text = _("Leave empty to keep the number on record.")

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        return normalise_photo(photo) if photo else None

    def clean(self):
        data = super().clean()
        building, entrance, room = data.get("building"), data.get("entrance"), data.get("room")
        if building and entrance and room:
            dwelling = (
                Dwelling.objects.filter(building=building, entrance=entrance, room=room.strip())
                .select_related("community")
                .first()
            )
            if dwelling is None:
                self.add_error("room", _("No such dwelling in this building and entrance."))
            data["dwelling"] = dwelling
        raw = dict(data)
        if self.instance is not None:
            raw["id_number"] = data.get("id_number") or self.instance.id_number
            raw["phone"] = data.get("phone") or self.instance.phone
        raw["birth_date"] = data.get("birth_date").isoformat() if data.get("birth_date") else ""
        try:
            data["values"] = clean_resident(raw, instance=self.instance)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field in self.errors:
                    continue  # the form said it already ("required"): the registry says it again
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return data


class MoveOutForm(forms.Form):
    moved_on = forms.DateField(label=_("date"), widget=DayInput())
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)


class ImportForm(forms.Form):
    community = forms.ModelChoiceField(queryset=None, label=_("community"))
    kind = forms.ChoiceField(
        label=_("what the file lists"), choices=ImportBatch.Kind.choices, initial=ImportBatch.Kind.RESIDENTS
    )
    file = forms.FileField(label=_("file (.xlsx or .csv)"))

    def __init__(self, *args, communities, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["community"].queryset = communities
        if communities.count() == 1:
            self.fields["community"].initial = communities.first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise ValidationError(
                _("The file is larger than %(mb)s MB: split it.") % {"mb": self.max_bytes // (1024 * 1024)}
            )
        return upload
