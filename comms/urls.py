"""Statements: pages under /incidents/ (namespace "crisis"), the reviewer's pages at the
top level, and the API routes (``comms.api``)."""

from .api import api_routes

__all__ = ["api_routes", "incident_patterns", "urlpatterns"]

incident_patterns: list = []

urlpatterns: list = []
