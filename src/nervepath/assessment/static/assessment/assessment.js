// SPDX-License-Identifier: AGPL-3.0-or-later
// Optional help on questionnaire forms; everything works without it.
// - "None of these" and the options of the same question exclude each other.
// - An answer that opens or closes other questions (data-branch) saves the draft at once,
//   so the page shows the questions that now apply and comes back to the same place.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement)) return;
    if (input.type === "checkbox" && input.checked) {
      var boxes = document.querySelectorAll('input[type=checkbox][name="' + input.name + '"]');
      boxes.forEach(function (box) {
        if (box !== input && (input.hasAttribute("data-none") || box.hasAttribute("data-none"))) {
          box.checked = false;
        }
      });
    }
    var form = input.closest("form[data-autosave]");
    var item = input.getAttribute("data-branch");
    if (!form || !item) return;
    var save = form.querySelector("[data-save]");
    form.querySelector('input[name="focus"]').value = item;
    if (form.requestSubmit) form.requestSubmit(save); else save.click();
  });
})();
