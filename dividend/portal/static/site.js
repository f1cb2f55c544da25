/* Progressive enhancement only: without JavaScript every scenario is shown under its heading
   and tables keep their published order. No network, no dependencies. */
(function () {
  "use strict";

  function setupSwitcher(box) {
    var sections = Array.prototype.slice.call(box.querySelectorAll("section.scenario"));
    if (sections.length < 2) { return; }
    var bar = document.createElement("div");
    bar.className = "switcher";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Weight scenario");
    var buttons = sections.map(function (sec, i) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = sec.getAttribute("data-label");
      b.setAttribute("aria-controls", sec.id);
      b.addEventListener("click", function () { show(i); });
      bar.appendChild(b);
      return b;
    });
    function show(k) {
      sections.forEach(function (sec, i) { sec.hidden = i !== k; });
      buttons.forEach(function (b, i) { b.setAttribute("aria-pressed", i === k ? "true" : "false"); });
    }
    box.insertBefore(bar, sections[0]);
    var start = sections.findIndex(function (s) { return s.hasAttribute("data-default"); });
    show(start < 0 ? 0 : start);
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

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-switcher]"), setupSwitcher);
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), setupSort);
  });
})();
