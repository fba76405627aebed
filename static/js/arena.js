// The arena page: start a battle, stream answers A and B, vote, show the reveal.
// Streamed text is only ever set with textContent; the final answer HTML comes from the server,
// already rendered from Markdown and sanitised, and replaces it once a turn is complete.
(function () {
  "use strict";
  const root = document.getElementById("arena");
  if (!root || !document.getElementById("battle")) return;
  const S = JSON.parse(document.getElementById("arena-strings").textContent);
  const $ = (id) => document.getElementById(id);
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
  }

  function say(text) { $("status").textContent = text || ""; }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function addTurn(prompt) {
    turnNo += 1;
    const turn = el("div", "turn");
    const p = el("p", "turn-prompt");
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
    });
    $("demo-notice").hidden = !data.demo;
    setVotes(true);
    $("followup-form").hidden = bankOnly;
    say("");
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

  async function errorMessage(response) {
    try {
      const body = await response.json();
      return body.error.message;
    } catch (e) {
      return S["arena.failed"];
    }
  }

  async function runTurn(url, body, prompt) {
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
      const response = await fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "text/event-stream", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        const message = await errorMessage(response);
        if (!battleId) { say(""); $("start-error").textContent = message; } else say(message);
        // A refused follow-up (turn limit, rate limit, too long) changed nothing: still votable.
        setVotes(wasVotable);
        $("followup-form").hidden = !wasVotable || bankOnly;
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
      voided(S["arena.failed"]);
    } finally {
      busy = false;
    }
  }

  function startBattle(body, prompt) {
    $("start-error").textContent = "";
    runTurn("/api/battles", body, prompt);
  }

  async function vote(winner) {
    if (!battleId || busy) return;
    busy = true;
    setVotes(false);
    try {
      const response = await fetch("/api/battles/" + encodeURIComponent(battleId) + "/vote", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify({ winner: winner }),
      });
      if (!response.ok) { say(await errorMessage(response)); return; }
      showReveal(await response.json());
    } catch (e) {
      say(S["arena.failed"]);
      setVotes(true);
    } finally {
      busy = false;
    }
  }

  function showReveal(data) {
    const list = $("reveal-list");
    list.textContent = "";
    ["a", "b"].forEach((side) => {
      const m = data.models[side];
      list.append(el("li", "", S["arena.reveal_side"].replace("{side}", side.toUpperCase())
        .replace("{name}", m.name).replace("{team}", m.team)));
    });
    $("reveal-note").textContent = data.counted ? S["arena.counted"] : S["arena.not_counted"];
    $("followup-form").hidden = true;
    $("reveal").hidden = false;
    $("reveal-heading").focus();
    say("");
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
    b.addEventListener("click", () => startBattle({ prompt_id: b.dataset.promptId }, b.textContent.trim()));
  });
  const random = $("random-prompt");
  if (random) {
    random.addEventListener("click", () => {
      const shown = Array.from(document.querySelectorAll("#prompt-list li:not([hidden]) button"));
      if (shown.length === 0) return;
      const pick = shown[Math.floor(Math.random() * shown.length)];
      startBattle({ prompt_id: pick.dataset.promptId }, pick.textContent.trim());
    });
  }
  const free = $("free-form");
  if (free) {
    free.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = $("free-prompt").value.trim();
      if (text) startBattle({ prompt: text, category: category.value }, text);
    });
  }
  $("followup-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("followup-prompt").value.trim();
    if (!text || !battleId) return;
    $("followup-prompt").value = "";
    runTurn("/api/battles/" + encodeURIComponent(battleId) + "/turns", { prompt: text }, text);
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
