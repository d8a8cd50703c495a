"""POST /api/v1/capture/<form key>: public, durable before it answers, clear when refused."""

import json

import pytest
from django.test import override_settings

from galena.intake.models import Submission
from galena.leads.models import ContactPoint, Lead, LeadEvent

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")


@pytest.fixture(params=["django", "fast"])
def client(request, client):
    """Every test here runs on both roads a capture request can take: through Django and
    Ninja (the reference), and through the WSGI fast path (intake/fastpath.py)."""
    return client if request.param == "django" else FastRoadClient(client)


def post(client, form, data, *, content_type="application/json", **headers):
    body = json.dumps(data) if content_type == "application/json" else data
    return client.post(
        f"/api/v1/capture/{form.key}", body, content_type=content_type, headers=headers
    )


def nothing_written():
    return (Submission.objects.count(), Lead.objects.count(), LeadEvent.objects.count()) == (
        0,
        0,
        0,
    )


def test_json_submission_is_stored_and_becomes_a_lead(client, form):
    response = post(client, form, {"name": "Ana Marin", "phone": "0722 123 456", "consent": True})

    assert response.status_code == 201
    body = response.json()
    submission = Submission.objects.get()
    assert body == {
        "status": "accepted",
        "reference": submission.pk,
        "message": "Thank you, we will call you shortly.",
        "redirect_url": "",
        "incentive": "",
    }
    assert submission.status == "processed"
    assert json.loads(submission.raw_body) == {
        "name": "Ana Marin",
        "phone": "0722 123 456",
        "consent": True,
    }
    assert submission.lead.display_name == "Ana Marin"


def test_form_encoded_submission_works_too(client, form):
    response = client.post(
        f"/api/v1/capture/{form.key}", {"name": "Pekka Virtanen", "email": "pekka@example.fi"}
    )

    assert response.status_code == 201
    assert Lead.objects.get().contact_points.get().value == "pekka@example.fi"


