/* Opora live chat widget: embed with one tag,
   <script src="https://desk.example.com/chat/widget.js" data-lang="en" async></script>
   Plain JavaScript, no build step. Protocol: docs/chat.md. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__oporaChat) return;
  window.__oporaChat = true;
  var src = new URL(script.src, location.href);
  var origin = src.origin;
  var base = origin + src.pathname.replace(/widget\.js$/, "");
  var socketUrl = origin.replace(/^http/, "ws") + "/ws/chat/visitor/";
  var lang = (script.dataset.lang || document.documentElement.lang || "ru").slice(0, 2);
  var storeKey = "opora-chat:" + origin;
  var S = {};
  var state = load();
  var socket = null, retry = 0, ended = false, outbox = [], agentName = "", typingTimer = null, lastTyping = 0;

  function load() { try { return JSON.parse(localStorage.getItem(storeKey)); } catch (e) { return null; } }
  function save() { if (state) localStorage.setItem(storeKey, JSON.stringify(state)); else localStorage.removeItem(storeKey); }
  function fmt(text, values) { return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key] == null ? "" : values[key]; }); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text != null) node.textContent = text;
    return node;
  }

  var host = el("div", { id: "opora-chat" });
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("style", {}, [
    ":host{all:initial;font:14px/1.4 system-ui,sans-serif;color:#1d2733}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;padding:12px 18px;background:#1f5fa8;color:#fff;font:inherit;cursor:pointer}",
    ".panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:340px;max-height:70vh;display:flex;flex-direction:column;background:#fff;border:1px solid #c9d3de;border-radius:10px;box-shadow:0 6px 24px rgba(0,0,0,.18);overflow:hidden}",
    ".panel[hidden]{display:none}",
    "header{display:flex;justify-content:space-between;align-items:center;padding:10px 12px;background:#1f5fa8;color:#fff}",
    "header button{background:none;border:0;color:#fff;font:inherit;cursor:pointer}",
    ".banner{background:#fff4d6;border-bottom:1px solid #e8c66a;padding:8px 12px}",
    ".status{padding:6px 12px;background:#eef3f8;font-size:13px}",
    ".log{flex:1;overflow-y:auto;padding:8px 12px;min-height:160px}",
    ".line{margin:4px 0;padding:6px 9px;border-radius:8px;max-width:85%;white-space:pre-wrap;word-wrap:break-word}",
    ".customer{background:#dbe9f8;margin-left:auto}.agent{background:#f0f0f0}.system{color:#5b6775;font-size:12px;text-align:center;max-width:none}",
    ".typing{padding:0 12px;height:18px;font-size:12px;color:#5b6775}",
    "form,.compose{display:flex;flex-direction:column;gap:6px;padding:10px 12px}",
    "input,textarea{font:inherit;padding:6px;border:1px solid #c9d3de;border-radius:6px}",
    "button.primary{background:#1f5fa8;color:#fff;border:0;border-radius:6px;padding:7px;font:inherit;cursor:pointer}",
    "button.secondary{background:#fff;color:#1f5fa8;border:1px solid #1f5fa8;border-radius:6px;padding:5px;font:inherit;cursor:pointer}",
    ".scores{display:flex;gap:4px}.scores button{flex:1}",
    ".error{color:#a31d1d;font-size:13px}"
  ].join("\n")));

  var launcher = el("button", { class: "launcher", type: "button", part: "launcher" });
  var panel = el("div", { class: "panel", hidden: "", role: "dialog" });
  var title = el("strong");
  var closeButton = el("button", { type: "button", class: "close" }, "×");
  var header = el("header");
  header.append(title, closeButton);
  var banners = el("div", { class: "banners" });
  var body = el("div", { class: "body" });
  panel.append(header, banners, body);
  root.append(launcher, panel);
  launcher.addEventListener("click", function () { panel.hidden = !panel.hidden; });
  closeButton.addEventListener("click", function () { panel.hidden = true; });

  function post(path, payload) {
    payload.lang = lang;
    return fetch(base + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) })
      .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); });
  }

  function field(form, name, label, kind, required) {
    var input = el(kind === "textarea" ? "textarea" : "input", { name: name, placeholder: label, "aria-label": label });
    if (kind && kind !== "textarea") input.type = kind;
    if (required) input.required = true;
    form.appendChild(input);
    return input;
  }

  function showError(form, data) {
    var box = form.querySelector(".error") || form.appendChild(el("div", { class: "error" }));
    box.textContent = (data && data.error && data.error.message) || "Error";
  }

  function startForm() {
    body.textContent = "";
    var form = el("form", { class: "start" });
    field(form, "name", S.name, "text", true);
    field(form, "email", S.email, "email", false);
    field(form, "body", S.message, "textarea", true);
    form.appendChild(el("button", { class: "primary", type: "submit" }, S.start));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      post("widget/start/", { name: form.name.value, email: form.email.value, body: form.body.value }).then(function (result) {
        if (!result.ok) return showError(form, result.data);
        state = { chat: result.data.chat, token: result.data.token, lastSeq: 0 };
        save();
        chatView();
        connect();
      });
    });
    body.appendChild(form);
  }

  function offlineForm() {
    body.textContent = "";
    var form = el("form", { class: "offline" });
    form.appendChild(el("strong", {}, S.offline_title));
    form.appendChild(el("div", {}, S.offline_text));
    field(form, "name", S.name, "text", true);
    field(form, "email", S.email_required, "email", true);
    field(form, "subject", S.subject, "text", false);
    field(form, "body", S.message, "textarea", true);
    form.appendChild(el("button", { class: "primary", type: "submit" }, S.offline_send));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      post("widget/message/", { name: form.name.value, email: form.email.value, subject: form.subject.value, body: form.body.value }).then(function (result) {
        if (!result.ok) return showError(form, result.data);
        body.textContent = "";
        body.appendChild(el("div", { class: "status sent" }, fmt(S.offline_sent, { number: result.data.ticket })));
      });
    });
    body.appendChild(form);
  }

  var status, log, typing, compose, input;
  function chatView() {
    body.textContent = "";
    ended = false;
    status = el("div", { class: "status", "aria-live": "polite" });
    log = el("div", { class: "log", "aria-live": "polite" });
    typing = el("div", { class: "typing" });
    compose = el("div", { class: "compose" });
    input = el("textarea", { rows: "2", placeholder: S.message, "aria-label": S.message, class: "input" });
    var send = el("button", { class: "primary send", type: "button" }, S.send);
    var end = el("button", { class: "secondary end", type: "button" }, S.end);
    compose.append(input, send, end);
    body.append(status, log, typing, compose);
    send.addEventListener("click", sendMessage);
    end.addEventListener("click", function () { transmit({ type: "end" }); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); sendMessage(); }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > 2000 && socket && socket.readyState === 1) { lastTyping = now; socket.send(JSON.stringify({ type: "typing" })); }
    });
  }

  function transmit(message) {
    // Sent when the socket is open; otherwise kept until the reconnect (nothing typed is lost).
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(message));
    else outbox.push(message);
  }

  function sendMessage() {
    var text = input.value.trim();
    if (!text) return;
    transmit({ type: "message", body: text });
    input.value = "";
  }

  function systemText(line) {
    if (line.body === "joined") return fmt(S.joined, { name: line.author });
    if (line.body === "transferring") return S.transferring;
    if (line.body === "ended") return S.ended;
    return line.body;
  }

  function addLine(line) {
    if (line.seq <= state.lastSeq) return; // already shown (a resend after reconnect)
    state.lastSeq = line.seq;
    save();
    var text = line.kind === "system" ? systemText(line) : line.body;
    var node = el("div", { class: "line " + line.kind, "data-seq": line.seq }, text);
    if (line.kind === "agent") node.title = line.author;
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
  }

  function showStatus(message) {
    if (message.status === "queued") {
      var text = fmt(S.queued, { position: message.position });
      if (message.wait != null) text += " " + fmt(S.wait, { minutes: Math.max(1, Math.round(message.wait / 60)) });
      status.textContent = text;
    } else if (message.status === "active") {
      agentName = message.agent || S.agent;
      status.textContent = agentName;
    } else if (message.status === "ended") {
      ended = true;
      status.textContent = S.ended;
      compose.textContent = "";
      if (message.csat) csatQuestion(message.csat);
      var again = el("button", { class: "secondary new-chat", type: "button" }, S.new_chat);
      again.addEventListener("click", function () { state = null; save(); if (socket) socket.close(); begin(); });
      compose.appendChild(again);
    }
  }

  function csatQuestion(question) {
    var box = el("div", { class: "csat" });
    box.appendChild(el("div", {}, question.text));
    var scores = el("div", { class: "scores" });
    for (var score = question.min; score <= question.max; score++) {
      (function (value) {
        var button = el("button", { class: "secondary", type: "button", "data-score": value }, String(value));
        button.addEventListener("click", function () { transmit({ type: "csat", score: value }); });
        scores.appendChild(button);
      })(score);
    }
    box.appendChild(scores);
    compose.prepend(box);
  }

  function onMessage(event) {
    var message = JSON.parse(event.data);
    if (message.type === "line") addLine(message);
    else if (message.type === "status") showStatus(message);
    else if (message.type === "typing") {
      typing.textContent = fmt(S.typing, { name: agentName || S.agent });
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typing.textContent = ""; }, 3000);
    } else if (message.type === "csat_thanks") {
      var box = root.querySelector(".csat");
      if (box) box.textContent = S.csat_thanks;
    } else if (message.type === "error") status.textContent = message.message;
  }

  function connect() {
    var url = socketUrl + "?token=" + encodeURIComponent(state.token) + "&last_seq=" + state.lastSeq + "&lang=" + lang;
    socket = new WebSocket(url);
    socket.onopen = function () {
      retry = 0;
      while (outbox.length) socket.send(JSON.stringify(outbox.shift()));
    };
    socket.onmessage = onMessage;
    socket.onclose = function (event) {
      if (event.code === 4403) { state = null; save(); begin(); return; }
      if (ended || !state) return;
      status.textContent = S.reconnecting;
      retry = Math.min(retry + 1, 6);
      setTimeout(function () { if (state) connect(); }, 500 * Math.pow(2, retry - 1));
    };
  }

  var online = true;
  function begin() {
    if (state) { chatView(); connect(); }
    else if (online) startForm();
    else offlineForm();
  }

  fetch(base + "widget/config/?lang=" + lang).then(function (response) { return response.json(); }).then(function (config) {
    S = config.strings;
    online = config.open;
    launcher.textContent = S.open;
    title.textContent = script.dataset.title || S.open;
    config.banners.forEach(function (banner) {
      var node = el("div", { class: "banner" });
      node.append(el("strong", {}, banner.title), el("div", {}, banner.body));
      banners.appendChild(node);
    });
    begin();
  });
})();
