// Approval queue: the list redraws itself (hx-trigger in comms/review/_queue.html) when a
// notification arrives on the page's own stream (a statement reached me) or a statement
// changes in an incident I may view (decided by someone else, edited, withdrawn). This
// opens the second of those streams, the incident list feed.
(function () {
  "use strict";
  const queue = document.getElementById("approval-queue");
  if (!queue || !window.CrisisDesk) return;
  window.CrisisDesk.live(queue.dataset.stream);
})();
