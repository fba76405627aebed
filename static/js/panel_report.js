// The ministry's panel report page: issue invitation codes for one stratum (shown once, to copy).
(function () {
  "use strict";
  var form = document.getElementById("panel-invite");
  var stringsEl = document.getElementById("panel-report-strings");
  if (!form || !stringsEl || !window.fetch || !window.ArenaApi) { return; }
  var S = JSON.parse(stringsEl.textContent);
  var status = document.getElementById("panel-invite-status");
  var out = document.getElementById("panel-codes");

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var stratum = {};
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
      stratum[select.name] = select.value;
    });
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    var url = "/api/admin/panels/" + encodeURIComponent(form.getAttribute("data-panel")) + "/invitations";
    window.ArenaApi.send("POST", url, { count: parseInt(form.elements.count.value, 10), stratum: stratum })
      .then(function (r) {
        button.disabled = false;
        status.hidden = false;
        if (r.ok) {
          out.value = r.data.codes.join("\n");
          status.textContent = S.codes_issued.replace("{n}", String(r.data.codes.length));
        } else {
          status.textContent = r.status === 0 ? S.offline : ((r.data.error && r.data.error.message) || S.failed);
        }
        status.focus();
      });
  });
}());
