"""Admin pages without a model: one helper for every app's screens.

    @page("myapp.view_thing")
    def things(request):
        context = page_context(request, _("Things"))
        return render(request, "myapp/things.html", context)

`page(permission)` wraps a view with the admin site's login (staff, CSRF, never cached)
and refuses operators without `permission` (403). `page_context` gives the admin's own
context (site header, sidebar, the explorer) and the breadcrumbs: the explorer path to
the entry of this page (templates extend "campaign/page.html").
"""

from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from .navigation import trail


def page(permission):
    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return admin.site.admin_view(checked)

    return decorate


def page_context(request, title, **extra):
    crumbs = trail(request.path)
    if crumbs and str(crumbs[-1]) != str(title):
        crumbs.append(title)
    return {**admin.site.each_context(request), "title": title, "breadcrumbs": crumbs or [title], **extra}
