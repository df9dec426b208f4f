// SPDX-License-Identifier: AGPL-3.0-or-later
// Optional help on questionnaire forms; everything works without it (no inline script:
// the Content-Security-Policy allows only this static file).
// - "None of these" and the options of the same question exclude each other.
// - Branching without a reload: each question that depends on earlier answers carries
//   its condition (data-show-if, the definition's show_if as JSON); after every change
//   the script evaluates them as the server does (science/instruments/conditions.py)
//   and shows or hides the questions. A hidden question's fieldset is disabled, so its
//   inputs are not sent. Without the script, "Save draft" reloads the page with the
//   questions that now apply.
(function () {
  "use strict";
  var PREFIX = "a-";
  var NONE = "__none__";

  function answers(form) {
    var out = {};
    form.querySelectorAll("fieldset.q").forEach(function (set) {
      if (set.disabled) return;
      var id = set.id.slice(2);
      var inputs = set.querySelectorAll('[name="' + PREFIX + id + '"]');
      var multi = false, list = [], one = null;
      inputs.forEach(function (input) {
        if (input.type === "checkbox") {
          multi = true;
          if (input.checked && input.value !== NONE) list.push(input.value);
          if (input.checked && input.value === NONE) list.none = true;
        } else if (input.type === "radio") {
          if (input.checked) one = input.value;
        } else if (input.value.trim() !== "") {
          one = input.type === "number" ? Number(input.value.replace(",", ".")) : input.value;
        }
      });
      if (multi) { if (list.length || list.none) out[id] = list; }
      else if (one !== null) out[id] = one;
    });
    return out;
  }

  // Answers arrive as text: compare as text, numbers as numbers.
  function same(a, b) {
    if (typeof a === "number" || typeof b === "number") return Number(a) === Number(b);
    return String(a) === String(b);
  }

  function compare(op, target, value) {
    var missing = value === undefined || value === null;
    if (op === "answered") return !missing === Boolean(target);
    if (missing) return false;
    switch (op) {
      case "equals": return same(value, target);
      case "not_equals": return !same(value, target);
      case "in": return target.some(function (t) { return same(value, t); });
      case "gte": return Number(value) >= target;
      case "gt": return Number(value) > target;
      case "lte": return Number(value) <= target;
      case "lt": return Number(value) < target;
      case "contains": return Array.isArray(value) && value.some(function (v) { return same(v, target); });
      case "contains_any":
        return Array.isArray(value) && value.some(function (v) {
          return target.some(function (t) { return same(v, t); });
        });
    }
    return false;
  }

  function evaluate(cond, given) {
    if (cond.all) return cond.all.every(function (c) { return evaluate(c, given); });
    if (cond.any) return cond.any.some(function (c) { return evaluate(c, given); });
    if (cond.not) return !evaluate(cond.not, given);
    var op = Object.keys(cond).filter(function (k) { return k !== "item"; })[0];
    return compare(op, cond[op], given[cond.item]);
  }

  function refresh(form) {
    // In form order, so a question hidden now no longer opens the ones after it.
    form.querySelectorAll("fieldset.q[data-show-if]").forEach(function (set) {
      var show = evaluate(JSON.parse(set.getAttribute("data-show-if")), answers(form));
      set.hidden = !show;
      set.disabled = !show;
    });
  }

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
    var form = input.closest("form[data-branching]");
    if (form && input.hasAttribute("data-branch")) refresh(form);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-branching]").forEach(function (form) {
      form.classList.add("js");
      refresh(form);
    });
  });
})();
