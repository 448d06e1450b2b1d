"""The reviewer's pages at the top level: the approval queue and the publishing freezes
(``comms.urls`` puts them in)."""

from django.urls import path

from . import review_views, stakeholder_urls

urlpatterns = [
    path("approvals/", review_views.approval_queue, name="approval-queue"),
    path("approvals/<int:pk>/decide/", review_views.approval_decide, name="approval-decide"),
    path("publishing-freezes/", review_views.publishing_freezes, name="publishing-freezes"),
    path("publishing-freezes/<int:pk>/lift/", review_views.publishing_freeze_lift,
         name="publishing-freeze-lift"),
]
urlpatterns += stakeholder_urls.urlpatterns
