"""Forms for the shared-resources pages: they parse what people type (pounds into pence,
FTE into hundredths) and leave every rule to the services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from core.forms import GovukDateField
from core.money import parse_pounds
from pooling.models import InstalmentSchedule
from shared_resources.models import CapacityBasis, CapacityUnit, ResourceKind

MONEY = forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})


def _pounds(form: forms.Form, name: str, *, required: bool) -> int | None:
    raw = (form.cleaned_data.get(name) or "").strip()
    if not raw:
        if required:
            raise forms.ValidationError("Enter an amount in pounds, like 1,250.00")
        return None
    try:
        return parse_pounds(raw)
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from exc


class ResourceForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of shared resource is it?", choices=ResourceKind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label="Name", max_length=200)
    areas_of_need = forms.MultipleChoiceField(label="Areas of need", widget=forms.CheckboxSelectMultiple)
    capacity_unit = forms.ChoiceField(
        label="Capacity is counted in",
        choices=CapacityUnit.choices,
        widget=forms.RadioSelect,
        help_text="A support base counts places.",
    )
    capacity_basis = forms.ChoiceField(label="Capacity is set", choices=CapacityBasis.choices, widget=forms.RadioSelect)
    host_school = forms.TypedChoiceField(
        label="Host or lead school",
        coerce=int,
        help_text="Where the post or base is based. Without the payee's bank details below, instalments are "
        "paid through it.",
    )
    payee = forms.CharField(
        label="Employing entity or provider",
        max_length=200,
        required=False,
        help_text="Required for posts and commissioned services.",
    )
    contract_reference = forms.CharField(label="Contract reference", max_length=100, required=False)
    starts_on = GovukDateField(label="Contract start date", subject="The contract start date")
    ends_on = GovukDateField(label="Contract end date", subject="The contract end date")
    fte = forms.CharField(
        label="Full-time equivalent (posts)", required=False, max_length=6, help_text="For example, 0.6"
    )
    annual_cost = forms.CharField(label="Annual cost in pounds (posts and bases)", required=False, widget=MONEY)
    places = forms.IntegerField(label="Number of places (bases)", required=False, min_value=1, max_value=10_000)
    cost_per_place = forms.CharField(label="Cost per place in pounds (bases)", required=False, widget=MONEY)
    contract_value = forms.CharField(label="Contract value in pounds (services)", required=False, widget=MONEY)
    sort_code = forms.CharField(
        label="Payee's sort code",
        required=False,
        max_length=8,
        help_text="To pay the employing entity or provider (or a base's trust) directly. For example, 12-34-56. "
        "Only a finance officer can set bank details.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"}),
    )
    account_number = forms.CharField(
        label="Payee's account number",
        required=False,
        max_length=10,
        help_text="8 digits",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"}),
    )
    payment_reference = forms.CharField(
        label="Reference on the payment", required=False, max_length=18, help_text="Up to 18 characters"
    )
    remittance_email = forms.CharField(label="Email for remittance advice", required=False, max_length=254)
    payee_address = forms.CharField(label="Payee's address", required=False, max_length=300)

    def __init__(self, *args: Any, needs: dict[str, str], schools: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["areas_of_need"].choices = list(needs.items())  # type: ignore[attr-defined]
        self.fields["host_school"].choices = [("", "Choose a school"), *schools]  # type: ignore[attr-defined]

    def clean_fte(self) -> int | None:
        raw = (self.cleaned_data.get("fte") or "").strip()
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation as exc:
            raise forms.ValidationError("Enter the FTE as a number, like 0.6") from exc
        if value <= 0 or value > 100 or value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise forms.ValidationError("Enter the FTE as a number above 0 with at most 2 decimal places, like 0.6")
        return int(value * 100)

    def clean_annual_cost(self) -> int | None:
        return _pounds(self, "annual_cost", required=False)

    def clean_cost_per_place(self) -> int | None:
        return _pounds(self, "cost_per_place", required=False)

    def clean_contract_value(self) -> int | None:
        return _pounds(self, "contract_value", required=False)

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "name": d["name"],
            "areas_of_need": d["areas_of_need"],
            "capacity_unit": d["capacity_unit"],
            "capacity_basis": d["capacity_basis"],
            "host_school_id": d["host_school"],
            "payee": d["payee"],
            "contract_reference": d["contract_reference"],
            "starts_on": d["starts_on"],
            "ends_on": d["ends_on"],
            "fte_hundredths": d["fte"],
            "annual_cost_pence": d["annual_cost"],
            "places": d["places"],
            "cost_per_place_pence": d["cost_per_place"],
            "contract_value_pence": d["contract_value"],
            "sort_code": d["sort_code"],
            "account_number": d["account_number"],
            "payment_reference": d["payment_reference"],
            "remittance_email": d["remittance_email"],
            "payee_address": d["payee_address"],
        }


def _pounds_text(pence: int | None) -> str:
    return "" if pence is None else f"{pence // 100}.{pence % 100:02d}"


class ResourceEditForm(ResourceForm):
    """The register form for a resource already registered: its kind stays. A cost change on
    a funded resource needs a reason (its fundings are varied through the variation)."""

    cost_change_reason = forms.CharField(
        label="Why the cost changes (funded resources)",
        required=False,
        max_length=300,
        help_text="If the resource is funded from the pool, each active funding is varied in proportion to the "
        "new cost: an increase must fit the pool's headroom.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["kind"]
        self.resource_kind = kind

    @staticmethod
    def initial_for(resource: Any) -> dict[str, Any]:
        return {
            "name": resource.name,
            "areas_of_need": resource.areas_of_need,
            "capacity_unit": resource.capacity_unit,
            "capacity_basis": resource.capacity_basis,
            "host_school": resource.host_school_id,
            "payee": resource.payee,
            "contract_reference": resource.contract_reference,
            "starts_on": resource.starts_on,
            "ends_on": resource.ends_on,
            "fte": f"{resource.fte_hundredths / 100:g}" if resource.fte_hundredths else "",
            "annual_cost": _pounds_text(resource.annual_cost_pence),
            "places": resource.places,
            "cost_per_place": _pounds_text(resource.cost_per_place_pence),
            "contract_value": _pounds_text(resource.contract_value_pence),
        }

    def service_kwargs(self) -> dict[str, Any]:
        self.cleaned_data["kind"] = self.resource_kind
        kwargs = super().service_kwargs()
        del kwargs["kind"]
        kwargs["cost_change_reason"] = self.cleaned_data["cost_change_reason"]
        return kwargs


# Service field → form field, where they differ.
RESOURCE_FIELD_NAMES = {
    "host_school_id": "host_school",
    "fte_hundredths": "fte",
    "annual_cost_pence": "annual_cost",
    "cost_per_place_pence": "cost_per_place",
    "contract_value_pence": "contract_value",
}


class PeriodForm(forms.Form):
    label = forms.CharField(label="Name of the term or year", max_length=40, help_text="For example, Spring 2027")
    starts_on = GovukDateField(label="First day", subject="The first day")
    ends_on = GovukDateField(label="Last day", subject="The last day")
    capacity_units = forms.IntegerField(label="Capacity", min_value=0, max_value=1_000_000)


class FundingForm(forms.Form):
    pool = forms.TypedChoiceField(label="Funding period", coerce=int)
    amount = forms.CharField(
        label="Cost to commit from the pool, in pounds",
        widget=MONEY,
        error_messages={"required": "Enter an amount in pounds, like 1,250.00"},
    )
    starts_on = GovukDateField(label="Funding starts on", subject="The date funding starts")
    ends_on = GovukDateField(label="Funding ends on", subject="The date funding ends")
    frequency = forms.ChoiceField(
        label="Instalments", choices=InstalmentSchedule.Frequency.choices, widget=forms.RadioSelect, initial="monthly"
    )

    def __init__(self, *args: Any, pools: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["pool"].choices = pools  # type: ignore[attr-defined]

    def clean_amount(self) -> int | None:
        return _pounds(self, "amount", required=True)


class FundingVaryForm(forms.Form):
    new_amount = forms.CharField(
        label="New cost in pounds",
        widget=MONEY,
        error_messages={"required": "Enter an amount in pounds, like 1,250.00"},
    )
    reason = forms.CharField(label="Why does it change?", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_new_amount(self) -> int | None:
        return _pounds(self, "new_amount", required=True)


class FundingEndForm(forms.Form):
    end_on = GovukDateField(label="Last day funded", subject="The last day funded")
    reason = forms.CharField(label="Why does it end early?", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class RequestForm(forms.Form):
    period = forms.TypedChoiceField(label="Resource and term", coerce=int)
    school = forms.TypedChoiceField(label="School", coerce=int)
    units = forms.IntegerField(
        label="How many do you need?",
        min_value=1,
        max_value=100_000,
        help_text="Days, sessions, hours or places, in the resource's unit.",
    )
    case = forms.TypedChoiceField(
        label="For one of your cases (optional)", coerce=int, required=False, empty_value=None
    )
    starts_on = GovukDateField(
        label="Needed from (optional)",
        subject="The date needed from",
        required=False,
        help_text="For a support-base place: the day the pupil starts.",
    )
    note = forms.CharField(
        label="Anything the officer should know (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        periods: list[tuple[int, str]],
        schools: list[tuple[int, str]],
        cases: list[tuple[int, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [("", "Choose a resource and term"), *periods]  # type: ignore[attr-defined]
        self.fields["school"].choices = schools  # type: ignore[attr-defined]
        self.fields["case"].choices = [("", "Not for a particular case"), *cases]  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        choices=[("allocate", "Allocate"), ("waitlist", "Put on the waiting list"), ("decline", "Decline")],
    )
    units = forms.IntegerField(
        label="Units to allocate (allocate only)",
        required=False,
        min_value=1,
        max_value=100_000,
        help_text="Leave blank to allocate all that was asked for.",
    )
    reason = forms.CharField(
        label="Reason (waiting list or decline)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeliveryForm(forms.Form):
    delivered_on = GovukDateField(label="Date delivered", subject="The date delivered")
    units = forms.IntegerField(
        label="Delivered (days, sessions or hours) or places occupied", min_value=1, max_value=100_000
    )
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)


class RulesForm(forms.Form):
    effective_from = GovukDateField(label="Takes effect from", subject="The date it takes effect")
    rules = forms.CharField(
        label="Allocation rules, one per line", widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000
    )

    def clean_rules(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["rules"].splitlines() if line.strip()]


class PackPoolForm(forms.Form):
    pool = forms.TypedChoiceField(label="Funding period", coerce=int)
    period_end = GovukDateField(label="Figures up to and including", subject="The date figures run to")

    def __init__(self, *args: Any, pools: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["pool"].choices = pools  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why you are withdrawing it (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelAllocationForm(forms.Form):
    reason = forms.CharField(
        label="Why the allocation is cancelled",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The school sees this. Units already delivered stay allocated.",
        error_messages={"required": "Enter why the allocation is cancelled"},
    )
