// The incidents page: the bot's incidents (read-only, forwarded by the emulator from the bot's
// sandbox endpoint), and one incident's audit timeline with the chain's verification, its
// actions and its postmortem draft. Text only, through textContent.

const selected = { id: null };

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// An actor as the audit names it ("slack:U0BOB", "bot") by the person's name when known.
function who(names, actor) {
  if (!actor) return "";
  const id = actor.startsWith("slack:") ? actor.slice(6) : actor;
  return names.get(id) || actor;
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return `${Math.max(0, Math.floor(seconds))}s`;
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h ${minutes % 60}m` : `${Math.floor(hours / 24)}d`;
}

function table(headings, rows) {
  const node = element("table", "grid");
  const head = element("tr");
  for (const heading of headings) head.append(element("th", "", heading));
  const thead = element("thead");
  thead.append(head);
  node.append(thead);
  const body = element("tbody");
  for (const cells of rows) {
    const row = element("tr");
    for (const cell of cells) {
      const td = element("td");
      if (cell instanceof Node) td.append(cell);
      else td.textContent = cell === null || cell === undefined ? "" : String(cell);
      row.append(td);
    }
    body.append(row);
  }
  node.append(body);
  return node;
}

function details(value) {
  if (!value || typeof value !== "object") return "";
  return Object.entries(value)
    .map(([key, item]) => `${key}=${typeof item === "string" ? item : JSON.stringify(item)}`)
    .join(" ");
}

async function fetchJson(path) {
  const response = await fetch(path);
  return response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
}

async function postmortem(into, draft) {
  into.append(element("h3", "", `Postmortem draft: ${draft.filename}`));
  const response = await fetch(`/console/api/files/${encodeURIComponent(draft.file_id)}`);
  const text = response.ok ? await response.text() : `(the draft file could not be read: HTTP ${response.status})`;
  into.append(element("pre", "postmortem", text));
}

async function showIncident(into, id, names) {
  selected.id = id;
  const answer = await fetchJson(`/console/api/incidents/${id}`);
  if (!answer.ok) {
    into.replaceChildren(element("p", "notice", `Incident not shown: ${answer.error}`));
    return;
  }
  const incident = answer.incident;
  const parts = [element("h2", "", `${incident.ref}: ${incident.title}`)];
  parts.push(element("p", "facts", `${incident.severity} · ${incident.service} · ${incident.status} · opened ${age(incident.age_seconds)} ago · #${incident.channel_name || "(no channel yet)"}`));
  const check = answer.verification;
  const verdict = element("p", check.ok ? "verified" : "broken", check.ok
    ? `Audit chain verified: ${check.rows} rows`
    : `Audit chain BROKEN: ${check.problem}`);
  verdict.id = "chain-status";
  parts.push(verdict);
  parts.push(element("h3", "", "Actions"));
  parts.push(answer.actions.length
    ? table(["#", "kind", "target", "state", "proposed by", "decided by", "result"], answer.actions.map((a) => [
      a.id, a.kind + (a.dry_run ? " (dry run)" : ""), a.target, a.state, who(names, a.proposed_by),
      who(names, a.decided_by), a.result,
    ]))
    : element("p", "hint", "No actions."));
  parts.push(element("h3", "", "Timeline (audit trail)"));
  parts.push(table(["#", "at", "actor", "event", "details"], answer.timeline.map((row) => [
    row.seq, row.at.replace("T", " ").slice(0, 19), who(names, row.actor), row.event, details(row.details),
  ])));
  into.replaceChildren(...parts);
  if (answer.postmortem) await postmortem(into, answer.postmortem);
}

// The list into ``list``; the selected incident (the first click picks one) into ``detail``;
// ``openChannel(id)`` shows an incident's channel.
export async function showIncidents(list, detail, names, openChannel) {
  const answer = await fetchJson("/console/api/incidents");
  if (!answer.ok) {
    const why = answer.error === "no_incident_source"
      ? "No bot is running beside this emulator, so there are no incidents to show."
      : `Incidents not read: ${answer.error}`;
    list.replaceChildren(element("p", "notice", why));
    detail.replaceChildren();
    return;
  }
  if (!answer.incidents.length) {
    list.replaceChildren(element("p", "hint", "No incidents yet: post an alert to the bot's webhook."));
    return;
  }
  const rows = answer.incidents.map((incident) => {
    const open = element("button", "link-button incident-link", incident.ref);
    open.type = "button";
    open.dataset.incident = String(incident.id);
    open.addEventListener("click", () => showIncident(detail, incident.id, names));
    let channel = "";
    if (incident.channel_id && openChannel) {
      channel = element("button", "link-button channel-link", `#${incident.channel_name}`);
      channel.type = "button";
      channel.addEventListener("click", () => openChannel(incident.channel_id));
    }
    return [open, incident.title, incident.severity, incident.service, incident.status, age(incident.age_seconds), channel];
  });
  list.replaceChildren(table(["incident", "title", "severity", "service", "state", "age", "channel"], rows));
  if (selected.id !== null) await showIncident(detail, selected.id, names);
}
