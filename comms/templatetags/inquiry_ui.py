"""Media inquiry badges, drawn the same way on the room's panel and the inquiry's page."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..inquiry_choices import InquiryStatus

register = template.Library()

# The statement tokens' colours (static/css/tokens.css) with an icon and always the word.
STATUS_LOOKS = {
    InquiryStatus.NEW: ("cd-statement-draft", "ti-inbox"),
    InquiryStatus.IN_PROGRESS: ("cd-statement-in_review", "ti-hourglass"),
    InquiryStatus.ANSWERED: ("cd-statement-approved", "ti-circle-check"),
    InquiryStatus.DECLINED: ("cd-statement-withdrawn", "ti-circle-minus"),
}


@register.simple_tag
def inquiry_status_badge(value):
    status = InquiryStatus(value)
    css, icon = STATUS_LOOKS[status]
    return format_html('<span class="cd-badge {}" data-status="{}"><i class="ti {}" '
                       'aria-hidden="true"></i><span class="visually-hidden">{} </span>{}'
                       '</span>', css, status.value, icon, _("Status:"), status.label)
