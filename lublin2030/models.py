from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person with an account: resident, group member or city staff.

    Roles are Django groups (see stages.roles); object permissions are `rules`.
    """

    display_name = models.CharField(_("display name"), max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.email or self.username
