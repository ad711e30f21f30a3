/* speechkit report — click a column header to sort the table; click a large chart to see it
   at full size (inlined into report.html). */
(function () {
  "use strict";
  function sortKey(cell) {
    var raw = cell.getAttribute("data-v");
    if (raw === null) { raw = cell.textContent; }
    raw = raw.trim();
    if (raw === "") { return { empty: true }; }
    var num = Number(raw);
    if (!isNaN(num)) { return { num: num }; }
    return { text: raw };
  }
  function compare(a, b) {
    if (a.empty || b.empty) { return (a.empty ? 1 : 0) - (b.empty ? 1 : 0); }
    if (a.num !== undefined && b.num !== undefined) { return a.num - b.num; }
    if (a.num !== undefined) { return -1; }
    if (b.num !== undefined) { return 1; }
    return a.text.localeCompare(b.text, "zh-Hans-CN");
  }
  function sortBy(table, th, index) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, pos) { return { row: row, pos: pos, key: sortKey(row.cells[index]) }; });
    keyed.sort(function (x, y) {
      var c = compare(x.key, y.key);
      if (x.key.empty || y.key.empty) { return c || x.pos - y.pos; }
      return (ascending ? c : -c) || x.pos - y.pos;
    });
    keyed.forEach(function (k) { body.appendChild(k.row); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      th.title = "点击排序";
      th.addEventListener("click", function () { sortBy(table, th, index); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th, index); }
      });
    });
  });
  document.querySelectorAll("figure.zoomable img").forEach(function (img) {
    img.addEventListener("click", function () { img.closest("figure").classList.toggle("zoomed"); });
  });
})();
