"""The capture endpoint's lean road through the WSGI server.

``POST /api/v1/capture/<key>`` is the one public URL that takes a flood (a campaign going
live, a bot): its answer needs no session, user, template or URL resolver. This WSGI
wrapper answers it with the same handler the Ninja route uses (``intake.api.capture_handle``)
without Django's middleware and request objects, and passes every other request — and
multipart bodies, which need Django's parser — to Django unchanged. The OpenAPI schema and
the Ninja route stay the reference; tests run the same cases through both roads.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from django.core import signals
from django.http import QueryDict
from django.http.request import HttpHeaders
from django.utils import translation

from galena.core.api import error_body
from galena.intake.api import CaptureReply, capture_handle, capture_preflight_handle

logger = logging.getLogger(__name__)

CAPTURE_PATH = re.compile(r"^/api/v1/capture/(?P<key>[^/]+)/?$")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


def _respond(reply: CaptureReply, start_response: StartResponse) -> Iterable[bytes]:
    body = b"" if reply.body is None else json.dumps(reply.body).encode()
    headers = [("X-Content-Type-Options", "nosniff"), *reply.headers.items()]
    if reply.body is not None:
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(_status_line(reply.status), headers)
    return [body]


class _LanguageProbe:
    """What get_language_from_request reads, from the WSGI environ: the Accept-Language
    header (a public form has no session or language cookie of ours)."""

    COOKIES: dict[str, str] = {}

    def __init__(self, environ: dict[str, Any]) -> None:
        self.META = environ


class CaptureFastPath:
    """WSGI middleware: capture POSTs and preflights here, everything else to ``app``."""

    def __init__(self, app: Callable[[dict, StartResponse], Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = CAPTURE_PATH.match(environ.get("PATH_INFO", ""))
        method = environ.get("REQUEST_METHOD", "")
        if (
            match is None
            or method not in ("POST", "OPTIONS")
            or environ.get("CONTENT_TYPE", "").lower().startswith("multipart/")
        ):
            return self.app(environ, start_response)
        # what Django's handler does around every request: fresh database connections
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            # error messages in the visitor's language, as LocaleMiddleware would choose it
            language = translation.get_language_from_request(_LanguageProbe(environ))
            with translation.override(language):
                reply = self._handle(match["key"], method, environ)
        except Exception:
            logger.exception("capture fast path: request failed")
            reply = CaptureReply(
                500,
                error_body(
                    code="server_error",
                    message="The submission could not be taken; please try again shortly.",
                ),
                {},
            )
        finally:
            signals.request_finished.send(sender=self.__class__)
        return _respond(reply, start_response)

    @staticmethod
    def _handle(form_key: str, method: str, environ: dict[str, Any]) -> CaptureReply:
        headers = HttpHeaders(environ)
        if method == "OPTIONS":
            return capture_preflight_handle(form_key=form_key, headers=headers)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        stream = environ["wsgi.input"]

        def read_body() -> bytes:
            return stream.read(length) if length > 0 else b""

        def read_form(body: bytes) -> dict[str, list[str]]:
            data = QueryDict(body, encoding="utf-8")
            return {key: data.getlist(key) for key in data}

        return capture_handle(
            form_key=form_key,
            headers=headers,
            remote_addr=environ.get("REMOTE_ADDR"),
            content_length=length,
            read_body=read_body,
            read_form=read_form,
        )
