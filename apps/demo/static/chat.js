// The chat page: receives messages by long polling or over a WebSocket, posts new ones.

(() => {
  const inbox = document.getElementById("inbox");
  const form = document.getElementById("message-form");
  const input = document.getElementById("message");
  const status = document.getElementById("status");
  const transport = inbox.dataset.transport;
  let cursor = inbox.dataset.cursor || "";
  let socket = null;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function show(messages) {
    for (const m of messages) {
      cursor = m.id;
      if (document.getElementById(`m${m.id}`)) continue;
      const div = document.createElement("div");
      div.className = "message";
      div.id = `m${m.id}`;
      const who = document.createElement("b");
      who.textContent = `${m.from}:`;
      const body = document.createElement("span");
      body.className = "body";
      body.textContent = m.body;
      const via = document.createElement("small");
      via.textContent = m.via;
      // The server renders its messages with the ChatMessage UI module; a new one is "now".
      const time = document.createElement("time");
      time.className = "message-time";
      time.dateTime = new Date(m.time).toISOString();
      time.textContent = new Date(m.time).toLocaleTimeString(document.documentElement.lang);
      div.append(who, " ", body, " ", via, " ", time);
      inbox.append(div);
    }
    inbox.scrollTop = inbox.scrollHeight;
  }

  function setStatus(text) {
    status.textContent = text;
  }

  // Long polling (Tornado's chatdemo): ask for what follows the cursor; the server answers
  // as soon as there is something, or with nothing after a while; ask again.
  async function poll() {
    let backoffMs = 500;
    for (;;) {
      try {
        const res = await fetch(`/chat/updates?cursor=${encodeURIComponent(cursor)}`, {
          cache: "no-store",
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const { messages } = await res.json();
        show(messages);
        setStatus("live");
        backoffMs = 500;
      } catch (err) {
        setStatus(`reconnecting (${err.message})`);
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 10000);
      }
    }
  }

  function connect(backoffMs = 500) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(
      `${scheme}//${location.host}/chat/socket?cursor=${encodeURIComponent(cursor)}`,
    );
    ws.onopen = () => {
      socket = ws;
      setStatus("live");
      backoffMs = 500;
    };
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "messages") show(data.messages);
      else if (data.type === "error") setStatus(data.error);
    };
    ws.onclose = () => {
      socket = null;
      setStatus("reconnecting");
      setTimeout(() => connect(Math.min(backoffMs * 2, 10000)), backoffMs);
    };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    if (transport === "websocket") {
      if (!socket) {
        setStatus("not connected yet");
        return;
      }
      socket.send(JSON.stringify({ body }));
      input.value = "";
      return;
    }
    const res = await fetch("/chat/new", {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
    });
    if (!res.ok) {
      setStatus(`could not post: HTTP ${res.status}`);
      return;
    }
    input.value = "";
    show([(await res.json()).message]);
  });

  if (transport === "websocket") connect();
  else poll();
})();
