// The console's only script: keyboard shortcuts, the queue's refresh in place, and the
// reply box's live guard verdict. Loaded from this origin; the CSP forbids inline script.
"use strict";

(function () {
  const csrf = document.body.dataset.csrf || "";

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  // -- the queue: selection that survives a refresh -------------------------------------
  const table = document.querySelector("table[data-refresh]");
  const body = document.getElementById("queue-rows");
  let selected = null;

  function rows() {
    return body ? Array.from(body.querySelectorAll("tr[data-id]")) : [];
  }

  function select(id) {
    selected = id;
    for (const row of rows()) {
      const on = row.dataset.id === id;
      row.classList.toggle("selected", on);
      row.setAttribute("aria-selected", on ? "true" : "false");
      if (on) row.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    const list = rows();
    if (!list.length) return;
    const at = list.findIndex((row) => row.dataset.id === selected);
    const next = at < 0 ? 0 : Math.min(list.length - 1, Math.max(0, at + step));
    select(list[next].dataset.id);
  }

  if (body) {
    body.addEventListener("click", (event) => {
      const row = event.target instanceof Element ? event.target.closest("tr[data-id]") : null;
      if (row) select(row.dataset.id);
    });
  }

  async function refresh() {
    if (!table || !body || document.visibilityState !== "visible") return;
    try {
      const response = await fetch(table.dataset.refresh, { credentials: "same-origin" });
      if (!response.ok) return;
      body.innerHTML = await response.text();
      if (selected) select(selected);
    } catch (_error) {
      // the network is back on the next tick; the page keeps what it shows
    }
  }
  // The server says when the queue changed (server-sent events); while that stream is down
  // (not supported, refused, a proxy in the way) the page asks every few seconds instead.
  let polling = 0;
  function poll(on) {
    if (on && !polling) polling = window.setInterval(refresh, 1000 * (Number(table.dataset.every) || 10));
    if (!on && polling) { window.clearInterval(polling); polling = 0; }
  }
  if (table) {
    if (table.dataset.events && "EventSource" in window) {
      const events = new EventSource(table.dataset.events);
      events.addEventListener("queue", refresh);
      // A stream that ends is opened again by the browser within seconds; only one that
      // stays down (refused, closed, no reconnect) is replaced by polling until it is back.
      let down = 0;
      events.addEventListener("open", () => {
        window.clearTimeout(down);
        down = 0;
        if (polling) { poll(false); refresh(); }  // catch up with what was missed
      });
      events.addEventListener("error", () => {
        if (events.readyState === EventSource.CLOSED) { poll(true); return; }
        if (!down) down = window.setTimeout(() => { down = 0; poll(true); }, 5000);
      });
      table.dataset.live = "events";
    } else {
      poll(true);
    }
    document.addEventListener("visibilitychange", refresh);
  }

  // -- a conversation's replies: the outbox's progress shows without a reload -------------
  const replies = document.querySelector("#replies[data-refresh]");
  async function refreshReplies() {
    if (!replies || document.visibilityState !== "visible") return;
    try {
      const response = await fetch(replies.dataset.refresh, { credentials: "same-origin" });
      if (response.ok) replies.innerHTML = await response.text();
    } catch (_error) {
      // shown again on the next tick
    }
  }
  if (replies) window.setInterval(refreshReplies, 1000 * (Number(replies.dataset.every) || 10));

  // -- the reply box: the guard's verdict before sending ----------------------------------
  const form = document.getElementById("reply-form");
  if (form) {
    const text = document.getElementById("reply-text");
    const template = document.getElementById("template");
    const length = document.getElementById("reply-length");
    const verdict = document.getElementById("verdict");
    let timer = 0;

    async function check(params) {
      params.set("csrf", csrf);
      const response = await fetch(form.dataset.draft, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" },
        body: params.toString(),
      });
      if (!response.ok) return null;
      const result = await response.json();
      length.textContent = String(result.length);
      verdict.textContent = result.label + (result.reasons.length ? ": " + result.reasons.join(", ") : "");
      verdict.className = "verdict verdict-" + result.verdict;
      return result;
    }

    template.addEventListener("change", async () => {
      if (!template.value) return;
      const result = await check(new URLSearchParams({ template: template.value }));
      if (result && result.text) text.value = result.text;
    });
    text.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => check(new URLSearchParams({ text: text.value })), 300);
    });
  }

  // -- escalation: service, then item (or a search over all items), and the due time -------
  const escalate = document.getElementById("escalate-form");
  if (escalate) {
    const service = document.getElementById("esc-service");
    const item = document.getElementById("item");
    const search = document.getElementById("esc-search");
    const due = document.getElementById("esc-due");
    const options = Array.from(item.options);

    function showDue() {
      const chosen = item.selectedOptions[0];
      if (!chosen) { due.textContent = ""; return; }
      due.textContent = due.dataset.template
        .replace("%(due)s", chosen.dataset.due)
        .replace("%(hours)s", chosen.dataset.hours)
        .replace("%(unit)s", chosen.dataset.unit);
    }

    function narrow() {
      const words = search.value.trim().toLowerCase();
      let first = null;
      for (const option of options) {
        const shown = words ? option.value !== "" && option.text.toLowerCase().includes(words)
          : option.dataset.service === service.value;
        option.hidden = !shown;
        if (shown && !first) first = option;
      }
      const current = item.selectedOptions[0];
      // Several options share the value "" (each service as a whole): select the option.
      if ((!current || current.hidden) && first) first.selected = true;
      if (first === null) item.selectedIndex = -1;
      if (item.selectedOptions[0]) service.value = item.selectedOptions[0].dataset.service;
      showDue();
    }

    service.addEventListener("change", () => {
      search.value = "";
      const whole = options.find((o) => o.value === "" && o.dataset.service === service.value);
      if (whole) whole.selected = true;
      narrow();
    });
    item.addEventListener("change", () => {
      const chosen = item.selectedOptions[0];
      if (chosen) service.value = chosen.dataset.service;
      showDue();
    });
    search.addEventListener("input", narrow);
    narrow();
  }

  // -- keyboard shortcuts -----------------------------------------------------------------
  const help = document.getElementById("shortcuts");
  for (const button of document.querySelectorAll("[data-shortcuts]")) {
    button.addEventListener("click", () => help.showModal());
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const key = event.key;
    if (key === "?") { help.showModal(); event.preventDefault(); return; }
    if (body && (key === "j" || key === "k")) { move(key === "j" ? 1 : -1); event.preventDefault(); return; }
    if (body && key === "Enter" && selected) { window.location.assign("/messages/" + selected); return; }
    const target = document.querySelector('[data-key="' + key + '"]');
    if (target instanceof HTMLElement) { target.click(); event.preventDefault(); return; }
    const field = document.querySelector('[data-key-focus="' + key + '"]');
    if (field instanceof HTMLElement) { field.focus(); event.preventDefault(); }
  });
})();
