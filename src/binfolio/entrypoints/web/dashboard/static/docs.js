// Swagger UI for /docs, started from a file: the page's CSP allows no inline script.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The validator badge would ask a public validator service about our schema.
    validatorUrl: null,
  });
});
