/* Progressive enhancement only: without JavaScript every page is complete (the search box
   stays hidden and tables keep their published order). No network, no dependencies. */
(function () {
  "use strict";

  /* Search over every unit (window.DIVIDEND_UNITS, static/units.js): no server needed. */
  function setupSearch() {
    var box = document.querySelector(".search");
    var units = window.DIVIDEND_UNITS;
    if (!box || !units) { return; }
    var root = document.body.getAttribute("data-root") || "";
    var input = box.querySelector("input");
    var out = box.querySelector(".search-results");
    box.hidden = false;
    function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
    var keys = units.map(function (u) { return fold(u.n + " " + u.c + " " + u.i); });
    input.addEventListener("input", function () {
      var q = fold(input.value.trim());
      out.textContent = "";
      if (q.length < 2) { return; }
      var n = 0;
      for (var i = 0; i < units.length && n < 12; i++) {
        if (keys[i].indexOf(q) < 0) { continue; }
        var u = units[i], li = document.createElement("li"), a = document.createElement("a");
        a.href = root + u.h;
        a.textContent = u.n + " ";
        var k = document.createElement("span");
        k.className = "kind";
        k.textContent = "(" + (u.k === "city" ? u.g + ", " + u.i : "country") + ")";
        a.appendChild(k);
        li.appendChild(a);
        out.appendChild(li);
        n++;
      }
      if (n === 0) {
        var none = document.createElement("li");
        none.textContent = "No country or city matches.";
        out.appendChild(none);
      }
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        var first = out.querySelector("a");
        if (first) { location.href = first.href; }
      }
    });
  }

  function cellValue(td) {
    var v = td.getAttribute("data-value");
    if (v === null) { v = td.textContent.trim(); }
    var n = parseFloat(v.replace("\u2212", "-"));
    return { num: isNaN(n) ? null : n, text: v.toLowerCase() };
  }

  function setupSort(table) {
    var heads = table.querySelectorAll("thead th");
    var body = table.tBodies[0];
    if (!body) { return; }
    Array.prototype.forEach.call(heads, function (th, col) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "sort";
      b.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(b);
      b.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var a = cellValue(r1.cells[col]), c = cellValue(r2.cells[col]);
          var d;
          if (a.num !== null && c.num !== null) { d = a.num - c.num; }
          else if (a.num !== null) { d = -1; } else if (c.num !== null) { d = 1; }
          else { d = a.text < c.text ? -1 : a.text > c.text ? 1 : 0; }
          return asc ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  /* Weights set on weights.html travel in the address (?fw=..&preset=.. or &w=..): the map
     and the profiles then load the engine and the published scores, and show them. */
  function setupWeightsView() {
    var q = new URLSearchParams(location.search);
    if (!q.get("fw") || (!q.get("w") && !q.get("preset"))) { return; }
    if (document.getElementById("w-app")) { return; }
    var root = document.body.getAttribute("data-root") || "";
    var files = ["weights-data.js", "weights-engine.js", "weights-view.js"], loaded = 0;
    files.forEach(function (f) {
      var s = document.createElement("script");
      s.src = root + "static/" + f;
      s.async = false;
      s.onload = function () { if (++loaded === files.length) { window.DividendWeightsView(); } };
      document.head.appendChild(s);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupSearch();
    setupWeightsView();
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), setupSort);
  });
})();
