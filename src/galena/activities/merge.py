"""E-mail templates with merge fields, rendered by Django's template engine in a sandbox.

A template may use only the merge fields offered here (``{{ first_name }}``…), a few
harmless filters and ``{% if %}``: it is checked node by node before rendering, so no tag
that reads files, settings or the context's internals ({% include %}, {% debug %},
{% load %}…) ever runs, and the context holds only strings. The text part is rendered with
autoescaping off; the HTML part with autoescaping on, paragraphs and clickable links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, TextNode, VariableNode
from django.template.defaulttags import IfNode
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from galena.core.errors import ValidationFailed

# name -> what it stands for, shown next to the editor and in the API
MERGE_FIELDS: dict[str, object] = {
    "first_name": gettext_lazy("The lead's first name"),
    "last_name": gettext_lazy("The lead's last name"),
    "full_name": gettext_lazy("The lead's full name"),
    "company": gettext_lazy("The lead's company"),
    "position": gettext_lazy("The lead's job position"),
    "city": gettext_lazy("The lead's city"),
    "interest": gettext_lazy("What the lead asked about"),
    "owner_name": gettext_lazy("The sender's full name"),
    "owner_first_name": gettext_lazy("The sender's first name"),
    "owner_email": gettext_lazy("The sender's e-mail address"),
    "owner_phone": gettext_lazy("The sender's phone"),
    "signature": gettext_lazy("The sender's signature"),
    "today": gettext_lazy("Today's date"),
}
ALLOWED_FILTERS = frozenset({"default", "upper", "lower", "title", "capfirst", "linebreaksbr"})

_ENGINE = Engine(debug=False, autoescape=True, string_if_invalid="")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _check_expression(expression: FilterExpression, where: str) -> None:
    variable = expression.var
    lookups = getattr(variable, "lookups", None)
    if lookups is not None and (lookups[0] not in MERGE_FIELDS or len(lookups) > 1):
        raise ValidationFailed(
            {
                where: _("Unknown merge field {{ %(name)s }}: use one of %(names)s.")
                % {"name": ".".join(lookups), "names": ", ".join(MERGE_FIELDS)}
            }
        )
    for function, _arguments in expression.filters:
        name = getattr(function, "_filter_name", None) or function.__name__
        if name not in ALLOWED_FILTERS:
            raise ValidationFailed(
                {
                    where: _("The filter “%(name)s” cannot be used here: use %(names)s.")
                    % {"name": name, "names": ", ".join(sorted(ALLOWED_FILTERS))}
                }
            )


def _check_nodes(nodelist, where: str) -> None:
    for node in nodelist:
        if isinstance(node, TextNode):
            continue
        if isinstance(node, VariableNode):
            _check_expression(node.filter_expression, where)
            continue
        if isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                if condition is not None:
                    _check_condition(condition, where)
                _check_nodes(branch, where)
            continue
        raise ValidationFailed(
            {where: _("Only merge fields like {{ first_name }} and {% if %} can be used here.")}
        )


def _check_condition(condition, where: str) -> None:
    # the smart-if parser's operands are TemplateLiteral(FilterExpression) objects
    for attribute in ("first", "second"):
        operand = getattr(condition, attribute, None)
        if operand is not None:
            _check_condition(operand, where)
    expression = getattr(condition, "value", None)
    if isinstance(expression, FilterExpression):
        _check_expression(expression, where)


def compile_template(source: str, *, where: str) -> Template:
    """The template checked for the sandbox; ValidationFailed naming ``where`` otherwise.
    A sequence sends one template to thousands of leads: each text is compiled and checked
    once a process (the last 256 kept), not once a message."""
    return _compile_checked(source, where)


@lru_cache(maxsize=256)
def _compile_checked(source: str, where: str) -> Template:
    try:
        template = _ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        raise ValidationFailed(
            {where: _("This template cannot be read: %(error)s") % {"error": error}}
        ) from None
    _check_nodes(template.nodelist, where)
    return template


def render(*, subject: str, body: str, fields: Mapping[str, str]) -> Rendered:
    """The subject, the text part and the HTML part of a message from its templates."""
    values = {name: str(fields.get(name, "") or "") for name in MERGE_FIELDS}
    subject_template = compile_template(subject, where="subject")
    body_template = compile_template(body, where="body")
    subject_text = " ".join(subject_template.render(Context(values, autoescape=False)).split())[
        :255
    ]
    text = body_template.render(Context(values, autoescape=False)).strip()
    html = body_template.render(Context(values, autoescape=True)).strip()
    return Rendered(subject=subject_text, text=text, html=html_document(html))


def html_document(escaped_body: str) -> str:
    """An HTML message around a body already escaped: paragraphs, clickable links."""
    paragraphs = linebreaks(urlize(mark_safe(escaped_body), autoescape=False), autoescape=False)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        '<body style="font-family:sans-serif;font-size:15px;line-height:1.5">'
        f"{paragraphs}</body></html>"
    )


def html_from_text(text: str) -> str:
    """The HTML part of a message written as plain text (no template): escaped first."""
    return html_document(escape(text))
