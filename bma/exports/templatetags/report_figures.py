"""``{% load report_figures %}`` … ``{{ r.share|share }}%``, ``{{ y.change|change }}%``: shares and changes
as the published report prints them ("<1", "+12"), by report_math.share_shown, the one rule the PDF, the
charts and the workbook follow too. Counts use core's ``grouped`` filter (``{% load figures %}``)."""

from django import template

from bma.exports.report_math import share_shown

register = template.Library()


@register.filter(is_safe=True)
def share(value):
    return share_shown(value)


@register.filter(is_safe=True)
def change(value):
    return share_shown(value, signed=True)
