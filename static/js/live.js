// CrisisDesk live layer: one reconnecting websocket per stream, a banner when it is down,
// and relative times that stay current.
//
// Every frame a stream accepts is raised on document.body as the htmx-style event
// "live:<frame type>" (detail: {frame}). Panels redraw themselves from the server
// declaratively: hx-get="<panel URL>" hx-trigger="live:task.changed from:body" and
// hx-swap="morph:outerHTML" (idiomorph), which keeps what the reader is doing (see
// "Morphing" below). Frame types come from the page (core.frames, rendered by base.html):
// CrisisDesk.frames.TASK_CHANGED === "task.changed".
(function () {
  "use strict";
  const F = JSON.parse(document.getElementById("live-frames").textContent);
  const banner = () => document.getElementById("live-status");

  // Frames are raised in batches, one every BATCH ms at most: the frames of a burst (one
  // transaction's events, a replay) reach the panels together and each panel redraws once
  // for them (its hx-trigger waits "delay:10ms" for the rest of the batch); a steady stream
  // cannot postpone a redraw, since a batch is never held back by the frames after it.
  const BATCH = 50;
  let batch = [];
  function raise(frame, stream) {
    batch.push({ frame, stream });
    if (batch.length === 1) setTimeout(flush, BATCH);
  }
  function flush() {
    const raising = batch;
    batch = [];
    raising.forEach((detail) => {
      const name = "live:" + detail.frame.type;
      window.htmx.trigger(document.body, name, detail);
      // The same event named for its incident, so one row of a list can listen for its own
      // ("live:incident.updated:42") without an hx-trigger filter, which would need eval
      // (the Content-Security-Policy allows none).
      const data = detail.frame.data || {};
      const incident = detail.frame.incident || data.id;
      if (incident) window.htmx.trigger(document.body, name + ":" + incident, detail);
      // A frame that lists what it added and updated ("task.changed": {added: [ids]} or
      // {updated: [ids]}) is raised once more for the additions ("live:task.changed:added")
      // and once per updated object ("live:task.changed:updated:7"): a list redraws whole
      // only when it grows, and otherwise just the item that changed.
      if (Array.isArray(data.added) && data.added.length) {
        window.htmx.trigger(document.body, name + ":added", detail);
      }
      if (Array.isArray(data.updated)) {
        data.updated.forEach((id) => window.htmx.trigger(document.body, name + ":updated:" + id, detail));
      }
    });
  }

  // CrisisDesk.live(path, options) opens a reconnecting stream.
  // options.seq: the last event seq the page already shows. Event frames are then raised in
  // seq order, exactly once: after a reconnect or a gap the client asks for what it
  // missed ("resync") and holds newer frames back until the replay is done; if too much
  // was missed the server says "resync.reload", which is raised for the panels to redraw.
  // options.onOpen(stream) runs on every (re)connect, options.onClose when it drops,
  // options.onDenied when access ended.
  function live(path, options) {
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
      send({ type: F.RESYNC, after: lastSeq });
    }
    function apply(frame) {
      if (frame.seq <= lastSeq) return true; // seen already (replayed and live at once)
      if (frame.seq !== lastSeq + 1) return false;
      lastSeq = frame.seq;
      document.documentElement.dataset.liveSeq = String(lastSeq);
      raise(frame, path);
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
        if (frame.type === F.RESYNC_DONE || frame.type === F.RESYNC_RELOAD) {
          if (frame.type === F.RESYNC_RELOAD) {
            lastSeq = Math.max(lastSeq, frame.seq);
            heldBack = heldBack.filter((held) => held.seq > lastSeq);
            raise(frame, path);
          }
          syncing = false;
          drainHeldBack();
          return;
        }
        raise(frame, path);
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
        if (frame.type === F.ERROR) { console.warn("CrisisDesk live:", frame.error); return; }
        receive(frame);
      });
      socket.addEventListener("close", (event) => {
        document.documentElement.dataset.live = "closed";
        syncing = false;
        if (closedByPage) return;
        if (event.code === 4403) { if (options.onDenied) options.onDenied(); return; }
        if (banner()) banner().hidden = false;
        if (options.onClose) options.onClose();
        // Jittered (0.5 to 1.5 times the back-off): when a server dies, its hundreds of
        // sockets would otherwise all come back at the same instants, queue together past
        // the handshake timeout and retry together again.
        setTimeout(connect, delay * (0.5 + Math.random()));
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

  // CrisisDesk.on(type, handler): handler(frame) for every accepted frame of that type.
  function on(type, handler) {
    document.body.addEventListener("live:" + type, (event) => handler(event.detail.frame));
  }

  // Relative times in the server's words and steps (core/reltime.py, rendered into the page
  // as #reltime-words), so a time reads the same before and after a redraw.
  const wordsNode = document.getElementById("reltime-words");
  const words = wordsNode ? JSON.parse(wordsNode.textContent) : null;
  const plural = new Intl.PluralRules(document.documentElement.lang || "en");
  function relativeTime(seconds) {
    const abs = Math.abs(seconds);
    if (abs < words.nowBelow) return words.now;
    const unit = words.units.find((u) => u.below === null || abs < u.below);
    const n = Math.round(seconds / unit.size);
    const forms = n >= 0 ? unit.future : unit.past;
    return (forms[plural.select(Math.abs(n))] || forms.other).replace("__n__", String(Math.abs(n)));
  }
  function refreshTimes(root) {
    if (!words) return;
    const now = Date.now();
    (root || document).querySelectorAll("time[data-reltime]").forEach((el) => {
      const seconds = Math.round((new Date(el.getAttribute("datetime")).getTime() - now) / 1000);
      el.textContent = relativeTime(seconds);
    });
  }
  setInterval(refreshTimes, 30000);

  // --- Morphing ----------------------------------------------------------------------------
  // Live panels swap with idiomorph (hx-swap="morph:outerHTML"): elements are updated in
  // place, so open <details>, focus and scroll position survive. On top of that:
  // - what someone is working in is left alone: a field with focus or with typed text or a
  //   changed choice, an open menu, and whatever a page script keeps (data-live-keep);
  // - <details> stay open or closed as the reader left them;
  // - an element whose data-version (stamped by the server) is the same is left as it is;
  // - what changed gets a brief highlight (cd-fresh): elements added, and elements whose
  //   data-version changed; a highlight still running is not cut short by the next redraw.
  const FIELDS = "input:not([type=hidden]), textarea, select";
  function inUse(element) {
    if (element.matches("[data-live-keep], .dropdown-menu.show, [aria-expanded=true]")) return true;
    if (!element.matches(FIELDS)) return false;
    if (element === document.activeElement) return true;
    if (element.matches("select")) {
      const options = Array.from(element.options);
      if (element.multiple) return options.some((option) => option.selected !== option.defaultSelected);
      const initial = options.filter((option) => option.defaultSelected).pop() || options[0];
      return Boolean(initial) && !initial.selected;
    }
    if (element.matches("[type=checkbox], [type=radio]")) return element.checked !== element.defaultChecked;
    return element.value !== element.defaultValue;
  }

  const FRESH = "cd-fresh";
  const changed = new WeakSet();
  const wasFresh = new WeakSet();
  function highlight(element) {
    // Off, a style recalculation, on again: the highlight starts over even if it ran before.
    element.classList.remove(FRESH);
    void element.offsetWidth;
    element.classList.add(FRESH);
  }

  if (window.Idiomorph) {
    Object.assign(window.Idiomorph.defaults.callbacks, {
      beforeNodeMorphed(oldNode, newNode) {
        if (!(oldNode instanceof Element)) return true;
        if (inUse(oldNode)) return false;
        // The server stamps what an element shows (data-version): the same, nothing to do.
        const version = oldNode.getAttribute("data-version");
        if (version !== null && version === newNode.getAttribute("data-version")) return false;
        if (oldNode.classList.contains(FRESH)) wasFresh.add(oldNode);
        return true;
      },
      beforeAttributeUpdated(name, element, mutation) {
        if (name === "open" && element.matches("details")) return false;
        if (name === "data-version" && mutation === "update") changed.add(element);
        return true;
      },
      afterNodeMorphed(oldNode) {
        if (!(oldNode instanceof Element)) return;
        if (changed.has(oldNode)) { changed.delete(oldNode); highlight(oldNode); }
        else if (wasFresh.has(oldNode)) { wasFresh.delete(oldNode); oldNode.classList.add(FRESH); }
      },
      afterNodeAdded(node) {
        if (node instanceof Element && node.id) highlight(node);
      },
    });
  }

  // A live redraw or insert never moves what the reader is looking at: scrolled into the
  // page, the element at the top of the window stays where it was when content above it
  // grows or shrinks. (Live inserts are htmx.ajax calls: no triggering event.)
  function readingPoint() {
    for (const y of [1, 40, 120]) {
      for (const x of [0.5, 0.25, 0.75]) {
        const hit = document.elementFromPoint(window.innerWidth * x, y);
        const element = hit && hit.closest("#main [id]");
        const box = element && element.getBoundingClientRect();
        if (box && box.height < window.innerHeight) return { element, top: box.top };
      }
    }
    return null;
  }
  let reading = null;
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    const live = !trigger || trigger.type.startsWith("live:");
    reading = live && window.scrollY > 0 ? readingPoint() : null;
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    refreshTimes(event.detail.target);
    if (reading && reading.element.isConnected) {
      window.scrollBy(0, reading.element.getBoundingClientRect().top - reading.top);
    }
    reading = null;
  });

  // A form's answer that replaces the part holding the focus (a posted composer, a task marked
  // done) would drop the focus to the top of the page: a keyboard user would have to Tab
  // through everything again. The focus goes back into the new part instead: its first
  // visible text field, else the part itself.
  let refocus = null;  // {id, until}: other swaps (a live insert) may come in between
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (target && target.id && target.contains(document.activeElement)) {
      refocus = { id: target.id, until: Date.now() + 5000 };
    }
  });
  // (htmx:load, raised by the new part itself: the requesting form is gone with the old one.)
  document.body.addEventListener("htmx:load", (event) => {
    const part = event.target;
    if (!refocus || part.id !== refocus.id || Date.now() > refocus.until) return;
    refocus = null;
    if (document.activeElement && document.activeElement !== document.body) return;
    const field = Array.from(part.querySelectorAll("textarea, input[type=text], input:not([type])"))
      .find((input) => (input.checkVisibility ? input.checkVisibility() : input.getClientRects().length));
    if (!field && !part.hasAttribute("tabindex")) part.setAttribute("tabindex", "-1");
    (field || part).focus({ preventScroll: true });
  });

  window.CrisisDesk = { live, on, frames: F, refreshTimes, inUse };
})();
