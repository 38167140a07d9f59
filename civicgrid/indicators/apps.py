from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "civicgrid.indicators"
    verbose_name = _("目标与指标")
