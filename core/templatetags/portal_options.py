"""`{% options pairs selected %}`: the <option>s of a list, one of them selected (core.html)."""

from __future__ import annotations

from django import template

from core.html import options_html

register = template.Library()
register.simple_tag(options_html, name="options")
