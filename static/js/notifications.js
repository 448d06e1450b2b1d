// The bell in the header: unread count and the latest notifications, kept current by
// /ws/notifications/ on every page. New ones are announced politely to screen readers;
// nothing moves under the pointer (new items are added at the top of a closed or open
// list, never replacing the one being pointed at).
(function () {
  "use strict";
  const LATEST = 10;

  function start() {
    const bell = document.getElementById("notification-bell");
    if (!bell || !window.CrisisDesk) return;
    const toggle = bell.querySelector(".cd-bell-toggle");
    const badge = bell.querySelector("[data-unread-count]");
    const items = bell.querySelector("[data-notification-items]");
    const empty = bell.querySelector("[data-notification-empty]");
    const template = bell.querySelector("template[data-notification-template]");
    const announcer = bell.querySelector("[data-notification-announcer]");
    const markAll = bell.querySelector("form[data-mark-all]");
    const markAllButton = bell.querySelector("[data-mark-all-button]");
    const kindsNode = document.getElementById("notification-kinds");
    const kinds = kindsNode ? JSON.parse(kindsNode.textContent) : {};
    const F = window.CrisisDesk.frames;
    const on = window.CrisisDesk.on;

    function setUnread(count) {
      if (typeof count !== "number") return;
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = count === 0;
      markAllButton.disabled = count === 0;
      const label = count === 0 ? bell.dataset.labelNone
        : count === 1 ? bell.dataset.labelOne
          : bell.dataset.labelMany.replace("__n__", String(count));
      toggle.setAttribute("aria-label", label);
      bell.dataset.unread = String(count);
    }

    function timeElement(iso) {
      const time = document.createElement("time");
      time.setAttribute("datetime", iso);
      time.setAttribute("data-reltime", "");
      time.title = new Date(iso).toLocaleString(document.documentElement.lang || undefined, {
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
        timeZoneName: "short",
      });
      return time;
    }

    function render(n) {
      const item = template.content.firstElementChild.cloneNode(true);
      const kind = kinds[n.kind] || { label: n.kind_label, icon: n.icon || "bell" };
      item.href = n.url;
      item.dataset.notificationId = String(n.id);
      item.classList.toggle("is-unread", !n.read);
      item.querySelector("[data-kind-icon]").className = "ti ti-" + kind.icon + " me-1";
      item.querySelector("[data-kind-label]").textContent = kind.label;
      item.querySelector("[data-unread-label]").hidden = !!n.read;
      item.querySelector("[data-title]").textContent = n.title;
      item.querySelector("[data-time]").replaceChildren(timeElement(n.created_at));
      return item;
    }

    function shown() {
      return Array.from(items.querySelectorAll("[data-notification-id]"));
    }

    function replaceAll(latest) {
      const ids = latest.map((n) => String(n.id)).join(",");
      const current = shown().map((el) => el.dataset.notificationId).join(",");
      const reads = latest.map((n) => (n.read ? "1" : "0")).join("");
      const currentReads = shown().map((el) => (el.classList.contains("is-unread") ? "0" : "1")).join("");
      if (ids === current && reads === currentReads) return; // nothing changed: leave it be
      shown().forEach((el) => el.remove());
      latest.slice(0, LATEST).forEach((n) => items.insertBefore(render(n), empty));
      empty.hidden = latest.length > 0;
      window.CrisisDesk.refreshTimes(items);
    }

    function add(n) {
      if (items.querySelector(`[data-notification-id="${n.id}"]`)) return;
      const item = render(n);
      item.classList.add("cd-bell-fresh");
      items.insertBefore(item, items.firstElementChild);
      empty.hidden = true;
      const all = shown();
      all.slice(LATEST).forEach((el) => el.remove());
      window.CrisisDesk.refreshTimes(items);
      announce(n.title);
    }

    function markRead(ids, all) {
      const wanted = new Set((ids || []).map(String));
      document.querySelectorAll("[data-notification-id]").forEach((el) => {
        if (!all && !wanted.has(el.dataset.notificationId)) return;
        el.classList.remove("is-unread");
        const label = el.querySelector("[data-unread-label]");
        if (label) label.hidden = true;
      });
    }

    function announce(title) {
      // Cleared first, so the same words twice are still read out.
      announcer.textContent = "";
      window.setTimeout(() => {
        announcer.textContent = bell.dataset.announce.replace("__title__", title);
      }, 100);
    }

    on(F.NOTIFICATIONS_STATE, (frame) => {
      setUnread(frame.unread);
      replaceAll(frame.latest || []);
    });
    on(F.NOTIFICATION_CREATED, (frame) => {
      setUnread(frame.unread);
      add(frame.notification);
    });
    on(F.NOTIFICATION_READ, (frame) => {
      setUnread(frame.unread);
      markRead(frame.ids, frame.all);
    });
    on(F.NOTIFICATIONS_MARKED, (frame) => setUnread(frame.unread));

    window.CrisisDesk.live(bell.dataset.stream);

    // "Mark all read" without leaving the page (the form posts through htmx, hx-post);
    // a plain form post if that fails.
    markAll.addEventListener("htmx:beforeRequest", () => { markAllButton.disabled = true; });
    markAll.addEventListener("htmx:afterRequest", (event) => {
      if (event.detail.successful) {
        markRead([], true);
        setUnread(0);
      } else {
        markAll.submit();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
