// Incident list: new incidents slide in without a reload. (A listed incident's row redraws
// itself when it changes: hx-trigger in _incident_row.html.) After either, the rows are put
// back in the list's order, most urgent first, as a reload would show them: each row carries
// its place (data-urgency, crisis.models.urgency_key). Nothing moves under the reader: while
// the pointer or the focus is in the list, the order waits until they leave it.
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

  // --- the list's order -------------------------------------------------------------------
  const urgency = (row) => JSON.parse(row.dataset.urgency);
  function moreUrgent(a, b) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return a[i] < b[i];
    }
    return false;
  }
  // The other rows are in order: one move puts this one among them.
  function place(row) {
    const rows = row.parentElement;
    const key = urgency(row);
    const next = Array.from(rows.children).find(
      (other) => other !== row && other.dataset.urgency && moreUrgent(key, urgency(other)));
    if (next ? row.nextElementSibling !== next : rows.lastElementChild !== row) {
      rows.insertBefore(row, next || null);
    }
  }
  const inUse = (rows) => rows.matches(":hover") || rows.contains(document.activeElement);
  const pending = new Set();
  let waitingOn = null;  // the <tbody> whose pointer or focus the order waits for
  function placeWhenFree(row) {
    const rows = row.parentElement;
    if (!rows) return;
    pending.add(row);
    if (!inUse(rows)) { placePending(); return; }
    if (waitingOn === rows) return;
    waitingOn = rows;
    const later = () => setTimeout(() => {
      if (inUse(rows)) return;
      rows.removeEventListener("mouseleave", later);
      rows.removeEventListener("focusout", later);
      waitingOn = null;
      placePending();
    }, 0);
    rows.addEventListener("mouseleave", later);
    rows.addEventListener("focusout", later);
  }
  function placePending() {
    pending.forEach((row) => { if (row.isConnected) place(row); });
    pending.clear();
  }
  // On #main, so rows are in place before live.js keeps the reader's scroll position (body).
  document.getElementById("main").addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target.id === "incident-rows") {
      const added = target.firstElementChild;  // a live insert lands at the top (afterbegin)
      if (added && added.dataset.urgency) placeWhenFree(added);
    } else if (target.dataset && target.dataset.urgency) {
      placeWhenFree(target);
    }
  });

  window.CrisisDesk.live(table.dataset.stream);
})();
