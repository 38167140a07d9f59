/* The workbenches' small map: a flagged report and its possible duplicates side by side.
 * Offline: no tile layer; the points and a scale are enough to judge "the same place". */
(function () {
  "use strict";
  const box = document.getElementById("dup-map");
  const source = document.getElementById("dup-map-data");
  if (!box || !source || typeof L === "undefined") return;
  const data = JSON.parse(source.textContent);
  const map = L.map(box, { zoomSnap: 0.25, maxZoom: 19, scrollWheelZoom: false });
  map.attributionControl.setPrefix("Leaflet");
  L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
  const latlngs = [];
  for (const p of data.points) {
    const ll = [p.lat, p.lon];
    latlngs.push(ll);
    L.circleMarker(ll, { radius: p.main ? 9 : 7, weight: 2, color: "#fff", fillOpacity: 1,
      fillColor: p.main ? "#c62828" : "#1565c0" })
      // The new report's label above its dot, the others' below: near points keep apart.
      .bindTooltip(p.number, { permanent: true, direction: p.main ? "top" : "bottom",
        offset: [0, p.main ? -8 : 8] }).addTo(map);
  }
  if (latlngs.length > 1) {
    map.fitBounds(L.latLngBounds(latlngs), { padding: [60, 60], maxZoom: 19, animate: false });
    // A dashed line from the new report to each candidate: the distance is what is judged.
    for (const ll of latlngs.slice(1)) L.polyline([latlngs[0], ll], { color: "#555", dashArray: "4 4", weight: 1.5 }).addTo(map);
  } else if (latlngs.length === 1) {
    map.setView(latlngs[0], 17, { animate: false });
  } else {
    map.setView([39.9, 116.4], 11, { animate: false });
  }
  box.dataset.state = "ready";
})();
