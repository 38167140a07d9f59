from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    # A small app of its own inside the api package: it keeps what an Open311 client sent that
    # a case has no field for (attribute answers, device and account ids, media_url).
    name = "civicgrid.api.open311"
    label = "open311"
    verbose_name = _("Open311接口")