def test_idempotency_key_answers_the_first_result_and_stores_nothing_new(client, form):
    first = post(client, form, {"name": "Ana", "phone": "0722123456"}, **{"Idempotency-Key": "k-1"})
    again = post(client, form, {"name": "Ana", "phone": "0722123456"}, **{"Idempotency-Key": "k-1"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reference"] == first.json()["reference"]
    assert Submission.objects.count() == 1
    assert Lead.objects.count() == 1


def test_missing_and_bad_fields_are_named_and_nothing_is_stored(client, form):
    response = post(client, form, {"phone": "x", "email": "ana@"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "name": "This field is required.",
        "email": "Enter a valid e-mail address, e.g. name@example.com.",
        "phone": "Enter a phone number with its digits, e.g. +40 722 123 456.",
    }
    assert nothing_written()


def test_malformed_json_is_refused(client, form):
    response = client.post(
        f"/api/v1/capture/{form.key}", "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["message"]
    assert nothing_written()


def test_json_that_is_not_an_object_is_refused(client, form):
    response = post(client, form, ["name", "Ana"])

    assert response.status_code == 400
    assert nothing_written()


def test_unknown_form_key_is_404(client, db):
    response = client.post("/api/v1/capture/f_nope", "{}", content_type="application/json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert nothing_written()


def test_disabled_form_says_so(client, form):
    form.is_active = False
    form.save()

    response = post(client, form, {"name": "Ana", "phone": "0722123456"})

    assert response.status_code == 410
    assert response.json()["error"] == {
        "code": "disabled",
        "message": "This form is disabled and takes no submissions.",
        "field": None,
        "fields": {},
    }
    assert nothing_written()


@override_settings(INTAKE_MAX_BODY_BYTES=100)
def test_oversize_body_is_refused(client, form):
    response = post(client, form, {"name": "Ana", "comment": "x" * 200})

    assert response.status_code == 413
    assert "limit is 100" in response.json()["error"]["message"]
    assert nothing_written()


@override_settings(INTAKE_RATE_PER_ADDRESS=2)
def test_too_many_from_one_address_is_429_with_retry_after(client, form):
    for n in range(2):
        assert post(client, form, {"name": f"Ana {n}", "phone": "0722123456"}).status_code == 201

    response = post(client, form, {"name": "Ana 3", "phone": "0722123456"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) == 30  # the rest of the minute (conftest's clock)
    assert response.json()["error"]["code"] == "throttled"
    assert Submission.objects.count() == 2


@override_settings(INTAKE_RATE_PER_FORM=1, INTAKE_RATE_PER_ADDRESS=0)
def test_too_many_for_one_form_is_429(client, form):
    assert post(client, form, {"name": "Ana", "phone": "0722123456"}).status_code == 201
    assert post(client, form, {"name": "Bo", "phone": "0722123457"}).status_code == 429


def test_allowed_origin_gets_cors_headers(client, form):
    response = post(
        client, form, {"name": "Ana", "phone": "0722123456"}, Origin="https://shop.example.com"
    )

    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"


def test_preflight_from_an_allowed_origin(client, form):
    response = client.options(
        f"/api/v1/capture/{form.key}",
        headers={"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "Idempotency-Key" in response["Access-Control-Allow-Headers"]


def test_other_origins_are_refused_and_nothing_is_stored(client, form):
    response = post(
        client, form, {"name": "Ana", "phone": "0722123456"}, Origin="https://evil.example.net"
    )

    assert response.status_code == 403
    assert "allowed origins" in response.json()["error"]["message"]
    assert "Access-Control-Allow-Origin" not in response
    assert nothing_written()


def test_errors_to_an_allowed_origin_carry_cors_headers(client, form):
    response = post(client, form, {"phone": "0722123456"}, Origin="https://shop.example.com")

    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"


def test_a_processing_failure_still_answers_accepted_and_keeps_the_input(client, form, settings):
    settings.INTAKE_STAGES = ["tests.intake.test_submission_process.flaky_stage"]
    from tests.intake import test_submission_process as flaky

    flaky.FLAKY["fail"] = True
    response = post(client, form, {"name": "Ana", "phone": "0722123456"})

    assert response.status_code == 201
    submission = Submission.objects.get()
    assert submission.status == "failed"
    assert ContactPoint.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_other_methods_are_not_allowed(client, form, method):
    response = getattr(client, method)(f"/api/v1/capture/{form.key}")
    assert response.status_code == 405


def test_capture_is_documented_in_openapi(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/capture/{form_key}" in paths


def test_a_web_process_reuses_a_form_it_read_for_a_few_seconds(client, form, settings):
    settings.INTAKE_FORM_CACHE_SECONDS = 60
    from galena.intake import services

    services._FORMS.clear()
    assert post(client, form, {"name": "Ana", "phone": "0722123456"}).status_code == 201
    form.is_active = False
    form.save()

    cached = post(client, form, {"name": "Bo", "phone": "0722123457"})
    services._FORMS.clear()
    fresh = post(client, form, {"name": "Cy", "phone": "0722123458"})

    assert (cached.status_code, fresh.status_code) == (201, 410)


def test_field_errors_come_in_the_visitors_language(client, form):
    response = post(client, form, {"name": "Ana", "email": "ana@"}, **{"Accept-Language": "ro"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["email"] == (
        "Introduceți o adresă de e-mail validă, de ex. nume@exemplu.ro."
    )


# --- the fast road, driven like Django's test client ------------------------------------


class FastRoadResponse:
    def __init__(self, status: str, headers: list[tuple[str, str]], content: bytes):
        self.status_code = int(status.split()[0])
        self.headers = {name.lower(): value for name, value in headers}
        self.content = content

    def json(self):
        return json.loads(self.content)

    def __getitem__(self, name):
        return self.headers[name.lower()]

    def __contains__(self, name):
        return name.lower() in self.headers


class FastRoadClient:
    """Calls CaptureFastPath as a WSGI server would; what it passes on goes to Django's
    test client, and the test sees which road answered."""

    def __init__(self, django_client):
        self.django_client = django_client

    def _call(self, method, path, body=b"", content_type="", headers=None):
        from io import BytesIO
        from wsgiref.util import setup_testing_defaults

        from django.core import signals
        from django.db import close_old_connections

        from galena.intake.fastpath import CaptureFastPath

        environ = {}
        setup_testing_defaults(environ)
        environ.update(
            {
                "REQUEST_METHOD": method,
                "PATH_INFO": path,
                "CONTENT_TYPE": content_type,
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": "127.0.0.1",
                "wsgi.input": BytesIO(body),
            }
        )
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        passed_on = []
        answer = {}

        def django_app(environ, start_response):
            passed_on.append(True)
            return []

        def start_response(status, response_headers):
            answer["status"], answer["headers"] = status, response_headers

        # as Django's test client does: the test's transaction keeps its connection
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            content = b"".join(CaptureFastPath(django_app)(environ, start_response))
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
        if passed_on:
            return None
        return FastRoadResponse(answer["status"], answer["headers"], content)

    def post(self, path, data=None, content_type=None, headers=None):
        from urllib.parse import urlencode

        if content_type is None:  # a dict, sent the way a plain HTML form sends it
            body = urlencode(data or {}, doseq=True).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            body = data.encode() if isinstance(data, str) else (data or b"")
        return self._call("POST", path, body, content_type, headers)

    def options(self, path, headers=None):
        return self._call("OPTIONS", path, headers=headers)

    def __getattr__(self, method):
        # GET, PUT, DELETE and other pages are Django's: check the fast path passes them on
        def call(path, *args, **kwargs):
            assert self._call(method.upper(), path) is None
            return getattr(self.django_client, method)(path, *args, **kwargs)

        return call


def test_the_fast_path_passes_multipart_bodies_to_django(db):
    fast = FastRoadClient(None)
    assert (
        fast._call("POST", "/api/v1/capture/f_x", b"--b--", "multipart/form-data; boundary=b")
        is None
    )
    assert fast._call("POST", "/api/v1/leads", b"{}", "application/json") is None
