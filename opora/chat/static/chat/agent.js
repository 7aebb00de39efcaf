/* The agent's live-chat workspace: htmx refreshes the queue, this socket carries the chats. */
(function () {
  "use strict";
  var workspace = document.getElementById("chat-workspace");
  if (!workspace) return;
  var connection = document.getElementById("chat-connection");
  var panes = document.getElementById("chat-panes");
  var template = document.getElementById("chat-pane-template");
  var texts = workspace.dataset;
  var socket = null, retry = 0, outbox = [];
  var chats = {}; // chat id -> {pane, lastSeq}

  function send(message) {
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(message));
    else outbox.push(message);
  }

  function refreshQueue() { htmx.trigger(document.body, "chat-queue"); }

  function openPane(id, title, ticketUrl) {
    if (chats[id]) return chats[id];
    var pane = template.content.firstElementChild.cloneNode(true);
    pane.dataset.chat = id;
    pane.querySelector(".chat-title").textContent = title;
    pane.querySelector(".chat-ticket").href = ticketUrl;
    var input = pane.querySelector(".chat-input");
    var lastTyping = 0;
    function sendLine() {
      var text = input.value.trim();
      if (!text) return;
      send({ type: "message", chat: id, body: text });
      input.value = "";
    }
    pane.querySelector(".chat-send").addEventListener("click", sendLine);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); sendLine(); }
    });
    input.addEventListener("input", function () {
      if (Date.now() - lastTyping > 2000) { lastTyping = Date.now(); send({ type: "typing", chat: id }); }
    });
    pane.querySelector(".chat-end").addEventListener("click", function () { send({ type: "end", chat: id }); });
    pane.querySelector(".chat-transfer").addEventListener("click", function () {
      var target = pane.querySelector(".chat-transfer-target").value.split(":");
      if (target.length !== 2) return;
      var message = { type: "transfer", chat: id };
      message[target[0] === "agent" ? "to_agent" : "to_team"] = Number(target[1]);
      send(message);
    });
    panes.appendChild(pane);
    chats[id] = { pane: pane, lastSeq: 0 };
    send({ type: "resume", chat: id, last_seq: 0 });
    return chats[id];
  }

  function systemText(line) {
    if (line.body === "joined") return texts.joined.replace("%(name)s", line.author);
    if (line.body === "transferring") return texts.transferring;
    if (line.body === "ended") return texts.ended;
    return line.body;
  }

  function addLine(line) {
    var chat = chats[line.chat];
    if (!chat || line.seq <= chat.lastSeq) return;
    chat.lastSeq = line.seq;
    var node = document.createElement("div");
    node.className = "chat-line " + line.kind;
    node.dataset.seq = line.seq;
    if (line.kind === "system") node.textContent = systemText(line);
    else {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = line.author + ":";
      node.append(who, document.createTextNode(line.body));
    }
    var log = chat.pane.querySelector(".chat-log");
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    if (line.kind === "system" && line.body === "ended") {
      chat.pane.querySelector(".chat-input").disabled = true;
      chat.pane.classList.add("ended");
    }
  }

  function onMessage(event) {
    var message = JSON.parse(event.data);
    var chat = chats[message.chat];
    if (message.type === "line") addLine(message);
    else if (message.type === "typing" && chat) {
      var typing = chat.pane.querySelector(".chat-typing");
      typing.textContent = texts.typing;
      clearTimeout(chat.typingTimer);
      chat.typingTimer = setTimeout(function () { typing.textContent = ""; }, 3000);
    } else if (message.type === "error") {
      var box = chat ? chat.pane.querySelector(".chat-error") : connection;
      box.textContent = message.message;
    } else if (message.type === "released" && chat) {
      chat.pane.remove();
      delete chats[message.chat];
      refreshQueue();
    } else refreshQueue(); // queue, assigned, status_changed
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + workspace.dataset.socket);
    socket.onopen = function () {
      retry = 0;
      connection.textContent = connection.dataset.online;
      // After a reconnect, ask for whatever each open chat missed.
      Object.keys(chats).forEach(function (id) { socket.send(JSON.stringify({ type: "resume", chat: Number(id), last_seq: chats[id].lastSeq })); });
      while (outbox.length) socket.send(JSON.stringify(outbox.shift()));
      refreshQueue();
    };
    socket.onmessage = onMessage;
    socket.onclose = function () {
      connection.textContent = connection.dataset.offline;
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }

  document.body.addEventListener("click", function (event) {
    var button = event.target.closest(".chat-accept, .chat-accept-transfer");
    if (!button) return;
    send({ type: button.classList.contains("chat-accept") ? "accept" : "accept_transfer", chat: Number(button.dataset.chat) });
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("[data-my-chat]").forEach(function (node) {
      openPane(Number(node.dataset.myChat), node.dataset.title, node.dataset.ticketUrl);
    });
  });
  connect();
})();
