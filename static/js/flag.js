// The battle page's flag control: send the reason and note to POST /api/flags for the battle on screen
// (arena.js keeps #arena's data-battle current). The API's message is shown in place on refusal.
(function () {
  "use strict";
  var form = document.getElementById("flag-form");
  var root = document.getElementById("arena");
  var stringsEl = document.getElementById("flag-strings");
  if (!form || !root || !stringsEl || !window.fetch) { return; }
  var S = JSON.parse(stringsEl.textContent);
  var status = document.getElementById("flag-status");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("is-error", !!isError);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var battleId = root.getAttribute("data-battle");
    if (!battleId) { return; }
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    var note = form.elements.note.value.trim();
    var body = { battle_id: battleId, reason: form.elements.reason.value };
    if (note) { body.note = note; }
    fetch("/api/flags", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.ok) {
          say(S.sent, false);
          form.elements.reason.disabled = true;
          form.elements.note.disabled = true;
          return;  // one flag per battle: the button stays disabled
        }
        say((data.error && data.error.message) || S.failed, true);
        button.disabled = resp.status === 409;  // already flagged: nothing more to send
      });
    }).catch(function () {
      say(S.failed, true);
      button.disabled = false;
    });
  });
})();
