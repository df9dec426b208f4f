// SPDX-License-Identifier: AGPL-3.0-or-later
// The header menu is a <details> disclosure, so it works without this file. On a wide
// screen this opens it (the CSS then hides the "Menu" toggle) so the links sit in a row.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 48rem)");
  function apply() {
    document.querySelectorAll("details[data-wide-open]").forEach(function (menu) {
      if (wide.matches) { menu.setAttribute("open", ""); menu.classList.add("wide"); }
      else if (menu.classList.contains("wide")) { menu.removeAttribute("open"); menu.classList.remove("wide"); }
    });
  }
  document.addEventListener("DOMContentLoaded", apply);
  if (wide.addEventListener) { wide.addEventListener("change", apply); }
})();
