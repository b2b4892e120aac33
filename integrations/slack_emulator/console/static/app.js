// The console: the emulated workspace as the chosen person sees it, kept live by the server's
// change feed. It reads through /console/api/ and acts through the emulator's control API, so
// what it does reaches the bot exactly as a person's command or click would.
// Nothing received is ever parsed as HTML: the DOM is built with textContent (blocks.js,
// mrkdwn.js), and what a person types is escaped as Slack's own client escapes it.

import { renderBlocks } from "./blocks.js";
import { renderText } from "./mrkdwn.js";
import { showIncidents } from "./incidents.js";

const $ = (id) => document.getElementById(id);
const state = { people: [], names: new Map(), bot: "", person: "", channel: "", thread: "", view: "channels", busy: false, again: false };

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function api(path, body) {
  const options = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const answer = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!response.ok && answer.ok !== false) answer.ok = false;
  return answer;
}

function notice(text) {
  $("notice").textContent = text || "";
}

function escapeTyped(text) {
  // What Slack's client does to what a person types before it becomes mrkdwn.
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function clock(ts) {
  return new Date(parseFloat(ts) * 1000).toISOString().slice(11, 19) + " UTC";
}

// --- people and channels ------------------------------------------------------------------

async function loadWorkspace() {
  const answer = await api("/console/api/workspace");
  state.bot = answer.bot_user_id;
  state.people = answer.users.filter((user) => !user.is_bot);
  for (const user of answer.users) state.names.set(user.id, user.name);
  $("team").textContent = answer.team;
  const select = $("person");
  for (const user of state.people) {
    const option = element("option", "", `${user.real_name} (@${user.name})${user.title ? " — " + user.title : ""}`);
    option.value = user.id;
    select.append(option);
  }
  state.person = state.people[0]?.id || "";
  select.value = state.person;
}

let channelNodes = new Map(); // sidebar items by what they show, kept while unchanged

function channelItem(channel) {
  const item = element("li", "channel");
  const button = element("button", "channel-button", `${channel.is_private ? "🔒" : "#"} ${channel.name}`);
  button.type = "button";
  button.dataset.channel = channel.id;
  button.dataset.name = channel.name;
  if (channel.id === state.channel) button.classList.add("current");
  if (!channel.is_member) button.classList.add("not-member");
  button.addEventListener("click", () => openChannel(channel.id));
  item.append(button);
  if (channel.unread > 0 && channel.id !== state.channel) {
    const badge = element("span", "unread", String(channel.unread));
    badge.dataset.unread = String(channel.unread);
    item.append(badge);
  }
  return item;
}

async function loadChannels() {
  const answer = await api(`/console/api/channels?as=${encodeURIComponent(state.person)}`);
  const fresh = new Map();
  const items = [];
  for (const channel of answer.channels || []) {
    state.names.set(channel.id, channel.name);
    const key = JSON.stringify([channel, state.channel, state.person]);
    const item = channelNodes.get(key) || channelItem(channel);
    fresh.set(key, item);
    items.push(item);
    if (channel.id === state.channel) {
      $("channel-name").textContent = `#${channel.name}`;
      // Slack keeps a topic with its characters escaped, as in mrkdwn, and shows it unescaped.
      $("channel-topic").replaceChildren(renderText({ type: "mrkdwn", text: channel.topic || "" }, state.names));
    }
  }
  $("channels").replaceChildren(...items);
  channelNodes = fresh;
  if (!state.channel && answer.channels?.length) {
    const first = answer.channels.find((c) => c.is_member) || answer.channels[0];
    await openChannel(first.id);
  }
}

// --- messages -----------------------------------------------------------------------------

function fileNode(file) {
  if (/^image\/(png|jpeg|gif|webp)$/.test(file.mimetype)) {
    const figure = element("figure", "file image-file");
    const img = element("img", "file-image");
    img.src = file.url;
    img.alt = file.title || file.name;
    figure.append(img, element("figcaption", "", file.title || file.name));
    return figure;
  }
  const link = element("a", "file download", `📄 ${file.title || file.name}`);
  link.href = file.url;
  link.setAttribute("download", file.name);
  return link;
}

// Nodes of messages already shown, by what they show: a refresh that changes nothing in a
// message keeps its node (no flicker, and a button being pressed stays the same element).
let shownNodes = new Map();

function cachedNode(message, replies, fresh, where = "channel") {
  const key = JSON.stringify([where, message, (replies || []).length, state.person]);
  const node = shownNodes.get(key) || messageNode(message, replies);
  fresh.set(key, node);
  return node;
}

function messageNode(message, replies) {
  const node = element("article", "message");
  node.dataset.ts = message.ts;
  node.dataset.user = message.user;
  if (message.ephemeral) node.classList.add("ephemeral");
  const head = element("header", "message-head");
  head.append(element("span", "author", state.names.get(message.user) || message.user));
  head.append(element("time", "when", clock(message.ts)));
  if (message.ephemeral) head.append(element("span", "only-you", "Only visible to you"));
  if (message.edited) head.append(element("span", "edited", "(edited)"));
  node.append(head);
  const onButton = (button) => press(message, button);
  if (message.blocks && message.blocks.length) {
    node.append(renderBlocks(message.blocks, { names: state.names, onButton }));
  } else if (message.text) {
    const body = element("div", "message-text");
    body.append(renderText({ type: "mrkdwn", text: message.text }, state.names));
    node.append(body);
  }
  for (const file of message.files || []) node.append(fileNode(file));
  if (replies && replies.length) {
    const open = element("button", "replies link-button", `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`);
    open.type = "button";
    open.addEventListener("click", () => openThread(message.ts));
    node.append(open);
  }
  return node;
}

async function loadMessages() {
  if (!state.channel) return;
  const channel = state.channel;
  const answer = await api(`/console/api/messages?channel=${encodeURIComponent(channel)}&as=${encodeURIComponent(state.person)}`);
  if (!answer.ok || channel !== state.channel) return;
  const messages = answer.messages;
  const threads = new Map();
  for (const message of messages) {
    if (message.thread_ts && message.thread_ts !== message.ts) {
      if (!threads.has(message.thread_ts)) threads.set(message.thread_ts, []);
      threads.get(message.thread_ts).push(message);
    }
  }
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const fresh = new Map();
  list.replaceChildren(
    ...messages.filter((m) => !m.is_reply || m.reply_broadcast || !messages.some((p) => p.ts === m.thread_ts))
      .map((m) => cachedNode(m, threads.get(m.ts), fresh)),
  );

  if (atBottom) list.scrollTop = list.scrollHeight;
  const thread = $("thread");
  if (state.thread) {
    const parent = messages.find((m) => m.ts === state.thread);
    const shown = parent ? [parent, ...(threads.get(parent.ts) || [])] : [];
    $("thread-messages").replaceChildren(...shown.map((m) => cachedNode(m, undefined, fresh, "thread")));
    thread.hidden = !parent;
  } else {
    thread.hidden = true;
  }
  shownNodes = fresh;
  const newest = messages.length ? messages[messages.length - 1].ts : undefined;
  await api("/console/api/read", { user: state.person, channel, ts: newest });
}

async function openChannel(id) {
  state.channel = id;
  state.thread = "";
  notice("");
  await loadMessages();
  await loadChannels();
}

async function goToChannel(id) {
  await show("channels");
  await openChannel(id);
}

function openThread(ts) {
  state.thread = ts;
  loadMessages();
}

// --- acting as the person -----------------------------------------------------------------

function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const dialog = $("confirm");
    $("confirm-title").textContent = confirm.title?.text || "Are you sure?";
    $("confirm-text").replaceChildren(renderText(confirm.text, state.names));
    $("confirm-ok").textContent = confirm.confirm?.text || "Confirm";
    $("confirm-deny").textContent = confirm.deny?.text || "Cancel";
    const done = (answer) => {
      $("confirm-ok").onclick = null;
      $("confirm-deny").onclick = null;
      dialog.close();
      resolve(answer);
    };
    $("confirm-ok").onclick = () => done(true);
    $("confirm-deny").onclick = () => done(false);
    dialog.oncancel = () => done(false);
    dialog.showModal();
  });
}

