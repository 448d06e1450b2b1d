// A watch's chart (uPlot): mentions per point as bars, the share of negative mentions as a
// line on its own 0–100 % axis, the usual range (expected ± 2 standard deviations) as a
// shaded band, and a flag for each alert level reached. Data: monitoring.series, columns
// as the server sends them. Colours come from tokens.css, so levels look as everywhere.
// CrisisDesk.watchChart(element, data) draws (or redraws) into element.
(function () {
  "use strict";
  const charts = new WeakMap();
  const observed = new WeakSet();
  const css = (name, fallback) =>
    getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  const HEIGHT = 220;
  // Times on the axis in the page's language and the reader's clock ("09:00", "上午9:00").
  const hours = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
                                        { hour: "numeric", minute: "2-digit" });
  // The time under the cursor, in the legend: uPlot's own label and format are English.
  const moment = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
                                         { weekday: "short", hour: "numeric", minute: "2-digit" });

  function summarise(element, data) {
    const caption = document.querySelector('[data-chart-summary="' + data.watch + '"]');
    if (!caption) return;
    const total = data.mentions.reduce((sum, n) => sum + n, 0);
    let negative = 0;
    data.mentions.forEach((n, i) => { negative += n * (data.negative_share[i] || 0); });
    const share = total ? Math.round((negative / total) * 100) : 0;
    caption.textContent = caption.dataset.template
      .replace("__mentions__", total.toLocaleString(document.documentElement.lang))
      .replace("__negative__", String(share));
  }

  // Level flags: a vertical line in the level's colour with a short label at the top.
  function flags(data) {
    return (u) => {
      const ctx = u.ctx;
      ctx.save();
      data.markers.forEach((marker) => {
        const x = Math.round(u.valToPos(marker.t, "x", true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.strokeStyle = css("--cd-level-" + marker.level, "#c8232c");
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = css("--cd-level-" + marker.level, "#c8232c");
        ctx.fillRect(x, u.bbox.top, 10 * devicePixelRatio, 8 * devicePixelRatio);
      });
      ctx.restore();
    };
  }

  function watchChart(element, data) {
    const labels = element.dataset;
    const negativeShare = data.negative_share.map((v) => (v === null ? null : v * 100));
    const columns = [data.t, data.band_high, data.band_low, data.mentions, negativeShare];
    element.textContent = "";
    const bandColour = css("--cd-chart-band", "rgba(28, 100, 209, 0.14)");
    const options = {
      width: Math.max(element.clientWidth, 280),
      height: HEIGHT,
      padding: [12, 16, 0, 0],
      cursor: { points: { show: false } },
      legend: { live: true },
      scales: { x: { time: true }, share: { range: [0, 100] } },
      axes: [
        // space: the least pixels between two times ("上午12:00" and "12:00 AM" need ~60).
        { stroke: css("--cd-chart-axis", "#49566c"), grid: { stroke: "#e6e8eb" }, space: 90,
          values: (u, ticks) => ticks.map((t) => hours.format(new Date(t * 1000))) },
        { stroke: css("--cd-chart-axis", "#49566c"), grid: { stroke: "#e6e8eb" }, size: 44 },
        { scale: "share", side: 1, stroke: css("--cd-chart-axis", "#49566c"), grid: { show: false },
          values: (u, ticks) => ticks.map((v) => v + " %"), size: 48 },
      ],
      series: [
        { label: labels.labelTime,
          value: (u, t) => (t === null || t === undefined ? "--" : moment.format(new Date(t * 1000))) },
        { label: labels.labelUsual + " ↑", stroke: "transparent", points: { show: false } },
        { label: labels.labelUsual + " ↓", stroke: "transparent", points: { show: false } },
        { label: labels.labelMentions, stroke: css("--cd-chart-mentions", "#1c64d1"),
          fill: css("--cd-chart-mentions-fill", "rgba(28, 100, 209, 0.55)"),
          paths: uPlot.paths.bars({ size: [0.8, 12] }), points: { show: false } },
        { label: labels.labelNegative, scale: "share", stroke: css("--cd-chart-negative", "#b42318"),
          width: 2, spanGaps: false, points: { show: false },
          value: (u, v) => (v === null ? "–" : Math.round(v) + " %") },
      ],
      bands: [{ series: [1, 2], fill: bandColour }],
      hooks: { draw: [flags(data)] },
    };
    const chart = new uPlot(options, columns, element);
    charts.set(element, chart);
    summarise(element, data);
    if (!observed.has(element)) {
      observed.add(element);
      new ResizeObserver(() => {
        const shown = charts.get(element);
        const width = Math.max(element.clientWidth, 280);
        if (shown && Math.abs(width - shown.width) > 2) shown.setSize({ width, height: HEIGHT });
      }).observe(element);
    }
    return chart;
  }

  function failed(element) {
    element.dataset.state = "failed";
    if (!charts.get(element)) element.textContent = element.dataset.labelFailed;
  }

  window.CrisisDesk.watchChart = (element, data) => {
    const chart = charts.get(element);
    if (chart) { chart.destroy(); charts.delete(element); }  // the flags are drawn from options
    element.dataset.state = "drawn";
    return watchChart(element, data);
  };
  window.CrisisDesk.watchChartFailed = failed;

  // Charts whose data the server rendered into the page (the room's Evidence panel).
  function drawEmbedded(root) {
    (root || document).querySelectorAll("[data-watch-chart][data-series-id]").forEach((element) => {
      const source = document.getElementById(element.dataset.seriesId);
      if (source) window.CrisisDesk.watchChart(element, JSON.parse(source.textContent));
    });
  }
  drawEmbedded();
  document.body.addEventListener("htmx:afterSettle", (event) => drawEmbedded(event.detail.elt));
})();
