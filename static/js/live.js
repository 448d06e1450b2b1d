// CrisisDesk live layer: one reconnecting websocket per stream, a banner when it is down,
// and relative times that stay current. Pages subscribe with CrisisDesk.live(path, onFrame).
(function () {
  "use strict";
  const banner = () => document.getElementById("live-status");

  // CrisisDesk.live(path, onFrame, options) opens a reconnecting stream.
  // options.seq: the last event seq the page already shows. Event frames then arrive in
  // seq order, exactly once: after a reconnect or a gap the client asks for what it
  // missed ("resync") and holds newer frames back until the replay is done; if too much
  // was missed the server says "resync.reload" and options.onReload redraws the panels.
  // options.onOpen(stream) runs on every (re)connect; options.onDenied when access ended.
  function live(path, onFrame, options) {
    options = options || {};
    let socket = null;
    let delay = 500;
    let closedByPage = false;
    const sequenced = typeof options.seq === "number";
    let lastSeq = sequenced ? options.seq : 0;
    let syncing = false;
    let heldBack = [];
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const send = (frame) => socket && socket.readyState === 1 && socket.send(JSON.stringify(frame));

    function resync() {
      syncing = true;
      send({ type: "resync", after: lastSeq });
    }
    function apply(frame) {
      if (frame.seq <= lastSeq) return true; // seen already (replayed and live at once)
      if (frame.seq !== lastSeq + 1) return false;
      lastSeq = frame.seq;
      document.documentElement.dataset.liveSeq = String(lastSeq);
      onFrame(frame);
      return true;
    }
    function drainHeldBack() {
      heldBack.sort((a, b) => a.seq - b.seq);
      const waiting = heldBack;
      heldBack = [];
      for (const frame of waiting) {
        if (!apply(frame)) { heldBack = waiting.slice(waiting.indexOf(frame)); resync(); return; }
      }
    }
    function receive(frame) {
      if (!sequenced || typeof frame.seq !== "number") {
        if (frame.type === "resync.done" || frame.type === "resync.reload") {
          if (frame.type === "resync.reload") {
            lastSeq = Math.max(lastSeq, frame.seq);
            heldBack = heldBack.filter((held) => held.seq > lastSeq);
            if (options.onReload) options.onReload();
          }
          syncing = false;
          drainHeldBack();
          return;
        }
        onFrame(frame);
        return;
      }
      if (syncing && frame.seq > lastSeq + 1) { heldBack.push(frame); return; }
      if (!apply(frame)) { heldBack.push(frame); if (!syncing) resync(); }
    }

    function connect() {
      socket = new WebSocket(scheme + window.location.host + path);
      socket.addEventListener("open", () => {
        delay = 500;
        if (banner()) banner().hidden = true;
        document.documentElement.dataset.live = "open";
        if (sequenced) resync();
        if (options.onOpen) options.onOpen(stream);
      });
      socket.addEventListener("message", (event) => {
        let frame;
        try { frame = JSON.parse(event.data); } catch (e) { return; }
        if (frame.type === "error") { console.warn("CrisisDesk live:", frame.error); return; }
        receive(frame);
      });
      socket.addEventListener("close", (event) => {
        document.documentElement.dataset.live = "closed";
        syncing = false;
        if (closedByPage) return;
        if (event.code === 4403) { if (options.onDenied) options.onDenied(); return; }
        if (banner()) banner().hidden = false;
        if (options.onClose) options.onClose();
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 15000);
      });
    }
    const stream = { send, lastSeq: () => lastSeq };
    connect();
    window.addEventListener("pagehide", () => { closedByPage = true; socket && socket.close(); });
    // A page restored from the back/forward cache must listen again.
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) { closedByPage = false; connect(); }
    });
    return stream;
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
