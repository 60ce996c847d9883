from __future__ import annotations

from .views import recommendations, recruitment, verification, workspace

app_name = "workgroups"

# Each views module owns its URLs: recruitment (calls, applications, selection, rosters),
# the group workspace (reports, opinions, workshops), recommendations (editor, versions,
# public page), verification (the verifiers' queue and verdicts).
urlpatterns = [
    *recruitment.urlpatterns,
    *workspace.urlpatterns,
    *recommendations.urlpatterns,
    *verification.urlpatterns,
]
