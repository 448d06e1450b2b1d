// Review pages (templates/reports/review_*.html): follow the incident's stream (the review
// page and its PDF box redraw themselves from it: hx-trigger in their templates), count the
// executive summary's words as the server counts them (reports/words.py), offer the draft
// suggested from the facts, and tell an editor when someone else saved meanwhile.
(function () {
  "use strict";
  const F = window.CrisisDesk.frames;

  // --- live ------------------------------------------------------------------------------
  const page = document.getElementById("review-page");
  if (page && page.dataset.reviewStream) {
    const stream = window.CrisisDesk.live(page.dataset.reviewStream, {
      seq: Number(page.dataset.seq || 0),
      // No longer allowed to view the incident: the reload says why (404).
      onDenied: () => window.location.reload(),
    });
    // Working on its review is viewing the incident (the room's "Viewing now").
    setInterval(() => stream.send({ type: F.PRESENCE_BEAT }), 10000);
  }

  // The edit page: a save by someone else since this page opened is said at once (the
  // save would be refused; the text typed here stays).
  const form = document.getElementById("review-form");
  const stale = document.getElementById("review-stale");
  if (form && stale) {
    window.CrisisDesk.on(F.REVIEW_CHANGED, (frame) => {
      const data = frame.data || {};
      const base = form.querySelector("[name=base]");
      if (data.version !== Number(form.dataset.version) || data.revision !== Number(base.value)) {
        stale.hidden = false;
      }
    });
  }

  // --- word count (reports/words.py: a run of letters or digits is a word; each CJK
  // character two thirds of one; punctuation nothing; rounded up) -------------------------
  const CJK = /[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u{20000}-\u{3134f}]/gu;
  const SEPARATOR = /[^\p{L}\p{N}\p{M}_'’.\-]+/u;
  const ALNUM = /[\p{L}\p{N}]/u;
  function wordCount(text) {
    if (!text) return 0;
    const cjk = (text.match(CJK) || []).length;
    const words = text.replace(CJK, " ").split(SEPARATOR).filter((token) => ALNUM.test(token)).length;
    // Thirds, as whole numbers: no rounding error before the ceiling.
    return Math.ceil((words * 3 + cjk * 2) / 3);
  }
  function count(counter) {
    const field = document.getElementById(counter.dataset.wordsFor);
    if (!field) return;
    const n = wordCount(field.value);
    const limit = Number(counter.dataset.limit);
    counter.textContent = counter.dataset.template.replace("__n__", String(n));
    counter.classList.toggle("text-danger", n > limit);
    counter.classList.toggle("fw-semibold", n > limit);
  }
  function countAll() { document.querySelectorAll("[data-words-for]").forEach(count); }
  document.body.addEventListener("input", (event) => {
    const counter = event.target.id && document.querySelector('[data-words-for="' + event.target.id + '"]');
    if (counter) count(counter);
  });
  countAll();

  // --- the suggested executive summary ---------------------------------------------------
  document.body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-insert-suggestion]");
    if (!button) return;
    const field = document.getElementById(button.dataset.insertSuggestion);
    const source = document.getElementById(button.dataset.suggestion);
    if (!field || !source) return;
    const text = source.textContent.trim();
    if (field.value.trim() && field.value.trim() !== text && !window.confirm(button.dataset.confirm)) return;
    field.value = text;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.focus();
  });
})();
