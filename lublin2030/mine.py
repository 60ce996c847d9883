"""„Moje”: a signed-in resident's own page: their opinions, comments, supports and
applications to the working groups, each with its state.

It sits in the site package because it gathers what several apps hold about one person.
A fixed number of queries: one per list, each capped.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from core.http import signed_in_user
from opinions.models import Comment, Opinion, Support
from workgroups.models import Application

SHOWN = 50


@never_cache
@login_required
def my_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    opinions = list(
        Opinion.objects.filter(author=user)
        .select_related("area", "consultation")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    comments = list(
        Comment.objects.filter(author=user)
        .select_related("opinion")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    supports = list(
        Support.objects.filter(user=user)
        .select_related("opinion__area")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    applications = list(
        Application.objects.filter(applicant=user)
        .select_related("call", "first_choice__area")
        .order_by("-call__opens_at", "-pk")[:SHOWN]
    )
    return render(
        request,
        "mine.html",
        {
            "opinions": opinions,
            "comments": comments,
            "supports": supports,
            "applications": applications,
            "shown": SHOWN,
        },
    )
