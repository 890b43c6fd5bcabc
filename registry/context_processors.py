"""Template context: what the navigation needs to know about the person (their role and
unread notifications). Here rather than in core, which imports no app."""

from registry.access import can_view_cohort, can_write_patients, role_of
from registry.studies.selectors import notification_unread_count


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_role": role_of(user),
        "user_can_write": can_write_patients(user),
        "user_can_view_cohort": can_view_cohort(user),
    }


def notifications(request):
    """The number of unread notifications, shown next to the Notifications link."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": notification_unread_count(user=user)}
