// Silta simulator web chat: chat with the bot as a demo person. Plain JS, no build step.
"use strict";

const API = "/sim/api";
// Seconds one long poll may wait; `/?wait=1` shortens it (the tests do, so the server stops fast).
const POLL_WAIT = Number(new URLSearchParams(location.search).get("wait")) || 25;
const $ = (id) => document.getElementById(id);
const MEDIA_LABELS = {
  sticker: "👍 Sticker", photo: "🖼 Photo", voice: "🎤 Voice", document: "📄 Document", location: "📍 Location",
};
const NEW_NAMES = ["Sara", "Omar", "Hana", "Yusuf", "Leyla", "Daniel", "Olga", "Ahmed", "Fatima", "Ivan"];

const state = {
  people: [],        // {id, first_name, language_code, role}
  languages: [],
  person: null,      // the current person
  blocked: false,
  generation: 0,     // bumped on every persona switch; stale poll loops stop
  abort: null,
  rows: new Map(),   // message_id -> row element
};

// ---- small helpers ----------------------------------------------------------------------
const store = {
  read() { try { return JSON.parse(localStorage.getItem("silta.webchat") || "{}"); } catch { return {}; } },
  write(value) { try { localStorage.setItem("silta.webchat", JSON.stringify(value)); } catch { /* private mode */ } },
  update(fn) { const value = this.read(); fn(value); this.write(value); },
};

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(API + path, options);
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  return response.json();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function setStatus(text, ok) {
  $("status").textContent = text;
  $("status").classList.toggle("bad", !ok);
}

let toastTimer = null;
function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.dir = "auto";
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 3500);
}

function alertBox(text) {
  $("alert-text").textContent = text;
  const dialog = $("alert");
  if (dialog.open) dialog.close();
  dialog.showModal();
}

// ---- people -------------------------------------------------------------------------------
function personLabel(person) {
  return `${person.first_name} (${person.role || "new"})`;
}

function renderPeople() {
  const select = $("persona");
  select.replaceChildren(...state.people.map((person) =>
    el("option", { value: String(person.id) }, personLabel(person))));
  if (state.person) select.value = String(state.person.id);
}

async function choosePerson(id) {
  const person = state.people.find((p) => p.id === id) || state.people[0];
  if (!person) return;
  state.person = person;
  store.update((s) => { s.selected = person.id; });
  $("persona").value = String(person.id);
  $("app-language").value = person.language_code || "";
  // Make sure the simulator knows this person (it forgets everyone when it restarts).
  try {
    const user = await api("/users", {
      id: person.id, first_name: person.first_name, language_code: person.language_code || null,
    });
    setBlocked(Boolean(user.blocked_bot));
    setStatus("online", true);
  } catch (error) {
    setStatus("simulator unreachable", false);
  }
  startPolling();
  refreshCommands();
}

function newPerson() {
  const id = 2000000 + Math.floor(Math.random() * 1000000);
  const name = NEW_NAMES[Math.floor(Math.random() * NEW_NAMES.length)];
  const person = { id, first_name: name, language_code: $("app-language").value || null, role: `new ${id}` };
  state.people.push(person);
  store.update((s) => { (s.people = s.people || []).push(person); });
  renderPeople();
  choosePerson(id);
}

async function setAppLanguage(code) {
  const person = state.person;
  if (!person) return;
  person.language_code = code || null;
  store.update((s) => { (s.languages = s.languages || {})[person.id] = person.language_code; });
  await api("/users", { id: person.id, first_name: person.first_name, language_code: person.language_code });
  toast(`Telegram app language: ${code || "not set"}. The bot sees it with your next message.`);
  refreshCommands();
}

function setBlocked(blocked) {
  state.blocked = blocked;
  $("block").textContent = blocked ? "Unblock bot" : "Block bot";
  $("block").setAttribute("aria-pressed", String(blocked));
  $("blocked-banner").hidden = !blocked;
}

// ---- the chat -----------------------------------------------------------------------------
function startPolling() {
  state.generation += 1;
  if (state.abort) state.abort.abort();
  state.abort = new AbortController();
  state.rows.clear();
  $("messages").replaceChildren();
  $("messages").dataset.chat = String(state.person.id);
  poll(state.generation, state.person.id, state.abort.signal);
}

