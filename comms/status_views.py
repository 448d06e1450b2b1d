"""The public status page: no sign-in, published public statements only (``comms.status``).

Pages are rendered once per generation, reader's language, time zone and page number and
then served from the cache (``comms.status.cached``): a crowd of readers costs no query.
They touch neither the session nor the CSRF token, so an anonymous reader gets no cookie;
the response varies on Accept-Language and Cookie (the language cookie, and a signed-in
user's saved language and time zone), and the cache key holds the language and time zone
that those chose.
"""

from django.core.paginator import EmptyPage, Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import status

PAGE_SIZE = 10  # incidents per page
MAX_PAGE = 1_000


def _reader() -> str:
    """The part of a cache key the reader chose: language and time zone."""
    return f"{translation.get_language()}:{timezone.get_current_timezone_name()}"


def _answer(content: str) -> HttpResponse:
    response = HttpResponse(content)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def _page_number(request) -> int | None:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_PAGE else None


@require_safe
def status_page(request):
    number = _page_number(request)
    if number is None:
        return render(request, "comms/status/bad_request.html", {
            "status_code": 400,
            "message": _("“page”: give a page number from 1 to %(max)d.") % {"max": MAX_PAGE}},
            status=400)

    def page() -> str | None:
        updates = status.incident_updates(statements=status.public_statements(),
                                          language=translation.get_language())
        try:
            shown = Paginator(updates, PAGE_SIZE).page(number)
        except EmptyPage:
            return None
        return render_to_string("comms/status/page.html", {"page": shown}, request)

    content = status.cached(f"list:{_reader()}:{number}", page)
    if content is None:
        return render(request, "comms/status/bad_request.html", {
            "status_code": 404,
            "message": _("There is no page %(number)d of updates.") % {"number": number}},
            status=404)
    return _answer(content)


@require_safe
def status_statement(request, pk: int):
    def page() -> str:
        item = status.public_statement_get(pk=pk)  # 404 for anything not public
        return render_to_string("comms/status/statement.html", {"item": item}, request)

    return _answer(status.cached(f"statement:{pk}:{_reader()}", page))
