"""What the accessibility statement and the privacy notice print from the settings."""

from __future__ import annotations

import re

from django.conf import settings

from opinions import browsers

DAY = 24 * 3600


def law_page_settings() -> dict[str, object]:
    """What the accessibility statement and the privacy notice print from the settings.

    Given to their templates as a callable, so it is read when a page is rendered.
    """
    phone = settings.ACCESSIBILITY_CONTACT_PHONE
    dialled = re.sub(r"[^\d+]", "", phone)
    return {
        "portal_url": settings.PORTAL_URL,
        "published_on": settings.ACCESSIBILITY_PUBLISHED_ON,
        "updated_on": settings.ACCESSIBILITY_UPDATED_ON,
        "prepared_on": settings.ACCESSIBILITY_PREPARED_ON,
        "reviewed_on": settings.ACCESSIBILITY_REVIEWED_ON,
        "contact_person": settings.ACCESSIBILITY_CONTACT_PERSON,
        "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "contact_phone": phone,
        # A Polish number written without the country code is dialled with it.
        "contact_phone_uri": "tel:" + (dialled if dialled.startswith("+") else "+48" + dialled),
        "email_retention_days": settings.AUTHOR_EMAIL_RETENTION_DAYS,
        "rate_window_minutes": max(1, settings.OPINION_RATE_WINDOW_SECONDS // 60),
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session_days": max(1, settings.SESSION_COOKIE_AGE // DAY),
        "staff_idle_minutes": max(1, settings.STAFF_IDLE_SECONDS // 60),
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_days": max(1, settings.CSRF_COOKIE_AGE // DAY),
        "language_cookie": settings.LANGUAGE_COOKIE_NAME,
        "visitor_cookie": browsers.COOKIE,
        "visitor_days": browsers.MAX_AGE // DAY,
    }
