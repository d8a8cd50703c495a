"""Pages of clients: a lead's conversion, the client list, the account and contact cards
with their deals.

Every write goes through galena.clients.services as a MANUAL actor; a refusal comes back
onto the form it came from and writes nothing (each service is one transaction).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from galena.clients import access as client_access
from galena.clients import selectors, services
from galena.clients.forms import (
    ACCOUNT_FIELDS,
    CONTACT_FIELDS,
    DEAL_FIELDS,
    FIELD_MAP,
    NEW,
    NONE,
    AccountForm,
    ClientFilterForm,
    ContactForm,
    ConvertForm,
    DealForm,
    MethodForm,
    OwnerForm,
    mark_required,
)
from galena.clients.models import (
    Account,
    ClientRecord,
    Contact,
    Conversion,
    DealKind,
    DealStage,
)
from galena.core.errors import ApplicationError
from galena.core.views import page
from galena.leads import access
from galena.leads.forms import add_service_error
from galena.leads.models import ActorSource, Lead
from galena.leads.services import Actor

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, source=ActorSource.MANUAL)


def client_url(contact_id: int | None, account_id: int | None) -> str:
    if account_id:
        return reverse("client-account", args=[account_id])
    return reverse("client-contact", args=[contact_id])


# --- conversion ---------------------------------------------------------------------------


def _proposal_label(proposal: selectors.Proposal) -> str:
    record = proposal.record
    if proposal.kind == "account":
        return f"{record}" + (f" · {record.tax_id}" if record.tax_id else "")
    account = f" · {record.account}" if record.account_id else ""
    return f"{record}{account}"


def _convert_initial(lead: Lead, proposals: dict[str, list]) -> dict[str, Any]:
    contacts, accounts = proposals["contacts"], proposals["accounts"]
    strong_contact = next((p for p in contacts if p.strong), None)
    strong_account = next((p for p in accounts if p.strong), None)
    return {
        "contact": str(strong_contact.record.pk) if strong_contact else NEW,
        "contact_first_name": lead.first_name or lead.display_name,
        "contact_middle_name": lead.middle_name,
        "contact_last_name": lead.last_name,
        "contact_position": lead.position,
        "contact_language": lead.language,
        "contact_country": lead.country,
        "account": (
            str(strong_account.record.pk)
            if strong_account
            else (NEW if lead.company_name else NONE)
        ),
        "account_name": lead.company_name,
        "account_country": lead.country,
        "account_tax_id": selectors.lead_tax_id(lead),
        "deal_title": lead.interest,
        "deal_kind": DealKind.NEW,
        "deal_amount": lead.deal_value,
        "deal_currency": lead.deal_currency or settings.DEFAULT_CURRENCY,
        "deal_stage": selectors.default_deal_stage_id(),
        "add_deal": True,
        "owner": lead.owner_id,
    }


def _convert_form(request: HttpRequest, lead: Lead, data=None):
    """The conversion form with the proposed contacts and accounts as choices."""
    proposals = selectors.conversion_proposals(user=request.user, lead=lead)
    form = ConvertForm(
        data,
        initial=None if data is not None else _convert_initial(lead, proposals),
        user=request.user,
        lead=lead,
        contact_choices=[(str(p.record.pk), _proposal_label(p)) for p in proposals["contacts"]],
        account_choices=[(str(p.record.pk), _proposal_label(p)) for p in proposals["accounts"]],
    )
    # before validation, which fixes the fields' labels
    for record in (ClientRecord.ACCOUNT, ClientRecord.CONTACT):
        mark_required(form, record, [row.field for row in services.required_fields(record)])
    return form, proposals


def _convert_context(
    request: HttpRequest, lead: Lead, form: ConvertForm, proposals: dict[str, list]
) -> dict[str, Any]:
    required = {
        record: services.required_fields(record)
        for record in (ClientRecord.ACCOUNT, ClientRecord.CONTACT)
    }
    return {
        "section": "leads",
        "lead": lead,
        "form": form,
        "proposals": proposals,
        "required_labels": [row.label for rows in required.values() for row in rows],
        "refusal": services.conversion_refusal(lead),
        "account_fields": [form[f"account_{name}"] for name in ACCOUNT_FIELDS],
        "contact_fields": [form[f"contact_{name}"] for name in CONTACT_FIELDS],
        "deal_fields": [form[f"deal_{name}"] for name in DEAL_FIELDS],
    }


def _convert_arguments(form: ConvertForm) -> dict[str, Any]:
    data = form.cleaned_data
    contact: Any
    if data["contact"] == NEW:
        contact = services.ContactData(**{name: data[f"contact_{name}"] for name in CONTACT_FIELDS})
    else:
        contact = Contact(pk=int(data["contact"]))
    account: Any
    if data["account"] == NEW:
        account = services.AccountData(**{name: data[f"account_{name}"] for name in ACCOUNT_FIELDS})
    elif data["account"] == NONE:
        account = None
    else:
        account = Account(pk=int(data["account"]))
    deal = None
    if data["add_deal"]:
        deal = services.DealData(
            amount=data["deal_amount"],
            currency=data["deal_currency"],
            title=data["deal_title"],
            kind=data["deal_kind"],
            expected_close_on=data["deal_expected_close_on"],
            stage_id=data["deal_stage"].pk,
        )
    return {"contact": contact, "account": account, "deal": deal, "owner": data["owner"]}


@page
def lead_convert(request: HttpRequest, lead_id: int) -> HttpResponse:
    access.require_lead_access(request.user)
    lead = access.lead_get_for(user=request.user, lead_id=lead_id)
    conversion = Conversion.objects.filter(lead_id=lead.pk).first()
    if conversion is not None:
        messages.info(request, _("This lead is already a client."))
        return redirect(client_url(conversion.contact_id, conversion.account_id))
    if request.method != "POST":
        form, proposals = _convert_form(request, lead)
        return render(
            request, "clients/convert.html", _convert_context(request, lead, form, proposals)
        )
    form, proposals = _convert_form(request, lead, request.POST)
    if form.is_valid():
        try:
            conversion = services.lead_convert(
                actor=_actor(request), lead=lead, **_convert_arguments(form)
            )
        except ApplicationError as error:
            add_service_error(form, error, FIELD_MAP)
        else:
            messages.success(
                request,
                _("Converted: %(client)s is a client now.") % {"client": conversion.contact},
            )
            return redirect(client_url(conversion.contact_id, conversion.account_id))
    context = _convert_context(request, lead, form, proposals)
    return render(request, "clients/convert.html", context, status=400)


# --- the list -----------------------------------------------------------------------------


@page
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    client_access.clients_filter(user)
    form = ClientFilterForm(request.GET or None, user=user)
    filters = form.cleaned_data if form.is_valid() else {}
    owner = filters.get("owner")
    rows = selectors.client_list(
        user=user,
        q=filters.get("q", ""),
        owner_id=owner.pk if owner else None,
        kind=filters.get("kind", ""),
    )
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = QueryDict(mutable=True)
    for name, value in request.GET.items():
        if value.strip() and name != "page":
            params[name] = value
    context = {
        "section": "clients",
        "form": form,
        "page_obj": page_obj,
        "rows": selectors.client_rows(list(page_obj.object_list)),
        "params": params,
        "is_filtered": bool(params),
    }
    template = "clients/_client_results.html" if request.htmx else "clients/client_list.html"
    return render(request, template, context)


# --- the cards ----------------------------------------------------------------------------


def _missing(instance) -> list:
    return services.missing_fields(instance)


def _account_form(account: Account, data=None) -> AccountForm:
    initial = {f"account_{name}": getattr(account, name) for name in ACCOUNT_FIELDS}
    form = AccountForm(data, initial=initial)
    mark_required(
        form, "account", [row.field for row in services.required_fields(ClientRecord.ACCOUNT)]
    )
    return form


def _account_context(request: HttpRequest, account_id: int, **forms: Any) -> dict[str, Any]:
    card = selectors.account_card(user=request.user, account_id=account_id)
    account = card["account"]
    return {
        "section": "clients",
        **card,
        "missing": _missing(account),
        "account_form": forms.get("account_form") or _account_form(account),
        "deal_form": forms.get("deal_form")
        or DealForm(contacts=Contact.objects.filter(account=account)),
        "owner_form": _owner_form(request, account, forms.get("owner_form")),
        "open_form": forms.get("open_form", ""),
    }


@page
@require_GET
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    return render(request, "clients/account_detail.html", _account_context(request, account_id))


@page
@require_POST
def account_edit(request: HttpRequest, account_id: int) -> HttpResponse:
    account = client_access.account_get_for(user=request.user, account_id=account_id)
    form = _account_form(account, request.POST)
    if form.is_valid():
        data = services.AccountData(
            **{name: form.cleaned_data[f"account_{name}"] for name in ACCOUNT_FIELDS}
        )
        try:
            services.account_update(actor=_actor(request), account=account, data=data)
        except ApplicationError as error:
            add_service_error(form, error, FIELD_MAP)
        else:
            messages.success(request, _("Account saved."))
            return redirect("client-account", account_id=account.pk)
    context = _account_context(request, account_id, account_form=form, open_form="edit")
    return render(request, "clients/account_detail.html", context, status=400)


def _deal_data(form: DealForm) -> services.DealData:
    data = form.cleaned_data
    return services.DealData(
        amount=data["deal_amount"],
        currency=data["deal_currency"],
        title=data["deal_title"],
        kind=data["deal_kind"],
        expected_close_on=data["deal_expected_close_on"],
        stage_id=data["deal_stage"].pk,
    )


@page
@require_POST
def account_deal_new(request: HttpRequest, account_id: int) -> HttpResponse:
    account = client_access.account_get_for(user=request.user, account_id=account_id)
    form = DealForm(request.POST, contacts=Contact.objects.filter(account=account))
    if form.is_valid():
        try:
            services.deal_create(
                actor=_actor(request),
                data=_deal_data(form),
                account=account,
                contact=form.cleaned_data.get("deal_contact"),
            )
        except ApplicationError as error:
            add_service_error(form, error, {**FIELD_MAP, "contact_id": "deal_contact"})
        else:
            messages.success(request, _("Deal added."))
            return redirect("client-account", account_id=account.pk)
    context = _account_context(request, account_id, deal_form=form, open_form="deal")
    return render(request, "clients/account_detail.html", context, status=400)


def _contact_context(request: HttpRequest, contact_id: int, **forms: Any) -> dict[str, Any]:
    card = selectors.contact_card(user=request.user, contact_id=contact_id)
    contact = card["contact"]
    return {
        "section": "clients",
        **card,
        "missing": _missing(contact),
        "account_missing": _missing(contact.account) if contact.account else [],
        "deal_form": forms.get("deal_form") or DealForm(),
        "contact_form": forms.get("contact_form") or _contact_form(contact),
        "method_form": forms.get("method_form") or MethodForm(),
        "owner_form": _owner_form(request, contact, forms.get("owner_form")),
        "open_form": forms.get("open_form", ""),
    }


@page
@require_GET
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    return render(request, "clients/contact_detail.html", _contact_context(request, contact_id))


@page
@require_POST
def contact_deal_new(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = client_access.contact_get_for(user=request.user, contact_id=contact_id)
    form = DealForm(request.POST)
    if form.is_valid():
        try:
            services.deal_create(
                actor=_actor(request),
                data=_deal_data(form),
                account=contact.account,
                contact=contact,
            )
        except ApplicationError as error:
            add_service_error(form, error, FIELD_MAP)
        else:
            messages.success(request, _("Deal added."))
            return redirect("client-contact", contact_id=contact.pk)
    context = _contact_context(request, contact_id, deal_form=form, open_form="deal")
    return render(request, "clients/contact_detail.html", context, status=400)


@page
@require_POST
def deal_stage(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = client_access.deals_visible_to(request.user).filter(pk=deal_id).first()
    if deal is None:
        raise Http404(_("No deal with this id, or it is not yours to see."))
    back = client_url(deal.contact_id, deal.account_id)
    stage = DealStage.objects.filter(pk=request.POST.get("stage") or None).first()
    if stage is None:
        messages.error(request, _("Choose one of the deal stages."))
        return redirect(back)
    services.deal_stage_change(actor=_actor(request), deal=deal, stage=stage)
    messages.success(
        request, _("“%(deal)s” is now %(stage)s.") % {"deal": deal.title, "stage": stage.label}
    )
    return redirect(back)


# --- details, ways to reach and owners ----------------------------------------------------


def _owner_form(request: HttpRequest, client, bound: OwnerForm | None = None):
    """The owner form, for heads of sales and admins, or to take a client nobody owns."""
    if bound is not None:
        return bound
    if access.can_assign(request.user) or client.owner_id is None:
        return OwnerForm(initial={"owner": client.owner_id}, user=request.user)
    return None


def _contact_form(contact: Contact, data=None) -> ContactForm:
    form = ContactForm(
        data, initial={f"contact_{name}": getattr(contact, name) for name in CONTACT_FIELDS}
    )
    mark_required(
        form, "contact", [row.field for row in services.required_fields(ClientRecord.CONTACT)]
    )
    return form


@page
@require_POST
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = client_access.contact_get_for(user=request.user, contact_id=contact_id)
    form = _contact_form(contact, request.POST)
    if form.is_valid():
        data = services.ContactData(
            **{name: form.cleaned_data[f"contact_{name}"] for name in CONTACT_FIELDS}
        )
        try:
            services.contact_update(actor=_actor(request), contact=contact, data=data)
        except ApplicationError as error:
            add_service_error(form, error, FIELD_MAP)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("client-contact", contact_id=contact.pk)
    context = _contact_context(request, contact_id, contact_form=form, open_form="edit")
    return render(request, "clients/contact_detail.html", context, status=400)


@page
@require_POST
def contact_method_add(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = client_access.contact_get_for(user=request.user, contact_id=contact_id)
    form = MethodForm(request.POST)
    if form.is_valid():
        try:
            services.contact_method_add(actor=_actor(request), contact=contact, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Contact added."))
            return redirect("client-contact", contact_id=contact.pk)
    context = _contact_context(request, contact_id, method_form=form, open_form="method")
    return render(request, "clients/contact_detail.html", context, status=400)


def _assign(request: HttpRequest, *, account=None, contact=None) -> HttpResponse | OwnerForm:
    form = OwnerForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.client_assign(
                actor=_actor(request),
                owner=form.cleaned_data["owner"],
                account=account,
                contact=contact,
            )
        except ApplicationError as error:
            add_service_error(form, error, {"owner_id": "owner"})
        else:
            messages.success(request, _("Owner changed."))
            return redirect(
                client_url(contact.pk if contact else None, account.pk if account else None)
            )
    return form


@page
@require_POST
def account_assign(request: HttpRequest, account_id: int) -> HttpResponse:
    account = client_access.account_get_for(user=request.user, account_id=account_id)
    outcome = _assign(request, account=account)
    if isinstance(outcome, HttpResponse):
        return outcome
    context = _account_context(request, account_id, owner_form=outcome, open_form="owner")
    return render(request, "clients/account_detail.html", context, status=400)


@page
@require_POST
def contact_assign(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = client_access.contact_get_for(user=request.user, contact_id=contact_id)
    outcome = _assign(request, contact=contact)
    if isinstance(outcome, HttpResponse):
        return outcome
    context = _contact_context(request, contact_id, owner_form=outcome, open_form="owner")
    return render(request, "clients/contact_detail.html", context, status=400)
