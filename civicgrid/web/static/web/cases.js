/* Case pages: the small map on a case page, and the map of cases (clustered markers coloured by
 * state and warning, the same filters as the list). Offline like the territory page: no tile
 * layer, only our own API. Words come translated from the page (map-config.labels). */
(function () {
  "use strict";

  const KIND_COLOURS = {
    overdue: "#c62828", warning: "#e0a100", returned: "#7b3fb5",
    extended: "#00838f", open: "#1565c0", closed: "#7a838f",
  };
  const KIND_ORDER = ["overdue", "warning", "returned", "extended", "open", "closed"];
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  };
  const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
  const fmtTime = (iso) => {
    if (!iso) return "—";
    const d = new Date(iso);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  };
  function baseMap(id, opts) {
    const map = L.map(id, Object.assign({ preferCanvas: true, zoomSnap: 0.25, minZoom: 7, maxZoom: 19 }, opts || {}));
    map.attributionControl.setPrefix("Leaflet");
    L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
    return map;
  }

  // --- the small map of one case ------------------------------------------------------------
  function caseMap() {
    const box = document.getElementById("case-map");
    if (!box) return;
    const data = JSON.parse(document.getElementById("case-map-data").textContent);
    if (!data.point) return;
    const map = baseMap(box, { scrollWheelZoom: false });
    const latlng = [data.point[1], data.point[0]];
    const grid = data.grid ? L.geoJSON(data.grid, {
      style: { color: "#2c6a2f", weight: 2, fillColor: "#93cf95", fillOpacity: 0.25 } }) : null;
    // The view comes first and without animation: vector layers need a view to be drawn on,
    // and "ready" must mean the final picture.
    const bounds = grid ? grid.getBounds().extend(latlng) : null;
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17, animate: false });
    else map.setView(latlng, 16, { animate: false });
    if (grid) grid.addTo(map);
    L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: "#c62828", fillOpacity: 1 })
      .bindTooltip(data.number).addTo(map);
    box.dataset.state = "ready";
  }

  // --- the map of cases ---------------------------------------------------------------------
  function casesMap() {
    const mapEl = document.getElementById("cases-map");
    if (!mapEl) return;
    const cfg = JSON.parse(document.getElementById("map-config").textContent);
    const T = cfg.labels;
    const form = document.getElementById("map-filter-form");
    const status = document.getElementById("map-status");
    const toList = document.getElementById("to-list");
    const mark = (attrs) => Object.entries(attrs).forEach(([k, v]) => {
      if (v === null) delete mapEl.dataset[k]; else mapEl.dataset[k] = String(v);
    });
    // SVG markers (not canvas): the clusters keep the drawn ones few, and each marker is then a
    // focusable, testable element with its kind as a class.
    const map = baseMap(mapEl, { preferCanvas: false });
    map.setView([39.9, 116.4], 10);

    const legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      const box = el("details", "legend");
      box.open = window.matchMedia("(min-width: 801px)").matches;
      box.appendChild(el("summary", null, T.legend));
      L.DomEvent.disableClickPropagation(box);
      const ul = el("ul");
      for (const kind of KIND_ORDER) {
        const li = el("li"); const dot = el("span", "dot");
        dot.style.background = KIND_COLOURS[kind];
        li.append(dot, T[kind]); ul.appendChild(li);
      }
      box.appendChild(ul);
      return box;
    };
    legend.addTo(map);

    async function getJSON(url) {
      const resp = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (resp.status === 401) window.location.href = cfg.loginUrl + "?next=" + encodeURIComponent(location.pathname + location.search);
      let body = null;
      try { body = await resp.json(); } catch (e) { /* not JSON */ }
      if (!resp.ok) throw new Error((body && body.message) || T.error);
      return body;
    }

    // The visible districts' outlines give the points a place (there is no base map offline).
    getJSON(cfg.nodesUrl).then((fc) => {
      L.geoJSON(fc, { interactive: false, style: { color: "#1d4e89", weight: 1.5, fill: false, dashArray: "4 3" } }).addTo(map).bringToBack();
    }).catch(() => { /* outlines are decoration; the points still show */ });

    const clusters = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
      iconCreateFunction(cluster) {
        const n = cluster.getChildCount();
        // Red when anything inside is overdue, grey when everything inside is finished.
        const kinds = cluster.getAllChildMarkers().map((m) => m.options.kind);
        const cls = kinds.includes("overdue") ? " has-overdue"
          : kinds.every((k) => k === "closed") ? " all-closed" : "";
        const size = n < 10 ? 32 : n < 100 ? 38 : n < 1000 ? 44 : 50;
        return L.divIcon({
          html: `<span>${n}</span>`, className: "case-cluster" + cls,
          iconSize: [size, size],
        });
      },
    }).addTo(map);

    function popup(p) {
      const box = el("div", "case-popup");
      const a = el("a", "case-number", p.number);
      a.href = cfg.detailUrl.replace("NUMBER", encodeURIComponent(p.number));
      box.appendChild(a);
      box.appendChild(el("p", null, `${T.category}：${p.category || T.uncategorised}`));
      box.appendChild(el("p", null, `${T.state}：${p.state_label}` + (p.kind !== "open" && p.kind !== "closed" ? ` · ${T[p.kind]}` : "")));
      if (p.due) box.appendChild(el("p", null, `${T.due}：${fmtTime(p.due)}`));
      const more = el("a", null, T.detail + " ›"); more.href = a.href;
      box.appendChild(more);
      return box;
    }

    let token = 0;
    async function load(fit) {
      const mine = ++token;
      const query = new URLSearchParams(new FormData(form));
      for (const [k, v] of [...query.entries()]) if (!v) query.delete(k);
      history.replaceState(null, "", location.pathname + (query.toString() ? "?" + query : ""));
      if (toList) toList.href = toList.pathname + (query.toString() ? "?" + query : "");
      mark({ state: "loading" });
      status.className = "map-status"; status.textContent = T.loading;
      let fc;
      try {
        fc = await getJSON(cfg.pointsUrl + "?" + query);
      } catch (err) {
        if (mine !== token) return;
        status.textContent = err.message; mark({ state: "error" });
        return;
      }
      if (mine !== token) return;
      clusters.clearLayers();
      const markers = fc.features.map((f) => {
        const [lon, lat] = f.geometry.coordinates;
        const p = f.properties;
        return L.circleMarker([lat, lon], {
          radius: 7, weight: 2, color: "#fff", fillColor: KIND_COLOURS[p.kind] || KIND_COLOURS.open,
          fillOpacity: 0.95, kind: p.kind, className: "case-marker kind-" + p.kind,
        }).bindPopup(() => popup(p));
      });
      clusters.addLayers(markers);
      if (fc.capped) {
        status.className = "map-status capped";
        status.textContent = fill(T.capped, { total: fc.total, n: fc.shown });
      } else {
        status.textContent = fc.shown ? fill(T.shown, { n: fc.shown }) : T.none;
      }
      if (fit && markers.length) {
        map.fitBounds(clusters.getBounds(), { padding: [48, 48], maxZoom: 16, animate: false });
      }
      mark({ state: "ready", points: fc.shown, total: fc.total, capped: fc.capped ? 1 : 0 });
    }

    form.addEventListener("change", () => load(true));
    form.addEventListener("submit", (e) => { e.preventDefault(); load(true); });
    load(true);
  }

  caseMap();
  casesMap();
})();
