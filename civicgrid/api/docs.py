"""The API's docs page, served entirely from our own host: Swagger UI vendored under
civicgrid/web/static/vendor/swagger-ui/ (scripts/vendor_assets.sh), no CDN, and the online
validator badge (which would call validator.swagger.io) switched off."""

from __future__ import annotations

from django.shortcuts import render
from ninja.openapi.docs import DocsBase

DESCRIPTION = """CivicGrid 全响应网格化社会治理平台的 REST 接口。

- 认证：`Authorization: Bearer <密钥>`（`civicgrid api token create --user 用户名 --name 名称`
  创建，密钥只显示一次）。令牌代表其用户，角色与辖区与页面完全一致。页面自身的调用使用登录会话与
  CSRF 令牌。
- 错误：一律为 JSON `{"code", "message", "details"}`；400 输入有误，401 未认证，403 无权限，
  404 不存在或不在辖区内，405 方法不支持，409 案件已被他人改动，429 请求过于频繁（见 Retry-After）。
- 分页：列表接口返回 `next_cursor`，原样传回 `cursor` 取下一页。
"""


class OfflineSwagger(DocsBase):
    settings = {
        "layout": "BaseLayout",
        "deepLinking": True,
        "validatorUrl": None,  # the default sends the schema to validator.swagger.io
        "persistAuthorization": False,
        "tryItOutEnabled": False,
    }

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, "api/docs.html", {"api": api, "swagger_settings": settings})
