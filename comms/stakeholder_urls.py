"""Contacts and stakeholder group pages at the top level, joined to
``comms.review_urls.urlpatterns``."""

from django.urls import path

from . import stakeholder_views as views

urlpatterns = [
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/import/", views.contact_import, name="contact-import"),
    path("contacts/import/columns/", views.contact_import_columns,
         name="contact-import-columns"),
    path("contacts/import/done/", views.contact_import_done, name="contact-import-done"),
    path("contacts/import/errors.csv", views.contact_import_errors,
         name="contact-import-errors"),
    path("stakeholder-groups/", views.group_list, name="stakeholder-group-list"),
]