async function press(message, button) {
  if (button.confirm && !(await confirmDialog(button.confirm))) return;
  const answer = await api("/emulator/api/click", {
    user: state.person, channel: state.channel, message_ts: message.ts, action_id: button.action_id, wait_for: 0,
  });
  notice(answer.ok ? "" : `The click was not delivered: ${answer.error}`);
}

async function send() {
  const input = $("composer-text");
  const typed = input.value.trim();
  if (!typed || !state.channel) return;
  input.value = "";
  let answer;
  if (typed.startsWith("/")) {
    const space = typed.search(/\s/);
    const command = space < 0 ? typed : typed.slice(0, space);
    const text = space < 0 ? "" : typed.slice(space + 1).trim();
    answer = await api("/emulator/api/command", { user: state.person, channel: state.channel, command, text, wait_for: 0 });
    if (answer.ok && answer.acked === false) answer = { ok: false, error: "the bot did not acknowledge the command" };
  } else {
    const botName = state.names.get(state.bot);
    const mention = `@${botName}`;
    const text = escapeTyped(typed).split(mention).join(`<@${state.bot}>`);
    const type = text.includes(`<@${state.bot}>`) ? "app_mention" : "message";
    answer = await api("/emulator/api/event", { type, user: state.person, channel: state.channel, text });
  }
  notice(answer.ok ? "" : `Not sent: ${answer.error}`);
}

