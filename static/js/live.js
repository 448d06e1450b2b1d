// CrisisDesk live layer: one reconnecting websocket per stream, a banner when it is down,
// and relative times that stay current. Pages subscribe with CrisisDesk.live(path, onFrame).
(function () {
  "use strict";
  const banner = () => document.getElementById("live-status");

  // options.onReconnect runs when the stream opens again after a drop: frames sent while
  // it was down are lost, so the page refreshes what it shows.
  function live(path, onFrame, options) {
    let socket = null;
    let opened = false;
    let delay = 500;
    let closedByPage = false;
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";

    function connect() {
      socket = new WebSocket(scheme + window.location.host + path);
      socket.addEventListener("open", () => {
        delay = 500;
        if (banner()) banner().hidden = true;
        document.documentElement.dataset.live = "open";
        if (opened && options && options.onReconnect) options.onReconnect();
        opened = true;
      });
      socket.addEventListener("message", (event) => {
        let frame;
        try { frame = JSON.parse(event.data); } catch (e) { return; }
        if (frame.type === "error") { console.warn("CrisisDesk live:", frame.error); return; }
        onFrame(frame);
      });
      socket.addEventListener("close", (event) => {
        document.documentElement.dataset.live = "closed";
        if (closedByPage) return;
        if (event.code === 4403) { if (options && options.onDenied) options.onDenied(); return; }
        if (banner()) banner().hidden = false;
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 15000);
      });
    }
    connect();
    window.addEventListener("pagehide", () => { closedByPage = true; socket && socket.close(); });
    // A page restored from the back/forward cache must listen again.
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) { closedByPage = false; connect(); }
    });
    return { send: (frame) => socket && socket.readyState === 1 && socket.send(JSON.stringify(frame)) };
  }

  const rtf = () => new Intl.RelativeTimeFormat(document.documentElement.lang || "en", { numeric: "auto" });
  function refreshTimes(root) {
    const now = Date.now();
    const format = rtf();
    (root || document).querySelectorAll("time[data-reltime]").forEach((el) => {
      const seconds = Math.round((new Date(el.getAttribute("datetime")).getTime() - now) / 1000);
      const abs = Math.abs(seconds);
      if (abs < 45) el.textContent = format.format(0, "second");
      else if (abs < 3600) el.textContent = format.format(Math.round(seconds / 60), "minute");
      else if (abs < 86400) el.textContent = format.format(Math.round(seconds / 3600), "hour");
      else el.textContent = format.format(Math.round(seconds / 86400), "day");
    });
  }
  setInterval(refreshTimes, 30000);

  window.CrisisDesk = { live, refreshTimes };
})();
