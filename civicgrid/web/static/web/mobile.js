/* CivicGrid phone pages (/m/report/, /m/grid/). No library, nothing from another host.
 *
 * - Report forms (form[data-report]): the draft (fields, position, shrunk photos, client key) is
 *   kept in localStorage while typing. Submitting posts it with fetch; when the network fails
 *   the draft is marked pending and sent again with the SAME client key — on a timer, when the
 *   browser comes back online, and when the page is opened again. The server answers a key it
 *   has seen with the case it already made, so a retry never makes a second case.
 * - Photos are shrunk to at most 1600 px JPEG before upload (a 5 MB photo becomes ~300 KB).
 * - Position from navigator.geolocation (WGS84, what the W3C API gives); the address field is
 *   the fallback.
 * - Category suggestions from the description (grid worker's form), distances and directions
 *   from where the phone is to the cases of the verification queue.
 * Words come from the page (#m-labels, translated by the server).
 */
(function () {
  "use strict";
  var labelsNode = document.getElementById("m-labels");
  var L = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  var MAX_SIDE = 1600, MAX_PHOTOS = 9, DRAFT_PHOTO_CHARS = 1500000;

  function fmt(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }
  function say(node, text, kind) {
    if (!node) return;
    node.textContent = text || "";
    node.setAttribute("data-kind", kind || "");
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return "m-" + crypto.randomUUID();
    return "m-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function dataUrlToBlob(url) {
    var parts = url.split(","), bytes = atob(parts[1]), arr = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) arr[i] = bytes.charCodeAt(i);
    return new Blob([arr], { type: parts[0].replace(/^data:|;base64$/g, "") || "image/jpeg" });
  }

  /* A photo shrunk to MAX_SIDE as JPEG: {blob, dataUrl}; null when the browser cannot decode it
     (the original is sent then). */
  function shrink(file) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file), img = new Image();
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        var ctx = canvas.getContext("2d");
        ctx.fillStyle = "#fff";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        var dataUrl = canvas.toDataURL("image/jpeg", 0.8);
        resolve({ blob: dataUrlToBlob(dataUrl), dataUrl: dataUrl });
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(null); };
      img.src = url;
    });
  }

  function locate(onDone, onFail) {
    if (!navigator.geolocation) { onFail(L.locateUnsupported); return; }
    navigator.geolocation.getCurrentPosition(onDone, function () { onFail(L.locateFailed); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  /* ---- the report form ------------------------------------------------------------------ */
  function reportForm(form) {
    var storeKey = "civicgrid:draft:" + form.getAttribute("data-report");
    var status = document.getElementById("m-status");
    var locStatus = document.getElementById("m-loc-status");
    var list = document.getElementById("m-photo-list");
    var result = document.getElementById("m-result");
    var input = form.querySelector("input[type=file][name=photos]");
    var submit = form.querySelector("button[type=submit]");
    var discard = form.querySelector("[data-discard]");
    var clearLoc = form.querySelector("[data-clear-location]");
    var el = form.elements;
    var FIELDS = ["description", "category", "priority", "address", "name", "phone", "lon", "lat"];
    var photos = [];  // {blob, name, dataUrl|null, url}
    var timer = null, attempt = 0, sending = false, pending = false, saveTimer = null;

    function draft() {
      try { return JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
    }
    function save() {
      var d = { key: el.client_key.value, fields: {}, photos: [], pending: pending, lost: false };
      FIELDS.forEach(function (n) { if (el[n]) d.fields[n] = el[n].value; });
      photos.forEach(function (p) {
        if (p.dataUrl && p.dataUrl.length < DRAFT_PHOTO_CHARS) d.photos.push(p.dataUrl); else d.lost = true;
      });
      try {
        localStorage.setItem(storeKey, JSON.stringify(d));
      } catch (e) {  // storage full: keep the words at least
        d.photos = []; d.lost = photos.length > 0;
        try { localStorage.setItem(storeKey, JSON.stringify(d)); } catch (e2) { /* private mode */ }
      }
      if (discard) discard.hidden = false;
      return d;
    }
    function saveSoon() { clearTimeout(saveTimer); saveTimer = setTimeout(save, 400); }
    function hasContent() {
      // What the worker wrote or shot; the position and priority alone are not a draft.
      return FIELDS.some(function (n) {
        return el[n] && el[n].value && ["priority", "lon", "lat"].indexOf(n) < 0;
      }) || photos.length > 0;
    }

    function drawPhotos() {
      list.textContent = "";
      photos.forEach(function (p, i) {
        var li = document.createElement("li"), img = document.createElement("img");
        var del = document.createElement("button");
        img.src = p.url; img.alt = fmt(L.photoAlt, { n: i + 1 });
        del.type = "button"; del.textContent = "×";
        del.setAttribute("aria-label", fmt(L.removePhoto, { n: i + 1 }));
        del.addEventListener("click", function () {
          URL.revokeObjectURL(p.url); photos.splice(i, 1); drawPhotos(); save(); input.focus();
        });
        li.appendChild(img); li.appendChild(del); list.appendChild(li);
      });
    }
    function addPhoto(blob, name, dataUrl) {
      photos.push({ blob: blob, name: name, dataUrl: dataUrl, url: URL.createObjectURL(blob) });
    }
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || [], 0, MAX_PHOTOS - photos.length);
      input.value = "";  // photos live in `photos`; the same shot may be taken again
      files.reduce(function (chain, file) {
        return chain.then(function () { return shrink(file); }).then(function (small) {
          if (small) addPhoto(small.blob, "photo.jpg", small.dataUrl);
          else addPhoto(file, file.name, null);
        });
      }, Promise.resolve()).then(function () {
        drawPhotos();
        var d = save();
        if (d.lost) say(status, L.photoNotKept, "wait");
      });
    });

    function showLocation() {
      var has = el.lon.value && el.lat.value;
      if (clearLoc) clearLoc.hidden = !has;
    }
    function findMe() {
      say(locStatus, L.locating);
      locate(function (pos) {
        el.lon.value = pos.coords.longitude.toFixed(6);
        el.lat.value = pos.coords.latitude.toFixed(6);
        say(locStatus, fmt(L.located, { acc: Math.round(pos.coords.accuracy) }), "ok");
        showLocation(); save();
      }, function (msg) { say(locStatus, msg, "error"); el.address.focus(); });
    }
    var tools = form.querySelector("[data-location-tools]");
    if (tools) tools.hidden = false;
    form.querySelector("[data-locate]").addEventListener("click", findMe);
    if (clearLoc) clearLoc.addEventListener("click", function () {
      el.lon.value = ""; el.lat.value = ""; showLocation(); save();
      say(locStatus, L.locationCleared);
    });

    function reset() {
      pending = false; attempt = 0; clearTimeout(timer);
      FIELDS.forEach(function (n) { if (el[n] && n !== "priority") el[n].value = ""; });
      if (el.priority) el.priority.selectedIndex = 0;
      photos.forEach(function (p) { URL.revokeObjectURL(p.url); });
      photos = []; drawPhotos();
      el.client_key.value = newKey();
      try { localStorage.removeItem(storeKey); } catch (e) { /* nothing kept */ }
      if (discard) discard.hidden = true;
      showLocation(); say(locStatus, "");
      var sug = document.getElementById("m-suggest");
      if (sug) sug.textContent = "";
    }

    function busy(on) { submit.disabled = on; }
    function finished(body) {
      reset(); busy(false); say(status, "");
      document.getElementById("m-result-number").textContent = body.number;
      document.getElementById("m-result-message").textContent = body.message;
      var links = document.getElementById("m-result-links");
      links.textContent = "";
      body.links.forEach(function (l, i) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = l.href; a.textContent = l.label; if (i === 0) a.className = "button";
        li.appendChild(a); links.appendChild(li);
      });
      result.hidden = false; result.focus();
      var err = document.getElementById("m-error");
      if (err) err.remove();
      // A resident is done (the panel links to "report another"); a grid worker on patrol goes
      // on with the next report, from where they stand now.
      if (form.hasAttribute("data-hide-on-success")) form.hidden = true;
      else if (form.hasAttribute("data-autolocate")) findMe();
    }
    function later(message) {
      attempt += 1;
      var seconds = Math.min(60, Math.pow(2, attempt));
      say(status, message + " " + fmt(L.retryIn, { s: seconds }), "wait");
      busy(false);
      clearTimeout(timer);
      timer = setTimeout(send, seconds * 1000);
    }
    function send() {
      clearTimeout(timer);
      if (sending) return;
      if (navigator.onLine === false) { later(L.queued); return; }
      sending = true; busy(true);
      say(status, attempt ? L.retrying : L.sending, "wait");
      var body = new FormData(form);
      body.delete("photos");
      photos.forEach(function (p) { body.append("photos", p.blob, p.name); });
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin",
                           headers: { "Accept": "application/json" } })
        .then(function (resp) {
          return resp.json().catch(function () { return null; }).then(function (data) {
            sending = false;
            if (data && data.ok) { finished(data); return; }
            if (!data && resp.status === 403) { busy(false); say(status, L.expired, "error"); return; }
            if (!data && resp.redirected && resp.url.indexOf("/accounts/login/") >= 0) {
              // Signed out meanwhile: the draft stays pending and goes out once signed in again.
              busy(false); say(status, L.signedOut, "error"); return;
            }
            if (!data || data.retry) { later(L.serverBusy); return; }
            pending = false; save(); busy(false);
            say(status, fmt(L.failed, { error: data.error }), "error");
          });
        }, function () { sending = false; later(L.queued); });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!el.description.value.trim()) { el.description.focus(); }
      result.hidden = true;
      pending = true; attempt = 0; save(); send();
    });
    window.addEventListener("online", function () { if (pending && !sending) send(); });
    form.addEventListener("input", function (e) { if (e.target !== input) saveSoon(); });
    if (discard) discard.addEventListener("click", function () {
      reset(); busy(false); say(status, L.draftDiscarded); el.description.focus();
    });

    // Open with the draft this phone kept, and send it again if it was still pending.
    var d = draft();
    if (d && !el.client_key.value) {
      el.client_key.value = d.key || newKey();
      FIELDS.forEach(function (n) { if (el[n] && d.fields && n in d.fields) el[n].value = d.fields[n]; });
      (d.photos || []).forEach(function (u) { addPhoto(dataUrlToBlob(u), "photo.jpg", u); });
      drawPhotos(); showLocation();
      if (hasContent()) { say(status, L.draftRestored); if (discard) discard.hidden = false; }
      if (d.pending && d.lost) say(status, L.photosLost, "error");
      else if (d.pending) { pending = true; send(); }
    } else if (!el.client_key.value) {
      el.client_key.value = newKey();
    }
    if (form.hasAttribute("data-autolocate") && !el.lon.value) findMe();
    if (form.getAttribute("data-suggest-url")) suggest(form, el);
  }

  /* ---- category suggestions (grid worker) ------------------------------------------------- */
  function suggest(form, el) {
    var box = document.getElementById("m-suggest"), url = form.getAttribute("data-suggest-url");
    var timer = null, last = "";
    el.description.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = el.description.value.trim();
        if (text.length < 2 || text === last) return;
        last = text;
        fetch(url + "?text=" + encodeURIComponent(text.slice(0, 500)),
              { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) return;
            box.textContent = "";
            if (!data.suggestions.length) { box.textContent = L.noSuggestion; return; }
            var lead = document.createElement("span");
            lead.textContent = L.suggested; box.appendChild(lead);
            data.suggestions.forEach(function (s) {
              var b = document.createElement("button");
              b.type = "button"; b.textContent = s.name; b.setAttribute("data-category", s.id);
              b.addEventListener("click", function () {
                el.category.value = String(s.id);
                el.category.dispatchEvent(new Event("input", { bubbles: true }));
                el.category.focus();
              });
              box.appendChild(b);
            });
          }, function () { /* offline: no suggestion, the dispatcher confirms anyway */ });
      }, 500);
    });
  }

  /* ---- distances and directions to cases -------------------------------------------------- */
  var R = 6371008.8, RAD = Math.PI / 180;
  function distance(lat1, lon1, lat2, lon2) {
    var dLat = (lat2 - lat1) * RAD, dLon = (lon2 - lon1) * RAD;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function bearing(lat1, lon1, lat2, lon2) {
    var y = Math.sin((lon2 - lon1) * RAD) * Math.cos(lat2 * RAD);
    var x = Math.cos(lat1 * RAD) * Math.sin(lat2 * RAD) -
      Math.sin(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.cos((lon2 - lon1) * RAD);
    var deg = (Math.atan2(y, x) / RAD + 360) % 360;
    return ["N", "NE", "E", "SE", "S", "SW", "W", "NW"][Math.round(deg / 45) % 8];
  }
  function distanceText(m) {
    return m < 1000 ? fmt(L.metres, { n: Math.round(m / 10) * 10 })
      : fmt(L.kilometres, { n: (m / 1000).toFixed(1) });
  }
  function distances() {
    var holders = document.querySelectorAll("[data-distances]");
    if (!holders.length) return;
    var status = document.getElementById("m-dist-status");
    var sortTools = document.querySelector("[data-distance-tools]");
    locate(function (pos) {
      var lat = pos.coords.latitude, lon = pos.coords.longitude;
      document.querySelectorAll("[data-lat][data-lon]").forEach(function (node) {
        var tLat = parseFloat(node.getAttribute("data-lat")), tLon = parseFloat(node.getAttribute("data-lon"));
        var m = distance(lat, lon, tLat, tLon), out = node.querySelector("[data-dist]");
        node.setAttribute("data-metres", String(Math.round(m)));
        if (out) out.textContent = fmt(L.distance, { d: distanceText(m) }) +
          (m >= 20 ? " · " + fmt(L.towards, { dir: L.directions[bearing(lat, lon, tLat, tLon)] }) : "");
      });
      if (sortTools) sortTools.hidden = false;
    }, function () { say(status, L.noPosition); });
    var button = document.querySelector("[data-sort-distance]");
    if (button) button.addEventListener("click", function () {
      var ol = document.querySelector("ol[data-distances]");
      var on = button.getAttribute("aria-pressed") !== "true";
      var items = Array.prototype.slice.call(ol.children);
      items.sort(function (a, b) {
        if (!on) return a.getAttribute("data-order") - b.getAttribute("data-order");
        var x = a.getAttribute("data-metres"), y = b.getAttribute("data-metres");
        return (x === null ? Infinity : +x) - (y === null ? Infinity : +y);
      });
      items.forEach(function (li) { ol.appendChild(li); });
      button.setAttribute("aria-pressed", on ? "true" : "false");
      say(status, on ? L.sortedByDistance : L.sortedByDeadline);
    });
  }

  /* ---- the verification form: shrink the photos in place, show them ----------------------- */
  function verifyForm(form) {
    var input = form.querySelector("input[type=file]"), list = form.querySelector("[data-preview]");
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || [], 0, MAX_PHOTOS);
      Promise.all(files.map(shrink)).then(function (small) {
        if (window.DataTransfer) {
          var dt = new DataTransfer();
          small.forEach(function (s, i) {
            dt.items.add(s ? new File([s.blob], "photo-" + (i + 1) + ".jpg", { type: "image/jpeg" }) : files[i]);
          });
          input.files = dt.files;
        }
        list.textContent = "";
        small.forEach(function (s, i) {
          var li = document.createElement("li"), img = document.createElement("img");
          img.src = URL.createObjectURL(s ? s.blob : files[i]); img.alt = fmt(L.photoAlt, { n: i + 1 });
          li.appendChild(img); list.appendChild(li);
        });
      });
    });
  }

  document.querySelectorAll("form[data-report]").forEach(reportForm);
  document.querySelectorAll("form[data-verify]").forEach(verifyForm);
  distances();
})();
