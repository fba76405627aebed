// The ministry's console: every form.api-form is sent to the admin API with fetch (JSON, CSRF header);
// the API's error message (and any per-line upload errors) is shown in place, inside the form.
(function () {
  "use strict";
  var stringsEl = document.getElementById("console-strings");
  var S = stringsEl ? JSON.parse(stringsEl.textContent) : {};
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');

  function csrfToken() { return csrfMeta ? csrfMeta.getAttribute("content") : ""; }

  function setPath(obj, dotted, value) {
    var keys = dotted.split("."), last = keys.pop();
    keys.forEach(function (k) { obj = obj[k] = obj[k] || {}; });
    obj[last] = value;
  }

  // One field's value by its data-type; undefined leaves it out of the body.
  function fieldValue(el) {
    var type = el.getAttribute("data-type") || "text";
    var optional = el.hasAttribute("data-optional");
    if (el.type === "checkbox") { return el.checked; }
    var raw = el.value.trim();
    if (raw === "" && (optional || type !== "text")) { return undefined; }
    if (type === "int") { return parseInt(raw, 10); }
    if (type === "float") { return parseFloat(raw); }
    if (type === "bool") { return raw === "true"; }
    if (type === "account") { return /^[0-9]+$/.test(raw) ? parseInt(raw, 10) : raw; }  // an id or provider:subject
    if (type === "csv") { return raw.split(",").map(function (s) { return s.trim(); }).filter(Boolean); }
    if (type === "json") { return JSON.parse(raw); }  // a SyntaxError is shown as the form's error
    if (type === "datetime") { return new Date(raw).toISOString(); }
    return el.value;
  }

  function jsonBody(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "submit" || el.type === "button") { return; }
      if (el.getAttribute("data-type") === "list") {  // checkboxes sharing a name make one array
        var list = body[el.name] || (body[el.name] = []);
        if (el.checked) { list.push(el.value); }
        return;
      }
      var value = fieldValue(el);
      if (value !== undefined) { setPath(body, el.name, value); }
    });
    // "a.b" list names were collected flat: nest them now.
    Object.keys(body).forEach(function (k) {
      if (k.indexOf(".") > 0) { var v = body[k]; delete body[k]; setPath(body, k, v); }
    });
    return JSON.stringify(body);
  }

  function uploadBody(form) {
    var file = form.querySelector('input[type="file"]');
    if (file && file.files.length) { return file.files[0].text(); }
    return Promise.resolve(form.querySelector("textarea").value);
  }

  function statusArea(form) {
    var area = form.querySelector(".form-status");
    if (!area) {
      area = document.createElement("div");
      area.className = "form-status";
      area.setAttribute("role", "status");
      area.setAttribute("aria-live", "polite");
      form.appendChild(area);
    }
    return area;
  }

  function show(form, text, isError, extra) {
    var area = statusArea(form);
    area.textContent = "";
    area.classList.toggle("is-error", !!isError);
    var p = document.createElement("p");
    p.textContent = text;
    area.appendChild(p);
    if (extra) { area.appendChild(extra); }
  }

  // The per-line errors of a rejected upload ("errors" beside "error"), as a list.
  function errorDetails(data) {
    var items = Array.isArray(data.errors) ? data.errors : [];
    if (!items.length) { return null; }
    var ul = document.createElement("ul");
    ul.className = "line-errors";
    ul.setAttribute("aria-label", S["console.line_errors"] || "");
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = typeof item === "string" ? item :
        (item.line !== undefined ? item.line + ": " : "") + (item.message || JSON.stringify(item));
      ul.appendChild(li);
    });
    return ul;
  }

  function fill(template, data) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return encodeURIComponent(data[key] || ""); });
  }

  function succeeded(form, data) {
    var after = form.getAttribute("data-after") || "reload";
    if (after.indexOf("goto:") === 0) { window.location.assign(fill(after.slice(5), data)); return; }
    if (after.indexOf("link:") === 0) {
      var a = document.createElement("a");
      a.href = fill(after.slice(5), data);
      a.textContent = S["console.view_snapshot"] + " (" + (data.id || "") + ")";
      a.className = "result-link";
      form.reset();  // a correction or its notes are not carried into the next publication
      show(form, S["console.published"], false, a);
      var published = document.getElementById("round-snapshots");
      if (published) { listSnapshots(published); }
      return;
    }
    if (after === "show") {
      var pre = document.createElement("pre");
      pre.className = "code";
      pre.textContent = JSON.stringify(data, null, 2);
      show(form, S["console.saved"], false, pre);
      return;
    }
    window.location.reload();
  }

  function send(form, body) {
    var isUpload = form.hasAttribute("data-upload");
    return fetch(form.getAttribute("data-api"), {
      method: form.getAttribute("data-method") || "POST",
      credentials: "same-origin",
      headers: { "Content-Type": isUpload ? "application/x-ndjson" : "application/json",
                 "Accept": "application/json", "X-CSRF-Token": csrfToken() },
      body: body
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.ok) { return succeeded(form, data); }
        var error = data.error || {};
        var count = data.error_count > (data.errors || []).length ? " · " + data.error_count : "";
        show(form, (error.message || S["console.failed"]) + " (" + resp.status + count + ")", true, errorDetails(data));
      });
    });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("api-form")) { return; }
    event.preventDefault();
    var confirmText = form.getAttribute("data-confirm");
    if (confirmText && !window.confirm(confirmText)) { return; }
    var button = form.querySelector('button[type="submit"]');
    if (button) { button.disabled = true; }
    show(form, S["console.sending"], false);
    var body;
    try {
      body = form.hasAttribute("data-upload") ? uploadBody(form) : Promise.resolve(jsonBody(form));
    } catch (err) {  // a JSON field that does not parse
      body = Promise.reject(err);
    }
    body.then(function (b) { return send(form, b); })
      .catch(function (err) { show(form, (S["console.failed"] || "") + " " + err.message, true); })
      .then(function () { if (button) { button.disabled = false; } });
  }

  // What a new publication supersedes: the round's latest snapshot, once there is one (the API takes it as meant when none is named).
  function offerCorrections(items) {
    var select = document.getElementById("publish-supersedes");
    if (!select) { return; }
    var current = items.filter(function (s) { return !s.superseded_by; });
    select.textContent = "";
    if (!current.length) { select.add(new Option(S["console.supersedes_none"], "")); }
    current.forEach(function (s) { select.add(new Option(s.id + " · " + s.published_at, s.id)); });
  }

  function listSnapshots(list) {
    var link = list.getAttribute("data-link");
    fetch(list.getAttribute("data-api"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (resp) { return resp.ok ? resp.json() : { snapshots: [] }; })
      .then(function (data) {
        var items = data.snapshots || [];
        list.textContent = "";
        offerCorrections(items);
        if (!items.length) {
          var none = document.createElement("li");
          none.textContent = S["console.no_snapshots"];
          list.appendChild(none);
        }
        items.forEach(function (s) {
          var li = document.createElement("li"), a = document.createElement("a");
          a.href = link.replace("ID", encodeURIComponent(s.id));
          a.textContent = s.id;
          li.appendChild(a);
          li.appendChild(document.createTextNode(" · " + s.published_at + " · " + s.vote_count +
                                                 (s.superseded_by ? " · → " + s.superseded_by : "")));
          list.appendChild(li);
        });
      })
      .catch(function () { /* the list stays empty; publishing still works */ });
  }

  // A bank backend has no endpoint: its fields are disabled (and so left out of the body).
  function syncBackend(select) {
    var bank = select.value === "bank";
    Array.prototype.forEach.call(select.closest("fieldset").querySelectorAll("input"), function (el) {
      el.disabled = bank;
    });
  }

  document.addEventListener("submit", onSubmit);
  document.addEventListener("change", function (event) {
    if (event.target.name === "backend.kind") { syncBackend(event.target); }
  });
  Array.prototype.forEach.call(document.querySelectorAll('select[name="backend.kind"]'), syncBackend);
  var snapshots = document.getElementById("round-snapshots");
  if (snapshots && window.fetch) { listSnapshots(snapshots); }
})();
