// Statement pages: follow the incident's stream (the statement list and page redraw
// themselves from it, hx-trigger in their templates), and count the characters of the
// channel variants against their limits as the writer types.
(function () {
  "use strict";
  const F = window.CrisisDesk.frames;

  // --- live ------------------------------------------------------------------------------
  // "statement.changed" names the statement in data.id; it is raised once more for that
  // statement ("live:statement.changed:updated:7"), as live.js does for the objects a frame
  // lists as updated, so one statement's page redraws only for its own changes.
  const page = document.getElementById("statement-page");
  if (page && page.dataset.statementStream) {
    window.CrisisDesk.on(F.STATEMENT_CHANGED, (frame) => {
      const id = frame.data && frame.data.id;
      if (id) window.htmx.trigger(document.body, "live:" + F.STATEMENT_CHANGED + ":updated:" + id, { frame });
    });
    const stream = window.CrisisDesk.live(page.dataset.statementStream, {
      seq: Number(page.dataset.seq || 0),
      // No longer allowed to view the incident: the reload says why (404).
      onDenied: () => window.location.reload(),
    });
    // Working on one of its statements is viewing the incident: the room's "Viewing now"
    // keeps showing this person while the page is open, as it does for the room itself.
    setInterval(() => stream.send({ type: F.PRESENCE_BEAT }), 10000);
  }

  // --- character counters ----------------------------------------------------------------
  // Counted in characters (code points), as the server counts them.
  function count(counter) {
    const field = document.getElementById(counter.dataset.counterFor);
    if (!field) return;
    const n = Array.from(field.value).length;
    const limit = Number(counter.dataset.limit);
    counter.textContent = counter.dataset.template.replace("__n__", String(n));
    counter.classList.toggle("text-danger", n > limit);
    counter.classList.toggle("fw-semibold", n > limit);
  }
  function countAll(root) {
    (root || document).querySelectorAll("[data-counter-for]").forEach(count);
  }
  document.body.addEventListener("input", (event) => {
    const counter = event.target.id && document.querySelector('[data-counter-for="' + event.target.id + '"]');
    if (counter) count(counter);
  });
  document.body.addEventListener("htmx:afterSwap", () => countAll());
  countAll();
})();
