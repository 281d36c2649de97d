from django import template

from fangxian.accounts.scoping import Can, can

register = template.Library()


@register.filter
def inspects(user) -> bool:
    """For the home page's menu entry: whether the user inspects businesses anywhere."""
    return user.is_authenticated and can(user, Can.INSPECT)
