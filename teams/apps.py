from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("People and teams")

    def ready(self):
        from . import signals  # noqa: F401
