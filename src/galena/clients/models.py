"""Clients: the person (Contact), the company (Account), what they buy (Deal), and the record of
each lead's conversion.

A client is a separate record from the lead it came from, linked both ways (``ClientLead``,
``Conversion``), possibly with a different owner and with more fields (tax id, registration
number, billing address). Business logic lives in services.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from galena.core.models import TimeStampedModel
from galena.leads.models import ActorSource, ContactKind


class Account(TimeStampedModel):
    """The company a client works for and that is invoiced."""

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=255, blank=True)
    tax_id = models.CharField(
        _("tax id"), max_length=40, blank=True, help_text=_("VAT or tax identification number.")
    )
    registration_number = models.CharField(_("registration number"), max_length=60, blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2")
    )
    website = models.CharField(_("website"), max_length=255, blank=True)
    industry = models.CharField(_("industry"), max_length=120, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_accounts",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_accounts",
    )
    # the tax id without spaces, dots or dashes, upper case: what matching compares
    tax_id_normalised = models.CharField(max_length=40, blank=True, editable=False)
    # lower-cased names and identifiers: one column to search
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["tax_id_normalised"], name="account_tax_id"),
            models.Index(fields=["owner", "name"], name="account_owner_name"),
            models.Index(fields=["team", "name"], name="account_team_name"),
        ]
        constraints = [
            # one account per company: the same tax id twice is a duplicate
            models.UniqueConstraint(
                fields=["tax_id_normalised"],
                condition=~Q(tax_id_normalised=""),
                name="account_unique_tax_id",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStampedModel):
    """The person: a client's buyer, or a consumer client without an account."""

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    display_name = models.CharField(_("display name"), max_length=255, blank=True)
    position = models.CharField(_("position"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2")
    )
    account = models.ForeignKey(
        Account,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("account"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_contacts",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_contacts",
    )
    name_translit = models.CharField(max_length=255, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["display_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["owner", "display_name"], name="contact_owner_name"),
            models.Index(fields=["team", "display_name"], name="contact_team_name"),
            models.Index(fields=["name_translit"], name="contact_name_translit"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.full_name or f"Contact #{self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


class ContactMethod(models.Model):
    """A way to reach a contact, normalised as a lead's contact point is (E.164 phones,
    lower-case e-mails, canonical profile links), so intake and conversion find the client
    by an indexed lookup."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="methods")
    kind = models.CharField(max_length=12, choices=ContactKind.choices)
    value_raw = models.CharField(max_length=320)
    value = models.CharField(max_length=320)
    label = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_primary", "kind", "id"]
        indexes = [models.Index(fields=["kind", "value"], name="contactmethod_kind_value")]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "kind", "value"], name="contactmethod_unique_per_contact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class DealStageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


DEFAULT_DEAL_STAGE_NAMES = (
    gettext_noop("Agreed"),
    gettext_noop("Invoiced"),
    gettext_noop("Paid"),
    gettext_noop("Lost"),
)


class DealStage(models.Model):
    """A step of a deal, as data: open ones, and the won and lost ends."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=DealStageKind.choices, default=DealStageKind.OPEN)
    order = models.PositiveSmallIntegerField(default=0)
    is_default = models.BooleanField(default=False, help_text=_("New deals start here."))

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_deal_stage"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return gettext(self.name)


class DealKind(models.TextChoices):
    NEW = "new", _("New business")
    REPEAT = "repeat", _("Repeat purchase")
    UPSELL = "upsell", _("Upsell")
    CROSS_SELL = "cross_sell", _("Cross-sell")


class Deal(TimeStampedModel):
    """What a client buys: a first purchase from a lead, or a repeat, upsell or cross-sell."""

    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("account"),
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("contact"),
    )
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("lead"),
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=12, choices=DealKind.choices, default=DealKind.NEW
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3)
    expected_close_on = models.DateField(_("expected close"), null=True, blank=True)
    stage = models.ForeignKey(
        DealStage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_deals",
        verbose_name=_("owner"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["account", "-created_at"], name="deal_account_created"),
            models.Index(fields=["contact", "-created_at"], name="deal_contact_created"),
            models.Index(fields=["owner", "stage"], name="deal_owner_stage"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(account__isnull=False) | Q(contact__isnull=False),
                name="deal_has_a_client",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ClientRecord(models.TextChoices):
    ACCOUNT = "account", _("Account")
    CONTACT = "contact", _("Contact")


# The fields a business may require of a client, per record; the defaults seeded by the
# migration are the account's tax id, registration number and billing address.
REQUIRABLE_FIELDS = {
    ClientRecord.ACCOUNT: (
        "legal_name",
        "tax_id",
        "registration_number",
        "billing_address",
        "country",
        "website",
        "industry",
    ),
    ClientRecord.CONTACT: ("position", "language", "country", "last_name"),
}


class ClientField(models.Model):
    """A field a client needs that a lead did not: asked for by the conversion form and
    shown as missing on the client card."""

    record = models.CharField(max_length=8, choices=ClientRecord.choices)
    field = models.CharField(max_length=40)
    is_required = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["record", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "field"], name="client_field_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_record_display()}: {self.label}"

    def clean(self) -> None:
        allowed = REQUIRABLE_FIELDS.get(self.record, ())
        if self.field not in allowed:
            raise ValidationError(
                {"field": _("Choose one of: %(fields)s.") % {"fields": ", ".join(allowed)}}
            )

    @property
    def label(self) -> str:
        model = Account if self.record == ClientRecord.ACCOUNT else Contact
        try:
            return str(model._meta.get_field(self.field).verbose_name).capitalize()
        except Exception:  # a row edited in the database by hand
            return self.field


class LinkKind(models.TextChoices):
    CONVERTED = "converted", _("Converted to this client")
    RECOGNISED = "recognised", _("Inquiry from a known client")


class ClientLead(models.Model):
    """Which client a lead belongs to: the one it was converted to, or the known client
    intake recognised it as. A lead belongs to at most one client."""

    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="client_link")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="lead_links")
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="lead_links"
    )
    kind = models.CharField(max_length=12, choices=LinkKind.choices)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-linked_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-linked_at"], name="clientlead_contact"),
            models.Index(fields=["account", "-linked_at"], name="clientlead_account"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} → {self.contact_id}"


class Conversion(models.Model):
    """A lead's conversion to a client: what was created or linked, by whom, and how long it
    took — the conversion time (lead created → converted) and the lead time (first contact
    with the person → money), stored so analytics can sum and average them."""

    lead = models.OneToOneField("leads.Lead", on_delete=models.PROTECT, related_name="conversion")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="conversions")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="conversions"
    )
    deal = models.ForeignKey(
        Deal, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversions"
    )
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    client_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lead_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    converted_at = models.DateTimeField(default=timezone.now)
    first_contact_at = models.DateTimeField()
    conversion_time = models.DurationField(help_text=_("From the lead's arrival to conversion."))
    lead_time = models.DurationField(help_text=_("From the first contact to money."))
    contact_created = models.BooleanField(default=False)
    account_created = models.BooleanField(default=False)

    class Meta:
        ordering = ["-converted_at", "-id"]
        indexes = [
            models.Index(fields=["converted_at"], name="conversion_converted_at"),
            models.Index(fields=["client_owner", "converted_at"], name="conversion_owner_at"),
        ]

    def __str__(self) -> str:
        return f"Lead {self.lead_id} → contact {self.contact_id}"


# the details of a contact and of an account whose changes the client's history keeps
CONTACT_DETAILS = (
    "first_name",
    "middle_name",
    "last_name",
    "display_name",
    "position",
    "language",
    "country",
)
ACCOUNT_DETAILS = (
    "name",
    "legal_name",
    "tax_id",
    "registration_number",
    "billing_address",
    "country",
    "website",
    "industry",
)


class ClientEventType(models.TextChoices):
    UPDATED = "updated", _("Details changed")
    METHOD_ADDED = "method_added", _("Way to reach them added")


class ClientEvent(models.Model):
    """One change to a client's contact or account: the card's history and the evidence of
    a correction — what was changed, by whom, how, with each field's before and after
    (the same ``changes`` parameters a lead's ``updated`` event keeps)."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    type = models.CharField(max_length=16, choices=ClientEventType.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_source = models.CharField(max_length=12, choices=ActorSource.choices)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-occurred_at"], name="client_event_contact"),
            models.Index(fields=["account", "-occurred_at"], name="client_event_account"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(account__isnull=False),
                name="client_event_names_its_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} @ {self.occurred_at:%Y-%m-%d %H:%M}"
