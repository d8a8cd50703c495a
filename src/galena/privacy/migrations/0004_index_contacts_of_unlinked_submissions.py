"""Index the contacts of the submissions that made no lead before intake did it itself, so a
person's request finds them without reading every body."""

from django.db import migrations

CHUNK = 2000


def index_contacts(apps, schema_editor):
    from galena.privacy.submissions import contact_values

    Submission = apps.get_model("intake", "Submission")
    SubmissionContact = apps.get_model("privacy", "SubmissionContact")
    unlinked = (
        Submission.objects.filter(lead__isnull=True, status="processed")
        .order_by("pk")
        .values_list("pk", "payload", "raw_body")
    )
    rows = []
    for pk, payload, raw_body in unlinked.iterator(chunk_size=CHUNK):
        values = contact_values(payload=payload, raw_body=raw_body or "")
        rows += [SubmissionContact(submission_id=pk, value=value) for value in sorted(values)]
        if len(rows) >= CHUNK:
            SubmissionContact.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    SubmissionContact.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_submission_contacts")]

    operations = [migrations.RunPython(index_contacts, migrations.RunPython.noop)]
