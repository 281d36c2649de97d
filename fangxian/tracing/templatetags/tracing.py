from django import template

from fangxian.accounts.scoping import Can, can

register = template.Library()


@register.filter
def traces(user) -> bool:
    """For the home page's menu entry: whether the user traces contacts anywhere."""
    return user.is_authenticated and can(user, Can.TRACE)
