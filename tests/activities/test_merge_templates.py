"""E-mail templates are compiled and checked once per text, and a refused template stays
refused every time it is tried."""

import pytest

from galena.activities import merge
from galena.core.errors import ValidationFailed


def test_the_same_text_is_compiled_once_and_renders_each_leads_values():
    body = "Hello {{ first_name|default:'there' }}, about {{ interest }}."

    first = merge.compile_template(body, where="body")
    again = merge.compile_template(body, where="body")
    ana = merge.render(subject="Hi {{ first_name }}", body=body, fields={"first_name": "Ana"})
    ion = merge.render(subject="Hi {{ first_name }}", body=body, fields={"first_name": "Ion"})

    assert first is again
    assert ana.subject == "Hi Ana" and ana.text.startswith("Hello Ana,")
    assert ion.subject == "Hi Ion" and ion.text.startswith("Hello Ion,")


@pytest.mark.parametrize("where", ["subject", "body"])
def test_a_refused_template_is_refused_every_time_naming_where(where):
    for _attempt in range(2):
        with pytest.raises(ValidationFailed) as caught:
            merge.compile_template("{% load static %}{{ first_name }}", where=where)
        assert where in str(caught.value.args[0]) or where in getattr(caught.value, "errors", {})


def test_html_part_escapes_values_the_text_part_does_not():
    rendered = merge.render(
        subject="x", body="Dear {{ first_name }}", fields={"first_name": "<b>Ana</b>"}
    )

    assert "Dear <b>Ana</b>" in rendered.text
    assert "&lt;b&gt;Ana&lt;/b&gt;" in rendered.html and "<b>Ana</b>" not in rendered.html
