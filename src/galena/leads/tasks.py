"""Background work on leads. Thin tasks: they take ids and call a service."""

from celery import shared_task

from galena.leads import notifications


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_owner_of_assignment(event_id: int) -> bool:
    """E-mail a lead's new owner; idempotent per assignment event."""
    return notifications.assignment_email_send(event_id=event_id)
