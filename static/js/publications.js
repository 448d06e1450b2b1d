// A publication's page: follow the incident's stream; the progress redraws itself from it
// ("live:delivery.changed:updated:<publication>", hx-trigger in its template).
(function () {
  "use strict";
  const page = document.getElementById("publication-page");
  if (page && page.dataset.publicationStream) {
    window.CrisisDesk.live(page.dataset.publicationStream, {
      seq: Number(page.dataset.seq || 0),
      onDenied: () => window.location.reload(),  // no longer allowed: the reload says why
    });
  }
})();
