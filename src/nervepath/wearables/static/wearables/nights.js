// SPDX-License-Identifier: AGPL-3.0-or-later
// Optional help on the nights page; the plain form and a page reload work without it.
// - Upload progress: the form is sent with XMLHttpRequest so its upload events can fill
//   the progress bar; the server's answer page is then shown as usual.
// - Live status: each file still queued or analysing asks its status URL every 2 s and
//   reloads the page once the analysis is done or failed.
(function () {
  "use strict";
  // The page's words (translated in the template), with English as the fallback.
  function words(name, fallback) {
    var holder = document.querySelector("[data-progress-text]");
    return (holder && holder.getAttribute("data-" + name)) || fallback;
  }
  var form = document.querySelector("form[data-upload]");
  if (form && window.FormData && window.XMLHttpRequest) {
    form.addEventListener("submit", function (event) {
      var bar = form.querySelector("[data-progress]");
      var text = form.querySelector("[data-progress-text]");
      var xhr = new XMLHttpRequest();
      event.preventDefault();
      bar.hidden = false;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var pct = Math.round((100 * e.loaded) / e.total);
        bar.value = pct;
        text.textContent = pct < 100 ? words("uploading", "Uploading:") + " " + pct + " %" : words("checking", "Checking the file…");
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && xhr.responseURL) {
          window.location.assign(xhr.responseURL);
          return;
        }
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = doc.querySelector("main");
        if (main && document.querySelector("main")) {
          document.querySelector("main").replaceWith(main);
        } else {
          text.textContent = words("refused", "The upload was refused. Reload the page and try again.") + " (" + xhr.status + ")";
        }
      });
      xhr.addEventListener("error", function () {
        text.textContent = words("lost", "The upload stopped: the connection was lost. Try again.");
      });
      xhr.open("POST", form.action || window.location.href);
      xhr.send(new FormData(form));
    });
  }
  var pending = document.querySelectorAll("[data-status-url]");
  pending.forEach(function (cell) {
    var state = cell.getAttribute("data-state");
    if (state !== "queued" && state !== "running") return;
    var label = cell.querySelector("[data-label]");
    var timer = window.setInterval(function () {
      fetch(cell.getAttribute("data-status-url"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          label.textContent = data.label + (data.attempts > 1 ? " (" + words("attempt", "attempt") + " " + data.attempts + ")" : "");
          if (data.finished) {
            window.clearInterval(timer);
            window.location.reload();
          }
        });
    }, 2000);
  });
})();
