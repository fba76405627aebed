// The citizen panel page: redeem an invitation code, then start the next assigned battle (it opens on
// the battle page, where the member reads both answers and votes).
(function () {
  "use strict";
  var stringsEl = document.getElementById("panel-strings");
  if (!stringsEl || !window.fetch || !window.ArenaApi) { return; }
  var S = JSON.parse(stringsEl.textContent);

  function say(el, text) {
    el.textContent = text;
    el.hidden = !text;
    if (text) { el.focus(); }
  }

  function message(result) {
    if (result.status === 0) { return S.offline; }
    var text = (result.data.error && result.data.error.message) || S.failed;
    if (result.status === 429 && result.retryAfter) {
      text += " " + S.retry_after.replace("{minutes}", String(Math.max(1, Math.ceil(result.retryAfter / 60))));
    }
    return text;
  }

  var redeem = document.getElementById("panel-redeem");
  if (redeem) {
    var redeemError = document.getElementById("panel-redeem-error");
    redeem.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = redeem.querySelector('button[type="submit"]');
      button.disabled = true;
      say(redeemError, "");
      window.ArenaApi.send("POST", "/api/panel/redeem", { code: redeem.elements.code.value }).then(function (r) {
        button.disabled = false;
        if (r.ok) { window.location.reload(); return; }
        say(redeemError, message(r));
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("button.panel-start"), function (start) {
    var panel = start.getAttribute("data-panel");
    var startError = document.getElementById("panel-start-error-" + panel);
    start.addEventListener("click", function () {
      start.disabled = true;
      say(startError, S.starting);
      window.ArenaApi.send("POST", "/api/panel/battles?panel=" + encodeURIComponent(panel)).then(function (r) {
        if (r.ok) { window.location.assign("/arena/b/" + encodeURIComponent(r.data.battle_id)); return; }
        start.disabled = false;
        say(startError, message(r));
      });
    });
  });
}());
