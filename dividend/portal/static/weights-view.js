/* The map and the profiles under weights a user set on weights.html (state in the URL:
   ?fw=...&preset=... or ?fw=...&w=p:...;d:...). Loaded by site.js only when the address
   carries such weights; recomputes with DividendEngine from the published scores. */
(function () {
  "use strict";
  function fmt(x) {
    if (x !== x) { return "\u2013"; }
    return (x > 0 ? "+" : "") + x.toFixed(1).replace("-", "\u2212");
  }
  function state() {
    var q = new URLSearchParams(location.search), D = window.DIVIDEND_WEIGHTS;
    var name = q.get("fw") || "country", fw = D.frameworks[name];
    if (!fw) { return null; }
    var preset = fw.presets[q.get("preset")] ? q.get("preset") : D.scenario;
    var p = fw.presets[preset] || fw.presets[Object.keys(fw.presets)[0]];
    var pw = Float64Array.from(p.pillars), dw = Float64Array.from(p.dimensions);
    var custom = false;
    (q.get("w") || "").split(";").forEach(function (part) {
      var kv = part.split(":"), arr = kv[0] === "p" ? pw : kv[0] === "d" ? dw : null;
      if (!arr || kv.length !== 2) { return; }
      kv[1].split(",").forEach(function (v, i) {
        var x = parseFloat(v);
        if (i < arr.length && x >= 0) { arr[i] = x; custom = true; }
      });
    });
    var E = window.DividendEngine;
    var pv = E.pillarValues(fw, p.indicators);
    var values = E.indexValues(fw, pv, pw, dw);
    return { name: name, fw: fw, preset: preset, custom: custom, pv: pv, values: values,
             ranks: E.ranks(values, fw.units.ranked), query: q.toString() };
  }
  function banner(s, text) {
    var main = document.getElementById("main"), div = document.createElement("div");
    div.className = "callout weights-banner";
    var p = document.createElement("p");
    p.textContent = text + " ";
    var a = document.createElement("a");
    a.href = (document.body.getAttribute("data-root") || "") + "weights.html?" + s.query;
    a.textContent = "Change the weights";
    p.appendChild(a);
    div.appendChild(p);
    main.insertBefore(div, main.querySelector("h1").nextSibling);
  }
  function words(s) {
    return s.custom
      ? "Shown under your own weights: nominal values only, their intervals and verdicts are not computed."
      : "Shown under the weights of the scenario \u201c" + s.preset.replace(/_/g, " ") + "\u201d (nominal values; uncertainty only for the release's scenario).";
  }
  function onMap(s) {
    var byGeo = {};
    s.fw.units.geo.forEach(function (g, u) { byGeo[g] = u; });
    Array.prototype.forEach.call(document.querySelectorAll("svg.world-map a"), function (a) {
      var m = /country\/([^/.]+)\.html$/.exec(a.getAttribute("href") || "");
      var u = m ? byGeo[m[1]] : undefined;
      var path = a.querySelector("path");
      if (u === undefined || !path) { return; }
      var v = s.values[u], ok = s.ranks[u] > 0, mag = Math.abs(v);
      var k = !ok ? "m-none" : (v >= 0 ? "m-gain" : "m-loss") + (mag > 15 ? 3 : mag > 5 ? 2 : 1);
      path.setAttribute("class", k);
      var name = s.fw.units.name[u];
      var label = name + ": " + (ok ? "dividend " + fmt(v) + " under these weights (no verdict)" : "not ranked");
      a.setAttribute("aria-label", label);
      a.setAttribute("href", a.getAttribute("href") + "?" + s.query);
      var t = path.querySelector("title");
      if (t) { t.textContent = label; }
    });
    banner(s, words(s) + " Colours show the sign and size of the dividend; grey \u201ctoo close to call\u201d needs an uncertainty analysis and is not used.");
  }
  function onProfile(s) {
    var m = /\/(country|city)\/([^/]+)\.html$/.exec(location.pathname);
    if (!m) { return; }
    var u = -1;
    s.fw.units.href.forEach(function (h, i) { if (h === m[1] + "/" + m[2] + ".html") { u = i; } });
    if (u < 0) { return; }
    var n = 0;
    for (var i = 0; i < s.ranks.length; i++) { if (s.ranks[i] > 0) { n++; } }
    var nP = s.fw.pillars.length, parts = [];
    for (var p = 0; p < nP; p++) {
      var v = s.pv[u * nP + p];
      if (v === v) { parts.push(s.fw.pillarLabels[p] + " " + fmt(v)); }
    }
    banner(s, words(s) + " Dividend " + fmt(s.values[u]) + (s.ranks[u] > 0 ? ", rank " + s.ranks[u] + " of " + n : ", not ranked") +
      (parts.length ? ". Pillars: " + parts.join(", ") + "." : "."));
  }
  window.DividendWeightsView = function () {
    if (!window.DIVIDEND_WEIGHTS || !window.DividendEngine) { return; }
    var s = state();
    if (!s) { return; }
    if (document.querySelector("svg.world-map")) { onMap(s); } else { onProfile(s); }
  };
})();
