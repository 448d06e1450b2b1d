// Incident list: new incidents slide in at the top without a reload.
(function () {
  "use strict";
  function insertRow(frame) {
    const table = document.getElementById("incident-table");
    if (!table || document.getElementById("incident-" + frame.data.id)) return;
    if (table.dataset.liveInsert !== "on") {
      // Filtered or paged view: say so instead of inserting a row that may not belong here.
      const news = document.getElementById("incident-news");
      news.hidden = false;
      news.textContent = "";
      const link = document.createElement("a");
      link.href = "/incidents/" + frame.data.id + "/";
      link.textContent = frame.data.reference + " " + frame.data.title;
      news.append(table.dataset.newLabel, link);
      return;
    }
    fetch("/incidents/" + frame.data.id + "/row/", { headers: { "HX-Request": "true" } })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        if (!html || document.getElementById("incident-" + frame.data.id)) return;
        const rows = document.getElementById("incident-rows");
        rows.querySelectorAll(".cd-empty-row").forEach((row) => row.remove());
        rows.insertAdjacentHTML("afterbegin", html);
        window.CrisisDesk.refreshTimes(rows.firstElementChild);
      });
  }
  // A change to an incident already listed: redraw its row where it is (the list is not
  // re-sorted under the reader; the next load shows the new order).
  function refreshRow(frame) {
    const row = document.getElementById("incident-" + frame.data.id);
    if (!row) return;
    fetch("/incidents/" + frame.data.id + "/row/", { headers: { "HX-Request": "true" } })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        const current = document.getElementById("incident-" + frame.data.id);
        if (!html || !current) return;
        const template = document.createElement("template");
        template.innerHTML = html.trim();
        const fresh = template.content.firstElementChild;
        current.replaceWith(fresh);
        window.CrisisDesk.refreshTimes(fresh);
      });
  }
  window.CrisisDesk.live("/ws/incidents/", (frame) => {
    if (frame.type === "incident.created") insertRow(frame);
    else if (frame.type === "incident.updated") refreshRow(frame);
  });
})();
