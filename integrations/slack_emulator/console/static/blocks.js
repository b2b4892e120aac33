// Block Kit rendered into DOM nodes (through textContent and renderMrkdwn only). A button calls
// ``onButton(button)``; the caller decides what a click does (a confirm dialog, then the
// control API). Elements the console cannot operate show as disabled controls.

import { renderMrkdwn, renderText } from "./mrkdwn.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function plain(object) {
  return object && typeof object === "object" ? String(object.text ?? "") : String(object ?? "");
}

// Images come from this origin only (the page's policy allows nothing else, and the sandbox
// is offline): another origin's image shows as its alt text.
function image(url, alt, className) {
  const sameOrigin = typeof url === "string" && url.startsWith("/") && !url.startsWith("//");
  if (!sameOrigin) return element("span", "image-placeholder", `[image: ${alt || ""}]`);
  const node = element("img", className);
  node.src = url;
  node.alt = alt || "";
  return node;
}

function control(item, context) {
  if (!item || typeof item !== "object") return null;
  if (item.type === "image") return image(item.image_url, item.alt_text, "accessory-image");
  if (item.type !== "button") {
    const label = plain(item.placeholder) || plain(item.initial_option?.text) || item.type;
    const select = element("button", "control disabled", `${label} ▾`);
    select.disabled = true;
    select.title = "Not operable in the console";
    return select;
  }
  const button = element("button", "control", plain(item.text));
  button.type = "button";
  if (item.style === "primary" || item.style === "danger") button.classList.add(item.style);
  button.dataset.actionId = String(item.action_id ?? "");
  if (context.onButton) {
    button.addEventListener("click", () => context.onButton(item, button));
  } else {
    button.disabled = true;
    button.title = "Not operable in the console";
  }
  return button;
}

function section(block, context) {
  const node = element("div", "block section");
  const body = element("div", "section-body");
  if (block.text) {
    const text = element("div", "section-text");
    text.append(renderText(block.text, context.names));
    body.append(text);
  }
  if (Array.isArray(block.fields) && block.fields.length) {
    const fields = element("div", "fields");
    for (const field of block.fields) {
      const cell = element("div", "field");
      cell.append(renderText(field, context.names));
      fields.append(cell);
    }
    body.append(fields);
  }
  node.append(body);
  const accessory = control(block.accessory, context);
  if (accessory) node.append(accessory);
  return node;
}

function context(block, ctx) {
  const node = element("div", "block context");
  for (const item of block.elements || []) {
    if (item && item.type === "image") node.append(image(item.image_url, item.alt_text, "context-image"));
    else {
      const span = element("span", "context-item");
      span.append(renderText(item, ctx.names));
      node.append(span);
    }
  }
  return node;
}

function actions(block, ctx) {
  const node = element("div", "block actions");
  for (const item of block.elements || []) {
    const made = control(item, ctx);
    if (made) node.append(made);
  }
  return node;
}

function richText(item) {
  if (!item || typeof item !== "object") return "";
  if (item.type === "text") return String(item.text ?? "");
  if (item.type === "link") return String(item.text || item.url || "");
  if (item.type === "user") return `@${item.user_id ?? ""}`;
  if (item.type === "channel") return `#${item.channel_id ?? ""}`;
  if (item.type === "emoji") return `:${item.name ?? ""}:`;
  const children = (item.elements || []).map(richText);
  if (item.type === "rich_text_list") return children.map((c) => `• ${c}`).join("\n");
  if (item.type === "rich_text") return children.join("\n");
  return children.join("");
}

function block(item, ctx) {
  switch (item && item.type) {
    case "header":
      return element("div", "block header", plain(item.text));
    case "section":
      return section(item, ctx);
    case "context":
      return context(item, ctx);
    case "divider":
      return element("hr", "block divider");
    case "actions":
      return actions(item, ctx);
    case "image": {
      const node = element("figure", "block image");
      if (item.title) node.append(element("figcaption", "", plain(item.title)));
      node.append(image(item.image_url, item.alt_text, "block-image"));
      return node;
    }
    case "rich_text":
      return element("div", "block rich-text", richText(item));
    case "markdown": {
      const node = element("div", "block markdown");
      node.append(renderMrkdwn(item.text, ctx.names));
      return node;
    }
    default:
      return element("div", "block unknown", `[${(item && item.type) || "block"}]`);
  }
}

// ``blocks`` as one element; ``ctx`` = { names: Map, onButton?: (button, node) => void }.
export function renderBlocks(blocks, ctx) {
  const node = element("div", "blocks");
  for (const item of blocks || []) node.append(block(item, ctx));
  return node;
}
