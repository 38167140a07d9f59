/* Whistle pages: the raise form (problem → suggested departments, off-catalogue reason, a map
 * click fills the coordinates) and the whistle page (the site with its arrival radius, the
 * departments' arrival points, and the browser's geolocation for 到场报到 with a manual
 * fallback). Offline like the other maps: no tile layer. Words come from the page. */
(function () {
  "use strict";

  function baseMap(el, opts) {
    const map = L.map(el, Object.assign({ zoomSnap: 0.25, minZoom: 7, maxZoom: 19 }, opts || {}));
    map.attributionControl.setPrefix("Leaflet");
    L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
    return map;
  }
  const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));

  // --- the raise form -----------------------------------------------------------------------
  function raiseForm() {
    const form = document.getElementById("whistle-form");
    if (!form) return;
    const select = document.getElementById("f-problem");
    const exception = document.getElementById("exception-field");
    const boxes = Array.from(form.querySelectorAll("input[name=departments]"));
    select.addEventListener("change", () => {
      const opt = select.selectedOptions[0];
      exception.hidden = !(opt && opt.dataset.exception);
      if (opt && opt.dataset.departments !== undefined) {
        const wanted = new Set(opt.dataset.departments.trim().split(/\s+/));
        boxes.forEach((b) => { b.checked = wanted.has(b.value); });
      }
    });
    const box = document.getElementById("whistle-map");
    if (!box) return;
    const data = JSON.parse(document.getElementById("whistle-map-data").textContent);
    const lon = document.getElementById("f-lon");
    const lat = document.getElementById("f-lat");
    const map = baseMap(box);
    let marker = null;
    const place = (ll) => {
      if (marker) marker.setLatLng(ll);
      else marker = L.circleMarker(ll, { radius: 8, color: "#fff", weight: 2, fillColor: "#c62828", fillOpacity: 1 })
        .bindTooltip(data.labels.picked).addTo(map);
    };
    if (data.street) {
      const street = L.geoJSON(data.street, { style: { color: "#155ea8", weight: 2, fillOpacity: 0.06 } });
      map.fitBounds(street.getBounds(), { padding: [8, 8], animate: false });
      street.addTo(map);
      street.on("click", (e) => pick(e.latlng));
    } else {
      map.setView([39.91, 116.39], 11, { animate: false });
    }
    function pick(ll) {
      lon.value = ll.lng.toFixed(6);
      lat.value = ll.lat.toFixed(6);
      place(ll);
    }
    map.on("click", (e) => pick(e.latlng));
    const typed = () => {
      const x = parseFloat(lon.value), y = parseFloat(lat.value);
      if (!isNaN(x) && !isNaN(y)) place([y, x]);
    };
    lon.addEventListener("change", typed);
    lat.addEventListener("change", typed);
    typed();
    box.dataset.state = "ready";
  }

  // --- the whistle page ---------------------------------------------------------------------
  function detailMap() {
    const box = document.getElementById("whistle-detail-map");
    if (!box) return null;
    const data = JSON.parse(document.getElementById("whistle-detail-data").textContent);
    const site = [data.point[1], data.point[0]];
    const map = baseMap(box, { scrollWheelZoom: false });
    const ring = L.circle(site, { radius: data.radius, color: "#155ea8", weight: 1.5, fillOpacity: 0.08 });
    map.fitBounds(L.latLng(site).toBounds(data.radius * 2.4), { animate: false });
    ring.addTo(map);
    L.circleMarker(site, { radius: 8, color: "#fff", weight: 2, fillColor: "#c62828", fillOpacity: 1 })
      .bindTooltip(data.labels.site).addTo(map);
    data.arrivals.forEach(([x, y, name]) => {
      L.circleMarker([y, x], { radius: 6, color: "#fff", weight: 2, fillColor: "#1e7b34", fillOpacity: 1 })
        .bindTooltip(name).addTo(map);
    });
    box.dataset.state = "ready";
    return data;
  }

  function locateMe(data) {
    const button = document.getElementById("locate-me");
    if (!button) return;
    const status = document.getElementById("locate-status");
    const lon = document.getElementById("a-lon");
    const lat = document.getElementById("a-lat");
    const labels = (data && data.labels) || {};
    if (!("geolocation" in navigator)) {
      button.hidden = true;
      status.textContent = labels.failed;
      return;
    }
    button.addEventListener("click", () => {
      status.textContent = labels.locating;
      navigator.geolocation.getCurrentPosition((pos) => {
        lon.value = pos.coords.longitude.toFixed(6);
        lat.value = pos.coords.latitude.toFixed(6);
        status.textContent = fill(labels.located, { acc: Math.round(pos.coords.accuracy) });
      }, () => {
        status.textContent = labels.failed;
        lon.focus();
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 });
    });
  }

  raiseForm();
  locateMe(detailMap());
})();
