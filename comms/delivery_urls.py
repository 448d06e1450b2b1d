"""Publication pages under /incidents/ (namespace "crisis"), joined to
``comms.urls.incident_patterns``."""

from django.urls import path

from . import delivery_views

incident_patterns = [
    path("publications/<int:publication_pk>/", delivery_views.publication_detail,
         name="publication-detail"),
    path("deliveries/<int:delivery_pk>/resend/", delivery_views.delivery_resend,
         name="delivery-resend"),
    path("statements/<int:statement_pk>/publish/recipients/", delivery_views.publish_recipients,
         name="statement-publish-recipients"),
]
