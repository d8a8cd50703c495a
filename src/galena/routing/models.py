"""Routing's data: who takes a new lead (assignment rules, each member's routing state,
absences), the teams' business hours and holidays, and the first-response SLAs (policies
and each lead's clock).

The rules and policies are data a head of sales edits in the admin; the evaluation is pure
(``routing.rules``, ``routing.calendar``), the writes are in ``routing.services`` and
``routing.sla``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from galena.accounts.models import Team
from galena.core.models import TimeStampedModel
from galena.leads.models import Lead


def default_business_hours() -> dict:
    # ISO weekday (1 = Monday) -> [[start, end], …] in the team's time zone
    return {str(day): [["09:00", "18:00"]] for day in range(1, 6)}


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    WEIGHTED = "weighted", _("Weighted round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    SKILLS = "skills", _("Skills (product and language), then least loaded")


class TargetKind(models.TextChoices):
    USER = "user", _("A person")
    TEAM = "team", _("A member of a team")
    QUEUE = "queue", _("A team's queue")


class RoutingRule(TimeStampedModel):
    """ "Leads that <conditions> go to <target>": the first active rule in order that matches
    takes the lead; a rule without conditions takes every lead (the default rule)."""

    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)
    conditions = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'All must hold: [{"field": "temperature", "operator": "in", "value": ["hot"]}]. '
            "Empty: every lead (the default rule)."
        ),
    )
    target_kind = models.CharField(
        max_length=8, choices=TargetKind.choices, default=TargetKind.TEAM
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routing_rules",
        help_text=_("For a rule that routes to a person."),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routing_rules",
        help_text=_("For a rule that routes to a team or its queue."),
    )
    strategy = models.CharField(
        max_length=14,
        choices=Strategy.choices,
        default=Strategy.ROUND_ROBIN,
        help_text=_("How a member of the team is chosen."),
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class TeamRouting(models.Model):
    """A team's routing state and calendar: its business hours (for SLAs and for who is
    at work) and the round-robin sequence, whose row is locked while a member is chosen."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, primary_key=True, related_name="routing"
    )
    business_hours = models.JSONField(
        default=default_business_hours,
        blank=True,
        help_text=_('ISO weekday (1 = Monday) → [["09:00", "18:00"]] in the team\'s time zone.'),
    )
    sequence = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("team routing")

    def __str__(self) -> str:
        return str(self.team)


class RoutingMember(models.Model):
    """A sales person as routing sees them: weight, whether they take leads now, and the
    counters the strategies read (kept on one row, updated under the team's lock)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="routing",
    )
    weight = models.PositiveSmallIntegerField(
        default=1, help_text=_("Share of leads under weighted round robin (1 = normal).")
    )
    accepts_leads = models.BooleanField(
        default=True, help_text=_("Off: routing skips this person (e.g. away today).")
    )
    # the team sequence number of this member's last assignment (round robin: lowest first)
    last_sequence = models.BigIntegerField(default=0, editable=False)
    # smooth weighted round robin's running weight
    current_weight = models.BigIntegerField(default=0, editable=False)
    day = models.DateField(null=True, blank=True, editable=False)
    assigned_on_day = models.PositiveIntegerField(default=0, editable=False)
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # open leads + tasks due today, as last counted (load_counted_at), plus routing's own
    # assignments since: what least-loaded and skills compare between counts
    load = models.PositiveIntegerField(default=0, editable=False)
    load_counted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("routing member")

    def __str__(self) -> str:
        return str(self.user)


class Absence(models.Model):
    """A time a person takes no leads: holiday, sick leave, a training day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["user", "ends_at"], name="absence_user_end")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d}"


class Holiday(models.Model):
    """A day off: for one team, or for every team when the team is empty."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["team", "date"], name="holiday_one_per_team_day"),
            models.UniqueConstraint(
                fields=["date"], condition=Q(team__isnull=True), name="holiday_one_global_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


# --------------------------------------------------------------------------- SLAs


class ResponseKind(models.TextChoices):
    CALL = "call", _("A call logged")
    EMAIL = "email", _("An e-mail sent")
    TASK = "task", _("A task done")
    NOTE = "note", _("A note written")


def default_response_kinds() -> list:
    return [ResponseKind.CALL, ResponseKind.EMAIL, ResponseKind.TASK]


class SlaPolicy(TimeStampedModel):
    """ "Leads that <conditions> get a first response within <minutes>": the first active
    policy in order that matches sets a new lead's deadline."""

    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)
    conditions = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'All must hold, e.g. [{"field": "temperature", "operator": "eq", "value": "hot"}]; '
            "empty: every lead."
        ),
    )
    response_minutes = models.PositiveIntegerField(
        default=0, help_text=_("Time allowed for the first response, in minutes…")
    )
    response_business_days = models.PositiveSmallIntegerField(
        default=0,
        help_text=_("…plus whole business days (1: the same time on the next business day)."),
    )
    business_hours = models.BooleanField(
        default=True,
        help_text=_("Count only the team's business hours, without its holidays."),
    )
    response_kinds = models.JSONField(
        default=default_response_kinds,
        blank=True,
        help_text=_("What counts as a response: call, email, task, note."),
    )
    warn_before_minutes = models.PositiveIntegerField(
        default=0, help_text=_("Warn the owner this long before the deadline (0: no warning).")
    )
    reassign_after_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("After the breach, reassign by the rules this much later (empty: never)."),
    )
    alert_after_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("After the breach, alert the head of sales this much later (empty: never)."),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class SlaStatus(models.TextChoices):
    DUE = "due", _("Due")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


class SlaClock(models.Model):
    """One lead's first-response clock: its deadline, and where its escalation stands."""

    lead = models.OneToOneField(
        Lead, on_delete=models.CASCADE, primary_key=True, related_name="sla_clock"
    )
    policy = models.ForeignKey(SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    met_by = models.CharField(max_length=8, blank=True)  # ResponseKind
    breached_at = models.DateTimeField(null=True, blank=True)
    # 0 nothing yet, 1 owner reminded, 2 reassigned, 3 head of sales alerted
    escalation_step = models.PositiveSmallIntegerField(default=0)
    # when the periodic sweep must look at this clock next; empty when it is done with it
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        indexes = [models.Index(fields=["next_check_at"], name="sla_clock_next_check")]

    def __str__(self) -> str:
        return f"SLA of lead #{self.lead_id}"

    @property
    def status(self) -> str:
        if self.met_at is not None:
            return SlaStatus.MET if self.met_at <= self.due_at else SlaStatus.BREACHED
        if self.breached_at is not None or timezone.now() > self.due_at:
            return SlaStatus.BREACHED
        return SlaStatus.DUE
