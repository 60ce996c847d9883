from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from . import views
from .admin_login import throttled_admin_login
from .api import api
from .api import docs as api_docs
from .dashboard import dashboard
from .law_pages import law_page_settings
from .mine import my_page
from .opendata import views as opendata_views
from .roles import views as roles

LAW_PAGE_CONTEXT = {"law": law_page_settings}

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("moje/", my_page, name="mine"),
    path("panel/", dashboard, name="dashboard"),
    path("staff/roles/", roles.roles_page, name="roles"),
    path("staff/roles/withdraw/", roles.withdraw, name="roles_withdraw"),
    path("staff/log/", roles.change_log, name="change_log"),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="accessibility.html", extra_context=LAW_PAGE_CONTEXT),
        name="accessibility",
    ),
    path(
        "privacy/",
        TemplateView.as_view(template_name="privacy.html", extra_context=LAW_PAGE_CONTEXT),
        name="privacy",
    ),
    path("otwarte-dane/", opendata_views.open_data, name="open_data"),
    path(
        "otwarte-dane/<str:filename>",
        opendata_views.open_data_description,
        name="open_data_description",
    ),
    path(
        "otwarte-dane/<slug:name>.<slug:extension>",
        opendata_views.open_data_file,
        name="open_data_file",
    ),
    path("api/v1/docs/", api_docs, name="api_docs"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/login/", throttled_admin_login, name="admin_login_throttled"),
    path("admin/", admin.site.urls),
    path("", include("stages.urls")),
    path("", include("opinions.urls")),
    path("", include("workgroups.urls")),
]
