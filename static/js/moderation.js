// The moderators' queue: each form.mod-action sends {action, target, reason} to POST /api/moderation/actions
// (JSON, CSRF header). The chosen option carries the action and its target; the API's refusal is shown in
// place, a success reloads the queue with a notice naming the audit entry.
(function () {
  "use strict";
  var stringsEl = document.getElementById("moderation-strings");
  var S = stringsEl ? JSON.parse(stringsEl.textContent) : {};

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function show(form, text, isError) {
    var area = form.querySelector(".form-status");
    area.textContent = "";
    area.classList.toggle("is-error", !!isError);
    var p = document.createElement("p");
    p.textContent = text;
    area.appendChild(p);
  }

  function afterSuccess(data) {
    var url = new URL(window.location.href);
    url.searchParams.set("done", String(data.action_id));
    url.searchParams.set("n", String(data.affected_votes || 0));
    url.searchParams.delete("before");
    window.location.assign(url.toString());
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("mod-action")) { return; }
    event.preventDefault();
    var option = form.elements.choice.selectedOptions[0];
    var reason = form.elements.reason.value.trim();
    if (!option) { return; }
    if (!reason) { form.elements.reason.focus(); form.reportValidity(); return; }
    if (!window.confirm(S["mod.confirm"] + "\n" + option.textContent.trim())) { return; }
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    show(form, S["mod.sending"], false);
    fetch("/api/moderation/actions", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify({ action: option.getAttribute("data-action"),
                             target: JSON.parse(option.getAttribute("data-target")), reason: reason })
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.ok) { afterSuccess(data); return; }
        show(form, ((data.error && data.error.message) || S["mod.failed"]) + " (" + resp.status + ")", true);
        button.disabled = false;
      });
    }).catch(function () {
      show(form, S["mod.failed"], true);
      button.disabled = false;
    });
  }

  document.addEventListener("submit", onSubmit);
})();
