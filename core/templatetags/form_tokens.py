"""`{% form_token %}`: the one-time token of core/idempotency.py, a hidden field.

Registered as a template builtin (config/settings.py), so every template can put it next
to `{% csrf_token %}` without a `{% load %}`.
"""

from django import template
from django.utils.html import format_html

from core.idempotency import FIELD, form_token_new

register = template.Library()


@register.simple_tag
def form_token() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, form_token_new())
