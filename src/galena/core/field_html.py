"""A form field as ``core/_field.html`` writes it, built in Python.

Through the template engine a field is four templates (the wrapper, the label, the widget
and, for a select, one more per option): the lead list's eleven filters cost 5–6 ms a page
and the bulk actions' fields as much again (docs/benchmarks.md, "Pipeline"). Here the same
markup is written from the widget's own context (``Widget.get_context``: its attributes,
value and options as Django computes them), every value escaped as the templates escape
it. Widgets with templates of their own, and fields with errors, go through the templates
as before. ``{% field %}`` (templatetags/field_tags.py) puts one in a template.
"""

from __future__ import annotations

from typing import Any

from django.forms import BoundField
from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# the widget templates that only include django/forms/widgets/input.html
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in ("text", "search", "date", "datetime", "time", "email", "number", "url", "tel")
)
_TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
_SELECT_TEMPLATE = "django/forms/widgets/select.html"
_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: False left out, True a bare name."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {name}")
        else:
            out.append(f' {name}="{conditional_escape(str(value))}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    value_attr = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value_attr}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict[str, Any]) -> str:
    value = widget["value"]
    text = conditional_escape(value) if value else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>'


def _select(widget: dict[str, Any]) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            parts.append(
                f'<option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return "\n".join(parts)


def _widget_html(field: BoundField) -> str | None:
    """The widget as BoundField.as_widget renders it, or None for a widget written by a
    template of its own."""
    widget = field.field.widget
    template = widget.template_name
    is_select = template == _SELECT_TEMPLATE and (
        getattr(widget, "option_template_name", "") == _OPTION_TEMPLATE
    )
    if not (is_select or template in _INPUT_TEMPLATES or template == _TEXTAREA_TEMPLATE):
        return None
    if field.field.localize:
        widget.is_localized = True
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    if is_select:
        return _select(context)
    return _textarea(context) if template == _TEXTAREA_TEMPLATE else _input(context)


def _label_html(field: BoundField) -> str:
    """BoundField.label_tag: the label with the form's suffix, for the widget's id."""
    label = field.label
    contents = conditional_escape(label)
    suffix = field.field.label_suffix
    if suffix is None:
        suffix = field.form.label_suffix
    if suffix and label and label[-1] not in _(":?.!"):
        contents = f"{contents}{conditional_escape(suffix)}"
    attrs = {}
    widget = field.field.widget
    label_for = widget.id_for_label(widget.attrs.get("id") or field.auto_id)
    if label_for:
        attrs["for"] = label_for
    if field.field.required and hasattr(field.form, "required_css_class"):
        attrs["class"] = field.form.required_css_class
    return f"<label{_attrs(attrs)}>{contents}</label>"


def field_html(field: BoundField, css_class: str = "") -> SafeString:
    """One field of a form (label, input, help text) as ``core/_field.html`` writes it."""
    widget = None
    if field.auto_id and not field.errors and type(field.form.renderer) is DjangoTemplates:
        widget = _widget_html(field)
    if widget is None:
        context = {"field": field, "class": css_class}
        return mark_safe(render_to_string("core/_field.html", context))
    help_html = ""
    if field.help_text:
        help_html = (
            f'<small class="helptext" id="{conditional_escape(field.auto_id)}_helptext">'
            f"{conditional_escape(field.help_text)}</small>"
        )
    classes = "field" + (f" {conditional_escape(css_class)}" if css_class else "")
    return mark_safe(f'<div class="{classes}">\n{_label_html(field)}\n{widget}\n{help_html}</div>')
