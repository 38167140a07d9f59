/* The command centre's map and charts. Offline like the other maps: no tile layer, the area
 * polygons come from our own server. The figures and the whistle board refresh through htmx;
 * this script polls the map and chart data every `refreshSeconds` and redraws in place.
 * Each drawn part sets data-state="ready" (or "error") for the browser tests. */
(function () {
  "use strict";

  const cfgEl = document.getElementById("command-config");
  if (!cfgEl) return;
  const cfg = JSON.parse(cfgEl.textContent);
  const T = cfg.labels;
  const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  };
  const pad = (n) => String(n).padStart(2, "0");
  const hhmmss = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

  async function getJSON(url) {
    const resp = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (resp.redirected || resp.status === 401 || resp.status === 403) {
      window.location.reload();  // the session ended: the page itself asks for a login
      throw new Error(T.error);
    }
    if (!resp.ok) throw new Error(T.error);
    return resp.json();
  }

  // --- the clock and full screen ---------------------------------------------------------------
  const clock = document.getElementById("wall-clock");
  if (clock) {
    const tick = () => {
      const d = new Date();
      clock.textContent = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hhmmss(d)}`;
    };
    tick();
    setInterval(tick, 1000);
  }
  const fsButton = document.getElementById("fullscreen");
  if (fsButton && document.documentElement.requestFullscreen) {
    fsButton.hidden = false;
    fsButton.addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen();
    });
    document.addEventListener("fullscreenchange", () => {
      document.body.classList.toggle("is-fullscreen", !!document.fullscreenElement);
      setTimeout(resizeAll, 50);
    });
  }
  // The filters apply as soon as they change (the button stays for keyboard and no-JS use).
  const filters = document.querySelector(".wall-filters");
  if (filters) filters.addEventListener("change", () => filters.requestSubmit());

  // --- the map ---------------------------------------------------------------------------------
  const OPEN_COLOURS = ["#12355e", "#1b5a8f", "#2380c0", "#3aa5e6", "#7fd0ff"];
  const OVERDUE_COLOURS = ["#3a2a1a", "#7a4a12", "#b8691a", "#e6592e", "#ff2d2d"];
  const POINT_COLOURS = { overdue: "#ff4d3d", warning: "#ffca28", waiting: "#b388ff", open: "#4fc3f7" };
  const mapEl = document.getElementById("command-map");
  const note = document.getElementById("map-note");
  let map = null, areas = null, clusters = null, legend = null;
  let mapData = null;
  let colourBy = "open";

  function breaks(values) {
    // Four upper bounds for five classes: 0 stays its own class; the rest split evenly up to max.
    const max = Math.max(0, ...values);
    if (max <= 4) return [0, 1, 2, 3];
    const step = max / 4;
    return [0, Math.ceil(step), Math.ceil(step * 2), Math.ceil(step * 3)];
  }
  function classOf(v, b) {
    if (v <= b[0]) return 0;
    for (let i = 1; i < b.length; i++) if (v <= b[i]) return i;
    return 4;
  }
  function currentBreaks() {
    const idx = colourBy === "open" ? 0 : 1;
    return breaks(Object.values(mapData ? mapData.load : {}).map((v) => v[idx]));
  }
  function styleArea(feature) {
    const load = (mapData && mapData.load[feature.properties.code]) || [0, 0];
    const v = colourBy === "open" ? load[0] : load[1];
    const palette = colourBy === "open" ? OPEN_COLOURS : OVERDUE_COLOURS;
    const c = classOf(v, currentBreaks());
    return { color: "#3d6a9e", weight: 0.8, fillColor: palette[c], fillOpacity: c === 0 ? 0.25 : 0.72 };
  }
  function drawLegend() {
    if (legend) legend.remove();
    legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      const box = el("div", "map-legend");
      box.appendChild(el("strong", null, colourBy === "open" ? T.loadOpen : T.loadOverdue));
      const ul = el("ul");
      const b = currentBreaks();
      const palette = colourBy === "open" ? OPEN_COLOURS : OVERDUE_COLOURS;
      // Class i holds the values in (b[i-1], b[i]]; the last one everything above b[3].
      const labels = b.map((hi, i) => {
        if (i === 0) return String(hi);
        const lo = b[i - 1] + 1;
        return lo === hi ? String(hi) : `${lo}–${hi}`;
      });
      labels.push(`≥ ${b[3] + 1}`);
      labels.forEach((text, i) => {
        const li = el("li"); const sw = el("span", "swatch"); sw.style.background = palette[i];
        li.append(sw, text); ul.appendChild(li);
      });
      for (const kind of ["overdue", "warning", "waiting", "open"]) {
        const li = el("li"); const dot = el("span", "dot"); dot.style.background = POINT_COLOURS[kind];
        li.append(dot, T[kind]); ul.appendChild(li);
      }
      box.appendChild(ul);
      return box;
    };
    legend.addTo(map);
  }
  function restyle() {
    if (!areas) return;
    areas.setStyle(styleArea);
    drawLegend();
  }
  function areaTip(layer) {
    const p = layer.feature.properties;
    const load = (mapData && mapData.load[p.code]) || [0, 0];
    return `${p.name}<br>${T.open} ${load[0]} · ${T.overdue} ${load[1]}`;
  }
  function drawPoints() {
    clusters.clearLayers();
    const markers = mapData.points.map(([number, lon, lat, kind, category]) => {
      const m = L.circleMarker([lat, lon], {
        radius: 6, weight: 1.5, color: "#fff", fillColor: POINT_COLOURS[kind] || POINT_COLOURS.open,
        fillOpacity: 0.95, kind: kind, className: "cmd-marker kind-" + kind,
      });
      m.bindTooltip(`${number} · ${category || ""} · ${T[kind]}`);
      // A click opens the case in a new tab, so the wall stays on the command centre.
      m.on("click", () => window.open(cfg.caseUrl.replace("NUMBER", encodeURIComponent(number)), "_blank", "noopener"));
      return m;
    });
    clusters.addLayers(markers);
    note.textContent = mapData.capped ? fill(T.capped, { total: mapData.total, n: mapData.points.length })
      : fill(T.shown, { n: mapData.points.length });
  }
  async function loadMap(first) {
    try {
      mapData = await getJSON(cfg.mapUrl);
    } catch (err) {
      note.textContent = err.message; mapEl.dataset.state = "error";
      return;
    }
    if (first) {
      // The polygons first (they change rarely), then the load that colours them.
      const fc = await getJSON(cfg.areasUrl);
      areas = L.geoJSON(fc, { style: styleArea, onEachFeature: (f, layer) => layer.bindTooltip(() => areaTip(layer), { className: "area-tip", sticky: true }) }).addTo(map);
      const bounds = areas.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10], animate: false });
      areas.bringToBack();
    } else {
      areas.setStyle(styleArea);
    }
    drawLegend();
    drawPoints();
    mapEl.dataset.areas = areas ? areas.getLayers().length : 0;
    mapEl.dataset.points = mapData.points.length;
    mapEl.dataset.state = "ready";
  }
  if (mapEl) {
    map = L.map(mapEl, { preferCanvas: true, zoomSnap: 0.25, minZoom: 7, maxZoom: 19, attributionControl: true });
    map.attributionControl.setPrefix("Leaflet");
    map.setView([39.9, 116.4], 10);
    clusters = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45,
      iconCreateFunction(cluster) {
        const n = cluster.getChildCount();
        const bad = cluster.getAllChildMarkers().some((m) => m.options.kind === "overdue");
        const size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 48;
        return L.divIcon({ html: `<span>${n}</span>`, className: "cmd-cluster" + (bad ? " has-overdue" : ""), iconSize: [size, size] });
      },
    }).addTo(map);
    document.querySelectorAll("input[name=colour]").forEach((r) => r.addEventListener("change", () => {
      colourBy = r.value; restyle();
    }));
    loadMap(true).catch(() => { mapEl.dataset.state = "error"; note.textContent = T.error; });
  }

  // --- the charts -------------------------------------------------------------------------------
  const charts = {};
  const FONT = getComputedStyle(document.documentElement).fontFamily;
  const BASE = { backgroundColor: "transparent", textStyle: { fontFamily: FONT }, animation: false };
  function chart(id) {
    const holder = document.getElementById(id);
    if (!holder || typeof echarts === "undefined") return null;
    if (!charts[id]) charts[id] = echarts.init(holder, "dark", { renderer: "canvas" });
    return charts[id];
  }
  function empty(c, holder) {
    c.setOption(Object.assign({}, BASE, { title: { text: T.noData, left: "center", top: "middle", textStyle: { color: "#9fb3cc", fontSize: 14, fontWeight: 400 } } }), true);
    holder.dataset.state = "ready"; holder.dataset.empty = "1";
  }
  function draw(id, hasData, option) {
    const c = chart(id);
    if (!c) return;
    const holder = document.getElementById(id);
    if (!hasData) { empty(c, holder); return; }
    c.setOption(Object.assign({}, BASE, option), true);
    holder.dataset.state = "ready"; delete holder.dataset.empty;
  }
  function fits(id) {
    // As many bars as the panel holds at ~18 px each (a wall and a laptop differ).
    const h = document.getElementById(id).clientHeight;
    return Math.max(3, Math.floor((h - 24) / 18));
  }
  function bars(rows, colour, unit, id) {
    const list = rows.slice(0, fits(id)).reverse();
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 4, right: 46, top: 6, bottom: 4, containLabel: true },
      // The values are written on the bars; an axis of numbers would only crowd a small panel.
      xAxis: { type: "value", minInterval: 1, axisLabel: { show: false }, splitLine: { lineStyle: { color: "#1e3d66" } } },
      yAxis: { type: "category", data: list.map((r) => r.name),
        axisLabel: { width: id === "chart-overdue" ? 120 : 84, overflow: "truncate" } },
      series: [{ type: "bar", data: list.map((r) => r.value), itemStyle: { color: colour }, barMaxWidth: 16,
        label: { show: true, position: "right", color: "#e6eef8", formatter: unit ? `{c}${unit}` : "{c}" } }],
    };
  }
  function rankBars(rows, colour, id, title) {
    // Composite scores (0–100) with the unit's name written on its bar: half a panel has no
    // room for an axis of names.
    const list = rows.slice(0, fits(id)).reverse();
    return {
      title: { text: title, left: 0, top: 0, textStyle: { fontSize: 12, color: "#9fb3cc" } },
      tooltip: { trigger: "item", formatter: (p) => `${p.name}：${p.value}` },
      grid: { left: 2, right: 2, top: 22, bottom: 2 },
      xAxis: { type: "value", min: 0, max: 100, show: false },
      yAxis: { type: "category", data: list.map((r) => r.name), show: false },
      series: [{ type: "bar", data: list.map((r) => r.value), barMaxWidth: 16, barCategoryGap: "25%",
        itemStyle: { color: colour, opacity: 0.55 }, showBackground: true, backgroundStyle: { color: "rgba(255,255,255,0.04)" },
        label: { show: true, position: "insideLeft", color: "#fff", fontSize: 11, overflow: "truncate",
          width: Math.max(60, document.getElementById(id).clientWidth - 14),
          formatter: (p) => `${list[p.dataIndex].rank}. ${p.name}  ${p.value}` } }],
    };
  }
  function drawCharts(d) {
    const intakeTotal = d.intake.series.reduce((s, x) => s + x.data.reduce((a, b) => a + b, 0), 0);
    draw("chart-intake", intakeTotal > 0, {
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll", textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 12, top: 28, bottom: 4, containLabel: true },
      xAxis: { type: "category", data: d.intake.axis },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#1e3d66" } } },
      series: d.intake.series.map((s) => ({ name: s.name, type: "bar", stack: "intake", data: s.data, barMaxWidth: 18 })),
    });
    draw("chart-categories", d.categories.length > 0, {
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { type: "scroll", orient: "vertical", right: 0, top: "middle", textStyle: { fontSize: 11 }, formatter: (n) => n.length > 7 ? n.slice(0, 7) + "…" : n },
      // The ring sits left of the legend and fits the smaller side of the panel.
      series: [{ type: "pie", radius: ["30%", "52%"], center: ["33%", "50%"], data: d.categories,
        label: { show: false }, itemStyle: { borderColor: "#0d2340", borderWidth: 2 } }],
    });
    draw("chart-overdue", d.overdue.length > 0, bars(d.overdue, "#ff6b5b", "", "chart-overdue"));
    draw("chart-streets", d.streets.length > 0, rankBars(d.streets, "#4fc3f7", "chart-streets", T.streets));
    draw("chart-departments", d.departments.length > 0, rankBars(d.departments, "#66d17a", "chart-departments", T.departments));
  }
  async function loadCharts() {
    try {
      drawCharts(await getJSON(cfg.chartsUrl));
    } catch (err) {
      for (const id of ["chart-intake", "chart-categories", "chart-overdue", "chart-streets", "chart-departments"]) {
        const holder = document.getElementById(id);
        if (holder && holder.dataset.state !== "ready") holder.dataset.state = "error";
      }
    }
  }
  function resizeAll() {
    Object.values(charts).forEach((c) => c.resize());
    if (map) map.invalidateSize();
  }
  window.addEventListener("resize", resizeAll);
  loadCharts();

  // --- live updates ------------------------------------------------------------------------------
  setInterval(() => {
    if (document.hidden) return;
    loadCharts();
    if (map) loadMap(false).catch(() => {});
  }, Math.max(10, cfg.refreshSeconds) * 1000);
})();
