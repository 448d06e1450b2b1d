"""The public status page's Atom feed (Django's syndication framework): one entry per
published public statement, the same ones ``/status/`` shows, the ``FEED_SIZE`` updated
last, newest first. An
entry's id is its permalink (``/status/<publication id>/``), which never changes; it is
updated when a correction or retraction supersedes it. Cached like the page
(``comms.status.cached``), per host since its links are absolute."""

from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import status

FEED_SIZE = 50  # entries: the statements updated last (a reader polls it often)


class StatementAtomFeed(Atom1Feed):
    """Atom with each entry's whole text as HTML ``<content>`` (the summary is its first
    line: what happened)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


class StatusFeed(Feed):
    feed_type = StatementAtomFeed

    def get_object(self, request, *args, **kwargs):
        self.request = request  # for the absolute links inside the entries' HTML
        return None

    def title(self):
        return _("Public statements")

    def subtitle(self):
        return _("Statements published about incidents, newest first.")

    def link(self):
        return reverse("status")

    def items(self):
        statements = status.public_statements()
        return sorted(statements, key=lambda item: (item.updated_at, item.pk),
                      reverse=True)[:FEED_SIZE]

    def item_title(self, item):
        if item.retracted:
            return _("Retracted: %(title)s") % {"title": item.statement.title}
        if item.superseded:
            return _("Corrected: %(title)s") % {"title": item.statement.title}
        return item.statement.title

    def item_description(self, item):
        return "" if item.retracted else item.version.what_happened

    def item_link(self, item):
        return reverse("status-statement", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.kind_label]

    def item_extra_kwargs(self, item):
        correction_url = item.corrected_by and self.request.build_absolute_uri(
            reverse("status-statement", args=[item.corrected_by.pk]))
        return {"content": render_to_string("comms/status/_feed_content.html", {
            "item": item, "correction_url": correction_url,
            "LANGUAGE_CODE": translation.get_language()})}


@require_safe
def status_feed(request):
    def feed() -> tuple[str, str]:
        response = StatusFeed()(request)
        return response.content.decode(), response["Content-Type"]

    content, content_type = status.cached(
        f"feed:{translation.get_language()}:{request.get_host()}:{request.is_secure()}", feed)
    response = HttpResponse(content, content_type=content_type)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response
