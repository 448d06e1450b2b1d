"""The reviewer's pages at the top level: the approval queue and the publishing freezes
(``comms.urls`` puts them in)."""

urlpatterns: list = []
