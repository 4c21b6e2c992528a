"""The template context of every cabinet page: the program's branding, the
navigation and the signed-in member, each read only if a template uses it
(the admin's pages never do)."""

from django.utils.functional import SimpleLazyObject

from .auth import session_member
from .registry import cabinet


def cabinet_context(request):
    return {
        "cabinet_settings": SimpleLazyObject(cabinet.settings),
        "cabinet_nav": SimpleLazyObject(lambda: cabinet.nav()),
        "cabinet_member": SimpleLazyObject(lambda: session_member(request)),
    }
