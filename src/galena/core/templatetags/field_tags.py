"""``{% field form.name "extra-class" %}``: a form field as core/_field.html writes it,
built in Python (galena.core.field_html)."""

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from galena.core.field_html import field_html

register = template.Library()


@register.simple_tag
def field(bound_field: BoundField, css_class: str = "") -> SafeString:
    return field_html(bound_field, css_class)
