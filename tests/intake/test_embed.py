"""GET /f/<slug>/embed.js: the form as a script any site can include."""

import json
import re
import shutil
import subprocess

import pytest

from galena.intake.models import Form

CONFIG = re.compile(r"^\}\)\((\{.*\})\);\s*$", re.MULTILINE)


def config_of(response) -> dict:
    match = CONFIG.search(response.content.decode())
    assert match, "no configuration at the end of the script"
    return json.loads(match.group(1))


def test_the_script_is_javascript_with_the_capture_url_and_nothing_external(client, form):
    response = client.get("/f/contact-us/embed.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    code = response.content.decode()
    capture_url = f"http://testserver/api/v1/capture/{form.key}"
    assert re.findall(r"https?://[^\s\"'`)]+", code) == [capture_url]
    assert "Idempotency-Key" in code
    assert "innerHTML" not in code  # labels and messages go in as text, never as markup
    assert response["Cache-Control"] == "public, max-age=300"


def test_the_script_carries_the_forms_fields_and_texts(client, form):
    config = config_of(client.get("/f/contact-us/embed.js"))

    assert config["kind"] == "web_form"
    assert config["capturePath"] == f"/api/v1/capture/{form.key}"
    assert [
        (f["name"], f["label"], f["type"], f["required"], f["autocomplete"])
        for f in config["fields"]
    ] == [
        ("name", "Your name", "text", True, "name"),
        ("phone", "Phone", "tel", False, "tel"),
        ("email", "E-mail", "email", False, "email"),
    ]
    assert config["consent"] == "I agree to be contacted about my request."
    assert config["quiz"] is None
    assert config["text"]["submit"] == "Send"


def test_the_script_is_cached_per_language_as_its_texts_are_translated(client, form):
    response = client.get("/f/contact-us/embed.js", headers={"Accept-Language": "ro"})

    assert "Accept-Language" in response["Vary"]


def test_closing_tags_in_labels_cannot_end_the_script(client, form):
    form.fields = [{"name": "name", "label": "</script><b>x", "type": "text"}]
    form.save()

    code = client.get("/f/contact-us/embed.js").content.decode()

    assert "</script>" not in code
    assert config_of(client.get("/f/contact-us/embed.js"))["fields"][0]["label"] == "</script><b>x"


def test_a_quiz_script_carries_the_quiz_with_its_next_steps_resolved(client, source):
    Form.objects.create(
        name="Quiz",
        slug="quiz",
        kind="quiz",
        source=source,
        quiz={
            "steps": [
                {
                    "id": "a",
                    "question": "A?",
                    "type": "single",
                    "options": [
                        {"value": "x", "label": "X", "next": "end"},
                        {"value": "y", "label": "Y"},
                    ],
                },
                {"id": "b", "question": "B?", "type": "number", "min": 1},
            ]
        },
    )

    config = config_of(client.get("/f/quiz/embed.js"))

    assert config["quiz"] == {
        "start": "a",
        "steps": [
            {
                "id": "a",
                "question": "A?",
                "type": "single",
                "required": True,
                "min": None,
                "max": None,
                "next": "b",
                "options": [
                    {"value": "x", "label": "X", "next": "end"},
                    {"value": "y", "label": "Y", "next": None},
                ],
            },
            {
                "id": "b",
                "question": "B?",
                "type": "number",
                "required": True,
                "min": 1,
                "max": None,
                "next": "end",
                "options": [],
            },
        ],
    }
    assert [f["name"] for f in config["fields"]] == ["name", "phone", "email"]


def test_a_callback_script_knows_it_is_a_callback(client, source):
    Form.objects.create(name="Call", slug="call", kind="callback", source=source)

    config = config_of(client.get("/f/call/embed.js"))

    assert config["kind"] == "callback"
    assert [(f["name"], f["required"]) for f in config["fields"]] == [
        ("phone", True),
        ("name", False),
    ]


def test_unknown_and_disabled_forms_have_no_script(client, form):
    unknown = client.get("/f/nope/embed.js")
    form.is_active = False
    form.save()
    disabled = client.get("/f/contact-us/embed.js")

    assert unknown.status_code == 404
    assert disabled.status_code == 410
    assert disabled["Content-Type"] == "text/javascript; charset=utf-8"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to parse the script")
def test_the_script_is_valid_javascript(client, form, tmp_path):
    script = tmp_path / "embed.js"
    script.write_bytes(client.get("/f/contact-us/embed.js").content)

    result = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
