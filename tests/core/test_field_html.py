"""A field written in Python (core.field_html) is the markup core/_field.html writes: the
same label, input or select with its options and the one chosen, help text, escaping."""

import datetime as dt

import pytest
from django import forms
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test.html import parse_html
from django.test.signals import template_rendered

from galena.consent.forms import BlockForm, ConsentForm, RectifyForm
from galena.core.field_html import field_html
from galena.leads.forms import BulkForm, LeadCreateForm, LeadEditForm, LeadFilterForm
from tests.factories import CampaignFactory, SourceFactory
from tests.pages.conftest import create_lead


def through_template(field, css_class=""):
    return render_to_string("core/_field.html", {"field": field, "class": css_class})


def assert_same_markup(form, css_class=""):
    for name in form.fields:
        field = form[name]
        if field.is_hidden:
            continue
        assert parse_html(field_html(field, css_class)) == parse_html(
            through_template(field, css_class)
        ), name


@pytest.fixture
def sources(db):
    website = SourceFactory(name='Web <"site"> & co')
    CampaignFactory(name="Spring & <summer>", source=website)
    return website


def test_the_list_s_filters_unfilled(head, sources):
    assert_same_markup(LeadFilterForm(user=head))


def test_the_list_s_filters_filled_in_with_the_choices_marked(head, manager, sources):
    data = {
        "q": '"><script>alert(1)</script>',
        "owner": str(manager.pk),
        "temperature": "hot",
        "source": str(sources.pk),
        "created_from": "2026-01-02",
        "quality": "all",
    }
    form = LeadFilterForm(data, user=head)
    form.filters()

    assert_same_markup(form, "filter-search")
    assert "selected" in field_html(form["owner"]) and "&lt;script&gt;" in field_html(form["q"])


def test_a_field_with_errors_is_written_by_the_template(manager, sources):
    form = LeadFilterForm({"source": "not-a-number", "created_to": "never"}, user=manager)
    form.filters()

    assert form["source"].errors and form["created_to"].errors
    assert_same_markup(form)


def test_the_bulk_and_edit_forms_required_fields_help_texts_and_dates(head, manager, sources):
    assert_same_markup(BulkForm(user=head))
    assert_same_markup(LeadCreateForm())
    bulk = BulkForm(QueryDict("action=task&task_due=2026-03-04T10:30&ids=1"), user=manager)
    bulk.is_valid()
    assert_same_markup(bulk)


def test_a_form_with_a_label_suffix_and_a_required_class():
    class Form(forms.Form):
        required_css_class = "is-required"
        name = forms.CharField(label="Name <first>", help_text="As on the ID & passport")
        day = forms.DateField(
            initial=dt.date(2026, 5, 6), widget=forms.DateInput(attrs={"type": "date"})
        )
        kind = forms.ChoiceField(
            choices=[("Group", [("a", "A & B")]), ("c", "C")], initial="c", required=False
        )

    assert_same_markup(Form())
    assert_same_markup(Form(auto_id=False))


def test_the_edit_form_of_a_lead(manager, sources):
    lead = create_lead(manager, company_name="Solaris & <Sons>", source_id=sources.pk)
    assert_same_markup(LeadEditForm(lead=lead))


def test_the_filters_fields_are_written_without_a_template(head, sources):
    form = LeadFilterForm(QueryDict("owner=me&temperature=hot"), user=head)
    form.filters()
    rendered = []

    def seen(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(seen)
    try:
        html = "".join(field_html(form[name]) for name in form.fields if name != "sort")
    finally:
        template_rendered.disconnect(seen)

    assert rendered == []
    assert '<option value="me" selected>' in html


def test_the_consent_panel_s_forms_and_a_filled_in_text_area(db):
    assert_same_markup(ConsentForm(auto_id="consent-%s"))
    assert_same_markup(BlockForm(auto_id="block-%s"))
    assert_same_markup(RectifyForm(auto_id="rectify-%s", contacts=["a&b@example.com", "+40 1"]))
    block = BlockForm({"reason": "</textarea><b>asked & signed</b>", "request_reference": ""})
    block.is_valid()

    assert_same_markup(block)
    assert "&lt;/textarea&gt;&lt;b&gt;asked &amp; signed" in field_html(block["reason"])