async function poll(generation, userId, signal) {
  let after = 0;
  let failures = 0;
  while (generation === state.generation) {
    try {
      const response = await fetch(`${API}/chats/${userId}/events?after=${after}&wait=${POLL_WAIT}`, { signal });
      if (response.status === 404) {  // the simulator restarted: introduce the person again
        await sleep(1000);
        if (generation === state.generation) await choosePerson(userId);
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      const { events } = await response.json();
      if (generation !== state.generation) return;
      const replay = after === 0;
      const list = $("messages");
      const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
      for (const event of events) {
        after = Math.max(after, event.seq);
        handleEvent(event, replay);
      }
      if (events.length && (atBottom || replay)) list.scrollTop = list.scrollHeight;
      failures = 0;
      setStatus("online", true);
    } catch (error) {
      if (generation !== state.generation) return;
      failures += 1;
      setStatus("offline, retrying…", false);
      await sleep(Math.min(500 * 2 ** failures, 10000));
    }
  }
}

function handleEvent(event, replay) {
  if (event.kind === "message") {
    const row = renderMessage(event);
    const old = state.rows.get(event.message_id);
    if (old) old.replaceWith(row); else $("messages").append(row);
    state.rows.set(event.message_id, row);
    if (!event.outgoing) refreshCommandsSoon();
  } else if (event.kind === "deleted") {
    const old = state.rows.get(event.message_id);
    if (old) old.remove();
    state.rows.delete(event.message_id);
  } else if (event.kind === "toast" && !replay) {
    if (event.show_alert) alertBox(event.text); else toast(event.text);
  }
}

const URL_RE = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]])/g;

function linkified(text) {
  const parts = String(text).split(URL_RE);
  return parts.map((part, i) => (i % 2
    ? el("a", { href: part, target: "_blank", rel: "noopener noreferrer" }, part)
    : document.createTextNode(part)));
}

function mediaLine(message) {
  if (message.sticker) return el("div", { class: "sticker" }, message.sticker.emoji || "🖼");
  if (message.photo) return el("div", { class: "media" }, "🖼 Photo");
  if (message.voice) return el("div", { class: "media" }, `🎤 Voice message, ${message.voice.duration} s`);
  if (message.document) return el("div", { class: "media" }, `📄 ${message.document.file_name || "File"}`);
  if (message.location) {
    const { latitude, longitude } = message.location;
    return el("div", { class: "media" }, `📍 Location ${latitude.toFixed(4)}, ${longitude.toFixed(4)}`);
  }
  return null;
}

function renderMessage(message) {
  const mine = Boolean(message.outgoing);
  const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const body = message.text ?? message.caption;
  const bubble = el("div", {
    class: `bubble ${mine ? "me" : "bot"}`, dir: "auto", "data-message-id": String(message.message_id),
  },
  mediaLine(message),
  body ? el("div", { class: "text" }, ...linkified(body)) : null,
  el("div", { class: "meta", dir: "ltr" }, message.edit_date ? `edited ${time}` : time));
  const row = el("div", { class: `row ${mine ? "me" : "bot"}` }, bubble);
  const keyboard = message.reply_markup?.inline_keyboard;
  if (keyboard?.length) row.append(renderKeyboard(message.message_id, keyboard));
  return row;
}

function renderKeyboard(messageId, keyboard) {
  return el("div", { class: "keyboard" }, ...keyboard.map((buttons) =>
    el("div", { class: "kb-row" }, ...buttons.map((button) => {
      const node = el("button", { type: "button", class: "kb-button", dir: "auto" }, button.text);
      if (button.callback_data !== undefined) {
        node.dataset.callbackData = button.callback_data;
        node.addEventListener("click", () => press(messageId, button.callback_data, node));
      } else if (button.url) {
        node.dataset.url = button.url;
        node.textContent = `${button.text} ↗`;
        node.addEventListener("click", () => window.open(button.url, "_blank", "noopener,noreferrer"));
      } else if (button.copy_text) {
        node.addEventListener("click", () => navigator.clipboard?.writeText(button.copy_text.text)
          .then(() => toast("Copied")));
      } else {
        node.disabled = true;
        node.title = "This kind of button is not supported by the simulator";
      }
      return node;
    }))));
}

async function press(messageId, data, node) {
  node.classList.add("pending");
  setTimeout(() => node.classList.remove("pending"), 800);
  try {
    await api(`/chats/${state.person.id}/click`, { message_id: messageId, data });
  } catch (error) {
    toast(`The button did not work: ${error.message}`);
  }
}

