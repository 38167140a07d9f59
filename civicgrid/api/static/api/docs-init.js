// Starts the vendored Swagger UI on /api/v1/docs. "Try it out" with a signed-in session sends
// Django's CSRF token like the pages' own JSON calls; with a token, use "Authorize" (Bearer).
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  settings.dom_id = "#swagger-ui";
  settings.presets = [SwaggerUIBundle.presets.apis];
  settings.requestInterceptor = function (req) {
    var token = csrfToken();
    if (token && !/^(GET|HEAD|OPTIONS)$/i.test(req.method || "GET")) {
      req.headers["X-CSRFToken"] = token;
    }
    return req;
  };
  window.ui = SwaggerUIBundle(settings);
})();
