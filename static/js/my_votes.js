// The account page's "my votes": list GET /api/me/votes (counted or not, and why), and let the citizen
// appeal an excluded vote once (POST /api/me/appeals). Text is only ever set with textContent.
(function () {
  "use strict";
  var section = document.getElementById("my-votes");
  var stringsEl = document.getElementById("my-votes-strings");
  if (!section || !stringsEl || !window.fetch) { return; }
  var S = JSON.parse(stringsEl.textContent);
  var list = document.getElementById("my-votes-list");
  var state = document.getElementById("my-votes-state");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return values[key] === undefined ? "" : values[key]; });
  }

  function appealStatus(vote) {
    return vote.appeal ? S.appeal_status[vote.appeal.status] || vote.appeal.status : "";
  }

  // The appeal control of an excluded, not yet appealed vote: a button that opens a small form.
  function appealControl(vote, item) {
    var box = el("div", "appeal");
    var open = el("button", "secondary", S.appeal);
    open.type = "button";
    var form = el("form", "appeal-form");
    form.hidden = true;
    var noteId = "appeal-note-" + vote.vote_id;
    var label = el("label", "", S.appeal_note);
    label.htmlFor = noteId;
    var note = el("textarea");
    note.id = noteId;
    note.name = "note";
    note.rows = 2;
    note.maxLength = 1000;
    var send = el("button", "", S.appeal_send);
    send.type = "submit";
    var status = el("p", "appeal-status");
    status.setAttribute("role", "status");
    form.append(label, note, send);
    open.addEventListener("click", function () {
      form.hidden = false;
      open.hidden = true;
      note.focus();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send.disabled = true;
      var body = { vote_id: vote.vote_id };
      if (note.value.trim()) { body.note = note.value.trim(); }
      fetch("/api/me/appeals", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify(body)
      }).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (data) {
          if (resp.ok) {
            box.textContent = "";
            box.append(el("p", "appeal-done", S.appealed));
            item.querySelector(".vote-facts").append(el("span", "badge", S.appeal_status.open));
            return;
          }
          status.textContent = (data.error && data.error.message) || S.appeal_failed;
          status.classList.add("is-error");
          send.disabled = resp.status === 409;
        });
      }).catch(function () {
        status.textContent = S.appeal_failed;
        status.classList.add("is-error");
        send.disabled = false;
      });
    });
    box.append(open, form, status);
    return box;
  }

  function voteItem(vote) {
    var item = el("li", "vote-item " + (vote.counted ? "is-counted" : "is-excluded"));
    item.id = "vote-" + vote.vote_id;
    var models = vote.models || {};
    var title = el("p", "vote-title", fill(S.vs, { a: models.a ? models.a.name : "A", b: models.b ? models.b.name : "B" }));
    var facts = el("p", "vote-facts");
    facts.append(el("span", "badge " + (vote.counted ? "ok" : "bad"), vote.counted ? S.counted : S.excluded), " ",
                 el("span", "", fill(S.choice, { winner: S.winner[vote.winner] || vote.winner })));
    if (vote.at) {
      var time = el("time", "note", " · " + vote.at.slice(0, 16).replace("T", " ") + " UTC");
      time.setAttribute("datetime", vote.at);
      facts.append(time);
    }
    if (vote.appeal) { facts.append(" ", el("span", "badge", appealStatus(vote))); }
    item.append(title, facts);
    if (!vote.counted) {
      item.append(el("p", "vote-why", vote.excluded_message || S.reason[vote.excluded_reason] || vote.excluded_reason));
      if (vote.can_appeal) { item.append(appealControl(vote, item)); }
    }
    return item;
  }

  fetch("/api/me/votes", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (resp) { if (!resp.ok) { throw new Error(String(resp.status)); } return resp.json(); })
    .then(function (data) {
      var votes = data.votes || [];
      state.textContent = votes.length ? "" : S.empty;
      state.hidden = votes.length > 0;
      votes.forEach(function (vote) { list.append(voteItem(vote)); });
    })
    .catch(function () { state.textContent = S.failed; })
    .then(function () { section.removeAttribute("aria-busy"); });
})();
