from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class PolishFirstLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, except that the browser's Accept-Language is ignored.

    A city portal speaks Polish to everyone unless they choose another language with the
    switch (which sets the language cookie): a visitor whose browser asks for English
    still lands on the city's default language first.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
