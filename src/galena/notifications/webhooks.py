"""Outgoing webhooks: signed POSTs of notification events, retried with backoff.

The signature: ``X-Galena-Signature: sha256=<hex>``, the HMAC-SHA256 with the webhook's
secret of ``<X-Galena-Timestamp>.<raw body>`` (the timestamp in Unix seconds), so a
receiver that refuses old timestamps cannot be replayed to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from galena.core.errors import ValidationFailed
from galena.core.net import is_public_address
from galena.notifications.models import DeliveryStatus, Webhook, WebhookDelivery

SIGNATURE_HEADER = "X-Galena-Signature"
TIMESTAMP_HEADER = "X-Galena-Timestamp"
EVENT_HEADER = "X-Galena-Event"
DELIVERY_HEADER = "X-Galena-Delivery"
ERROR_LENGTH = 500
TEST_KIND = "test"


class WebhookRefused(Exception):
    """The URL may not be called (scheme, or an address inside the network)."""


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-Galena-Signature value of a body sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def signature_valid(
    *, secret: str, timestamp: str, body: bytes, header: str, tolerance: int = 300
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - sent) > tolerance:
        return False
    return hmac.compare_digest(signature(secret=secret, timestamp=sent, body=body), header)


def webhook_url_check(url: str) -> None:
    """Refuse a URL that is not http(s), or, unless private addresses are allowed
    (NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE, off in production), one inside the network."""
    try:
        if settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE:
            _parts(url)
        else:
            _addresses(url)
    except WebhookRefused as error:
        raise ValidationFailed({"url": str(error)}) from None


def _parts(url: str) -> Any:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise WebhookRefused("The port is not a number.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("Use an http:// or https:// address.")
    return parts


def _addresses(url: str) -> tuple[Any, list[str]]:
    parts = _parts(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise WebhookRefused(f"The host {parts.hostname} cannot be found ({error}).") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE and not all(
        is_public_address(address) for address in addresses
    ):
        raise WebhookRefused(
            f"{parts.hostname} is an address inside the network; webhooks go to public ones."
        )
    return parts, addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to next."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post_signed(*, url: str, secret: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST a signed body (no redirects followed); the status and the start of the answer."""
    parts, addresses = _addresses(url)
    timestamp = int(time.time())
    headers = {
        **headers,
        "Content-Type": "application/json",
        "User-Agent": "Galena-Webhooks/1",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret=secret, timestamp=timestamp, body=body),
    }
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(
        parts.hostname,
        parts.port or (443 if parts.scheme == "https" else 80),
        address=addresses[0],
        timeout=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT,
    )
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(1000).decode("utf-8", "replace")
    finally:
        connection.close()


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _retry_delays() -> list[int]:
    return list(settings.NOTIFICATIONS_WEBHOOK_RETRY_SECONDS)


def delivery_attempt(*, delivery_id: int) -> str | None:
    """Send one due delivery and record how it went; the status after, or None when it
    was not due (already delivered, failed, or claimed by another worker)."""
    now = timezone.now()
    # Claimed with one UPDATE, not a lock held during the request: another worker or the
    # sweep finds it not due until the lease ends (a worker that dies mid-request leaves
    # it to the sweep after that).
    lease = now + dt.timedelta(seconds=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT + 60)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=lease, attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    webhook = delivery.webhook
    code: int | None = None
    error = ""
    if not webhook.is_active and delivery.kind != TEST_KIND:
        error = "The webhook is switched off."
    else:
        try:
            code, answer = post_signed(
                url=webhook.url,
                secret=webhook.secret,
                body=_body(delivery.payload),
                headers={EVENT_HEADER: delivery.kind, DELIVERY_HEADER: str(delivery.pk)},
            )
            if not 200 <= code < 300:
                error = f"HTTP {code}: {answer}"
        except WebhookRefused as refused:
            error = str(refused)
        except (OSError, http.client.HTTPException) as failure:
            error = f"{type(failure).__name__}: {failure}"
    return _delivery_record(delivery, code=code, error=error, stop=not webhook.is_active)


def _delivery_record(delivery: WebhookDelivery, *, code: int | None, error: str, stop: bool) -> str:
    now = timezone.now()
    delivery.response_code = code
    delivery.error = error[:ERROR_LENGTH]
    delays = _retry_delays()
    delay = None
    if not error:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif stop or delivery.kind == TEST_KIND or delivery.attempts > len(delays):
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delay = delays[delivery.attempts - 1]
        delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
    delivery.save(
        update_fields=["status", "response_code", "error", "delivered_at", "next_attempt_at"]
    )
    if delay is not None:
        from galena.notifications.tasks import webhook_delivery_send

        pk = delivery.pk
        transaction.on_commit(lambda: webhook_delivery_send.apply_async((pk,), countdown=delay))
    return delivery.status


def deliveries_due(*, limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come (a lost retry task is not a lost delivery)."""
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_test_send(*, webhook: Webhook) -> WebhookDelivery:
    """Send a test event to a webhook now (from the admin); the delivery says how it went."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        kind=TEST_KIND,
        payload={
            "id": f"test-{int(now.timestamp())}",
            "event": TEST_KIND,
            "occurred_at": now.isoformat(),
            "lead_id": None,
            "lead": None,
            "recipient_user_ids": [],
            "params": {"webhook": webhook.name},
        },
        next_attempt_at=now,
        created_at=now,
    )
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def deliveries_retry_now(*, delivery_ids: list[int]) -> int:
    """Make these deliveries due now (a failed one gets one more attempt)."""
    now = timezone.now()
    changed = (
        WebhookDelivery.objects.filter(pk__in=delivery_ids)
        .exclude(status=DeliveryStatus.DELIVERED)
        .update(status=DeliveryStatus.PENDING, next_attempt_at=now)
    )
    from galena.notifications.tasks import webhook_deliveries_send

    ids = list(delivery_ids)
    transaction.on_commit(lambda: webhook_deliveries_send.delay(ids))
    return changed
