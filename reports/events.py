"""The live events the post-incident review adds to an incident's stream, declared once
(see ``crisis.events``): one builder per type, its payload's shape, registered in
``ReportsConfig.ready()``.

- ``review.changed``: a version was started, edited or signed, the language changed, or an
  action item changed (the review page redraws; ``revision`` tells an editor whether the
  text they hold is still the current one).
- ``review.pdf``: a PDF of a version moves on while it renders (``progress`` 0–100).
"""

from enum import StrEnum

from crisis.events import Event


class ReviewEventType(StrEnum):
    REVIEW_CHANGED = "review.changed"
    REVIEW_PDF = "review.pdf"


def review_changed(version) -> Event:
    """``version``: the review's current version, as it now stands."""
    return Event(ReviewEventType.REVIEW_CHANGED,
                 {"review": version.review_id, "version": version.number,
                  "revision": version.revision, "signed_off": version.signed_off_at is not None})


def review_pdf(pdf) -> Event:
    """``pdf``: a ``ReviewPdf`` (its version loaded or not)."""
    return Event(ReviewEventType.REVIEW_PDF,
                 {"review": pdf.version.review_id, "version": pdf.version.number,
                  "language": pdf.language, "status": pdf.status, "progress": pdf.progress})


EVENT_SCHEMAS = {
    ReviewEventType.REVIEW_CHANGED: {"review": int, "version": int, "revision": int,
                                     "signed_off": bool},
    ReviewEventType.REVIEW_PDF: {"review": int, "version": int, "language": str,
                                 "status": str, "progress": int},
}
