"""Domain hooks the early-warning app sends, for whoever wants to react (detection).

``batch_ingested`` is sent once per ingested batch, after its transaction commits, with
``watch_ids`` (sorted list of the watches whose buckets changed) and ``minutes`` (sorted
list of the UTC minutes, as aware datetimes, whose buckets changed for any of them), plus
``pairs`` (sorted list of ``(watch_id, minute)``) and ``source`` (a ``MentionSource``).
Receivers take ``**kwargs``."""

from django.dispatch import Signal

batch_ingested = Signal()
