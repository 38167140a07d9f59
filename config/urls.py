from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "CivicGrid 全响应网格化社会治理平台"
admin.site.site_title = "CivicGrid"
admin.site.index_title = "管理后台"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's 中文 / English
    path("api/", include("civicgrid.api.urls")),
    path("open311/v2/", include("civicgrid.api.open311.urls")),
    path("", include("civicgrid.web.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
