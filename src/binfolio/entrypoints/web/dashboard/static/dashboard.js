// binfolio dashboard: charts from the JSON API (plotly.js served by the dashboard itself),
// live refresh on new snapshots and live logs over server-sent events. No inline script: the
// page's CSP forbids it; everything the page needs is in its data-* attributes.
"use strict";

(function () {
  const body = document.body;
  const page = body.dataset.page;
  const MAX_LOG_LINES = 500;
  // No mode bar: plotly.js styles it with inline <style> elements, which the CSP forbids.
  // Drag to zoom and double-click to reset still work.
  const config = { displayModeBar: false, displaylogo: false, responsive: true };

  // ---- account switcher --------------------------------------------------------------------
  const switcher = document.getElementById("account-switch");
  if (switcher) {
    switcher.addEventListener("change", function () {
      if (!switcher.value) return;
      const query = switcher.dataset.rangeQuery;
      window.location.href =
        "/accounts/" + encodeURIComponent(switcher.value) + (query ? "?" + query : "");
    });
  }

  // ---- helpers -----------------------------------------------------------------------------
  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function colors() {
    return {
      text: cssVar("--text"),
      muted: cssVar("--muted"),
      grid: cssVar("--grid"),
      border: cssVar("--border"),
      surface: cssVar("--surface"),
      accent: cssVar("--accent"),
      bench: cssVar("--bench"),
      down: cssVar("--down"),
      palette: cssVar("--palette").split(",").map((c) => c.trim()),
      font: cssVar("--font"),
    };
  }

  function baseLayout(c) {
    return {
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { family: c.font, color: c.muted, size: 12 },
      margin: { l: 64, r: 16, t: 10, b: 36 },
      hovermode: "x unified",
      hoverlabel: { bgcolor: c.surface, bordercolor: c.border, font: { color: c.text } },
      legend: { orientation: "h", x: 0, y: 1.08, font: { color: c.text } },
      xaxis: { gridcolor: c.grid, linecolor: c.border, zeroline: false, showspikes: false },
      yaxis: { gridcolor: c.grid, linecolor: c.border, zeroline: false, tickformat: ",.0f" },
    };
  }

  async function getJSON(url) {
    const response = await fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  }

  // Times come as UTC ISO strings; without the zone plotly shows them as they are: in UTC.
  function wallClock(time) {
    return time.replace("Z", "").replace("+00:00", "");
  }

  function setEmpty(card, empty) {
    card.classList.toggle("is-empty", empty);
    const note = card.querySelector(".chart-empty");
    if (note) note.hidden = !empty;
  }

  // ---- account charts ----------------------------------------------------------------------
  let lastSeries = null;
  let lastHoldings = null;

  function drawSeries(series) {
    const navChart = document.getElementById("chart-nav");
    const twrChart = document.getElementById("chart-twr");
    const empty = series.returned_points === 0;
    setEmpty(navChart.closest(".chart-card"), empty);
    setEmpty(twrChart.closest(".chart-card"), empty);
    const label = document.getElementById("nav-points");
    label.textContent =
      series.returned_points < series.total_points
        ? "USDT · " + series.returned_points + " of " + series.total_points + " snapshots drawn"
        : "USDT · " + series.total_points + " snapshots";
    if (empty) return;
    const c = colors();
    const x = series.time.map(wallClock);
    const navLayout = baseLayout(c);
    Plotly.react(
      navChart,
      [
        {
          x: x,
          y: series.nav_usdt,
          name: "NAV",
          type: "scatter",
          mode: "lines",
          line: { color: c.accent, width: 2.2 },
          hovertemplate: "%{y:,.2f} USDT",
        },
        {
          x: x,
          y: series.benchmark_usdt,
          name: "Benchmark",
          type: "scatter",
          mode: "lines",
          connectgaps: true,
          line: { color: c.bench, width: 1.8, dash: "dot" },
          hovertemplate: "%{y:,.2f} USDT",
        },
      ],
      navLayout,
      config
    );
    const twrLayout = baseLayout(c);
    twrLayout.yaxis = Object.assign(twrLayout.yaxis, { domain: [0.38, 1], tickformat: ".3f" });
    twrLayout.yaxis2 = {
      domain: [0, 0.28],
      gridcolor: c.grid,
      zeroline: false,
      ticksuffix: "%",
      tickformat: ".1f",
    };
    twrLayout.xaxis = Object.assign(twrLayout.xaxis, { anchor: "y2" });
    Plotly.react(
      twrChart,
      [
        {
          x: x,
          y: series.twr_index,
          name: "TWR index",
          type: "scatter",
          mode: "lines",
          line: { color: c.accent, width: 2 },
          hovertemplate: "%{y:.4f}",
        },
        {
          x: x,
          y: series.drawdown.map((d) => d * 100),
          name: "Drawdown",
          type: "scatter",
          mode: "lines",
          yaxis: "y2",
          fill: "tozeroy",
          line: { color: c.down, width: 1.2 },
          hovertemplate: "%{y:.2f}%",
        },
      ],
      twrLayout,
      config
    );
  }

  function donut(element, slices, title, c) {
    // The eight largest slices, then the rest as one: a donut of 40 slivers says nothing.
    const top = slices.slice(0, 8);
    const rest = slices.slice(8).reduce((sum, s) => sum + Number(s.value_usdt), 0);
    const labels = top.map((s) => s.name.replace("_", " "));
    const values = top.map((s) => Number(s.value_usdt));
    if (rest > 0) {
      labels.push("other");
      values.push(rest);
    }
    Plotly.react(
      element,
      [
        {
          type: "pie",
          hole: 0.64,
          sort: false,
          labels: labels,
          values: values,
          textinfo: "none",
          marker: { colors: c.palette, line: { color: c.surface, width: 2 } },
          hovertemplate: "%{label}: %{value:,.2f} USDT (%{percent})<extra></extra>",
        },
      ],
      {
        paper_bgcolor: "rgba(0,0,0,0)",
        font: { family: c.font, color: c.text, size: 12 },
        margin: { l: 8, r: 8, t: 8, b: 8 },
        showlegend: true,
        legend: { orientation: "h", x: 0.5, xanchor: "center", y: -0.02, font: { size: 11 } },
        annotations: [
          { text: title, showarrow: false, font: { size: 13, color: c.muted }, x: 0.5, y: 0.5 },
        ],
      },
      config
    );
  }

  function drawAllocation(holdings) {
    const assets = document.getElementById("chart-assets");
    const card = assets.closest(".chart-card");
    const empty = holdings.by_asset.length === 0;
    setEmpty(card, empty);
    if (empty) return;
    const c = colors();
    donut(assets, holdings.by_asset, "by asset", c);
    donut(document.getElementById("chart-wallets"), holdings.by_wallet, "by wallet", c);
  }

  // On the account page this script comes before plotly.js, both deferred: it runs first and
  // asks for the chart data while plotly.js (4.8 MB) still downloads and compiles. Deferred
  // scripts have all run when DOMContentLoaded fires, so plotly.js is there by then or failed.
  // (Deferred scripts run in the "interactive" state, before that event.)
  const scriptsRun =
    document.readyState === "complete"
      ? Promise.resolve()
      : new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve));

  async function plotlyLoaded() {
    await scriptsRun;
    if (!window.Plotly) {
      throw new Error("plotly.js did not load from /vendor/plotly.min.js");
    }
  }

  async function drawAccount() {
    const base = "/api/accounts/" + encodeURIComponent(body.dataset.account);
    const [results] = await Promise.all([
      Promise.all([
        getJSON(base + "/series?" + body.dataset.apiQuery),
        getJSON(base + "/holdings"),
      ]),
      plotlyLoaded(),
    ]);
    lastSeries = results[0];
    lastHoldings = results[1];
    drawSeries(lastSeries);
    drawAllocation(lastHoldings);
    body.dataset.chartsDrawn = String(Number(body.dataset.chartsDrawn || 0) + 1);
  }

  function redrawForTheme() {
    if (lastSeries) drawSeries(lastSeries);
    if (lastHoldings) drawAllocation(lastHoldings);
  }

  // ---- live refresh on new snapshots -------------------------------------------------------
  let refreshing = false;

  async function refresh(snapshotId) {
    if (refreshing) return;
    refreshing = true;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      const ids = (root) =>
        Array.from(root.querySelectorAll("[data-live][id]"), (el) => el.id).sort().join(",");
      if (ids(fresh) !== ids(document)) {
        window.location.reload(); // the page changed shape (a first account, say)
        return;
      }
      document.querySelectorAll("[data-live][id]").forEach((el) => {
        el.replaceWith(document.importNode(fresh.getElementById(el.id), true));
      });
      body.dataset.snapshotId = fresh.body.dataset.snapshotId || String(snapshotId);
      if (fresh.body.dataset.apiQuery) body.dataset.apiQuery = fresh.body.dataset.apiQuery;
      if (page === "account") await drawAccount();
      body.dataset.refreshed = String(Number(body.dataset.refreshed || 0) + 1);
    } finally {
      refreshing = false;
    }
  }

  function startLive() {
    const status = document.getElementById("live-status");
    const source = new EventSource("/api/events");
    source.addEventListener("open", () => (status.dataset.state = "open"));
    source.addEventListener("error", () => (status.dataset.state = "error"));
    source.addEventListener("snapshot", (event) => {
      const newest = JSON.parse(event.data).snapshot_id;
      if (newest > Number(body.dataset.snapshotId || 0)) {
        refresh(newest).catch((error) => console.warn("refresh failed:", error));
      }
    });
  }

  // ---- live logs ---------------------------------------------------------------------------
  function startLogs() {
    const list = document.getElementById("logs");
    if (!list) return;
    const waiting = document.getElementById("logs-empty");
    const level = document.getElementById("log-level");
    let source = null;

    function cell(tag, className, text) {
      const element = document.createElement(tag);
      element.className = className;
      element.textContent = text; // never innerHTML: log messages are not markup
      return element;
    }

    function append(record) {
      const item = document.createElement("li");
      item.className = "log log-" + record.level;
      const time = cell("time", "time", record.time.slice(0, 19).replace("T", " "));
      time.dateTime = record.time;
      item.append(
        time,
        cell("span", "level", record.level),
        cell("span", "logger", record.logger),
        cell("span", "message", record.message)
      );
      const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
      list.append(item);
      while (list.children.length > MAX_LOG_LINES) list.firstElementChild.remove();
      if (atBottom) list.scrollTop = list.scrollHeight;
      waiting.hidden = true;
    }

    function connect() {
      if (source) source.close();
      list.replaceChildren();
      waiting.hidden = false;
      source = new EventSource("/api/logs/stream?level=" + encodeURIComponent(level.value));
      source.addEventListener("log", (event) => append(JSON.parse(event.data)));
    }

    level.addEventListener("change", connect);
    connect();
  }

  // ---- start -------------------------------------------------------------------------------
  if (page === "overview" || page === "account") startLive();
  if (page === "account") {
    drawAccount().catch((error) => {
      console.error(error);
      body.dataset.chartsError = String(error);
    });
    startLogs();
    window
      .matchMedia("(prefers-color-scheme: dark)")
      .addEventListener("change", redrawForTheme);
  }
})();
