"""Matching as data: the weights of the comparison levels, the thresholds, the blocking keys
of every lead, the possible duplicates waiting for review and the merges that can be undone.

The comparisons themselves are code (``matching/comparisons.py``); a ``ComparisonWeight`` row
holds the m and u probabilities of one level of one comparison (Fellegi–Sunter), seeded from
the code's defaults, editable in the admin and re-estimated from the data by ``galena dedupe
--estimate`` (EM).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class WeightSource(models.TextChoices):
    DEFAULT = "default", _("Default")
    HAND = "hand", _("Set by hand")
    ESTIMATED = "estimated", _("Estimated from the data (EM)")


class ComparisonWeight(models.Model):
    """The m and u probabilities of one agreement level of one comparison: how often two
    records of the same person (m), and of different people (u), agree at this level."""

    comparison = models.CharField(max_length=40)
    level = models.CharField(max_length=40)
    m = models.FloatField(help_text=_("P(this level | same person), between 0 and 1."))
    u = models.FloatField(help_text=_("P(this level | different people), between 0 and 1."))
    source = models.CharField(max_length=10, choices=WeightSource.choices, default="default")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["comparison", "id"]
        constraints = [
            models.UniqueConstraint(fields=["comparison", "level"], name="weight_unique_level"),
            models.CheckConstraint(
                condition=models.Q(m__gt=0, m__lte=1, u__gt=0, u__lte=1),
                name="weight_probabilities",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.comparison}: {self.level}"

    def clean(self) -> None:
        for name in ("m", "u"):
            value = getattr(self, name)
            if value is not None and not 0 < value <= 1:
                raise ValidationError({name: _("A probability above 0 and at most 1.")})


class MatchSettings(models.Model):
    """The thresholds that turn a match probability into a decision (one row)."""

    prior = models.FloatField(
        default=0.02,
        help_text=_("P(same person) for a candidate pair: two leads that share a blocking key."),
    )
    same_threshold = models.FloatField(
        default=0.99,
        help_text=_("At or above: the same person, attached as a repeat inquiry."),
    )
    possible_threshold = models.FloatField(
        default=0.5,
        help_text=_("At or above (and below the first): a possible duplicate for review."),
    )
    unmerge_days = models.PositiveSmallIntegerField(
        default=30, help_text=_("How long a merge can be undone.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("matching settings")
        verbose_name_plural = _("matching settings")

    def __str__(self) -> str:
        return str(_("Matching settings"))

    def clean(self) -> None:
        if not 0 < self.prior < 1:
            raise ValidationError({"prior": _("A probability between 0 and 1.")})
        if not 0 < self.possible_threshold <= self.same_threshold <= 1:
            raise ValidationError(
                {"same_threshold": _("Needs 0 < possible threshold ≤ same threshold ≤ 1.")}
            )


class MatchKey(models.Model):
    """A blocking key of a lead (a transliterated name, a phonetic code, a company…): the
    indexed column the candidate search reads, so matching never scans all leads. Exact
    contact values are found through ``ContactPoint``'s own index instead."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=96)

    class Meta:
        # (key, lead): the most recent leads of a key come straight off the index, however
        # many leads share it
        indexes = [models.Index(fields=["key", "-lead"], name="match_key_lead")]

    def __str__(self) -> str:
        return self.key


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Not the same person")


class DuplicateFoundBy(models.TextChoices):
    INTAKE = "intake", _("Intake")
    BATCH = "batch", _("galena dedupe")
    CARD = "card", _("Lead card")


class DuplicateCandidate(models.Model):
    """Two leads that may be the same person, with the evidence, for a reviewer to merge or
    dismiss. ``lead`` is the newer of the two."""

    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, related_name="duplicate_candidates"
    )
    other = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    weight = models.FloatField(help_text=_("The match weight, in bits (log2 of the odds)."))
    explanation = models.JSONField(default=list, blank=True)
    found_by = models.CharField(max_length=8, choices=DuplicateFoundBy.choices)
    status = models.CharField(
        max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-probability", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "other"], name="duplicate_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(lead__gt=models.F("other")), name="duplicate_ordered_pair"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-probability"], name="duplicate_status"),
            models.Index(fields=["other", "status"], name="duplicate_other"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} ~ {self.other_id} ({self.probability:.2f})"


class LeadMerge(models.Model):
    """Leads merged into a survivor, with everything needed to undo it: each record's field
    values before the merge and the rows moved from each merged lead to the survivor."""

    survivor = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="merges")
    merged_ids = models.JSONField(default=list)
    snapshot = models.JSONField(default=dict)
    moved = models.JSONField(default=dict)
    choices = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.merged_ids} → {self.survivor_id}"
