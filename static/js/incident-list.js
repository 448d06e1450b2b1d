// Incident list: new incidents slide in at the top without a reload. (A listed incident's
// row redraws itself when it changes: hx-trigger in _incident_row.html.)
(function () {
  "use strict";
  const table = document.getElementById("incident-table");
  if (!table) return;
  const F = window.CrisisDesk.frames;
  // The table is swapped whole when the filters change: always look it up afresh.
  const current = () => document.getElementById("incident-table");
  const withId = (url, id) => url.replace("/0/", "/" + id + "/");  // {% url ... 0 %}

  window.CrisisDesk.on(F.INCIDENT_CREATED, (frame) => {
    const shown = current();
    if (!shown || document.getElementById("incident-" + frame.data.id)) return;
    if (shown.dataset.liveInsert !== "on") {
      // Filtered or paged view: say so instead of inserting a row that may not belong here.
      const news = document.getElementById("incident-news");
      news.hidden = false;
      news.textContent = "";
      const link = document.createElement("a");
      link.href = withId(shown.dataset.incidentUrl, frame.data.id);
      link.textContent = frame.data.reference + " " + frame.data.title;
      news.append(shown.dataset.newLabel, link);
      return;
    }
    // hx-sync on the rows queues these: none is dropped when several open at once.
    const rows = document.getElementById("incident-rows");
    window.htmx.ajax("GET", withId(shown.dataset.rowUrl, frame.data.id),
                     { source: rows, target: rows, swap: "afterbegin" });
  });
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target.id !== "incident-rows") return;
    const id = (event.detail.serverResponse.match(/\bid="incident-(\d+)"/) || [])[1];
    if (id && document.getElementById("incident-" + id)) event.detail.shouldSwap = false;
    else event.detail.target.querySelectorAll(".cd-empty-row").forEach((row) => row.remove());
  });

  window.CrisisDesk.live(table.dataset.stream);
})();
