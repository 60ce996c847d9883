// Starts Swagger UI on the API documentation page (templates/api/docs.html). A file, not an
// inline script: the Content-Security-Policy allows scripts from the portal's files only.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // Read-only API: "Try it out" sends GETs to the portal itself.
    supportedSubmitMethods: ["get"],
  });
})();
