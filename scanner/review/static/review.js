// petition-scan review page: keyboard shortcuts and in-place saving.
// Everything also works without this script (plain forms and links).
(function () {
  "use strict";

  function selectDoubtful() {
    var el = document.querySelector("[data-select='1']");
    if (!el) { return; }
    el.focus();
    if (el.select && el.type === "text") { el.select(); }
  }

  function trigger(el) {
    if (el.tagName === "SUMMARY") {
      el.parentElement.open = !el.parentElement.open;
      el.focus();
    } else if (!el.disabled) {
      el.click();
    }
  }

  var busy = false;

  // Alt+<letter> shortcuts (by physical key, so they work on any layout and on macOS).
  // Outside a text box (after Escape) the letter alone works too, in case the browser keeps Alt+<letter>.
  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text"));
  }

  document.addEventListener("keydown", function (ev) {
    var plain = !ev.altKey && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey && !typing(ev.target);
    if ((ev.altKey && !ev.ctrlKey && !ev.metaKey) || (plain && /^Key[A-Z]$/.test(ev.code))) {
      var target = document.querySelector("[data-key='" + ev.code + "']");
      if (target) {
        ev.preventDefault();
        if (!ev.repeat) { trigger(target); }
      }
      return;
    }
    if (ev.key === "Escape" && typing(ev.target)) {
      ev.target.blur();
      return;
    }
    if (ev.key === "Enter" && ev.repeat) {
      // A held Enter must not accept the next rows unseen.
      ev.preventDefault();
      return;
    }
    var form = document.getElementById("rowform");
    if (ev.key === "Enter" && form && ev.target.type === "checkbox" && form.contains(ev.target)) {
      ev.preventDefault();
      form.requestSubmit(form.querySelector("button.primary"));
    }
  });

  // A decision posts once: a second Enter while the next row loads does nothing.
  var rowform = document.getElementById("rowform");
  if (rowform) {
    rowform.addEventListener("submit", function (ev) {
      if (busy) { ev.preventDefault(); return; }
      busy = true;
    });
  }

  function nextInput(li) {
    for (var n = li.nextElementSibling; n; n = n.nextElementSibling) {
      if (!n.classList.contains("done")) {
        var input = n.querySelector("input[name='value']");
        if (input) { return input; }
      }
    }
    return null;
  }

  function updateCounter(left, done) {
    var counter = document.querySelector("#counter strong");
    var rest = document.querySelector("#counter .muted");
    if (counter && left) { counter.textContent = left; }
    if (rest && done) { rest.textContent = done; }
  }

  // Field-by-field: save in place, then go to the next value.
  document.querySelectorAll("form[data-async='1']").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (form.dataset.busy === "1") { return; }
      form.dataset.busy = "1";
      var li = form.parentElement;
      var state = form.querySelector(".state");
      var input = form.querySelector("input[name='value']");
      var data = new URLSearchParams(new FormData(form));
      if (input.type === "checkbox" && !input.checked) { data.set("value", "false"); }
      fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (resp) {
        return resp.json();
      }).then(function (res) {
        state.textContent = res.message || "";
        if (res.ok) {
          li.classList.add("done");
          li.classList.remove("failed");
          input.removeAttribute("aria-invalid");
          form.querySelector("input[name='version']").value = res.version || "";
          updateCounter(res.left, res.done);
          var next = nextInput(li);
          if (next) { next.focus(); if (next.select) { next.select(); } }
          else {
            var more = document.querySelector("p.more a");
            if (more) { more.focus(); }
          }
        } else {
          li.classList.add("failed");
          input.setAttribute("aria-invalid", "true");
          input.focus();
        }
      }).catch(function () {
        state.textContent = "!";
        li.classList.add("failed");
      }).finally(function () {
        form.dataset.busy = "";
      });
    });
  });

  // First doubtful value of the field list: focused and selected so typing replaces it.
  var first = document.querySelector("ol.fieldlist input[name='value']");
  if (first && !document.querySelector("[data-select='1']")) {
    first.setAttribute("data-select", "1");
  }
  selectDoubtful();
})();
