/* Side-by-side comparison of 2-4 units from window.DIVIDEND_UNITS; state in ?u=key,key. */
(function () {
  "use strict";
  function fmt(x, d, signed) {
    if (x === null || x === undefined) { return "\u2013"; }
    var s = x.toFixed(d);
    if (signed && x > 0) { s = "+" + s; }
    return s.replace("-", "\u2212");
  }
  function cell(row, text, isHeader) {
    var c = document.createElement(isHeader ? "th" : "td");
    if (isHeader) { c.setAttribute("scope", "row"); }
    c.textContent = text;
    row.appendChild(c);
    return c;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("compare");
    var units = window.DIVIDEND_UNITS;
    if (!box || !units) { return; }
    box.hidden = false;
    var byKey = {};
    units.forEach(function (u) { byKey[u.key] = u; });
    var selects = Array.prototype.slice.call(box.querySelectorAll("select"));
    var groups = {};
    units.forEach(function (u) { (groups[u.g] = groups[u.g] || []).push(u); });
    selects.forEach(function (sel) {
      Object.keys(groups).sort().forEach(function (g) {
        var og = document.createElement("optgroup");
        og.label = g.charAt(0).toUpperCase() + g.slice(1);
        groups[g].forEach(function (u) {
          var o = document.createElement("option");
          o.value = u.key;
          o.textContent = u.n + (u.k === "city" ? " (" + u.i + ")" : "");
          og.appendChild(o);
        });
        sel.appendChild(og);
      });
      sel.addEventListener("change", update);
    });
    var params = new URLSearchParams(location.search);
    (params.get("u") || "").split(",").filter(function (k) { return byKey[k]; }).slice(0, 4)
      .forEach(function (k, i) { selects[i].value = k; });
    function update() {
      var chosen = selects.map(function (s) { return s.value; }).filter(Boolean);
      var q = new URLSearchParams(location.search);
      if (chosen.length) { q.set("u", chosen.join(",")); } else { q.delete("u"); }
      history.replaceState(null, "", location.pathname + (q.toString() ? "?" + q.toString() : ""));
      render(chosen.map(function (k) { return byKey[k]; }));
    }
    function render(list) {
      var out = document.getElementById("compare-out");
      out.textContent = "";
      if (list.length < 2) {
        var p = document.createElement("p");
        p.textContent = "Choose at least two units.";
        out.appendChild(p);
        return;
      }
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", "Comparison");
      var t = document.createElement("table");
      var cap = document.createElement("caption");
      cap.textContent = "Side by side: " + list.map(function (u) { return u.n; }).join(", ");
      t.appendChild(cap);
      var head = t.createTHead().insertRow();
      cell(head, "", true).setAttribute("scope", "col");
      list.forEach(function (u) {
        var th = document.createElement("th");
        th.setAttribute("scope", "col");
        var a = document.createElement("a");
        a.href = document.body.getAttribute("data-root") + u.h;
        a.textContent = u.n;
        th.appendChild(a);
        head.appendChild(th);
      });
      var body = t.createTBody();
      function line(label, f) {
        var r = body.insertRow();
        cell(r, label, true);
        list.forEach(function (u) { cell(r, f(u)).className = "num"; });
      }
      line("Framework", function (u) { return u.g; });
      line("Verdict", function (u) { return u.v + (u.why ? " (" + u.why + ")" : ""); });
      line("Migration dividend", function (u) { return fmt(u.d, 1, true); });
      line("Dividend, 5\u201395 %", function (u) {
        return u.lo === null ? "\u2013" : fmt(u.lo, 1, true) + " to " + fmt(u.hi, 1, true);
      });
      line("Rank", function (u) { return u.r === null ? "\u2013" : fmt(u.r, 0) + " of " + fmt(u.nr, 0); });
      line("P(net loss)", function (u) { return u.p === null ? "\u2013" : fmt(u.p * 100, 0) + " %"; });
      line("Indicators observed", function (u) { return fmt(u.cov * 100, 0) + " %"; });
      var pillars = [];
      list.forEach(function (u) { Object.keys(u.pil).forEach(function (p) { if (pillars.indexOf(p) < 0) { pillars.push(p); } }); });
      pillars.forEach(function (p) {
        line("Pillar: " + p, function (u) { return fmt(u.pil[p] === undefined ? null : u.pil[p], 1, true); });
      });
      wrap.appendChild(t);
      out.appendChild(wrap);
    }
    update();
  });
})();
