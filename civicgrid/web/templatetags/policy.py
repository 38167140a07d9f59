"""`{% may "territory.view" as ok %}`: templates ask the one permission policy, never the role."""

from django import template

from civicgrid.core.permissions import may as policy_may

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, action: str, obj=None) -> bool:
    request = context.get("request")
    return policy_may(getattr(request, "user", None), action, obj)
