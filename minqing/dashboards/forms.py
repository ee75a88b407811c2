from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from minqing.core.forms import DateInput, set_choices


class DashboardForm(forms.Form):
    place = forms.ChoiceField(label=_("Place"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(
            self.fields["place"],
            [(p.code, ("　" * _DEPTH.get(p.kind, 0)) + p.name) for p in places],
        )

    def clean(self):
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("The end of the period is before its start."))
        return data


_DEPTH = {"district": 0, "subdistrict": 1, "community": 2}


HOT_PERIODS = [7, 30, 90]


class HotIssuesForm(forms.Form):
    place = forms.ChoiceField(label=_("Place"), required=False)
    days = forms.TypedChoiceField(label=_("Reported in the last"), coerce=int, required=False)

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(
            self.fields["place"],
            [(p.code, ("　" * _DEPTH.get(p.kind, 0)) + p.name) for p in places],
        )
        set_choices(
            self.fields["days"],
            [(n, gettext("%(n)s days") % {"n": n}) for n in HOT_PERIODS],
        )


INDICATOR_CHOICES = [
    ("satisfaction", _("Satisfaction rate")),
    ("resolution", _("Resolution rate")),
    ("response", _("Response rate")),
    ("on_time", _("On-time rate")),
    ("rework", _("Rework rate (lower is better)")),
]


class RankingForm(forms.Form):
    """A period and the indicator to rank departments or people by."""

    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    indicator = forms.ChoiceField(label=_("Rank by"), required=False, choices=INDICATOR_CHOICES)

    def clean(self):
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("The end of the period is before its start."))
        return data
