// Alert board: the open alerts redraw themselves on every alert.changed frame (hx-trigger in
// _alerts.html: new and rising alerts slide in with the live.js highlight); each watch's
// chart fetches its series again when one of its alerts changes, and every minute. After a
// reconnect the alerts are drawn again (the stream is not numbered: nothing is replayed).
(function () {
  "use strict";
  const board = document.getElementById("monitoring-board");
  if (!board) return;
  const F = window.CrisisDesk.frames;
  const REFRESH = 60000;
  const seriesUrl = (watch) => board.dataset.seriesUrl.replace("/0/", "/" + watch + "/") + "?hours=24";

  function load(element) {
    fetch(seriesUrl(element.dataset.watchChart), { credentials: "same-origin",
                                                   headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => window.CrisisDesk.watchChart(element, data))
      .catch(() => window.CrisisDesk.watchChartFailed(element));
  }
  const charts = () => board.querySelectorAll("[data-watch-chart]");
  charts().forEach((element) => {
    element.textContent = element.dataset.labelLoading;
    load(element);
  });
  setInterval(() => charts().forEach(load), REFRESH);

  const pending = new Map();  // a burst of frames about one watch: one fetch
  window.CrisisDesk.on(F.ALERT_CHANGED, (frame) => {
    const element = board.querySelector('[data-watch-chart="' + frame.data.watch + '"]');
    if (!element || pending.has(element)) return;
    pending.set(element, setTimeout(() => { pending.delete(element); load(element); }, 300));
  });

  let opened = false;
  window.CrisisDesk.live(board.dataset.stream, {
    onOpen() {
      if (opened) window.htmx.trigger(document.body, "live:board.reconnected");
      opened = true;
    },
  });
})();
