"""Forms of the case pages. Forms check input; services decide and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import (
    CaseState,
    Channel,
    Satisfaction,
    Solved,
    Urgency,
    VisitMethod,
)
from minqing.core.forms import DateInput, DateTimeInput, set_choices

MAX_PHOTO_BYTES = 12 * 1024 * 1024
TITLE_WORDS = 60  # a title made from the words: their first sentence, at most this long
MAX_WORDS = 4000
FIELD_CHANNELS = [
    (Channel.HOUSEHOLD_VISIT, Channel.HOUSEHOLD_VISIT.label),
    (Channel.EVENING_TALK, Channel.EVENING_TALK.label),
    (Channel.FORUM, Channel.FORUM.label),
    (Channel.PHONE, Channel.PHONE.label),
    (Channel.WECHAT, Channel.WECHAT.label),
]


def category_choices(leaves, *, blank_label) -> list:
    """A blank "suggest for me" choice, then the leaves grouped by their top-level name."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for leaf in leaves:
        short = leaf.label.split(" › ", 1)[-1]
        groups.setdefault(leaf.top_name, []).append((leaf.code, short))
    return [("", blank_label), *groups.items()]


def place_choices(places) -> list[tuple[str, str]]:
    from minqing.places.models import PlaceKind

    choices = []
    for place in places:
        if place.kind == PlaceKind.GRID:
            label = _("%(grid)s (the whole grid)") % {"grid": place.name}
        else:
            label = place.name
        choices.append((place.code, label))
    return choices


