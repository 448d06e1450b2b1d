"""Statements: pages under /incidents/ (namespace "crisis"), the reviewer's pages at the
top level (``comms.review_urls``), and the API routes (``comms.api``)."""

from .api import api_routes
from .review_urls import urlpatterns

__all__ = ["api_routes", "incident_patterns", "urlpatterns"]

incident_patterns: list = []
