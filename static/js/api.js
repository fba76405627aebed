// Shared by the pages' scripts: the session's CSRF token and a JSON request that resolves to
// {ok, status, data, retryAfter} whatever the outcome (a network failure gives status 0).
window.ArenaApi = (function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function send(method, url, body) {
    var init = {
      method: method, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrfToken() }
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { ok: resp.ok, status: resp.status, data: data,
                 retryAfter: parseInt(resp.headers.get("Retry-After") || "", 10) || null };
      });
    }, function () {
      return { ok: false, status: 0, data: {}, retryAfter: null };
    });
  }

  return { csrfToken: csrfToken, send: send };
}());
