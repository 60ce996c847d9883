from __future__ import annotations

from opinions.reports import views as reports

from .views import moderation, paper, public

app_name = "opinions"

# Each views module owns its URLs: public pages, the moderation queue, and paper input
# (events, typing in, file import), thematic reports.
urlpatterns = [
    *public.urlpatterns,
    *moderation.urlpatterns,
    *paper.urlpatterns,
    *reports.urlpatterns,
]
