// Incident room: listens to /ws/incidents/<id>/ and refreshes only the panel an event
// touches (header, timeline, checklist). It never wipes text being typed, never replaces a
// task someone is working in, and keeps the reading position when entries arrive above it.
(function () {
  "use strict";
  const room = document.getElementById("incident-room");
  if (!room) return;
  const roomUrl = room.dataset.url;

  function fetchHtml(url, target) {
    const headers = { "HX-Request": "true" };
    if (target) headers["HX-Target"] = target;
    return fetch(url, { headers, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : null))
      .catch(() => null);
  }
  function parse(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }
  function activate(node) {
    if (window.htmx) window.htmx.process(node);
    window.CrisisDesk.refreshTimes(node);
    tick(node);
  }

  // Someone is in the middle of something here: focus in a field, or text typed.
  function busy(element) {
    const active = document.activeElement;
    if (active && active !== document.body && element.contains(active)
        && active.matches("textarea, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio])")) {
      return true;
    }
    const typed = Array.from(element.querySelectorAll("textarea, input[type=text], input[type=datetime-local], input:not([type])"))
      .some((field) => field.value !== field.defaultValue);
    return typed || Array.from(element.querySelectorAll("select"))
      .some((select) => Array.from(select.options).some((o) => o.selected !== o.defaultSelected && o.value !== ""));
  }

  // --- clocks ----------------------------------------------------------------------------
  const lang = document.documentElement.lang || "en";
  function formatElapsed(minutes) {
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    if (typeof Intl.DurationFormat === "function") {
      const parts = days ? { days, hours } : hours ? { hours, minutes: mins } : { minutes: mins };
      const always = days ? { daysDisplay: "always", hoursDisplay: "always" }
        : hours ? { hoursDisplay: "always", minutesDisplay: "always" } : { minutesDisplay: "always" };
      return new Intl.DurationFormat(lang, { style: "narrow", ...always }).format(parts);
    }
    if (days) return days + " d " + hours + " h";
    if (hours) return hours + " h " + String(mins).padStart(2, "0") + " min";
    return mins + " min";
  }
  function tick(root) {
    const now = Date.now();
    (root || document).querySelectorAll("time[data-elapsed]").forEach((el) => {
      const minutes = Math.max(0, Math.floor((now - new Date(el.getAttribute("datetime")).getTime()) / 60000));
      el.textContent = formatElapsed(minutes);
    });
    (root || document).querySelectorAll("[data-due-at]").forEach((el) => {
      el.classList.toggle("cd-overdue", new Date(el.dataset.dueAt).getTime() < now);
    });
  }
  tick();
  setInterval(tick, 20000);

  // --- panels ----------------------------------------------------------------------------
  function refreshHeader() {
    const header = document.getElementById("room-header");
    if (!header) return Promise.resolve();
    if (header.querySelector(".dropdown-menu.show")) { later("room-header"); return Promise.resolve(); }
    return fetchHtml(roomUrl, "room-header").then((html) => {
      if (!html) return;
      const fresh = parse(html).firstElementChild;
      const current = document.getElementById("room-header");
      if (!current || current.querySelector(".dropdown-menu.show")) { later("room-header"); return; }
      const focused = current.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
      current.replaceWith(fresh);
      activate(fresh);
      if (focused) { const again = fresh.querySelector(`[href="${focused}"]`); if (again) again.focus(); }
    });
  }

  // Entries arrive one at a time and in order: a queue keeps fetches from overtaking.
  let entryQueue = Promise.resolve();
  function insertEntry(id) {
    entryQueue = entryQueue.then(() => {
      if (document.getElementById("entry-" + id)) return null;
      const panel = document.getElementById("timeline-panel");
      if (!panel) return null;
      if (panel.dataset.liveInsert !== "on") {
        const news = document.getElementById("timeline-news");
        if (news) news.hidden = false;
        return null;
      }
      return fetchHtml(room.dataset.entryUrl.replace(/\/0\/$/, "/" + id + "/")).then((html) => {
        if (!html || document.getElementById("entry-" + id)) return;
        const list = document.getElementById("timeline-entries");
        if (!list) return;
        list.querySelectorAll(".cd-empty-row").forEach((row) => row.remove());
        const node = parse(html).firstElementChild;
        const before = Array.from(list.children).find((li) => Number(li.dataset.entry) < id) || null;
        const reference = before || list.lastElementChild;
        const top = reference ? reference.getBoundingClientRect().top : 0;
        list.insertBefore(node, before);
        // Arriving above what the person is reading: keep what they read where it was.
        if (reference && top < 0) window.scrollBy(0, reference.getBoundingClientRect().top - top);
        activate(node);
      });
    });
    return entryQueue;
  }

  function refreshPinned(id) {
    return fetchHtml(roomUrl + window.location.search, "timeline-panel").then((html) => {
      if (!html) return;
      const fresh = parse(html);
      const pinned = fresh.querySelector("#timeline-pinned");
      const current = document.getElementById("timeline-pinned");
      if (pinned && current) { current.replaceWith(pinned); activate(pinned); }
      const entry = fresh.querySelector("#entry-" + id);
      const shown = document.getElementById("entry-" + id);
      if (entry && shown && !shown.contains(document.activeElement)) { shown.replaceWith(entry); activate(entry); }
    });
  }

  function refreshTimeline() {
    return fetchHtml(roomUrl + window.location.search, "timeline-panel").then((html) => {
      const current = document.getElementById("timeline-panel");
      if (!html || !current || busy(current)) return;
      const fresh = parse(html).firstElementChild;
      current.replaceWith(fresh);
      activate(fresh);
    });
  }

  // Tasks: replace only those that changed (the server stamps each with data-version),
  // keep open details open, and leave alone a task someone is typing in.
  function refreshChecklist() {
    return fetchHtml(roomUrl, "checklist-panel").then((html) => {
      const panel = document.getElementById("checklist-panel");
      if (!html || !panel) return;
      const fresh = parse(html).firstElementChild;
      const count = fresh.querySelector("#checklist-count");
      if (count) panel.querySelector("#checklist-count").replaceWith(count);
      const list = panel.querySelector("#checklist");
      const freshList = fresh.querySelector("#checklist");
      const existing = new Map(Array.from(list.children).filter((li) => li.id).map((li) => [li.id, li]));
      const wanted = Array.from(freshList.children).map((li) => {
        const old = li.id && existing.get(li.id);
        if (old && (old.dataset.version === li.dataset.version || busy(old))) {
          if (busy(old) && old.dataset.version !== li.dataset.version) later("checklist-panel");
          return old;
        }
        if (old) {
          const wasOpen = old.querySelector("details") && old.querySelector("details").open;
          if (wasOpen && li.querySelector("details")) li.querySelector("details").open = true;
        }
        if (li.id) li.classList.add("cd-fresh");
        return li;
      });
      wanted.forEach((node, index) => {
        const at = list.children[index];
        if (at === node) return;
        const old = node.id && existing.get(node.id);
        if (old && old !== node && old.parentNode === list) list.replaceChild(node, old);
        else list.insertBefore(node, at || null);
        if (node !== old) activate(node);
      });
      while (list.children.length > wanted.length) list.lastElementChild.remove();
      const addTask = panel.querySelector("#add-task");
      const freshAdd = fresh.querySelector("#add-task");
      if (!addTask && freshAdd) { panel.append(freshAdd); activate(freshAdd); }
      if (addTask && !freshAdd) addTask.remove();
    });
  }

  // The team panel: replaced whole unless someone is filling in its form.
  function refreshTeam() {
    const panel = document.getElementById("team-panel");
    if (!panel) return Promise.resolve();
    if (busy(panel)) { later("team-panel"); return Promise.resolve(); }
    return fetchHtml(roomUrl, "team-panel").then((html) => {
      if (!html) return;
      const current = document.getElementById("team-panel");
      if (!current || busy(current)) { later("team-panel"); return; }
      const fresh = parse(html).firstElementChild;
      const wasOpen = Array.from(current.querySelectorAll("details")).map((d) => d.open);
      fresh.querySelectorAll("details").forEach((d, i) => { if (wasOpen[i]) d.open = true; });
      fresh.classList.add("cd-fresh");
      current.replaceWith(fresh);
      activate(fresh);
    });
  }

  // Any other panel: the element names the events that redraw it (data-live-on), the room
  // URL answers it by its id (HX-Target), and it is replaced whole unless someone is busy.
  function refreshPanel(id) {
    const panel = document.getElementById(id);
    if (!panel) return Promise.resolve();
    if (busy(panel)) { later(id); return Promise.resolve(); }
    return fetchHtml(roomUrl, id).then((html) => {
      const current = document.getElementById(id);
      if (!html || !current) return;
      if (busy(current)) { later(id); return; }
      const fresh = parse(html).firstElementChild;
      fresh.classList.add("cd-fresh");
      current.replaceWith(fresh);
      activate(fresh);
    });
  }

  // Refresh a panel once a burst of frames is over; retry later when someone was busy.
  const timers = {};
  const refreshers = { "room-header": refreshHeader, "checklist-panel": refreshChecklist,
                       "timeline-panel": refreshTimeline, "team-panel": refreshTeam };
  // A redraw already due no later than asked stays as it is, so a steady stream of
  // events cannot keep postponing it; a sooner one replaces a slower retry.
  function soon(id, delay) {
    const wait = delay || 80;
    const due = Date.now() + wait;
    const pending = timers[id];
    if (pending && pending.due <= due) return;
    if (pending) clearTimeout(pending.handle);
    timers[id] = { due, handle: setTimeout(() => {
      delete timers[id];
      (refreshers[id] || refreshPanel)(id).then(() => { if (id === "team-panel") showPresence(); });
    }, wait) };
  }
  function later(id) { soon(id, 3000); }
  function livePanels() { return Array.from(document.querySelectorAll("[data-live-on]")); }

  function onEvent(frame) {
    if (frame.type === "timeline.appended") insertEntry(frame.data.id);
    else if (frame.type === "timeline.pinned") refreshPinned(frame.data.id);
    livePanels().forEach((panel) => {
      if (panel.dataset.liveOn.split(/\s+/).includes(frame.type)) soon(panel.id);
    });
  }

  // --- presence --------------------------------------------------------------------------
  // The server keeps who is viewing (crisis.presence): it sends the list on connect and in
  // answer to every heartbeat, and tells of arrivals and departures in between (gathered,
  // at most once a second). A person
  // with two tabs counts once.
  const BEAT_EVERY = 10000;
  let viewers = new Map(); // socket key -> {user, name}
  let more = 0;
  let me = null;
  function initials(name) {
    return name.split(/\s+/).filter(Boolean).slice(0, 2).map((part) => part[0]).join("").toUpperCase();
  }
  function showPresence() {
    const box = document.getElementById("presence-now");
    if (!box) return;
    const people = new Map();
    viewers.forEach((viewer) => people.set(viewer.user, viewer.name));
    const list = document.getElementById("presence-list");
    const before = new Set(Array.from(list.children).map((li) => Number(li.dataset.user)));
    const items = Array.from(people, ([user, name]) => {
      const li = document.createElement("li");
      li.dataset.user = user;
      const avatar = document.createElement("span");
      avatar.className = "avatar avatar-xs rounded-circle cd-viewer" + (me && user === me.user ? " bg-primary-lt" : "");
      avatar.title = name;
      avatar.textContent = initials(name);
      const label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = name;
      li.append(avatar, label);
      return li;
    });
    if (more > 0) {
      const li = document.createElement("li");
      li.className = "small text-secondary align-self-center";
      li.textContent = "+" + more;
      items.push(li);
    }
    list.replaceChildren(...items);
    box.hidden = people.size === 0;
    const arrived = Array.from(people.keys()).filter((user) => !before.has(user) && (!me || user !== me.user));
    if (arrived.length) document.getElementById("presence-announce").textContent = arrived.map((u) => people.get(u)).join(", ");
    document.querySelectorAll("#team-panel [data-user]:not(#presence-list > li)").forEach((row) => {
      const here = people.has(Number(row.dataset.user));
      row.querySelectorAll("[data-presence], [data-presence-text]").forEach((el) => { el.hidden = !here; });
      row.classList.toggle("cd-here", here);
    });
  }
  function onPresence(frame) {
    if (frame.type === "presence.state") {
      me = frame.you;
      viewers = new Map(frame.viewers.map((viewer) => [viewer.key, viewer]));
      viewers.set(me.key, me);
      more = frame.more || 0;
    } else if (frame.type === "presence.changed") {
      frame.here.forEach((viewer) => viewers.set(viewer.key, viewer));
      frame.left.forEach((viewer) => viewers.delete(viewer.key));
    }
    showPresence();
  }

  const stream = window.CrisisDesk.live("/ws/incidents/" + room.dataset.incident + "/", (frame) => {
    if (frame.type.startsWith("presence.")) onPresence(frame);
    else if (typeof frame.seq === "number") onEvent(frame);
  }, {
    seq: Number(room.dataset.seq || 0),
    // Too much was missed to replay: redraw every panel.
    onReload: () => livePanels().concat([document.getElementById("timeline-panel")])
      .forEach((panel) => panel && soon(panel.id)),
    // Whoever we saw may have left while we were away; they answer again on reconnect.
    onClose: () => { viewers.clear(); more = 0; me = null; showPresence(); },
    // No longer allowed to view it (role ended, confidentiality raised): show why.
    onDenied: () => window.location.reload(),
  });
  setInterval(() => stream.send({ type: "presence.beat" }), BEAT_EVERY);

  // Our own composer: the server's answer names the new entry; show it at once.
  document.body.addEventListener("cd:entry", (event) => insertEntry(Number(event.detail.id)));
  // A task panel that answered with the whole checklist (a task was added).
  document.body.addEventListener("htmx:afterSwap", (event) => {
    activate(event.detail.elt);
    showPresence();
  });
})();
