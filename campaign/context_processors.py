"""Template context shared by every admin page: the explorer tree of the sidebar."""

from .navigation import explorer_tree


def explorer(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    return {"explorer_tree": explorer_tree(user, request.path)}
