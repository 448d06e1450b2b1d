// Incident room: opens the room's stream; the panels redraw themselves from the live:*
// events it raises (hx-trigger on each panel, see live.js). Here: the clocks that tick, the
// note that new entries arrived when the timeline shows a filter or an older page, and who
// is viewing now.
(function () {
  "use strict";
  const room = document.getElementById("incident-room");
  if (!room) return;
  const F = window.CrisisDesk.frames;

  // --- clocks ----------------------------------------------------------------------------
  // In the server's words (core/reltime.py elapsed, rendered into the page as #reltime-words),
  // so a clock reads the same before and after it ticks, in every language.
  const wordsNode = document.getElementById("reltime-words");
  const clockWords = wordsNode ? JSON.parse(wordsNode.textContent).elapsed : null;
  function formatElapsed(minutes) {
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    const phrase = days ? clockWords.days : hours ? clockWords.hours : clockWords.minutes;
    return phrase.replace("__d__", String(days)).replace("__h__", String(hours))
      .replace("__m__", hours || days ? String(mins).padStart(2, "0") : String(mins));
  }
  function tick(root) {
    if (!clockWords) return;
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

  // --- the timeline: a new entry slides in at the top (page one of everything), or a note
  // says entries arrived (filtered or an older page) ---------------------------------------
  function arrived(id) {
    const panel = document.getElementById("timeline-panel");
    const list = document.getElementById("timeline-entries");
    if (!panel || !list || document.getElementById("entry-" + id)) return;
    if (panel.dataset.liveInsert !== "on") {
      document.getElementById("timeline-news").hidden = false;
      return;
    }
    // One entry each (cheap for the server); hx-sync on the list queues them in order.
    window.htmx.ajax("GET", list.dataset.entryUrl.replace("/0/", "/" + id + "/"),
                     { source: list, target: list, swap: "afterbegin" });
  }
  window.CrisisDesk.on(F.TIMELINE_APPENDED, (frame) => arrived(frame.data.id));
  // Our own composer's answer names the new entry: show it without waiting for the stream.
  document.body.addEventListener("cd:entry", (event) => arrived(Number(event.detail.id)));
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target.id !== "timeline-entries") return;
    // Asked for twice (our answer and the stream both), shown once.
    const id = (event.detail.serverResponse.match(/\bid="entry-(\d+)"/) || [])[1];
    if (id && document.getElementById("entry-" + id)) event.detail.shouldSwap = false;
    else event.detail.target.querySelectorAll(".cd-empty-row").forEach((row) => row.remove());
  });

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
  window.CrisisDesk.on(F.PRESENCE_STATE, (frame) => {
    me = frame.you;
    viewers = new Map(frame.viewers.map((viewer) => [viewer.key, viewer]));
    viewers.set(me.key, me);
    more = frame.more || 0;
    showPresence();
  });
  window.CrisisDesk.on(F.PRESENCE_CHANGED, (frame) => {
    frame.here.forEach((viewer) => viewers.set(viewer.key, viewer));
    frame.left.forEach((viewer) => viewers.delete(viewer.key));
    showPresence();
  });

  const stream = window.CrisisDesk.live(room.dataset.stream, {
    seq: Number(room.dataset.seq || 0),
    // Whoever we saw may have left while we were away; they answer again on reconnect.
    onClose: () => { viewers.clear(); more = 0; me = null; showPresence(); },
    // No longer allowed to view it (role ended, confidentiality raised): show why.
    onDenied: () => window.location.reload(),
  });
  setInterval(() => stream.send({ type: F.PRESENCE_BEAT }), BEAT_EVERY);

  // A panel redrawn (live or by a form's answer): its clocks, and who is here on its rows.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    tick(event.detail.target.isConnected ? event.detail.target : null);
    showPresence();
    keepTaskForms(event.detail.target);
    // The panels drawn after the page (crisis.panels lazy) have arrived: the address's
    // #anchor (a link to a task, the section menu followed meanwhile) is there only now.
    if (event.detail.elt.id === "room-more-panels" && window.location.hash.length > 1) {
      const anchor = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
      if (anchor) anchor.scrollIntoView();
    }
  });

  // --- a task's forms --------------------------------------------------------------------
  // The server draws a task without its forms (status, owner, comment): they are fetched
  // when its details open (hx-trigger on .cd-task-forms). Fetched, they stay through live
  // redraws of the task (data-live-keep), and are fetched again when the task changed
  // (its data-version) unless someone is working in them.
  function keepTaskForms(target) {
    if (!(target instanceof Element)) return;
    if (target.matches(".cd-task-forms")) {
      const task = target.closest(".cd-task-item");
      target.dataset.liveKeep = "";
      target.dataset.taskVersion = task ? task.dataset.version : "";
      return;
    }
    const scope = target.isConnected ? target : document.getElementById("checklist-panel");
    if (!scope) return;
    scope.querySelectorAll(".cd-task-forms[data-live-keep]").forEach((forms) => {
      const task = forms.closest(".cd-task-item");
      if (!task || task.dataset.version === forms.dataset.taskVersion) return;
      const busy = Array.from(forms.querySelectorAll("input, textarea, select"))
        .some((field) => window.CrisisDesk.inUse(field));
      if (!busy) window.htmx.trigger(forms, "cd:refresh");
    });
  }
})();
