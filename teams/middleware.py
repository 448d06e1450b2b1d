import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from . import services


class UserPreferencesMiddleware:
    """Speak to the signed-in user as they chose (``/account/``).

    - Times in their own time zone (they are stored in UTC).
    - Pages in their language when the browser has no language cookie of its own:
      ``LocaleMiddleware`` has already chosen from the cookie or Accept-Language; a
      saved preference beats the Accept-Language guess, the cookie (set by the language
      switcher) beats both. Switching language while signed in saves the choice, so the
      next browser they sign in on speaks it too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            if user.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        else:
            timezone.deactivate()
        response = self.get_response(request)
        if signed_in and request.method == "POST" and _is_language_switch(request, response):
            self.remember_language(user, request.POST.get("language", ""))
        return response

    @staticmethod
    def remember_language(user, language: str) -> None:
        if language in dict(settings.LANGUAGES) and language != user.language:
            services.user_preferences_update(user=user, language=language)


def _is_language_switch(request, response) -> bool:
    """Django's set_language answered: it changed the cookie (a redirect or a 204)."""
    return (request.path == reverse("set_language")
            and response.status_code in (204, 302)
            and settings.LANGUAGE_COOKIE_NAME in response.cookies)