class _OnePlaceSelect(forms.Select):
    """The place list, read together with the one-tap chips of recent places that post under
    the same name: one value when they agree (or only one is set), all of them when not."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        chosen = list(dict.fromkeys(v for v in values if v))
        if len(chosen) > 1:
            return chosen
        return chosen[0] if chosen else ""


class _PlaceField(forms.ChoiceField):
    widget = _OnePlaceSelect

    def to_python(self, value):
        if isinstance(value, list):
            raise forms.ValidationError(
                _("Two different places are picked; choose one."), code="two_places"
            )
        return super().to_python(value)


def title_from_words(text: str) -> str:
    """A case title from what the worker said: all of it when short, else its first
    sentence (or its first ``TITLE_WORDS`` characters and an ellipsis)."""
    text = " ".join(text.split())
    if len(text) <= TITLE_WORDS:
        return text
    ends = [i for i, ch in enumerate(text[:TITLE_WORDS]) if ch in "。！？；!?;"]
    if ends:
        return text[: ends[0] + 1]
    return text[: TITLE_WORDS - 1] + "…"


class CaptureForm(forms.Form):
    """The handbook (民情手册): one problem in under 30 seconds on a phone.

    No place is chosen in advance (a forgotten choice must not file the problem under the
    wrong building): the worker taps one of their recent places or picks one from the list.
    The urgency starts as the words suggest; ``urgency_suggested`` is what the page last
    suggested, so an urgency equal to it was not changed by the worker and follows the words.

    One text field says what is wrong (``title``; typed or dictated through the phone's
    keyboard). Words too long for a title become the description, and the title is made
    from their first sentence; ``description`` (under "more") adds details. ``token`` is the
    entry's key: the page's one-time token, or the key the phone's offline queue made.
    """

    token = forms.CharField(widget=forms.HiddenInput, required=False)
    session = forms.IntegerField(widget=forms.HiddenInput, required=False)
    place = _PlaceField(
        label=_("Where"),
        help_text=_("Your grid's buildings; the ones you used last come first."),
        error_messages={
            "required": _("Choose the building (or the whole grid) this problem is about."),
            "invalid_choice": _(
                "The place %(value)s is not among your places (any more): choose one of them."
            ),
        },
    )
    title = forms.CharField(
        label=_("What is wrong?"),
        required=False,
        max_length=MAX_WORDS,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("More details (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        help_text=_(
            "Leave “suggest for me” and the words you wrote pick one; if none fits, the "
            "case waits in triage to be sorted."
        ),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Chosen from the words you wrote; change it if it is wrong."),
    )
    urgency_suggested = forms.ChoiceField(
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        required=False,
        widget=forms.HiddenInput,
    )
    channel = forms.ChoiceField(
        label=_("Heard during"),
        choices=FIELD_CHANNELS,
        initial=Channel.HOUSEHOLD_VISIT,
        required=False,
    )
    photo = forms.ImageField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("Made smaller and stripped of its location before it is stored."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    reporter_name = forms.CharField(label=_("Resident's name (optional)"), required=False)
    reporter_phone = forms.CharField(
        label=_("Resident's phone (optional)"),
        required=False,
        help_text=_("Shown masked to staff; the resident can follow the case with it."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    solved_on_spot = forms.BooleanField(label=_("Solved on the spot"), required=False)
    reply = forms.CharField(
        label=_("What was done on the spot"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, places=(), leaves=(), recent=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["place"], [("", _("— choose —")), *place_choices(places)])
        # One-tap choices: the places the worker reported about last (a subset of ``places``).
        self.recent_choices = place_choices(recent)
        set_choices(
            self.fields["category"],
            category_choices(leaves, blank_label=_("Suggest for me from the words")),
        )

    def urgency_changed(self) -> bool:
        """Whether the worker picked an urgency other than the one the page suggested (an
        unchanged one follows the words). Call after ``is_valid()``."""
        data = self.cleaned_data
        urgency = data.get("urgency") or ""
        return bool(urgency) and urgency != (data.get("urgency_suggested") or Urgency.NORMAL)

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo is larger than 12 MB."))
        return photo

    def clean(self):
        data = super().clean() or {}
        if data.get("solved_on_spot") and not (data.get("reply") or "").strip():
            self.add_error("reply", _("Say what was done on the spot."))
        words = (data.get("title") or "").strip()
        details = (data.get("description") or "").strip()
        if "title" not in data:
            pass  # refused already (longer than MAX_WORDS)
        elif not words and not details:
            self.add_error("title", _("Say what is wrong."))
        elif not words or len(words) > 200 or "\n" in words:
            # Too long for a title: the words are the description, the title their start.
            text = "\n\n".join(t for t in (words, details) if t)
            data["title"], data["description"] = title_from_words(text), text
        return data


class ActionForm(forms.Form):
    """Every action form carries the version the user saw; services refuse a stale one."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredNoteForm(ActionForm):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(ActionForm):
    reply = forms.CharField(
        label=_("Reply to the resident"),
        help_text=_("The resident reads this on the tracking page."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Shown once the reply quality check has flagged the reply (``flagged``): the service
    # refuses a flagged reply without it.
    override_reason = forms.CharField(
        label=_("Send anyway, because…"),
        help_text=_("Say why this reply is right for this case as it is."),
        required=False,
        widget=forms.HiddenInput(),
    )

    def __init__(self, *args, flagged: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if flagged:
            field = self.fields["override_reason"]
            field.widget = forms.Textarea(attrs={"rows": 2})
            field.widget.is_required = True


class DispatchForm(ActionForm):
    to = forms.ChoiceField(label=_("Send to"))
    deadline = forms.DateTimeField(
        label=_("Deadline (optional)"),
        required=False,
        widget=DateTimeInput(),
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, departments=(), people=(), default_deadline=None, **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(
            self.fields["to"],
            [
                ("", "—"),
                (_("Departments"), [(f"d:{d.code}", d.name) for d in departments]),
                (
                    _("People of the grid team and community"),
                    [(f"u:{m.user_id}", f"{m.user} · {m.get_role_display()}") for m in people],
                ),
            ],
        )
        if default_deadline is not None:
            from django.utils import timezone

            when = timezone.localtime(default_deadline).strftime("%Y-%m-%d %H:%M")
            self.fields["deadline"].help_text = _(
                "Empty: the category's time limit, due by %(when)s."
            ) % {"when": when}


class MergeForm(ActionForm):
    batch = forms.ChoiceField(label=_("Batch"), required=False)
    title = forms.CharField(
        label=_("Or a new batch: the one fix"),
        required=False,
        help_text=_("For example: replace the water pipes of the whole estate."),
    )

    def __init__(self, *args, batches=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(
            self.fields["batch"],
            [("", _("— a new batch —"))] + [(b.code, f"{b.code} {b.title}") for b in batches],
        )

    def clean(self):
        data = super().clean() or {}
        if not data.get("batch") and not (data.get("title") or "").strip():
            self.add_error("title", _("Choose a batch or describe the new one."))
        return data


class _VisitAnswer(forms.Form):
    method = forms.ChoiceField(
        label=_("How"),
        choices=VisitMethod.choices,
        initial=VisitMethod.PHONE,
        widget=forms.RadioSelect,
    )
    solved = forms.ChoiceField(
        label=_("Is it solved?"), choices=Solved.choices, widget=forms.RadioSelect
    )
    satisfied = forms.ChoiceField(
        label=_("Is the resident satisfied?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("What the resident said (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnVisitForm(ActionForm, _VisitAnswer):
    pass


class QueuedVisitForm(_VisitAnswer):
    """An answer as the phone's queue sends it: the visit, the answer and the answer's key
    (no version: an answer written offline must not fail because a note was added since;
    the visit's own state decides)."""

    token = forms.CharField(widget=forms.HiddenInput)
    visit = forms.IntegerField(widget=forms.HiddenInput)


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Code or words"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    place = forms.ChoiceField(label=_("Place"), required=False)
    overdue = forms.ChoiceField(
        label=_("Overdue"),
        required=False,
        choices=[("", _("any")), ("yes", _("overdue only")), ("no", _("not overdue"))],
    )
    since = forms.DateField(label=_("Reported from"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Reported until"), required=False, widget=DateInput())
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("new", _("newest first")),
            ("old", _("oldest first")),
            ("deadline", _("deadline soonest")),
            ("place", _("by place")),
        ],
    )

    def __init__(self, *args, states=(), categories=(), places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.places = list(places)
        set_choices(
            self.fields["state"], [("", _("any"))] + [(s, CaseState(s).label) for s in states]
        )
        set_choices(
            self.fields["category"], [("", _("any"))] + [(c.code, c.name) for c in categories]
        )
        set_choices(self.fields["place"], [("", _("any"))] + [(p.code, p.name) for p in places])


class BatchCreateForm(forms.Form):
    title = forms.CharField(label=_("The one fix"), max_length=200)
    description = forms.CharField(
        label=_("Description (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BatchResolveForm(forms.Form):
    reply = forms.CharField(
        label=_("Reply to every resident"),
        help_text=_("Each case of the batch is resolved with this reply and gets a return visit."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- residents ---------------------------------------------------------------------------


class PublicReportForm(forms.Form):
    community = forms.ChoiceField(label=_("Your community"))
    building = forms.ChoiceField(label=_("Your building"))
    title = forms.CharField(label=_("What is wrong?"), max_length=200)
    description = forms.CharField(
        label=_("Tell us more (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    category = forms.ChoiceField(
        label=_("Kind of problem"),
        required=False,
        help_text=_("Not sure? Leave it; we pick one from your words."),
    )
    reporter_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=60)
    reporter_phone = forms.CharField(
        label=_("Your phone"),
        help_text=_("For follow-up only; you follow the case with its last 4 digits."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    # A field people do not see: bots fill it in.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, communities=(), buildings=(), leaves=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_choices(self.fields["community"], [("", "—")] + [(c.code, c.name) for c in communities])
        set_choices(self.fields["building"], [("", "—"), *place_choices(buildings)])
        set_choices(
            self.fields["category"],
            category_choices(leaves, blank_label=_("Not sure — pick one for me")),
        )


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=32,
        help_text=_("For example HP-2608-0007."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    last4 = forms.CharField(
        label=_("Last 4 digits of your phone"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class RateForm(forms.Form):
    solved = forms.ChoiceField(
        label=_("Is the problem solved?"), choices=Solved.choices, widget=forms.RadioSelect
    )
    satisfied = forms.ChoiceField(
        label=_("Are you satisfied with how it was handled?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything else? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
