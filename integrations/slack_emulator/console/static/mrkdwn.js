// Slack's mrkdwn rendered into DOM nodes, never into HTML: every character of the input ends up
// in a text node (or an attribute set through the DOM), so whatever an alert or a person wrote
// shows as text. Links keep only http(s) and mailto targets; Slack's escapes (&lt; &gt; &amp;)
// become their characters, as Slack's screen shows them.

const SAFE_LINK = /^(https?:|mailto:)/i;
const INLINE =
  /<([^<>\n]+)>|`([^`\n]+)`|(?<![\w*])\*([^*\n]+)\*(?![\w*])|(?<![\w_])_([^_\n]+)_(?![\w_])|(?<![\w~])~([^~\n]+)~(?![\w~])/g;

export function unescapeSlack(text) {
  return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// <target|label>: a link, a mention of a person, a channel or a group, or a special mention.
function reference(inside, names) {
  const bar = inside.indexOf("|");
  const target = bar >= 0 ? inside.slice(0, bar) : inside;
  const label = bar >= 0 ? unescapeSlack(inside.slice(bar + 1)) : "";
  if (target.startsWith("@")) {
    const id = target.slice(1);
    return element("span", "mention", "@" + (names.get(id) || label || id));
  }
  if (target.startsWith("#")) {
    return element("span", "mention", "#" + (label || names.get(target.slice(1)) || target.slice(1)));
  }
  if (target.startsWith("!")) {
    const special = target.slice(1);
    if (special.startsWith("subteam^")) {
      return element("span", "mention", label || "@" + special.slice(8));
    }
    if (special.startsWith("date")) return document.createTextNode(label);
    return element("span", "mention", "@" + special);
  }
  const url = unescapeSlack(target);
  if (!SAFE_LINK.test(url)) return document.createTextNode(label || url);
  const link = element("a", "link", label || url);
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  return link;
}

function inline(text, names, into) {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) into.append(unescapeSlack(text.slice(last, match.index)));
    const [, ref, code, bold, italic, strike] = match;
    if (ref !== undefined) into.append(reference(ref, names));
    else if (code !== undefined) into.append(element("code", "", unescapeSlack(code)));
    else {
      const tag = bold !== undefined ? "strong" : italic !== undefined ? "em" : "s";
      const node = element(tag);
      inline(bold ?? italic ?? strike, names, node);
      into.append(node);
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) into.append(unescapeSlack(text.slice(last)));
}

function lines(text, names, into) {
  let quote = null;
  text.split("\n").forEach((line, index) => {
    const quoted = line.match(/^(?:&gt;|>)\s?(.*)$/);
    if (quoted) {
      if (!quote) {
        quote = element("blockquote");
        into.append(quote);
      } else {
        quote.append(element("br"));
      }
      inline(quoted[1], names, quote);
      return;
    }
    quote = null;
    if (index > 0 && into.lastChild && into.lastChild.nodeName !== "BLOCKQUOTE") {
      into.append(element("br"));
    }
    inline(line, names, into);
  });
}

// The mrkdwn ``text`` as a fragment; ``names`` maps user ids to names for mentions.
export function renderMrkdwn(text, names = new Map()) {
  const fragment = document.createDocumentFragment();
  const parts = String(text ?? "").split("```");
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      fragment.append(element("pre", "", unescapeSlack(part.replace(/^\n/, ""))));
    } else if (part) {
      lines(part, names, fragment);
    }
  });
  return fragment;
}

// A text object (plain_text or mrkdwn) as nodes.
export function renderText(object, names) {
  if (!object) return document.createDocumentFragment();
  if (typeof object === "string") return renderMrkdwn(object, names);
  if (object.type === "mrkdwn") return renderMrkdwn(object.text, names);
  const fragment = document.createDocumentFragment();
  fragment.append(String(object.text ?? ""));
  return fragment;
}
