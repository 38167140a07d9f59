from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "civicgrid.evaluation"
    verbose_name = _("考核评价")
