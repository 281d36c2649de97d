from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import staff
from .models import Role


class GrantForm(forms.Form):
    """Gives a role to a new account, or to an existing one (whose password is left alone)."""

    username = forms.CharField(label=_("username"), max_length=150)
    full_name = forms.CharField(label=_("full name"), max_length=150, required=False)
    password = forms.CharField(
        label=_("initial password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Only for a new account; they can change it later."),
    )
    kind = forms.ChoiceField(label=_("role"))
    place = forms.ChoiceField(label=_("where"))

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager = manager
        kinds = staff.grantable_kinds(manager)
        self.fields["kind"].choices = [(k, Role.Kind(k).label) for k in kinds]
        options = []
        for level in dict.fromkeys(Role.LEVELS[k] for k in kinds):
            kind = next(k for k in kinds if Role.LEVELS[k] == level)
            options += [(f"{level}:{p.pk}", f"{p} ({p.code})") for p in staff.grantable_places(manager, kind)]
        self.fields["place"].choices = options

    def clean(self):
        data = super().clean()
        kind, place_key = data.get("kind"), data.get("place")
        if not kind or not place_key:
            return data
        level, _sep, pk = place_key.partition(":")
        if level != Role.LEVELS[kind]:
            raise ValidationError(
                {
                    "place": _("A %(role)s is given a %(level)s.")
                    % {"role": Role.Kind(kind).label, "level": level_label(Role.LEVELS[kind])}
                }
            )
        place = staff.grantable_places(self.manager, kind).filter(pk=pk).first()
        if place is None:
            raise ValidationError({"place": _("You may not give this role there.")})
        data["place_obj"] = place
        user = get_user_model().objects.filter(username=data.get("username")).first()
        data["user"] = user
        if user is None:
            if not data.get("password"):
                raise ValidationError({"password": _("A new account needs an initial password.")})
            try:
                password_validation.validate_password(data["password"])
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from None
        elif not staff.managed_users(self.manager).filter(pk=user.pk).exists():
            # Someone else's account (another community's keeper, an office's staff): giving it
            # a role here would draw it into this community, and show its activity, without
            # its own office's say.
            raise ValidationError(
                {"username": _("This username belongs to an account you do not manage: choose another username.")}
            )
        elif Role.objects.filter(user=user, kind=kind, **{level: place}).exists():
            raise ValidationError(_("This person already has this role there."))
        return data


def level_label(level: str) -> str:
    return str(staff.LEVEL_MODELS[level]._meta.verbose_name)
