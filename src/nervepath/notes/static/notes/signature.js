// SPDX-License-Identifier: AGPL-3.0-or-later
// A signature pad: the patient draws with a finger, pen or mouse; on submit the drawing
// goes into the form's hidden "signature" field as a PNG. Without JavaScript the pad stays
// hidden and the typed name signs alone.
(function () {
  "use strict";
  document.querySelectorAll("form.sign-form").forEach(function (form) {
    var box = form.querySelector(".signature");
    var canvas = form.querySelector("canvas.signature-pad");
    var field = form.querySelector("input[name=signature]");
    if (!box || !canvas || !field || !canvas.getContext) return;
    box.hidden = false;
    var ctx = canvas.getContext("2d");
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.strokeStyle = "#111";
    var drawing = false;
    var drawn = false;

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - rect.left) * (canvas.width / rect.width),
        y: (event.clientY - rect.top) * (canvas.height / rect.height),
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      drawn = true;
      event.preventDefault();
    });
    function stop() { drawing = false; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    form.querySelector(".signature-clear").addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
    });
    form.addEventListener("submit", function () {
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  });
})();
