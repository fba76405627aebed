// The arena page: start a battle, stream answers A and B, vote, show the reveal, share a finished battle.
// Streamed text is only ever set with textContent; the final answer HTML comes from the server,
// already rendered from Markdown and sanitised, and replaces it once a turn is complete.
// The shared-battle page loads this file too, for the code blocks' copy buttons only.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const stringsNode = $("arena-strings");
  const S = stringsNode ? JSON.parse(stringsNode.textContent) : {};

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    const area = el("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    if (!ok) throw new Error("copy refused");
  }

  // Code blocks: a copy button, and keyboard-scrollable long lines (a focusable, labelled region).
  function enhanceCode(container) {
    container.querySelectorAll(".answer-body pre").forEach((pre) => {
      if (pre.parentElement.classList.contains("code-block")) return;
      const block = el("div", "code-block");
      const bar = el("div", "code-bar");
      const button = el("button", "copy-code secondary", S["arena.copy_code"] || "Copy");
      button.type = "button";
      const note = el("span", "copy-status");
      note.setAttribute("role", "status");
      button.addEventListener("click", async () => {
        try {
          await copyText(pre.textContent);
          note.textContent = S["arena.copied"] || "";
        } catch (e) {
          note.textContent = S["arena.copy_failed"] || "";
        }
      });
      bar.append(button, note);
      pre.replaceWith(block);
      block.append(bar, pre);
      pre.tabIndex = 0;
      pre.setAttribute("role", "region");
      pre.setAttribute("aria-label", S["arena.code"] || "Code");
    });
  }
  enhanceCode(document);

  const root = $("arena");
  if (!root || !$("battle")) return;
  const voteButtons = Array.from(document.querySelectorAll("button.vote"));
  const bankOnly = root.dataset.bankOnly === "true";
  let battleId = root.dataset.battle || "";
  let turnNo = Number(root.dataset.turns || 0);
  let busy = false;

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function setVotes(enabled) {
    voteButtons.forEach((b) => { b.disabled = !enabled; });
    $("votes").classList.toggle("ready", enabled); // the sticky vote bar on phones
  }

  function say(text) { $("status").textContent = text || ""; }

  // Errors: shown next to the control used, in view, with the cure (log in again, wait N seconds).
  async function failureOf(response) {
    let code = "", message = S["arena.failed"];
    try {
      const body = await response.json();
      code = body.error.code || "";
      message = body.error.message || message;
    } catch (e) { /* not the JSON error shape: keep the generic text */ }
    const wait = parseInt(response.headers.get("Retry-After") || "", 10);
    if (response.status === 429 && code !== "daily_cap") {  // the daily cap's own text says when
      message = Number.isFinite(wait) && wait > 0 ? S["arena.retry_after"].replace("{n}", wait) : S["arena.retry_soon"];
    } else if (response.status === 401) {
      message = S["arena.login_expired"];
    }
    return { status: response.status, code: code, message: message };
  }

  // Refusals after which the reloaded page tells where the battle stands (a follow-up's battle_closed: the
  // battle was voted or voided meanwhile, in another tab).
  const RELOAD = ["already_voted", "battle_not_ready", "battle_closed"];

  // The error's text and, where there is one, the cure as a link (returned): log in again, reload, or the
  // next step `failure.next` ({text, href}) after a refusal this battle cannot recover from.
  function showError(node, failure) {
    node.textContent = failure.message;
    let action = failure.next || null;
    if (failure.status === 401) {
      action = { text: S["arena.login_again"], href: "/login?next=" + encodeURIComponent(location.pathname) };
    } else if (RELOAD.indexOf(failure.code) >= 0) {
      action = { text: S["arena.reload"], href: location.pathname };
    }
    let link = null;
    if (action) {
      link = el("a", "error-action", action.text);
      link.href = action.href;
      node.append(" ", link);
    }
    node.scrollIntoView({ block: "center" });
    return link;
  }

  function clearError(node) { node.textContent = ""; }

  // "{name} ({team})" filled in one pass, taking the values literally ("$&" in a name stays "$&"),
  // as the server's str.format does, so a reloaded page reads the same.
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  // A fetch with the CSRF token; an expired token is renewed (GET /api/me) and the request sent once more.
  async function send(url, options) {
    const attempt = () => fetch(url, Object.assign({ credentials: "same-origin" }, options, {
      headers: Object.assign({ "X-CSRF-Token": csrfToken() }, options.headers || {}),
    }));
    let response = await attempt();
    if (response.status === 400) {
      const failure = await failureOf(response.clone());
      if (failure.code === "csrf_failed") {
        const me = await fetch("/api/me", { credentials: "same-origin", headers: { "Accept": "application/json" } });
        if (!me.ok) return me; // logged out meanwhile: the 401 says so
        const who = await me.json();
        const page = document.getElementById("arena");
        // Another account logged in in another tab: never send this page's request as that account.
        if (page && page.dataset.user && String(who.id) !== page.dataset.user) return response;
        const meta = document.querySelector('meta[name="csrf-token"]');
        if (meta) meta.content = who.csrf_token;
        response = await attempt();
      }
    }
    return response;
  }

  function addTurn(prompt) {
    turnNo += 1;
    const turn = el("div", "turn");
    const p = el("p", "turn-prompt");
    p.tabIndex = -1;
    p.append(el("span", "label", S["arena.turn"].replace("{n}", turnNo)), " ", el("span", "prompt-text", prompt));
    const answers = el("div", "answers");
    const bodies = {};
    ["a", "b"].forEach((side) => {
      const art = el("article", "answer");
      const h = el("h2", "", S["arena.answer_" + side]);
      h.id = "answer-" + side + "-" + turnNo;
      art.setAttribute("aria-labelledby", h.id);
      const body = el("div", "answer-body streaming", S["arena.waiting"]);
      body.setAttribute("aria-busy", "true");
      art.append(h, body);
      answers.append(art);
      bodies[side] = body;
    });
    turn.append(p, answers);
    $("transcript").append(turn);
    p.focus(); // after a prompt button, a screen reader continues at the question just asked
    return bodies;
  }

  function showBattle() {
    $("start").hidden = true;
    $("battle").hidden = false;
  }

  function voided(message) {
    setVotes(false);
    $("followup-form").hidden = true;
    say(message || S["arena.voided"]);
    $("new-battle").focus();
  }

  function finishTurn(bodies, data) {
    ["a", "b"].forEach((side) => {
      bodies[side].innerHTML = data.answers[side].html; // sanitised on the server
      bodies[side].removeAttribute("aria-busy");
      bodies[side].classList.remove("streaming");
      enhanceCode(bodies[side].parentElement);
    });
    $("demo-notice").hidden = !data.demo;
    setVotes(true);
    $("followup-form").hidden = bankOnly;
    say(S["arena.ready"]);
  }

  // Read a text/event-stream response: "event: x\ndata: {...}\n\n" blocks.
  async function readEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message";
        let data = "";
        block.split("\n").forEach((line) => {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        });
        if (data) onEvent(event, JSON.parse(data));
      }
    }
  }

  // `control` is what the citizen used (a prompt button, the free form, the follow-up form): errors go next to it.
  async function runTurn(url, body, prompt, control) {
    if (busy) return;
    busy = true;
    const wasVotable = voteButtons.some((b) => !b.disabled); // a ready battle asking a follow-up
    setVotes(false);
    $("followup-form").hidden = true;
    say(S["arena.waiting"]);
    let bodies = null;
    const texts = { a: "", b: "" };
    let finished = false;
    try {
      const response = await send(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        const failure = await failureOf(response);
        if (battleId && await endedForGood(failure, $("status"))) return;
        // A refused follow-up (turn limit, rate limit, too long) changed nothing: still votable.
        setVotes(wasVotable);
        $("followup-form").hidden = !wasVotable || bankOnly;
        if (!battleId) {
          say("");
          const node = $("start-error");
          control.insertAdjacentElement("afterend", node);
          showError(node, failure);
        } else {
          say("");
          showError($("status"), failure);
        }
        return;
      }
      showBattle();
      await readEvents(response, (event, data) => {
        if (event === "start") {
          battleId = data.battle_id;
          root.dataset.battle = battleId; // read by flag.js
          bodies = addTurn(prompt);
          history.replaceState(null, "", "/arena/b/" + encodeURIComponent(battleId));
        } else if (event === "delta" && bodies) {
          texts[data.side] += data.text;
          bodies[data.side].textContent = texts[data.side];
        } else if (event === "done" && bodies) {
          finished = true;
          finishTurn(bodies, data);
        } else if (event === "error") {
          finished = true;
          voided(data.error.message);
        }
      });
      if (!finished) voided();
    } catch (e) {
      if (bodies) voided(S["arena.failed"]);
      else { // the request never got through (offline): nothing changed, so say so where the citizen is
        say("");
        setVotes(wasVotable);
        $("followup-form").hidden = !wasVotable || bankOnly;
        const node = battleId ? $("status") : $("start-error");
        if (!battleId) control.insertAdjacentElement("afterend", node);
        showError(node, { status: 0, code: "", message: S["arena.failed"] });
      }
    } finally {
      busy = false;
    }
  }

  function startBattle(body, prompt, control) {
    clearError($("start-error"));
    runTurn("/api/battles", body, prompt, control);
  }

  // Refusals after which this battle can never be voted on: the citizen is offered the next step instead.
  const FINAL = ["battle_voided", "round_closed", "battle_not_found"];

  // A new battle while a round is open (the page's own "new battle" link: the arena, or the panel for a
  // panel battle), else the leaderboard (the latest round's when none is open).
  async function nextStep() {
    let open = false;
    try {
      const current = await fetch("/api/rounds/current", { credentials: "same-origin",
                                                            headers: { "Accept": "application/json" } });
      open = current.ok;
    } catch (e) { /* offline: the board's link is the safe offer */ }
    const again = $("new-battle");
    return open ? { text: again.textContent.trim(), href: again.getAttribute("href") }
      : { text: S["nav.leaderboard"], href: "/leaderboard" };
  }

  // A refusal after which this battle can never be voted on (or no longer needs to be): the buttons and the
  // follow-up form go, `node` says why and its link, focused, offers the way forward. False for the others.
  async function endedForGood(failure, node) {
    const final = FINAL.indexOf(failure.code) >= 0;
    if (!final && RELOAD.indexOf(failure.code) < 0) return false;
    if (final) failure.next = await nextStep();
    setVotes(false);
    $("followup-form").hidden = true;
    say(""); // "you can vote now" no longer holds
    const link = showError(node, failure);
    if (link) link.focus(); // the control used is gone or off: focus goes to the way forward
    return true;
  }

  async function vote(winner) {
    if (!battleId || busy) return;
    busy = true;
    setVotes(false);
    clearError($("vote-error"));
    try {
      const response = await send("/api/battles/" + encodeURIComponent(battleId) + "/vote", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ winner: winner }),
      });
      if (!response.ok) {
        const failure = await failureOf(response);
        if (await endedForGood(failure, $("vote-error"))) return;
        setVotes(true); // trying again can work: never leave the buttons dead
        showError($("vote-error"), failure);
        return;
      }
      showReveal(await response.json(), winner);
    } catch (e) {
      setVotes(true);
      showError($("vote-error"), { status: 0, code: "", message: S["arena.failed"] });
    } finally {
      busy = false;
    }
  }

  // The reveal: names in the list and on every answer card, the citizen's own choice echoed.
  // The reloaded page renders the same strings on the server (contest.reveal builds both).
  function revealLine(side, m) {
    return fill(S["arena.reveal_side"], { side: side.toUpperCase(), name: m.name, team: m.team });
  }

  function showReveal(data, winner) {
    const list = $("reveal-list");
    list.textContent = "";
    ["a", "b"].forEach((side) => {
      const m = data.models[side];
      list.append(el("li", "", revealLine(side, m)));
      document.querySelectorAll("#transcript .answer").forEach((card) => {
        const heading = card.querySelector("h2");
        if (!heading || !heading.id.startsWith("answer-" + side + "-")) return;
        const name = el("p", "answer-model", fill(S["arena.card_model"], { name: m.name, team: m.team }));
        heading.insertAdjacentElement("afterend", name);
        card.classList.toggle("chosen", side === winner);
      });
    });
    $("reveal-choice").textContent = S["arena.your_choice"].replace("{choice}", S["arena.vote_" + winner]);
    $("reveal-note").textContent = data.counted ? S["arena.counted"] : S["arena.not_counted"];
    $("followup-form").hidden = true;
    $("reveal").hidden = false;
    $("reveal-heading").focus();
    say("");
  }

  // Sharing a voted battle: nothing is shared until the owner asks; the owner can stop it.
  const share = $("share");
  function shareState(url) {
    $("share-url").value = url || "";
    $("share-link").hidden = !url;
    $("share-create").hidden = !!url;
  }
  async function shareRequest(method) {
    const response = await send("/api/battles/" + encodeURIComponent(battleId) + "/share", { method: method });
    if (!response.ok) {
      showError($("share-status"), await failureOf(response));
      return null;
    }
    return response;
  }
  if (share) {
    $("share-create").addEventListener("click", async () => {
      const response = await shareRequest("POST");
      if (!response) return;
      shareState((await response.json()).url);
      $("share-status").textContent = S["share.created"];
      $("share-url").focus();
      $("share-url").select();
    });
    $("share-copy").addEventListener("click", async () => {
      try {
        await copyText($("share-url").value);
        $("share-status").textContent = S["share.copied"];
      } catch (e) {
        $("share-url").select();
        $("share-status").textContent = S["arena.copy_failed"];
      }
    });
    $("share-revoke").addEventListener("click", async () => {
      const response = await shareRequest("DELETE");
      if (!response) return;
      shareState("");
      $("share-status").textContent = S["share.revoked"];
      $("share-create").focus();
    });
  }

  // Start controls.
  const category = $("category");
  function filterPrompts() {
    document.querySelectorAll("#prompt-list li").forEach((li) => {
      li.hidden = li.dataset.category !== category.value;
    });
  }
  if (category) category.addEventListener("change", filterPrompts);
  document.querySelectorAll("button.prompt-choice").forEach((b) => {
    b.addEventListener("click", () => startBattle({ prompt_id: b.dataset.promptId }, b.textContent.trim(), b));
  });
  const random = $("random-prompt");
  if (random) {
    random.addEventListener("click", () => {
      const shown = Array.from(document.querySelectorAll("#prompt-list li:not([hidden]) button"));
      if (shown.length === 0) return;
      const pick = shown[Math.floor(Math.random() * shown.length)];
      startBattle({ prompt_id: pick.dataset.promptId }, pick.textContent.trim(), random);
    });
  }
  const free = $("free-form");
  if (free) {
    free.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = $("free-prompt").value.trim();
      if (text) startBattle({ prompt: text, category: category.value }, text, free.querySelector("button[type=submit]"));
    });
  }
  $("followup-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("followup-prompt").value.trim();
    if (!text || !battleId) return;
    $("followup-prompt").value = "";
    runTurn("/api/battles/" + encodeURIComponent(battleId) + "/turns", { prompt: text }, text, $("followup-form"));
  });
  ["free-prompt", "followup-prompt"].forEach((id) => {
    const area = $(id);
    if (area) area.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); area.form.requestSubmit(); }
    });
  });

  // Votes: buttons and the keys 1-4 (not while typing).
  voteButtons.forEach((b) => b.addEventListener("click", () => vote(b.dataset.winner)));
  const keys = { "1": "a", "2": "b", "3": "tie", "4": "bothbad" };
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "input" || tag === "select") return;
    const winner = keys[ev.key];
    const button = voteButtons.find((b) => b.dataset.winner === winner);
    if (button && !button.disabled) { ev.preventDefault(); button.click(); }
  });

  // A reloaded battle page: ready battles can be voted on.
  if (battleId && root.dataset.status === "ready") {
    setVotes(true);
    $("followup-form").hidden = bankOnly;
  }
})();
