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
    // No deep links: each would be a link inside the operation's expand button, which a
    // screen reader announces as one control (axe-core: nested-interactive).
    deepLinking: false,
    // Read-only API: "Try it out" sends GETs to the portal itself.
    supportedSubmitMethods: ["get"],
  });
})();
