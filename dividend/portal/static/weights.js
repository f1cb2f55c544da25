/* "Set your own weights": sliders per pillar and per dimension, presets from the scenario
   files, ranking recomputed in the browser (DividendEngine), state in the URL:
   weights.html?fw=country&preset=equal  or  ?fw=country&w=p:1,1,1,1,1;d:1  */
(function () {
  "use strict";
  var E, D, fwName, fw, pv, presetName, pw, dw, values, rankOut;

  function fmt(x, d, signed) {
    if (x !== x) { return "\u2013"; }
    var s = x.toFixed(d);
    if (signed && x > 0) { s = "+" + s; }
    return s.replace("-", "\u2212");
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function sameAsPreset() {
    var p = fw.presets[presetName];
    if (!p) { return false; }
    for (var i = 0; i < pw.length; i++) { if (pw[i] !== p.pillars[i]) { return false; } }
    for (i = 0; i < dw.length; i++) { if (dw[i] !== p.dimensions[i]) { return false; } }
    return true;
  }

  /* One slider move: recompute every unit of the framework and redraw the list. */
  function recompute() {
    values = E.indexValues(fw, pv, pw, dw, values);
    rankOut = E.ranks(values, fw.units.ranked, rankOut);
    return values;
  }

  var rows = [];  /* one <li> per position, created once per framework and reused */

  function ensureRows(list, n) {
    var root = document.body.getAttribute("data-root") || "";
    if (rows.length === n && rows.fw === fwName) { return; }
    list.textContent = "";
    rows = [];
    rows.fw = fwName;
    for (var r = 0; r < n; r++) {
      var li = el("li", "w-row"), rank = el("span", "w-rank"), a = el("a"), val = el("span", "w-val");
      li.appendChild(rank); li.appendChild(a); li.appendChild(val);
      list.appendChild(li);
      rows.push({ li: li, rank: rank, a: a, val: val, u: -1 });
    }
    rows.root = root;
  }

  function render() {
    var list = document.getElementById("w-ranking");
    var own = sameAsPreset();
    var isRelease = own && presetName === D.scenario;
    var status = document.getElementById("w-status");
    var text = own
      ? "Weights of the scenario \u201c" + presetName.replace(/_/g, " ") + "\u201d. " +
        (isRelease ? "This is the release's scenario: its uncertainty (intervals, verdicts) is on the home page and the profiles."
                   : "Uncertainty for this scenario is not computed in this release; the ranking below is its nominal result.")
      : "Your own weights. Their uncertainty intervals are not computed: the ranking below is the nominal result only, with no verdict.";
    if (status.textContent !== text) { status.textContent = text; }
    var order = [];
    for (var i = 0; i < values.length; i++) { if (rankOut[i] > 0) { order.push(i); } }
    order.sort(function (a, b) { return rankOut[a] - rankOut[b] || (fw.units.name[a] < fw.units.name[b] ? -1 : 1); });
    ensureRows(list, values.length);
    for (var r = 0; r < rows.length; r++) {
      var row = rows[r];
      if (r >= order.length) { row.li.hidden = true; row.u = -1; continue; }
      var u = order[r];
      row.li.hidden = false;
      if (row.u !== u) {
        row.u = u;
        row.li.setAttribute("data-key", fw.units.geo[u]);
        row.a.textContent = fw.units.name[u];
        row.a.href = rows.root + fw.units.href[u];
      }
      row.li.setAttribute("data-value", String(values[u]));
      row.rank.textContent = rankOut[u] + ".";
      row.val.textContent = fmt(values[u], 1, true);
      row.val.className = values[u] < 0 ? "w-val neg" : "w-val";
    }
    document.getElementById("w-count").textContent = order.length + " ranked";
  }

  function writeUrl(own) {
    var q = new URLSearchParams();
    q.set("fw", fwName);
    if (own) { q.set("preset", presetName); }
    else { q.set("w", "p:" + Array.from(pw).join(",") + ";d:" + Array.from(dw).join(",")); }
    history.replaceState(null, "", location.pathname + "?" + q.toString());
    var qs = "?" + q.toString();
    document.getElementById("w-map").href = "map.html" + qs;
    rows.forEach(function (row) {
      if (row.u >= 0) { row.a.href = rows.root + fw.units.href[row.u] + qs; }
    });
  }

  function sliders() {
    var box = document.getElementById("w-sliders");
    box.textContent = "";
    function one(label, arr, i, id) {
      var p = el("p", "w-slider");
      var lab = el("label", "", label + " ");
      lab.htmlFor = id;
      var out = el("output", "", fmt(arr[i], 2));
      out.id = id + "-out";
      out.setAttribute("for", id);
      var input = el("input");
      input.type = "range"; input.id = id; input.min = "0";
      input.max = String(Math.max(5, Math.ceil(Math.max.apply(null, arr)))); input.step = "any";
      input.value = String(arr[i]);
      input.addEventListener("input", function () {
        arr[i] = parseFloat(input.value);
        out.textContent = fmt(arr[i], 2);
        recompute();
        render();
      });
      /* the address is written when a move ends (browsers throttle history updates) */
      input.addEventListener("change", function () { writeUrl(sameAsPreset()); });
      p.appendChild(lab); p.appendChild(input); p.appendChild(out);
      box.appendChild(p);
    }
    box.appendChild(el("h2", "w-h", "Pillars"));
    fw.pillars.forEach(function (c, i) { one(fw.pillarLabels[i], pw, i, "w-p-" + c); });
    box.appendChild(el("h2", "w-h", "Dimensions"));
    fw.dimensions.forEach(function (c, i) { one(fw.dimensionLabels[i], dw, i, "w-d-" + c); });
    if (fw.dimensions.length < 2) {
      box.appendChild(el("p", "note", "This framework has only one dimension, so its weight cannot change the result."));
    }
  }

  function choose(name, preset, custom) {
    fwName = name; fw = D.frameworks[name];
    presetName = fw.presets[preset] ? preset : (fw.presets[D.scenario] ? D.scenario : Object.keys(fw.presets)[0]);
    var p = fw.presets[presetName];
    pv = E.pillarValues(fw, p.indicators);
    pw = Float64Array.from(p.pillars); dw = Float64Array.from(p.dimensions);
    if (custom) {
      custom.p.forEach(function (v, i) { if (i < pw.length && v >= 0) { pw[i] = v; } });
      custom.d.forEach(function (v, i) { if (i < dw.length && v >= 0) { dw[i] = v; } });
    }
    values = null; rankOut = null; rows = [];
    document.getElementById("w-fw").value = name;
    Array.prototype.forEach.call(document.querySelectorAll("#w-presets button"), function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-preset") === presetName && !custom ? "true" : "false");
    });
    sliders();
    recompute();
    render();
    writeUrl(sameAsPreset());
  }

  function parseCustom(w) {
    if (!w) { return null; }
    var out = { p: [], d: [] };
    w.split(";").forEach(function (part) {
      var kv = part.split(":");
      if (kv.length === 2 && (kv[0] === "p" || kv[0] === "d")) {
        out[kv[0]] = kv[1].split(",").map(parseFloat).filter(function (x) { return x === x; });
      }
    });
    return out;
  }

  document.addEventListener("DOMContentLoaded", function () {
    E = window.DividendEngine; D = window.DIVIDEND_WEIGHTS;
    var app = document.getElementById("w-app");
    if (!E || !D || !app) { return; }
    app.hidden = false;
    var sel = document.getElementById("w-fw");
    Object.keys(D.frameworks).forEach(function (n) {
      var o = el("option", "", D.frameworks[n].label.charAt(0).toUpperCase() + D.frameworks[n].label.slice(1));
      o.value = n;
      sel.appendChild(o);
    });
    sel.addEventListener("change", function () { choose(sel.value, presetName, null); });
    var pbox = document.getElementById("w-presets");
    Object.keys(D.frameworks[Object.keys(D.frameworks)[0]].presets).forEach(function (n) {
      var b = el("button", "", n.replace(/_/g, " ") + (n === D.scenario ? " (this release)" : ""));
      b.type = "button";
      b.setAttribute("data-preset", n);
      b.addEventListener("click", function () { choose(fwName, n, null); });
      pbox.appendChild(b);
    });
    var q = new URLSearchParams(location.search);
    var name = D.frameworks[q.get("fw")] ? q.get("fw") : Object.keys(D.frameworks)[0];
    choose(name, q.get("preset") || D.scenario, parseCustom(q.get("w")));
    window.DividendWeights = {
      recompute: recompute,
      values: function () { return values; },
      choose: choose
    };
  });
})();
