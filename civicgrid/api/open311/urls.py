"""/open311/v2/: every resource in .xml and .json (config/urls.py mounts this)."""

from django.urls import re_path

from . import views

app_name = "open311"
FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_detail, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.updates, name="updates"),
    # Anything else under /open311/v2/ answers in the spec's error shape, not an HTML page.
    re_path(r"^(?P<path>.*?)(?:\.(?P<fmt>xml|json))?$", views.not_found, name="not_found"),
]
