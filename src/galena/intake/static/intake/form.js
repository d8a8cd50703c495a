/* Galena hosted forms: fills the hidden fields a person cannot (time to submit, a visitor
   id, a callback time with the browser's zone). The form works without it. */
(function () {
  "use strict";

  var loadedAt = Date.now();

  // the id Galena's tracking script keeps in this site's cookie, when the page has it: the
  // form then names the same visitor whose visits were tracked
  function trackedVisitorId() {
    var match = document.cookie.match(/(?:^|;\s*)galena_vid=([A-Za-z0-9_-]{8,64})(?:;|$)/);
    return match ? match[1] : "";
  }

  function visitorId() {
    var tracked = trackedVisitorId();
    if (tracked) return tracked;
    try {
      var id = window.localStorage.getItem("galena_visitor");
      if (!id) {
        id = window.crypto && window.crypto.randomUUID
          ? window.crypto.randomUUID()
          : String(Date.now()) + Math.random().toString(16).slice(2);
        window.localStorage.setItem("galena_visitor", id);
      }
      return id;
    } catch (error) {
      return ""; // storage off: no visitor id, nothing else changes
    }
  }

  function pad(n) {
    return String(Math.floor(Math.abs(n))).padStart(2, "0");
  }

  // "2026-05-01T15:00" typed in the browser's zone -> "2026-05-01T15:00:00+03:00"
  function withOffset(local) {
    var date = new Date(local);
    if (isNaN(date.getTime())) return "";
    var offset = -date.getTimezoneOffset();
    return (
      date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":00" +
      (offset >= 0 ? "+" : "-") + pad(offset / 60) + ":" + pad(offset % 60)
    );
  }

  function localNow() {
    var now = new Date();
    return (
      now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) +
      "T" + pad(now.getHours()) + ":" + pad(now.getMinutes())
    );
  }

  function setValue(form, name, value) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (input) input.value = value;
  }

  document.querySelectorAll("form[data-galena-form]").forEach(function (form) {
    var sent = false;
    setValue(form, "_visitor", visitorId());

    var callback = form.querySelector("[data-callback]");
    if (callback) {
      var local = callback.querySelector('input[name="callback_local"]');
      var at = callback.querySelector('input[name="callback_when"][value="at"]');
      var time = callback.querySelector(".when-time");
      local.min = localNow();
      local.addEventListener("input", function () {
        if (local.value) at.checked = true;
      });
      // the time is asked only for "at a time I choose" (without JavaScript it is always shown)
      var showTime = function () {
        time.hidden = !at.checked;
      };
      callback.addEventListener("change", showTime);
      showTime();
    }

    form.addEventListener("submit", function (event) {
      if (sent) {
        event.preventDefault(); // a second tap while the first is on its way
        return;
      }
      sent = true;
      setValue(form, "_ts", String(Date.now() - loadedAt));
      if (callback) {
        var chosen = callback.querySelector('input[name="callback_when"]:checked');
        var value = chosen && chosen.value === "at"
          ? withOffset(callback.querySelector('input[name="callback_local"]').value)
          : "";
        setValue(form, "callback_at", value);
      }
    });
    // coming back with the browser's back button: the form may be sent again
    window.addEventListener("pageshow", function () {
      sent = false;
    });

    var invalid =
      form.querySelector('[aria-invalid="true"]') || form.querySelector(".has-error input");
    if (invalid) invalid.focus();
  });
})();
