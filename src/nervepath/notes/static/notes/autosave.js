// SPDX-License-Identifier: AGPL-3.0-or-later
// Autosave of a draft visit note: a moment after the clinician stops typing, the form is
// posted to its autosave address. Without JavaScript, "Save the draft" does the same.
(function () {
  "use strict";
  var form = document.getElementById("note-form");
  if (!form || !form.dataset.autosave || !window.fetch) return;
  var status = document.getElementById("autosave-status");
  var timer = null;
  var busy = false;
  var again = false;

  function say(text) {
    if (status) status.textContent = text;
  }

  function save() {
    if (busy) { again = true; return; }
    busy = true;
    say("Saving…");
    fetch(form.dataset.autosave, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) say("Saved at " + data.saved + ".");
          else say("Not saved: " + (data.error || "try the Save button."));
        });
      })
      .catch(function () { say("Not saved (no connection): your text stays on this page."); })
      .then(function () {
        busy = false;
        if (again) { again = false; save(); }
      });
  }

  function later() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 1200);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
