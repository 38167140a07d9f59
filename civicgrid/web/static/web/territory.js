/* The territory page: districts → streets → communities → grids on an offline Leaflet map.
 *
 * No tile layer (the platform must work without the Internet); the only requests go to our own
 * API. Everything vector is drawn on one canvas (preferCanvas), which keeps a district's 1,500+
 * grids smooth where 1,500 SVG paths would not be. Words come translated from the page
 * (map-config.labels). */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("map-config").textContent);
  const T = cfg.labels;
  const STYLE = {
    district: { color: "#1d4e89", fillColor: "#6b9bd8" },
    street: { color: "#0b6b6b", fillColor: "#56b8ad" },
    community: { color: "#8a5300", fillColor: "#f2b451" },
    grid: { color: "#2c6a2f", fillColor: "#93cf95" },
  };
  const ISSUE = "#c62828";
  const LABEL_LIMIT = 60; // more children than this: hover tooltips only, labels would collide

  const $ = (id) => document.getElementById(id);
  const mapEl = document.getElementById("map");
  // What is drawn, as data attributes: cheap to read for people debugging and for browser tests.
  const mark = (attrs) => Object.entries(attrs).forEach(([k, v]) => {
    if (v === null) delete mapEl.dataset[k]; else mapEl.dataset[k] = String(v);
  });
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
  const fmtArea = (m2) => (m2 == null ? "—" : m2 >= 1e6
    ? (m2 / 1e6).toFixed(2) + " km²" : Math.round(m2).toLocaleString("zh-CN") + " m²");

  const map = L.map("map", { preferCanvas: true, zoomSnap: 0.25, minZoom: 7, maxZoom: 19 });
  map.attributionControl.setPrefix("Leaflet");
  L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
  map.setView([39.9, 116.4], 9);
  map.on("movestart zoomstart", () => mark({ moving: 1 }));
  map.on("moveend zoomend", () => mark({ moving: null }));

  const state = { parent: null, path: [], features: [], issues: [], token: 0, gridsFor: null };
  const layers = { parent: null, children: null, labels: L.layerGroup().addTo(map), grids: null };
  const byCode = new Map(); // code -> {layer, item}

  // --- legend ------------------------------------------------------------------------------
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    // A <details>: open on a desk screen, folded on a phone where it would cover the map.
    const box = el("details", "legend");
    box.open = window.matchMedia("(min-width: 801px)").matches;
    box.appendChild(el("summary", null, T.legend));
    L.DomEvent.disableClickPropagation(box);
    const ul = el("ul");
    const row = (cls, style, text) => {
      const li = el("li"); const sw = el("span", "swatch " + cls);
      Object.assign(sw.style, style); li.append(sw, text); ul.appendChild(li);
    };
    row("swatch-line", { borderColor: "#27313d" }, T.legendParent);
    for (const level of ["district", "street", "community", "grid"]) {
      row("", { borderColor: STYLE[level].color, background: STYLE[level].fillColor }, T.levels[level]);
    }
    row("", { borderColor: ISSUE, background: "#f6c3c0" }, T.legendIssue);
    box.appendChild(ul);
    return box;
  };
  legend.addTo(map);

  // --- data ----------------------------------------------------------------------------------
  async function getJSON(url) {
    const resp = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (resp.status === 401) {
      window.location.href = cfg.loginUrl + "?next=" + encodeURIComponent(location.pathname);
    }
    let body = null;
    try { body = await resp.json(); } catch (e) { /* not JSON: keep the generic message */ }
    if (!resp.ok) throw new Error((body && body.message) || T.error);
    return body;
  }

  function setStatus(text, isError) {
    const s = $("status");
    s.textContent = text || "";
    s.classList.toggle("error", !!isError);
  }

  // Issues that concern a node: grids by code, anything else by prefix of the community code.
  function issuesOf(code, level) {
    return state.issues.filter((i) => (level === "grid" ? i.codes.includes(code)
      : i.community_code.startsWith(code) || i.codes.some((c) => c.startsWith(code))));
  }

  // --- drawing -------------------------------------------------------------------------------
  // 三里河一区社区居委会 → 三里河一区社区: the committee's name is the community's long form.
  const shortName = (name) => name.replace(/(社区)?(居民委员会|居委会)$/, "社区")
    .replace(/(村)?(村民委员会|村委会)$/, "村");

  // Hide labels that would overlap one already shown (they were added biggest area first).
  function declutter() {
    const kept = [];
    layers.labels.eachLayer((tip) => {
      const e = tip.getElement();
      if (!e) return;
      e.style.visibility = "";
      const r = e.getBoundingClientRect();
      const hit = kept.some((k) => r.left < k.right + 2 && r.right > k.left - 2
        && r.top < k.bottom && r.bottom > k.top);
      if (hit) e.style.visibility = "hidden"; else kept.push(r);
    });
  }
  map.on("zoomend", declutter);

  function styleFor(level, code, extra) {
    const bad = level !== "district" && issuesOf(code, level).length > 0;
    return Object.assign({
      color: bad ? ISSUE : STYLE[level].color, fillColor: bad ? "#f6c3c0" : STYLE[level].fillColor,
      weight: bad ? 2.5 : 1.5, fillOpacity: 0.35, opacity: 0.95,
    }, extra || {});
  }

  function tooltipHtml(p) {
    const d = el("div");
    d.append(el("strong", null, p.name), el("br"), el("span", null, T.code + " " + p.code));
    return d;
  }

  function popupHtml(p) {
    const box = el("div", "popup");
    box.appendChild(el("h3", null, p.name));
    box.appendChild(el("p", null, T.code + "：" + p.code));
    box.appendChild(el("p", null, T.area + "：" + fmtArea(p.area_m2)));
    if (p.staff) box.appendChild(el("p", null, T.staffTitle + "：" + fill(T.staff, p.staff)));
    const problems = issuesOf(p.code, p.level).map((i) => i.message).concat(p.staff_alerts || []);
    if (problems.length) {
      const ul = el("ul");
      problems.forEach((m) => ul.appendChild(el("li", "v-bad", m)));
      box.appendChild(ul);
    }
    if (state.gridsFor && p.level === "grid" && state.parent && state.parent.properties.level !== "community") {
      const b = el("button", "button button-small", T.enterCommunity);
      b.style.background = "#155ea8";
      b.addEventListener("click", () => load(p.code.slice(0, 12)));
      box.appendChild(b);
    }
    return box;
  }

  function highlight(code, on) {
    const hit = byCode.get(code);
    if (!hit) return;
    hit.layer.setStyle({ weight: on ? 4 : styleFor(hit.layer.feature.properties.level, code).weight });
    if (on) hit.layer.bringToFront();
    if (hit.item) hit.item.classList.toggle("hover", on);
  }

  function drawChildren(fc, refit) {
    ["parent", "children"].forEach((k) => { if (layers[k]) map.removeLayer(layers[k]); layers[k] = null; });
    layers.labels.clearLayers();
    byCode.clear();
    if (fc.parent && fc.parent.geometry) {
      layers.parent = L.geoJSON(fc.parent.geometry, {
        interactive: false, style: { color: "#27313d", weight: 3, dashArray: "6 4", fill: false },
      }).addTo(map);
    }
    const showLabels = fc.features.length <= LABEL_LIMIT;
    const gridsOn = !!layers.grids;
    layers.children = L.geoJSON(fc, {
      interactive: !gridsOn,
      style: (f) => styleFor(f.properties.level, f.properties.code,
        gridsOn ? { fill: false, weight: 2.5, color: "#27313d" } : null),
      onEachFeature: (f, layer) => {
        const p = f.properties;
        byCode.set(p.code, { layer: layer, item: null });
        if (gridsOn) return;
        layer.bindTooltip(tooltipHtml(p), { sticky: true, direction: "top" });
        layer.on("mouseover", () => highlight(p.code, true));
        layer.on("mouseout", () => highlight(p.code, false));
        layer.on("click", (e) => (p.level === "grid"
          ? L.popup().setLatLng(e.latlng).setContent(popupHtml(p)).openOn(map) : load(p.code)));
      },
    }).addTo(map);
    if (showLabels) {
      const sorted = [];
      layers.children.eachLayer((layer) => sorted.push(layer));
      // Biggest areas first: when labels collide, the small area's label gives way.
      sorted.sort((a, b) => (b.feature.properties.area_m2 || 0) - (a.feature.properties.area_m2 || 0));
      sorted.forEach((layer) => {
        const p = layer.feature.properties;
        const text = p.level === "grid" ? "#" + p.code.slice(-3) : shortName(p.name);
        L.tooltip({ permanent: true, direction: "center", className: "area-label", interactive: false })
          .setLatLng(layer.getCenter()).setContent(text).addTo(layers.labels);
      });
    }
    mark({ level: fc.features.length ? fc.features[0].properties.level : "", features: fc.features.length });
    if (refit !== false) {
      const bounds = (layers.parent || layers.children).getBounds();
      // Keep the top clear of the demo note that lies over the map.
      const note = document.querySelector(".map-note");
      const top = note ? note.offsetTop + note.offsetHeight + 8 : 16;
      if (bounds.isValid()) map.fitBounds(bounds, { paddingTopLeft: [16, top], paddingBottomRight: [16, 16] });
    }
    declutter();
  }

  function restyle() {
    if (layers.children && !layers.grids) {
      layers.children.setStyle((f) => styleFor(f.properties.level, f.properties.code));
    }
    if (layers.grids) layers.grids.setStyle((f) => gridStyle(f.properties.code));
  }

  function gridStyle(code) {
    const bad = issuesOf(code, "grid").length > 0;
    return {
      color: bad ? ISSUE : STYLE.grid.color, weight: bad ? 2 : 0.7, opacity: 0.9,
      fillColor: bad ? "#f6c3c0" : STYLE.grid.fillColor, fillOpacity: 0.3,
    };
  }

  // --- the side panel ----------------------------------------------------------------------
  function renderPanel() {
    const parent = state.parent ? state.parent.properties : null;
    const crumbs = $("crumbs");
    crumbs.replaceChildren();
    const trail = [{ code: "", name: T.root }].concat(state.path);
    trail.forEach((node, i) => {
      const li = el("li");
      if (i === trail.length - 1) {
        li.appendChild(el("span", null, node.name)).setAttribute("aria-current", "page");
      } else {
        const b = el("button", null, node.name);
        b.type = "button";
        b.addEventListener("click", () => load(node.code));
        li.appendChild(b);
      }
      crumbs.appendChild(li);
    });
    $("panel-title").textContent = parent ? parent.name : T.topTitle;
    const childLevel = state.features.length ? state.features[0].properties.level : null;
    $("panel-sub").textContent = (parent ? T.levels[parent.level] + " · " + T.code + " " + parent.code + " · " : "")
      + (childLevel ? fill(T.count, { n: state.features.length, level: T.levels[childLevel] }) : T.none);
    $("grid-toggle").hidden = !(parent && (parent.level === "district" || parent.level === "street"));

    const list = $("children");
    list.replaceChildren();
    for (const f of state.features) {
      const p = f.properties;
      const li = el("li");
      const b = el("button", "node");
      b.type = "button";
      b.dataset.code = p.code;
      b.append(el("span", "node-name", p.name), el("span", "node-code", p.code));
      const meta = [T.area + " " + fmtArea(p.area_m2)];
      if (p.level === "grid") meta.push(fill(T.staff, p.staff));
      else {
        if (p.level !== "community") {
          meta.push(fill(T.childCount, { level: T.levels[{ district: "street", street: "community" }[p.level]], n: p.child_count }));
        }
        meta.push(fill(T.gridCount, { n: p.grid_count }));
      }
      b.appendChild(el("span", "node-meta", meta.join(" · ")));
      const badges = el("span", "badges");
      if (p.level !== "district" && state.issuesLoaded) {
        const n = issuesOf(p.code, p.level).length;
        badges.appendChild(n ? el("span", "badge badge-bad", fill(T.issueBadge, { n: n }))
          : el("span", "badge badge-ok", T.okBadge));
      }
      if (p.staff_alerts && p.staff_alerts.length) {
        const w = el("span", "badge badge-warn", T.staffAlert);
        w.title = p.staff_alerts.join("\n");
        badges.appendChild(w);
      }
      if (badges.childNodes.length) b.appendChild(badges);
      b.addEventListener("mouseenter", () => highlight(p.code, true));
      b.addEventListener("mouseleave", () => highlight(p.code, false));
      b.addEventListener("focus", () => highlight(p.code, true));
      b.addEventListener("blur", () => highlight(p.code, false));
      b.addEventListener("click", () => {
        if (p.level !== "grid") return load(p.code);
        const hit = byCode.get(p.code);
        map.fitBounds(hit.layer.getBounds(), { maxZoom: 17, padding: [40, 40] });
        L.popup().setLatLng(hit.layer.getCenter()).setContent(popupHtml(p)).openOn(map);
      });
      li.appendChild(b);
      list.appendChild(li);
      const hit = byCode.get(p.code);
      if (hit) hit.item = b;
    }
  }

  function renderValidation(result, error) {
    const box = $("validation");
    box.replaceChildren();
    if (error) { box.appendChild(el("p", "v-bad", error)); return; }
    if (!result) { if (state.parent) box.appendChild(el("p", "muted", T.validating)); return; }
    if (result.ok) { box.appendChild(el("p", "v-ok", "✓ " + T.validOk)); return; }
    const d = el("details");
    d.appendChild(el("summary", "v-bad", fill(T.validIssues, { n: result.issues.length })));
    const ul = el("ul");
    result.issues.slice(0, 200).forEach((i) => ul.appendChild(el("li", null, i.message)));
    d.appendChild(ul);
    box.appendChild(d);
  }

  // --- navigation ------------------------------------------------------------------------------
  async function load(code) {
    const token = ++state.token;
    mark({ state: "loading", validation: "pending" });
    setStatus(T.loading);
    map.closePopup();
    let fc;
    try {
      fc = await getJSON(cfg.nodesUrl + (code ? "?parent=" + encodeURIComponent(code) : ""));
    } catch (e) {
      setStatus(e.message, true);
      return;
    }
    if (token !== state.token) return; // the user clicked on meanwhile
    Object.assign(state, { parent: fc.parent, path: fc.path || [], features: fc.features, issues: [], issuesLoaded: false });
    if (history.replaceState) history.replaceState(null, "", code ? "#" + code : location.pathname);
    const level = fc.parent ? fc.parent.properties.level : null;
    const wantGrids = $("all-grids").checked && (level === "district" || level === "street");
    if (!wantGrids) clearGrids();
    drawChildren(fc);
    renderPanel();
    setStatus("");
    mark({ state: "ready", parent: code || "" });
    renderValidation(null);
    if (wantGrids) loadGrids(code, token);
    if (code) loadValidation(code, token);
    else mark({ validation: "done" });
  }

  async function loadValidation(code, token) {
    try {
      const result = await getJSON(cfg.validationUrl + "?area=" + encodeURIComponent(code));
      if (token !== state.token) return;
      state.issues = result.issues;
      state.issuesLoaded = true;
      renderValidation(result);
      restyle();
      renderPanel();
    } catch (e) {
      if (token === state.token) renderValidation(null, e.message);
    }
    if (token === state.token) mark({ validation: "done" });
  }

  function clearGrids() {
    if (layers.grids) map.removeLayer(layers.grids);
    layers.grids = null;
    state.gridsFor = null;
    mark({ grids: null });
    $("grid-status").textContent = "";
  }

  async function loadGrids(code, token) {
    $("grid-status").textContent = T.loadingGrids;
    let fc;
    try {
      fc = await getJSON(cfg.gridsUrl + "?area=" + encodeURIComponent(code));
    } catch (e) {
      $("grid-status").textContent = e.message;
      return;
    }
    if (token !== state.token) return;
    clearGrids();
    layers.grids = L.geoJSON(fc, {
      style: (f) => gridStyle(f.properties.code),
      onEachFeature: (f, layer) => {
        layer.bindTooltip(tooltipHtml(f.properties), { sticky: true, direction: "top" });
        layer.on("click", (e) => L.popup().setLatLng(e.latlng).setContent(popupHtml(f.properties)).openOn(map));
      },
    }).addTo(map);
    state.gridsFor = code;
    // Redraw the children as bold outlines above the grids, so the street lines stay readable.
    drawChildren({ parent: state.parent, features: state.features }, false);
    layers.grids.bringToBack();
    renderPanel();
    $("grid-status").textContent = fill(T.gridsShown, { n: fc.features.length });
    mark({ grids: fc.features.length });
  }

  $("all-grids").addEventListener("change", (e) => {
    const code = state.parent && state.parent.properties.code;
    if (e.target.checked && code) loadGrids(code, state.token);
    else {
      clearGrids();
      drawChildren({ parent: state.parent, features: state.features }, false);
      renderPanel();
    }
  });

  load(decodeURIComponent(location.hash.slice(1)));
})();
