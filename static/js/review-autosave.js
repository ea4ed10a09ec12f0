// Saves the reviewer's draft score while they type (progressive enhancement: without this
// script the "Save draft" button posts the same form). Posts the form's fields, CSRF token
// included, to its data-autosave address a second after the last change.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var script = document.currentScript || document.querySelector("script[data-saved]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var status = document.getElementById("autosave-status");
  var timer = null;
  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }
  function save() {
    var body = new FormData(form);
    body.delete("action");
    fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      body: new URLSearchParams(body),
      credentials: "same-origin",
    }).then(function (response) {
      if (response.status === 204) {
        var now = new Date();
        var time = String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
        say((script.getAttribute("data-saved") || "").replace("{time}", time));
      } else {
        say(script.getAttribute("data-failed") || "");
      }
    }).catch(function () {
      say(script.getAttribute("data-failed") || "");
    });
  }
  form.addEventListener("input", function (event) {
    if (event.target && event.target.hasAttribute("readonly")) {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 1000);
  });
})();
