"""The quality gate's rules as data: which pseudo-lead checks run and how much each counts,
the blocked and competitor lists, and the rules that tell a target lead from a non-target one.

The checks themselves are code (``quality/checks.py``); a ``QualityCheck`` row switches one
on or off and sets its weight and thresholds. Rows are seeded with the defaults by a
migration, so a fresh install behaves sensibly and every number can be changed in the admin.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from galena.core.models import TimeStampedModel


class CheckGroup(models.TextChoices):
    MISTAKE = "mistake", _("Honest mistake")
    BOT = "bot", _("Bot")
    FAKE = "fake", _("Fake or prank")
    COMPETITOR = "competitor", _("Competitor or probe")
    FARMED = "farmed", _("Paid or farmed")


class QualityCheck(TimeStampedModel):
    """One pseudo-lead check's settings. Points of the checks that fire add up: at
    QUALITY_QUARANTINE_POINTS the submission is held for review, at QUALITY_REJECT_POINTS it
    is rejected as a pseudo-lead; below, the reasons are recorded as flags."""

    code = models.SlugField(max_length=40, unique=True)
    group = models.CharField(max_length=12, choices=CheckGroup.choices)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    weight = models.PositiveSmallIntegerField(
        default=100, help_text=_("Points added when this check fires.")
    )
    params = models.JSONField(
        default=dict, blank=True, help_text=_('Thresholds, e.g. {"min_ms": 2500}.')
    )

    class Meta:
        ordering = ["group", "code"]

    def __str__(self) -> str:
        return self.name


class ListKind(models.TextChoices):
    EMAIL_DOMAIN = "email_domain", _("E-mail domain")
    EMAIL = "email", _("E-mail address")
    PHONE = "phone", _("Phone number (E.164)")
    NETWORK = "network", _("IP address or network (CIDR)")


class ListPurpose(models.TextChoices):
    BLOCKED = "blocked", _("Blocked")
    COMPETITOR = "competitor", _("Competitor")
    ALLOWED = "allowed", _("Allowed (never flagged as disposable or test)")


class ListedValue(TimeStampedModel):
    """A value on one of the business's lists: blocked, a competitor's, or allowed."""

    purpose = models.CharField(max_length=12, choices=ListPurpose.choices)
    kind = models.CharField(max_length=14, choices=ListKind.choices)
    value = models.CharField(max_length=320, help_text=_("Stored normalised (lower case, E.164)."))
    note = models.CharField(max_length=200, blank=True, help_text=_("e.g. the competitor's name"))

    class Meta:
        ordering = ["purpose", "kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "kind", "value"], name="listed_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.get_kind_display()}: {self.value}"

    def clean(self) -> None:
        from galena.quality.lists import normalise_listed_value

        try:
            self.value = normalise_listed_value(self.kind, self.value)
        except ValueError as error:
            raise ValidationError({"value": str(error)}) from error


class FitOperator(models.TextChoices):
    IN = "in", _("is one of")
    NOT_IN = "not_in", _("is not one of")
    EQ = "eq", _("equals")
    NE = "ne", _("does not equal")
    LT = "lt", _("is less than")
    LTE = "lte", _("is at most")
    GT = "gt", _("is greater than")
    GTE = "gte", _("is at least")
    CONTAINS = "contains", _("contains")
    EMPTY = "empty", _("is empty")
    NOT_EMPTY = "not_empty", _("is not empty")


class FitRule(TimeStampedModel):
    """ "The lead is non-target when <field> <operator> <value>": served regions, products
    sold, budget, age, income. A lead no active rule marks non-target is a target lead."""

    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)
    field = models.CharField(
        max_length=120,
        help_text=_("A lead field (country, region, city, interest, …) or attributes.<answer>"),
    )
    operator = models.CharField(max_length=10, choices=FitOperator.choices)
    value = models.JSONField(
        default=list, blank=True, help_text=_("A value, or a list for 'is one of'.")
    )
    message = models.CharField(
        max_length=200, help_text=_("Shown as the reason, e.g. 'Outside the served regions'.")
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from galena.quality.fit import fit_rule_errors

        if isinstance(self.value, str):
            self.value = self.value.strip()
        self.field = (self.field or "").strip()
        if errors := fit_rule_errors(self.field, self.operator, self.value):
            raise ValidationError(errors)
