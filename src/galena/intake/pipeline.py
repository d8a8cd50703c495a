"""Runs the stages named in ``settings.INTAKE_STAGES``, in order, over a batch of parsed
submissions — the way Django runs MIDDLEWARE. Intake imports none of the stages."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from galena.intake.contract import Decision, ParsedSubmission, Stage

logger = logging.getLogger(__name__)


@cache
def configured_stages() -> tuple[Stage, ...]:
    return tuple(import_string(path) for path in settings.INTAKE_STAGES)


def stage_name(stage: Stage) -> str:
    return getattr(stage, "name", None) or getattr(stage, "__name__", type(stage).__name__)


def run_stages(
    batch: Sequence[ParsedSubmission], stages: Sequence[Stage] | None = None
) -> list[Decision]:
    """Decide what becomes of each parsed submission. A stage that fails on one submission
    fails that one only (its decision carries the error); the others go on."""
    stages = configured_stages() if stages is None else stages
    decisions = [Decision(parsed=parsed) for parsed in batch]
    for stage in stages:
        live = [i for i, d in enumerate(decisions) if not d.final and not d.error]
        if not live:
            break
        context = None
        prepare = getattr(stage, "prepare", None)
        if prepare is not None:
            try:
                context = prepare([decisions[i] for i in live])
            except Exception:
                error = f"stage {stage_name(stage)} failed to prepare:\n{traceback.format_exc()}"
                logger.exception("intake stage %s failed to prepare", stage_name(stage))
                for i in live:
                    decisions[i] = decisions[i].but(error=error)
                break
        for i in live:
            try:
                decisions[i] = stage(decisions[i], context)
            except Exception:
                logger.exception(
                    "intake stage %s failed on submission %s",
                    stage_name(stage),
                    decisions[i].parsed.submission_id,
                )
                decisions[i] = decisions[i].but(
                    error=f"stage {stage_name(stage)} failed:\n{traceback.format_exc()}"
                )
    return decisions
