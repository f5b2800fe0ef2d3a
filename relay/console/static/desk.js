// The live desk: one EventSource; each message is the whole picture, drawn anew.
// Waited times count on by themselves from the server's clock (no message needed).
"use strict";
(function () {
  const live = document.getElementById("live");
  const ko = live.dataset.lang === "ko";
  let picture = null;
  let offset = 0; // server clock minus this browser's clock, seconds

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  function now() { return Date.now() / 1000 + offset; }
  function dur(s) {
    s = Math.max(0, Math.round(s));
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m " + String(s % 60).padStart(2, "0") + "s";
    return Math.floor(s / 3600) + "h " + String(Math.floor(s % 3600 / 60)).padStart(2, "0") + "m";
  }
  function fill(table, rows) {
    const body = table.tBodies[0];
    body.replaceChildren(...(rows.length ? rows :
      [el("tr", {}, el("td", {colspan: table.tHead.rows[0].cells.length, class: "empty"}, table.dataset.empty))]));
  }
  function presence(table, x) {
    // available (free or in a session), busy (at their limit), away or offline
    const busy = x.presence === "busy" || (x.presence === "available" && x.sessions > 0);
    const label = busy ? table.dataset.busy : x.presence === "available" ? table.dataset.available : table.dataset.away;
    const cls = busy ? "s-in_session" : x.presence === "available" ? "s-ended" : "s-waiting";
    return el("span", {class: "state " + cls}, label);
  }
  function draw() {
    if (!picture) return;
    const t = now();
    const q = document.getElementById("queues");
    const d = q.dataset;
    q.replaceChildren(...picture.queues.map((x) => {
      const name = ko && x.name_ko ? x.name_ko : x.name;
      const longest = x.longest_since ? dur(t - x.longest_since) : "–";
      const est = x.wait_min < 0 ? d.none : x.wait_min + " " + d.min;
      return el("div", {class: "tile" + (x.open ? "" : " closed") + (x.waiting && x.serving === 0 ? " alert" : ""), "data-queue": x.id},
        el("h3", {}, name, el("span", {class: "state " + (x.open ? "s-ended" : "s-abandoned")}, x.open ? d.open : d.closed)),
        el("div", {class: "big", "data-field": "waiting"}, x.waiting), el("div", {class: "muted small"}, d.waiting),
        el("div", {class: "small"}, d.longest + ": " + longest),
        el("div", {class: "small"}, d.serving + ": " + x.serving),
        el("div", {class: "small"}, d.estimate + ": " + est));
    }));
    const w = document.getElementById("waiting");
    fill(w, picture.waiting.map((x) => el("tr", {},
      el("td", {}, x.name, x.earlier ? el("span", {class: "tag warn"}, " " + w.dataset.repeat + " " + x.earlier) : "",
        x.away ? el("div", {class: "muted small"}, w.dataset.away) : ""),
      el("td", {}, x.queue), el("td", {class: "topic"}, x.topic), el("td", {}, dur(t - x.since)))));
    const a = document.getElementById("agents");
    fill(a, picture.agents.map((x) => el("tr", {},
      el("td", {}, x.display, el("div", {class: "muted small mono"}, x.name)), el("td", {}, x.team || "–"),
      el("td", {}, presence(a, x)),
      el("td", {}, x.sessions + " / " + x.max_sessions))));
    const r = document.getElementById("rooms");
    fill(r, picture.rooms.map((x) => el("tr", {},
      el("td", {}, x.agent), el("td", {}, x.agents.join(", ")), el("td", {}, x.customer || "–"),
      el("td", {}, x.queue || "–"), el("td", {}, x.started ? dur(t - x.started) : "–"))));
  }
  function connect() {
    const source = new EventSource("/desk/events");
    source.onopen = () => { live.textContent = live.dataset.live; live.className = "live on"; };
    source.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      offset = msg.now - Date.now() / 1000;
      picture = msg.desk;
      draw();
    };
    source.onerror = () => { live.textContent = live.dataset.lost; live.className = "live off"; };
  }
  connect();
  setInterval(draw, 1000);
})();
