"""The import adapter: one stored row of an import job as a parsed submission, so a row
whose intake stage failed can be retried like any other submission
(`galena intake retry`)."""

from __future__ import annotations

from galena.intake.contract import ParsedSubmission
from galena.intake.importing.rows import parse_row
from galena.intake.importing.services import plan_for
from galena.intake.models import ImportJob


def parse(submission) -> ParsedSubmission:
    """A stored import row, read with its job's mapping."""
    job = ImportJob.objects.get(pk=int(submission.endpoint.removeprefix("import:")))
    cells = [str(submission.payload.get(header, "")) for header in job.headers]
    parsed, problems = parse_row(int(submission.idempotency_key), cells, plan_for(job))
    if parsed is None:
        raise ValueError(" ".join(p.problem for p in problems))
    return parsed
