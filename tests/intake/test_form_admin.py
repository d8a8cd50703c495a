"""The Form admin: definitions are checked before they are saved, and a saved form shows
where it lives and how to embed or post to it."""

import json

import pytest

from galena.intake.models import Form


def add_data(source, **overrides):
    data = {
        "name": "Spring offer",
        "slug": "spring-offer",
        "kind": "web_form",
        "is_active": "on",
        "channel": "landing_page",
        "source": source.pk,
        "campaign": "",
        "offline_event": "",
        "interest": "",
        "default_owner": "",
        "default_team": "",
        "default_region": "",
        "fields": json.dumps(
            [{"name": "name", "label": "Your name", "type": "text", "required": True}]
        ),
        "quiz": "{}",
        "incentive": "",
        "thank_you_message": "Thanks!",
        "redirect_url": "",
        "consent_text": "",
        "consent_version": "",
        "consent_purposes": "[]",
        "allowed_origins": '["https://www.example.com"]',
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_the_list_shows_each_forms_page(admin_client, form):
    response = admin_client.get("/admin/intake/form/")

    assert response.status_code == 200
    assert '<a href="/f/contact-us/">/f/contact-us/</a>' in response.content.decode()


def test_a_valid_form_is_saved(admin_client, source):
    response = admin_client.post("/admin/intake/form/add/", add_data(source))

    assert response.status_code == 302
    form = Form.objects.get()
    assert form.fields == [{"name": "name", "label": "Your name", "type": "text", "required": True}]
    assert form.key.startswith("f_")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            '[{"name": "phone", "label": "Phone", "type": "slider"}]',
            "type must be one of text, email",
        ),
        ('[{"name": "phone", "type": "tel"}]', "Field &#x27;phone&#x27; needs a label."),
        ('[{"label": "Phone", "type": "tel"}]', "Field 1: name must start with a letter"),
        (
            '[{"name": "utm_source", "label": "Source", "type": "text"}]',
            "is filled by Galena itself",
        ),
        ('[{"name": "size", "label": "Size", "type": "select"}]', "is a select: give it options."),
        ('{"name": "phone"}', "Fields are a list"),
    ],
)
def test_a_broken_field_definition_is_refused_and_not_saved(admin_client, source, fields, message):
    response = admin_client.post("/admin/intake/form/add/", add_data(source, fields=fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Form.objects.count() == 0


def test_a_quiz_with_a_loop_is_refused_and_not_saved(admin_client, source):
    loop = {"steps": [{"id": "a", "question": "A?", "type": "text", "next": "a"}]}

    response = admin_client.post(
        "/admin/intake/form/add/", add_data(source, kind="quiz", quiz=json.dumps(loop))
    )

    assert response.status_code == 200
    assert "Steps a → a form a loop" in response.content.decode()
    assert Form.objects.count() == 0


def test_an_allowed_origin_with_a_path_is_refused(admin_client, source):
    response = admin_client.post(
        "/admin/intake/form/add/",
        add_data(source, allowed_origins='["https://www.example.com/contact"]'),
    )

    assert response.status_code == 200
    assert "is not an origin" in response.content.decode()
    assert Form.objects.count() == 0


def test_the_change_page_shows_the_hosted_page_the_snippet_and_a_curl_example(admin_client, form):
    response = admin_client.get(f"/admin/intake/form/{form.pk}/change/")

    html = response.content.decode()
    assert "http://testserver/f/contact-us/" in html
    assert (
        "&lt;script src=&quot;http://testserver/f/contact-us/embed.js&quot; async&gt;&lt;/script&gt;"
        in html
    )
    assert f"POST http://testserver/api/v1/capture/{form.key}" in html
    assert f"curl -X POST http://testserver/api/v1/capture/{form.key}" in html
    assert "Idempotency-Key" in html


def test_a_quick_entry_form_shows_its_staff_page_instead(admin_client, source):
    booth = Form.objects.create(name="Booth", slug="booth", kind="quick_entry", source=source)

    html = admin_client.get(f"/admin/intake/form/{booth.pk}/change/").content.decode()

    assert "http://testserver/intake/quick/booth/" in html
    assert "embed.js" not in html


def test_the_json_is_shown_indented_for_editing(admin_client, form):
    html = admin_client.get(f"/admin/intake/form/{form.pk}/change/").content.decode()

    assert "[\n  {\n    &quot;name&quot;: &quot;name&quot;," in html
