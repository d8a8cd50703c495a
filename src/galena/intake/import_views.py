"""The staff page for file imports (/intake/import/): upload a CSV or XLSX, check the
suggested mapping on the first rows, dry-run, import, and follow the progress (htmx polls
the job). For admins and heads of sales only."""

from __future__ import annotations

from functools import wraps
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from galena.accounts.models import Role
from galena.accounts.roles import role_of
from galena.core import audit
from galena.core.errors import ValidationFailed
from galena.intake.importing import services
from galena.intake.importing.mapping import ATTRIBUTE, FIELD_LABELS, IGNORE
from galena.intake.importing.tasks import import_job_start
from galena.intake.models import ImportJob, ImportStatus
from galena.leads.models import Campaign, Source

IMPORT_ROLES = frozenset({Role.ADMIN, Role.HEAD_OF_SALES})
ACTIVE = (ImportStatus.CHECKING, ImportStatus.RUNNING)
STALE_AFTER = 120  # seconds without progress before a running job is offered a resume


def import_page(view):
    """Logged in, and an admin or head of sales (others get 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if role_of(request.user) not in IMPORT_ROLES:
            raise PermissionDenied(_("Only admins and heads of sales can import files."))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV or XLSX; the first row names the columns."),
    )
    source = forms.ModelChoiceField(
        queryset=Source.objects.filter(is_active=True), label=gettext_lazy("Source")
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.filter(is_active=True).select_related("source"),
        required=False,
        label=gettext_lazy("Campaign"),
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding"),
        choices=[
            ("auto", gettext_lazy("Detect")),
            ("utf-8", "UTF-8"),
            ("cp1251", "Windows-1251 (Cyrillic)"),
            ("cp1252", "Windows-1252"),
            ("latin-1", "Latin-1"),
        ],
        initial="auto",
    )
    delimiter = forms.ChoiceField(
        label=gettext_lazy("Delimiter"),
        choices=[("", gettext_lazy("Detect")), (",", ","), (";", ";"), ("tab", "Tab"), ("|", "|")],
        required=False,
    )
    sheet = forms.CharField(
        label=gettext_lazy("Sheet (XLSX)"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Empty: the first sheet."),
    )


@import_page
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            job = services.import_job_create(
                file=upload,
                name=upload.name,
                source=data["source"],
                campaign=data["campaign"],
                created_by=request.user,
                encoding=data["encoding"],
                delimiter="\t" if data["delimiter"] == "tab" else data["delimiter"],
                sheet=data["sheet"],
            )
        except ValidationFailed as error:
            for name, message in error.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            return redirect("import-job", job_id=job.pk)
    jobs = ImportJob.objects.select_related("source", "campaign", "created_by")[:20]
    return render(
        request, "intake/import_start.html", {"form": form, "jobs": jobs, "section": "import"}
    )


def _targets(header: str) -> list[tuple[str, str]]:
    return [
        (IGNORE, _("— ignore —")),
        (f"{ATTRIBUTE}{header}", _("Custom attribute “%(name)s”") % {"name": header}),
        *((name, str(label)) for name, label in FIELD_LABELS.items()),
    ]


def _is_stale(job: ImportJob) -> bool:
    return job.status in ACTIVE and (timezone.now() - job.updated_at).total_seconds() > STALE_AFTER


def _job_context(job: ImportJob) -> dict:
    columns = []
    for index, (header, target) in enumerate(zip(job.headers, job.mapping, strict=True)):
        choices = _targets(header)
        if target not in dict(choices):  # an attribute named differently, e.g. from the CLI
            choices.insert(2, (target, target))
        columns.append({"index": index, "header": header, "target": target, "choices": choices})
    try:
        preview = services.import_preview(job, limit=10)
    except Exception:  # the page still shows the job when the file went missing
        preview = []
    return {
        "job": job,
        "columns": columns,
        "preview": preview,
        "editable": job.status in (ImportStatus.UPLOADED, ImportStatus.DRY_RUN_DONE),
        "stale": _is_stale(job),
        "section": "import",
    }


@import_page
@require_GET
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.select_related("source", "campaign"), pk=job_id)
    return render(request, "intake/import_job.html", _job_context(job))


@import_page
@require_POST
def import_job_action(request: HttpRequest, job_id: int) -> HttpResponse:
    """Save the mapping and start a dry run, an import or a resume."""
    job = get_object_or_404(ImportJob, pk=job_id)
    action = request.POST.get("action", "")
    if action not in ("dry_run", "import", "resume"):
        raise Http404
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            if job.status in ACTIVE and not _is_stale(job):
                raise ValidationFailed({"status": _("This import is already running.")})
            if action != "resume" and job.status in (
                ImportStatus.UPLOADED,
                ImportStatus.DRY_RUN_DONE,
            ):
                mapping = [request.POST.get(f"column-{i}", IGNORE) for i in range(len(job.headers))]
                services.import_job_set_mapping(job=job, mapping=mapping)
            if action == "dry_run" and job.status not in (
                ImportStatus.UPLOADED,
                ImportStatus.DRY_RUN_DONE,
                ImportStatus.FAILED,
            ):
                raise ValidationFailed(
                    {"status": _("The import has started; a dry run is too late.")}
                )
            if action != "dry_run" and job.status == ImportStatus.DONE:
                raise ValidationFailed({"status": _("This import is done.")})
    except ValidationFailed as error:
        messages.error(request, error.message)
        return redirect("import-job", job_id=job.pk)
    import_job_start(job_id=job.pk, dry_run=action == "dry_run")
    return redirect("import-job", job_id=job.pk)


@import_page
@require_GET
def import_job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress fragment htmx polls while the job runs."""
    job = get_object_or_404(ImportJob, pk=job_id)
    response = render(request, "intake/import_progress.html", {"job": job, "stale": _is_stale(job)})
    if request.htmx and job.status not in ACTIVE:
        response["HX-Refresh"] = "true"  # finished: the whole page shows what comes next
    return response


@import_page
@require_GET
def import_job_errors(request: HttpRequest, job_id: int) -> HttpResponse:
    """Every problem by row, as CSV (cells a spreadsheet would run as formulas are quoted)."""
    job = get_object_or_404(ImportJob, pk=job_id)
    stem = Path(job.original_name).stem or "import"
    dry_run = job.status == ImportStatus.DRY_RUN_DONE
    audit.record(  # the problems carry the rows' values: personal data in bulk
        actor=request.user,
        action=audit.BULK_EXPORT,
        object_type="intake.ImportJob problems",
        count=(job.error_report.get("dry_run") or {}).get("failed", 0)
        if dry_run
        else job.failed_count,
        params={"import_job": job.pk, "dry_run": dry_run},
        request=request,
    )
    if dry_run:
        path = services.dry_run_file(job)
        if not path.exists():
            raise Http404
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=f"{stem}-dry-run-problems.csv",
            content_type="text/csv; charset=utf-8",
        )
    response = StreamingHttpResponse(
        services.problems_csv_lines(services.import_problems(job)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{stem}-problems.csv"'
    return response