// --- views, the person, the live feed -----------------------------------------------------

async function loadHome() {
  const answer = await api(`/console/api/home?as=${encodeURIComponent(state.person)}`);
  const home = $("home");
  if (!answer.view) {
    home.replaceChildren(element("p", "hint", "The bot has not published a Home tab for this person yet."));
    return;
  }
  home.replaceChildren(renderBlocks(answer.view.blocks, { names: state.names }));
}

async function show(view) {
  state.view = view;
  for (const name of ["channels", "home", "incidents"]) {
    $(`view-${name}`).hidden = name !== view;
    $(`tab-${name}`).classList.toggle("current", name === view);
  }
  if (view === "home") {
    await api("/emulator/api/event", { type: "app_home_opened", user: state.person });
    await loadHome();
  }
  if (view === "incidents") await showIncidents($("incidents"), $("incident"), state.names, goToChannel);
}

async function refresh() {
  if (state.busy) {
    state.again = true;
    return;
  }
  state.busy = true;
  try {
    do {
      state.again = false;
      await loadMessages();
      await loadChannels();
      if (state.view === "home") await loadHome();
      if (state.view === "incidents") await showIncidents($("incidents"), $("incident"), state.names, goToChannel);
    } while (state.again);
  } finally {
    state.busy = false;
  }
}

function listen() {
  const live = $("live");
  const events = new EventSource("/console/api/events");
  events.addEventListener("open", () => { live.textContent = "live"; live.classList.add("on"); });
  events.addEventListener("error", () => { live.textContent = "reconnecting…"; live.classList.remove("on"); });
  events.addEventListener("change", () => refresh());
}

async function start() {
  await loadWorkspace();
  $("person").addEventListener("change", async (event) => {
    state.person = event.target.value;
    state.channel = "";
    state.thread = "";
    await loadChannels();
    if (state.view !== "channels") await show(state.view);
  });
  for (const name of ["channels", "home", "incidents"]) {
    $(`tab-${name}`).addEventListener("click", () => show(name));
  }
  $("composer-send").addEventListener("click", send);
  $("composer-text").addEventListener("keydown", (event) => { if (event.key === "Enter") send(); });
  $("thread-close").addEventListener("click", () => { state.thread = ""; loadMessages(); });
  await show("channels");
  await loadChannels();
  listen();
  document.body.dataset.ready = "true";
}

start();
