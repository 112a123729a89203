// Maps, for the pages that have one (Leaflet is loaded just before this script).
// A map is never the only way: every page with one also works with its form fields alone.
//
// <div data-map> holds the settings, all from the server (so they are translated):
//   data-centre="lat,lon", data-zoom, data-layers (the council's streets and wards as
//   GeoJSON by bounding box), data-attribution, data-tiles and data-tiles-attribution
//   (an optional raster layer), data-reports (GeoJSON points to show).
// With data-pin: the resident places a pin by clicking, dragging or with the arrow keys;
//   data-latitude / data-longitude name the form fields it fills, data-nearest the
//   address that says where the pin is, and data-status a live region for what happened.
(function () {
  "use strict";
  var L = window.L;
  var METRES_PER_DEGREE = 111195;

  function text(el, name) {
    return el.getAttribute("data-" + name) || "";
  }

  function setUp(el) {
    var canvas = el.querySelector(".oc-map__canvas");
    var centre = text(el, "centre").split(",").map(Number);
    if (!canvas || centre.length !== 2 || isNaN(centre[0])) return;
    el.hidden = false;
    var map = L.map(canvas, { keyboard: false, attributionControl: true }).setView(
      centre,
      Number(text(el, "zoom") || 16),
    );
    map.attributionControl.setPrefix(false);
    if (text(el, "tiles")) {
      L.tileLayer(text(el, "tiles"), {
        attribution: escapeHtml(text(el, "tiles-attribution")),
        maxZoom: 19,
      }).addTo(map);
    }
    if (text(el, "attribution")) map.attributionControl.addAttribution(escapeHtml(text(el, "attribution")));

    // The council's own streets and ward boundaries, for the part of the map in view.
    // Names come as points (kind street-label or ward-label) drawn as text.
    var base = L.geoJSON(null, {
      interactive: false,
      style: function (feature) {
        return feature.properties.kind === "ward"
          ? { color: "#505a5f", weight: 2, dashArray: "6 4", fill: false }
          : { color: "#b1b4b6", weight: 5 };
      },
      pointToLayer: function (feature, latlng) {
        return L.marker(latlng, {
          interactive: false,
          keyboard: false,
          icon: L.divIcon({
            className: "oc-map__label oc-map__label--" + feature.properties.kind,
            html: escapeHtml(feature.properties.name),
            iconSize: null,
          }),
        });
      },
    }).addTo(map);
    var layersUrl = text(el, "layers");
    var pending = null;
    function loadBase() {
      if (!layersUrl) return;
      if (pending) pending.abort();
      pending = new AbortController();
      var url = layersUrl + "?bbox=" + map.getBounds().toBBoxString() + "&zoom=" + map.getZoom();
      fetch(url, { signal: pending.signal, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          base.clearLayers();
          base.addData(data);
        })
        .catch(function () {});
    }
    map.on("moveend", loadBase);
    loadBase();

    // Reports to show (the reports near me page, staff maps), each linking to its page.
    var reports = text(el, "reports");
    if (reports) {
      var source = document.getElementById(reports);
      var data = source ? JSON.parse(source.textContent) : null;
      if (data && data.features.length) {
        var group = L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            var state = feature.properties.state ? " oc-map__report--" + feature.properties.state : "";
            return L.marker(latlng, {
              icon: feature.properties.here
                ? L.divIcon({ className: "oc-map__pin", iconSize: [24, 24], iconAnchor: [12, 24] })
                : L.divIcon({ className: "oc-map__report" + state, iconSize: [24, 24] }),
              title: feature.properties.title,
              alt: feature.properties.title,
            });
          },
          onEachFeature: function (feature, layer) {
            if (!feature.properties.url) {
              layer.bindPopup(escapeHtml(feature.properties.title));
              return;
            }
            var link = document.createElement("a");
            link.href = feature.properties.url;
            link.className = "govuk-link";
            link.textContent = feature.properties.title;
            layer.bindPopup(link);
          },
        });
        clustered(map, group);
        // No animation: the page is drawn once, settled, before anyone (or axe) reads it.
        if (el.hasAttribute("data-fit")) map.fitBounds(group.getBounds().pad(0.2), { maxZoom: 17, animate: false });
        // Reports near a place: moving the map asks for the reports of what is in view.
        var reload = text(el, "reload");
        if (reload) {
          map.on("moveend", function () {
            var centre = map.getCenter();
            var url = new URL(reload, window.location.href);
            url.searchParams.set("lat", centre.lat.toFixed(6));
            url.searchParams.set("lon", centre.lng.toFixed(6));
            var button = document.getElementById(text(el, "reload-button"));
            if (button) {
              button.href = url.toString();
              button.hidden = false;
            }
          });
        }
      }
    }

    if (el.hasAttribute("data-pin")) pinning(el, map, canvas);
    if (text(el, "assets")) choosingAssets(el, map);
    if (text(el, "asset-layer")) showingAssets(el, map);
  }

  // Staff maps: the council's assets of one type in view (loaded by bounding box when
  // zoomed in), each a marker whose popup links to the asset's page.
  function showingAssets(el, map) {
    var url = text(el, "asset-layer");
    var status = document.getElementById(text(el, "asset-layer-status"));
    var drawn = null;
    inView(map, url, function (data) {
      if (drawn) drawn.stop();
      drawn = null;
      if (status) status.textContent = data.too_many ? text(el, "asset-layer-zoom") : "";
      if (data.too_many) return;
      var group = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          return L.marker(latlng, {
            icon: L.divIcon({ className: "oc-map__asset", iconSize: [24, 24] }),
            title: feature.properties.title,
            alt: feature.properties.title,
            keyboard: true,
          });
        },
        onEachFeature: function (feature, layer) {
          var link = document.createElement("a");
          link.href = feature.properties.url;
          link.className = "govuk-link";
          link.textContent = feature.properties.title;
          layer.bindPopup(link);
        },
      });
      drawn = clustered(map, group);
    });
  }

  // "Which one?": the service's assets in view (loaded by bounding box when zoomed in),
  // each a marker that a click, a tap or Enter chooses. Choosing one types its number
  // into the form's field (data-asset-field, the no-map route's own field), moves the pin
  // to it, and says so in its own live region (data-asset-status).
  function choosingAssets(el, map) {
    var url = text(el, "assets");
    var field = document.getElementById(text(el, "asset-field"));
    var status = document.getElementById(text(el, "asset-status"));
    var lat = document.getElementById(text(el, "latitude"));
    var lon = document.getElementById(text(el, "longitude"));
    var drawn = null;
    function say(message) {
      if (status) status.textContent = message;
    }
    function choose(feature, marker) {
      if (field) field.value = feature.properties.identifier;
      var radios = document.querySelectorAll("input[name=asset_choice]");
      for (var i = 0; i < radios.length; i++) radios[i].checked = radios[i].value === feature.properties.identifier;
      var c = feature.geometry.coordinates;
      if (lat && lon) {
        lat.value = c[1].toFixed(6);
        lon.value = c[0].toFixed(6);
        lat.dispatchEvent(new Event("change"));
      }
      el.querySelectorAll(".oc-map__asset--chosen").forEach(function (m) { m.classList.remove("oc-map__asset--chosen"); });
      var icon = marker.getElement();
      if (icon) icon.classList.add("oc-map__asset--chosen");
      say(text(el, "asset-chosen") + " " + feature.properties.title);
    }
    inView(map, url, function (data) {
      if (drawn) drawn.stop();
      drawn = null;
      if (data.too_many) {
        say(text(el, "asset-zoom"));
        return;
      }
      var chosen = field ? field.value.trim().toUpperCase() : "";
      var group = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var mine = feature.properties.identifier.toUpperCase() === chosen;
          return L.marker(latlng, {
            icon: L.divIcon({ className: "oc-map__asset" + (mine ? " oc-map__asset--chosen" : ""), iconSize: [24, 24] }),
            title: feature.properties.title,
            alt: feature.properties.title,
            keyboard: true,
          });
        },
        onEachFeature: function (feature, layer) {
          layer.on("click", function () { choose(feature, layer); });
          layer.on("add", function () {
            var icon = layer.getElement();
            if (!icon) return;
            icon.setAttribute("role", "button");
            icon.addEventListener("keydown", function (event) {
              if (event.key === "Enter" || event.key === " ") {
                event.preventDefault();
                choose(feature, layer);
              }
            });
          });
        },
      });
      drawn = clustered(map, group);
    });
  }

  // Ask ``url`` for what is in the map's view, again whenever it moves (the last answer
  // alone counts), and hand each answer to ``handle``.
  function inView(map, url, handle) {
    var pending = null;
    function load() {
      if (pending) pending.abort();
      pending = new AbortController();
      var asked = url + (url.indexOf("?") < 0 ? "?" : "&") + "bbox=" + map.getBounds().toBBoxString();
      fetch(asked, { signal: pending.signal, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) handle(data); })
        .catch(function () {});
    }
    map.on("moveend", load);
    load();
  }

  function pinning(el, map, canvas) {
    var lat = document.getElementById(text(el, "latitude"));
    var lon = document.getElementById(text(el, "longitude"));
    var status = document.getElementById(text(el, "status"));
    var nearestUrl = text(el, "nearest");
    var pin = null;
    var asked = null;
    canvas.setAttribute("tabindex", "0");

    function say(message) {
      if (status && message) status.textContent = message;
    }

    var waiting = null;
    function nearest(latlng) {
      if (!nearestUrl) return;
      clearTimeout(waiting);
      waiting = setTimeout(function () { ask(latlng); }, 400);
    }
    function ask(latlng) {
      if (asked) asked.abort();
      asked = new AbortController();
      var url = nearestUrl + "?lat=" + latlng.lat.toFixed(6) + "&lon=" + latlng.lng.toFixed(6);
      fetch(url, { signal: asked.signal, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) say(data.text); })
        .catch(function () {});
    }

    function place(latlng) {
      if (!pin) {
        pin = L.marker(latlng, {
          draggable: true,
          keyboard: false,
          icon: L.divIcon({ className: "oc-map__pin", iconSize: [24, 24], iconAnchor: [12, 24] }),
          alt: text(el, "pin-label"),
        }).addTo(map);
        pin.on("dragend", function () { place(pin.getLatLng()); });
      } else {
        pin.setLatLng(latlng);
      }
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      say(text(el, "placed"));
      nearest(latlng);
    }

    map.on("click", function (event) { place(event.latlng); });

    // The arrow keys move the pin (10 metres; 50 with Shift); Enter or Space drops it in
    // the middle of the map; + and - zoom.
    canvas.addEventListener("keydown", function (event) {
      if (event.target !== canvas) return; // a marker's own keys (choosing an asset)
      var step = event.shiftKey ? 50 : 10;
      var moves = { ArrowUp: [1, 0], ArrowDown: [-1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (moves[event.key]) {
        event.preventDefault();
        var from = pin ? pin.getLatLng() : map.getCenter();
        var dlat = (moves[event.key][0] * step) / METRES_PER_DEGREE;
        var dlon = (moves[event.key][1] * step) / (METRES_PER_DEGREE * Math.cos((from.lat * Math.PI) / 180));
        var to = L.latLng(from.lat + dlat, from.lng + dlon);
        place(to);
        if (!map.getBounds().pad(-0.1).contains(to)) map.panTo(to);
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        place(map.getCenter());
      } else if (event.key === "+" || event.key === "=") {
        event.preventDefault();
        map.zoomIn();
      } else if (event.key === "-") {
        event.preventDefault();
        map.zoomOut();
      }
    });

    // A place already given (coming back to the step, or "use my location") shows the pin.
    function fromFields() {
      var a = parseFloat(lat.value);
      var b = parseFloat(lon.value);
      if (!isNaN(a) && !isNaN(b)) {
        var latlng = L.latLng(a, b);
        if (!pin || !pin.getLatLng().equals(latlng)) {
          place(latlng);
          map.setView(latlng, Math.max(map.getZoom(), 16));
        }
      }
    }
    lat.addEventListener("change", fromFields);
    lon.addEventListener("change", fromFields);
    document.addEventListener("oc:located", fromFields);
    if (lat.value && lon.value) fromFields();
  }

  // Markers that would overlap at this zoom are drawn as one, with how many it holds: a
  // target big enough to choose, which opens the map closer in. Each marker joins the first
  // group whose anchor is within SPACING pixels, so what is drawn is never closer than
  // that (WCAG 2.2's target size). Redrawn on every zoom.
  var SPACING = 40;
  function clustered(map, group) {
    var shown = L.layerGroup().addTo(map);
    var markers = group.getLayers();
    function draw() {
      shown.clearLayers();
      var groups = [];
      markers.forEach(function (marker) {
        var p = map.latLngToLayerPoint(marker.getLatLng());
        var near = null;
        for (var i = 0; i < groups.length && !near; i++) {
          if (groups[i].at.distanceTo(p) < SPACING) near = groups[i];
        }
        if (near) near.members.push(marker);
        else groups.push({ at: p, members: [marker] });
      });
      groups.forEach(function (g) {
        if (g.members.length === 1) {
          shown.addLayer(g.members[0]);
          return;
        }
        var bounds = L.latLngBounds(g.members.map(function (m) { return m.getLatLng(); }));
        var label = g.members.length + " " + (map.getContainer().parentNode.getAttribute("data-cluster-label") || "reports");
        var cluster = L.marker(map.layerPointToLatLng(g.at), {
          icon: L.divIcon({ className: "oc-map__cluster", html: String(g.members.length), iconSize: [32, 32] }),
          title: label,
          alt: label,
        });
        cluster.on("click", function () {
          if (map.getZoom() >= map.getMaxZoom()) {
            g.members.forEach(function (m) { shown.addLayer(m); });
          } else {
            map.fitBounds(bounds.pad(0.5), { maxZoom: map.getZoom() + 2 });
          }
        });
        shown.addLayer(cluster);
      });
    }
    map.on("zoomend", draw);
    draw();
    return {
      stop: function () {
        map.off("zoomend", draw);
        map.removeLayer(shown);
      },
    };
  }

  function escapeHtml(value) {
    var div = document.createElement("div");
    div.textContent = value;
    return div.innerHTML;
  }

  if (!L) return;
  var maps = document.querySelectorAll("[data-map]");
  for (var i = 0; i < maps.length; i++) setUp(maps[i]);
})();
