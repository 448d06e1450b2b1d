"""Domain hooks comms sends for the layers above it and for its own later parts.

Sent inside the transaction of the change (receivers' writes commit or roll back with
it), with ``sender`` = the model class and these keyword arguments:
"""

from django.dispatch import Signal

#: A statement was published, once (``publication``: the Publication row, ``statement``,
#: ``actor``). Stakeholder delivery hangs its deliveries on the publication here.
statement_published = Signal()

ALL = (statement_published,)
