// SPDX-License-Identifier: AGPL-3.0-or-later
// Keyboard navigation of the schedule grid (it works without this script: every free time
// and visit is a link). Arrow keys move between cells, Page Up / Page Down change the day
// or week, T goes to today; one cell at a time is in the tab order (a roving tabindex).
(function () {
  "use strict";
  var table = document.getElementById("schedule-grid");
  if (!table) { return; }
  var cells = Array.prototype.slice.call(table.querySelectorAll("td[data-col]"));
  var byCol = {};
  cells.forEach(function (td) {
    var col = td.getAttribute("data-col");
    (byCol[col] = byCol[col] || []).push(td);
  });
  function target(td) { return td.querySelector("[data-nav]"); }
  function info(td) {
    return { col: +td.getAttribute("data-col"), row: +td.getAttribute("data-row"), rows: +td.getAttribute("data-rows") };
  }
  var links = Array.prototype.slice.call(table.querySelectorAll("[data-nav]"));
  if (!links.length) { return; }
  links.forEach(function (a) { a.setAttribute("tabindex", "-1"); });
  var current = links[0];
  current.setAttribute("tabindex", "0");
  function focus(a) {
    if (!a) { return; }
    current.setAttribute("tabindex", "-1");
    a.setAttribute("tabindex", "0");
    current = a;
    a.focus();
  }
  function vertical(td, down) {
    var here = info(td), list = byCol[here.col] || [], best = null;
    list.forEach(function (other) {
      var o = info(other);
      if (!target(other)) { return; }
      if (down ? o.row >= here.row + here.rows : o.row < here.row) {
        if (!best || (down ? o.row < info(best).row : o.row > info(best).row)) { best = other; }
      }
    });
    return best && target(best);
  }
  function sideways(td, step) {
    var here = info(td), col = here.col + step;
    while (byCol[col]) {
      var best = null, dist = Infinity;
      byCol[col].forEach(function (other) {
        var o = info(other), d;
        if (!target(other)) { return; }
        d = (o.row <= here.row && here.row < o.row + o.rows) ? 0 : Math.abs(o.row - here.row);
        if (d < dist) { dist = d; best = other; }
      });
      if (best) { return target(best); }
      col += step;
    }
    return null;
  }
  table.addEventListener("focusin", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-nav")) {
      current.setAttribute("tabindex", "-1");
      current = event.target;
      current.setAttribute("tabindex", "0");
    }
  });
  table.addEventListener("keydown", function (event) {
    var td = event.target.closest && event.target.closest("td[data-col]");
    if (!td) { return; }
    var next = null;
    if (event.key === "ArrowDown") { next = vertical(td, true); }
    else if (event.key === "ArrowUp") { next = vertical(td, false); }
    else if (event.key === "ArrowRight") { next = sideways(td, 1); }
    else if (event.key === "ArrowLeft") { next = sideways(td, -1); }
    else { return; }
    event.preventDefault();
    focus(next);
  });
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea" || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var id = { PageUp: "grid-previous", PageDown: "grid-next", t: "grid-today", T: "grid-today" }[event.key];
    var link = id && document.getElementById(id);
    if (link) { event.preventDefault(); window.location.assign(link.href); }
  });
  var chooser = document.getElementById("grid-clinician");
  if (chooser) { chooser.addEventListener("change", function () { chooser.form.submit(); }); }
}());
