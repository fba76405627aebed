// Live refresh of the leaderboard page: poll the API; when the vote count changes,
// fetch the page again and swap the live section (table, charts) in place.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.fetch || board.getAttribute("data-live") !== "true") { return; }  // a closed round stays as it is
  var api = board.getAttribute("data-api");
  var votes = board.getAttribute("data-votes");
  var INTERVAL_MS = 10000;

  function swapLiveSection() {
    return fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (resp) { return resp.ok ? resp.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("board-live");
        var current = document.getElementById("board-live");
        if (fresh && current) { current.replaceWith(document.importNode(fresh, true)); }
      });
  }

  function poll() {
    if (document.hidden) { return; }
    fetch(api, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (data) {
        if (data && String(data.votes) !== votes) {
          votes = String(data.votes);
          board.setAttribute("data-votes", votes);
          return swapLiveSection();
        }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  window.setInterval(poll, INTERVAL_MS);
  document.addEventListener("visibilitychange", poll);
})();
