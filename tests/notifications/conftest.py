import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from galena.notifications.models import DeliveryStatus, WebhookDelivery


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it is sent and answers ``status``
    (after ``delay`` seconds)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(receiver.status)
                    self.end_headers()
                    self.wfile.write(b"ok" if receiver.status < 300 else b"boom")
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/galena"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def json(self, index: int = -1) -> dict:
        return json.loads(self.requests[index]["body"])

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def refused_url():
    """An address where nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def failed_delivery(webhook) -> WebhookDelivery:
    """A delivery that used up its retries."""
    return WebhookDelivery.objects.create(
        webhook=webhook,
        kind="hot_lead",
        payload={"event": "hot_lead"},
        status=DeliveryStatus.FAILED,
        attempts=6,
        error="HTTP 500: boom",
    )