async function send(body) {
  try {
    await api(`/chats/${state.person.id}/send`, body);
    return true;
  } catch (error) {
    toast(`Not sent: ${error.message}`);
    return false;
  }
}

// ---- commands and media menus -----------------------------------------------------------
let commandsTimer = null;
function refreshCommandsSoon() {
  clearTimeout(commandsTimer);
  commandsTimer = setTimeout(refreshCommands, 300);
}

async function refreshCommands() {
  if (!state.person) return;
  let commands = [];
  try { ({ commands } = await api(`/chats/${state.person.id}/commands`)); } catch { return; }
  const menu = $("commands-menu");
  menu.replaceChildren(...commands.map((c) => el("button", {
    type: "button", class: "command", dir: "auto", "data-command": c.command,
    onclick: () => { closeMenus(); send({ text: `/${c.command}` }); },
  }, el("b", {}, `/${c.command}`), " ", c.description)));
  if (!commands.length) menu.append(el("p", { class: "empty" }, "The bot has set no commands yet."));
}

function toggleMenu(button, menu) {
  const open = menu.hidden;
  closeMenus();
  menu.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
  if (open) menu.querySelector("button")?.focus();
}

function closeMenus() {
  for (const [button, menu] of [["commands-button", "commands-menu"], ["media-button", "media-menu"]]) {
    $(menu).hidden = true;
    $(button).setAttribute("aria-expanded", "false");
  }
}

// ---- start ------------------------------------------------------------------------------
async function init() {
  let sim;
  while (!sim) {
    try { sim = await api("/state"); } catch { setStatus("simulator unreachable, retrying…", false); await sleep(2000); }
  }
  $("bot-name").textContent = sim.bot.first_name;
  $("bot-username").textContent = sim.bot.username ? `@${sim.bot.username}` : "";
  document.title = `${sim.bot.first_name} · web chat`;

  state.languages = sim.languages;
  $("app-language").replaceChildren(
    el("option", { value: "" }, "not set"),
    ...sim.languages.map((l) => el("option", { value: l.code }, `${l.name} (${l.code})`)));

  const saved = store.read();
  const languages = saved.languages || {};
  state.people = [...sim.personas, ...(saved.people || [])]
    .filter((p, i, all) => all.findIndex((q) => q.id === p.id) === i)
    .map((p) => ({ ...p, language_code: p.id in languages ? languages[p.id] : p.language_code }));

  $("media-menu").replaceChildren(...sim.media.map((kind) => el("button", {
    type: "button", class: "media-button", "data-media": kind,
    onclick: () => { closeMenus(); send({ media: kind }); },
  }, MEDIA_LABELS[kind] || kind)));

  $("later").hidden = !sim.clock;
  $("later").addEventListener("click", async () => {
    try {
      const moved = await api("/clock", { days: 7 });
      toast(`The bot's clock is now ${new Date(moved.now).toLocaleString()}`);
    } catch (error) { alertBox(String(error)); }
  });
  $("persona").addEventListener("change", (e) => choosePerson(Number(e.target.value)));
  $("new-person").addEventListener("click", newPerson);
  $("app-language").addEventListener("change", (e) => setAppLanguage(e.target.value));
  $("block").addEventListener("click", async () => {
    const blocked = !state.blocked;
    try {
      await api(`/chats/${state.person.id}/block`, { blocked });
      setBlocked(blocked);
    } catch (error) { toast(`Could not change: ${error.message}`); }
  });
  $("commands-button").addEventListener("click", () => toggleMenu($("commands-button"), $("commands-menu")));
  $("media-button").addEventListener("click", () => toggleMenu($("media-button"), $("media-menu")));
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeMenus(); });
  document.addEventListener("click", (e) => { if (!e.target.closest(".menu-wrap")) closeMenus(); });

  const text = $("text");
  $("composer").addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = text.value;
    if (!value.trim() || !state.person) return;
    if (await send({ text: value })) { text.value = ""; grow(); }
    text.focus();
  });
  const grow = () => { text.style.height = "auto"; text.style.height = `${text.scrollHeight + 2}px`; };
  text.addEventListener("input", grow);
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("composer").requestSubmit();
    }
  });

  if (!state.people.length) newPerson();
  else {
    renderPeople();
    await choosePerson(state.people.some((p) => p.id === saved.selected) ? saved.selected : state.people[0].id);
  }
}

init();
