// SPDX-License-Identifier: AGPL-3.0-or-later
// The public slot picker. The "With" filter shows its choice at once (the page also works
// without this script: a Show button submits it). On a narrow screen the week's free
// times are shown one day at a time, chosen from the day strip.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  var strip = document.querySelector(".day-strip");
  var slots = document.querySelector(".day-strip + .slots");
  if (!strip || !slots) { return; }
  var links = Array.prototype.slice.call(strip.querySelectorAll("a[data-day]"));
  if (!links.length) { return; }
  var narrow = window.matchMedia("(max-width: 640px)");
  function show(day) {
    links.forEach(function (a) {
      if (a.getAttribute("data-day") === day) { a.setAttribute("aria-current", "date"); }
      else { a.removeAttribute("aria-current"); }
    });
    Array.prototype.forEach.call(slots.querySelectorAll(".day[id]"), function (div) {
      div.hidden = narrow.matches && div.id !== "day-" + day;
    });
  }
  var current = links[0].getAttribute("data-day");
  links.forEach(function (a) {
    a.addEventListener("click", function (event) {
      if (!narrow.matches) { return; }
      event.preventDefault();
      current = a.getAttribute("data-day");
      show(current);
    });
  });
  narrow.addEventListener("change", function () { show(current); });
  show(current);
}());
