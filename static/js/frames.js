// Event frames in the span editor: link an EVENT span to its arguments (actor1, actor2,
// location ... as the schema's roles say), draw the links as connectors above the text, list
// them under the EVENT, select and delete them. With an EVENT selected, a role key (Shift+1 ..
// Shift+9, by role order) starts linking; a click on a candidate span, or Tab/arrows through
// the candidates and Enter, makes the link. Spans the role does not allow are never
// candidates. Links live in the editor's one state (editor_state.js) and every change goes
// through the editor's `change`, so undo, saving and conflicts cover them as they cover spans.
import { els, labelByKey, say, state, textOf } from "./editor_state.js";
import { keepFocusOnPress } from "./keys.js";
import { layoutLinks } from "./link_layout.js";

// The editor's steps, handed over by wireFrames: frames edit and redraw only through them.
const editor = { render: () => {}, change: () => false };

const SVG = "http://www.w3.org/2000/svg";
const MAX_ROLE_KEYS = 9;

/** Hand frames the editor's `render` and `change`; redraw the links when the layout moves. */
export function wireFrames(steps) {
  Object.assign(editor, steps);
  if (!state.linking) return;
  const reader = els.sentence.closest(".reader") || els.sentence.parentElement;
  // Links are drawn in pixels: a wider window, more context or late fonts move the words.
  // (Drawn at the next frame: drawing changes the room above the lines, which would report
  // a resize inside the observer's own callback.)
  let queued = false;
  new ResizeObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      drawLinks();
    });
  }).observe(reader);
  if (document.fonts) document.fonts.ready.then(() => drawLinks());
}

// ---------------------------------------------------------------- the schema's roles

/** The roles of a label key (empty when it has none). */
export function rolesOf(labelKey) {
  const label = labelByKey[labelKey];
  return (label && label.roles) || [];
}

/** A role's display name on a head span (the key when the schema gives none). */
export function roleName(head, roleKey) {
  const role = head && rolesOf(head.label).find((r) => r.key === roleKey);
  return role ? role.name || role.key : roleKey;
}

const same = (a, b) => a.start === b.start && a.end === b.end;

function spanAt(where) {
  return where ? state.spans.find((s) => same(s, where)) || null : null;
}

/** The selected EVENT (a span with roles) whose arguments the role keys link, or null. */
export function linkHead() {
  const head = spanAt(state.linkHead);
  return head && rolesOf(head.label).length ? head : null;
}

/** Select a span as the head of new links (ignored for a span whose label has no roles). */
export function selectHead(span) {
  if (!state.linking || !span || !rolesOf(span.label).length) return;
  if (!state.linkHead || !same(state.linkHead, span)) {
    state.linkHead = { start: span.start, end: span.end };
    state.linkRole = null;
  }
}

/** Forget the selected EVENT, the role being linked and the selected link. */
export function clearLinking() {
  state.linkHead = null;
  state.linkRole = null;
  state.linkSelected = -1;
}

/**
 * Drop the relations the spans no longer allow: a head or child that is gone, a head whose
 * label lost the role, a child whose label the role does not target. Called inside every edit,
 * so deleting or relabelling a span takes its links with it in the same undoable step.
 */
export function pruneRelations() {
  const selected = state.relations[state.linkSelected];
  state.relations = state.relations.filter((r) => {
    const head = spanAt(r.head);
    const child = spanAt(r.child);
    const role = head && rolesOf(head.label).find((x) => x.key === r.role);
    return Boolean(role && child && role.targets.includes(child.label));
  });
  state.linkSelected = selected ? state.relations.indexOf(selected) : -1;
  if (state.linkHead && !linkHead()) state.linkHead = null;
}

// ---------------------------------------------------------------- linking

function roleOfHead(head, roleKey) {
  return rolesOf(head.label).find((r) => r.key === roleKey) || null;
}

/** The spans that may be this role's argument of `head`, in reading order. */
export function candidates(head, role) {
  const taken = state.relations.filter((r) => same(r.head, head) && r.role === role.key);
  return state.spans
    .filter((s) => !same(s, head) && role.targets.includes(s.label))
    .filter((s) => !taken.some((r) => same(r.child, s)))
    .sort((a, b) => a.start - b.start);
}

/** Start linking `roleKey` of the selected EVENT: say why not when it cannot be. */
export function startLinking(roleKey) {
  if (state.locked) return; // read-only (frozen or refused): nothing to link
  const head = linkHead();
  if (!head) {
    say("Select an EVENT span first (click it), then press a role key (Shift+1 …).");
    return;
  }
  const role = roleOfHead(head, roleKey);
  if (!role) return;
  const count = state.relations.filter((r) => same(r.head, head) && r.role === role.key).length;
  if (role.max && count >= role.max) {
    say(`${role.name} takes at most ${role.max} argument(s): remove one first.`);
    return;
  }
  const found = candidates(head, role);
  if (!found.length) {
    say(`No span can be the ${role.name} of “${textOf(head.start, head.end)}”: ` +
      `label a ${role.targets.join(" or ")} span first.`);
    return;
  }
  state.linkRole = role.key;
  state.linkCursor = 0;
  state.linkSelected = -1;
  say(`${role.name} of “${textOf(head.start, head.end)}”: click a highlighted span, or ` +
    "Tab / arrow keys then Enter; Esc cancels.");
  editor.render();
  focusCursor();
}

/** Link the selected EVENT's role being linked to `child`; false when it may not be. */
export function linkTo(child) {
  const head = linkHead();
  const role = head && roleOfHead(head, state.linkRole);
  if (!role) return false;
  if (!candidates(head, role).some((s) => same(s, child))) {
    const why = same(child, head)
      ? "a span cannot be its own argument"
      : role.targets.includes(child.label)
        ? "it is linked in this role already"
        : `the ${role.name} must be a ${role.targets.join(" or ")} span`;
    say(`“${textOf(child.start, child.end)}” cannot be chosen: ${why}.`);
    return false;
  }
  const made = editor.change(() => {
    state.relations.push({
      head: { start: head.start, end: head.end },
      child: { start: child.start, end: child.end },
      role: role.key,
    });
    state.linkRole = null;
    state.linkSelected = -1;
  });
  if (made) say(`Linked “${textOf(child.start, child.end)}” as ${role.name}.`);
  els.sentence.focus({ preventScroll: true });
  return made;
}

/** Stop linking (the EVENT stays selected). */
export function cancelLinking() {
  state.linkRole = null;
  say("");
  editor.render();
  els.sentence.focus({ preventScroll: true });
}

/** Remove the link at `index` (undoable). */
export function removeLink(index) {
  if (!state.relations[index]) return;
  editor.change(() => {
    state.relations.splice(index, 1);
    state.linkSelected = -1;
  });
  els.sentence.focus({ preventScroll: true });
}

/** Select the link at `index` (Delete then removes it). */
export function selectLink(index) {
  state.linkSelected = index;
  state.linkRole = null;
  editor.render();
}

function cursorSpan() {
  const head = linkHead();
  const role = head && roleOfHead(head, state.linkRole);
  if (!role) return null;
  const found = candidates(head, role);
  if (!found.length) return null;
  state.linkCursor = ((state.linkCursor % found.length) + found.length) % found.length;
  return found[state.linkCursor];
}

function focusCursor() {
  const span = cursorSpan();
  const mark = span && markOf(span);
  if (mark) mark.focus({ preventScroll: true });
}

function markOf(span) {
  return els.sentence.querySelector(`mark.span[data-start="${span.start}"][data-end="${span.end}"]`);
}

/** The role key of a keydown (Shift+1 .. Shift+9 by the digit's place, whatever the layout). */
export function roleKeyIndex(event) {
  if (!event.shiftKey || event.ctrlKey || event.metaKey || event.altKey) return -1;
  const match = /^Digit([1-9])$/.exec(event.code || "");
  return match && Number(match[1]) <= MAX_ROLE_KEYS ? Number(match[1]) - 1 : -1;
}

/**
 * The sentence's keys for frames: role keys, and while linking Tab/arrows, Enter and Escape;
 * with a link selected, Delete removes it. True when the key was one of them.
 */
export function linkingKey(event) {
  if (!state.linking) return false;
  const roleIndex = state.selection ? -1 : roleKeyIndex(event);
  if (roleIndex >= 0) {
    const head = linkHead();
    const role = head && rolesOf(head.label)[roleIndex];
    event.preventDefault();
    if (role) startLinking(role.key);
    else if (!head) startLinking(null);
    return true;
  }
  if (state.linkRole) return keyWhileLinking(event);
  if (state.linkSelected >= 0 && (event.key === "Delete" || event.key === "Backspace")) {
    event.preventDefault();
    removeLink(state.linkSelected);
    return true;
  }
  if (event.key === "Escape" && state.linkSelected >= 0) {
    event.preventDefault();
    state.linkSelected = -1;
    editor.render();
    return true;
  }
  return false;
}

function keyWhileLinking(event) {
  const key = event.key;
  const rtl = els.sentence.matches(":dir(rtl)");
  const steps = {
    Tab: event.shiftKey ? -1 : 1,
    ArrowDown: 1,
    ArrowUp: -1,
    ArrowRight: rtl ? -1 : 1,
    ArrowLeft: rtl ? 1 : -1,
  };
  if (key in steps && !event.altKey && !event.ctrlKey && !event.metaKey) {
    event.preventDefault();
    state.linkCursor += steps[key];
    editor.render();
    focusCursor();
    return true;
  }
  if (key === "Enter" || key === " ") {
    event.preventDefault();
    const span = cursorSpan();
    if (span) linkTo(span);
    return true;
  }
  if (key === "Escape") {
    event.preventDefault();
    cancelLinking();
    return true;
  }
  return false;
}

/** A click on a span while linking links it (or says why not); true when linking. */
export function clickWhileLinking(mark) {
  if (!state.linkRole) return false;
  const span = state.spans[Number(mark.dataset.index)];
  if (span) linkTo(span);
  return true;
}

// ---------------------------------------------------------------- drawing

/** Classes of a span's mark while linking: the head, a candidate, the keyboard's cursor. */
export function markClasses(span) {
  const out = [];
  const head = linkHead();
  if (head && same(head, span)) out.push("link-head");
  const role = head && state.linkRole && roleOfHead(head, state.linkRole);
  if (role) {
    const found = candidates(head, role);
    if (found.some((s) => same(s, span))) out.push("link-candidate");
    else if (!same(head, span)) out.push("link-not-candidate");
    const cursor = cursorSpan();
    if (cursor && same(cursor, span)) out.push("link-cursor");
  }
  return out;
}

/** The links of an EVENT span as list items (role name → argument words, remove button). */
export function linkItems(span) {
  const ul = document.createElement("ul");
  ul.className = "link-list";
  ul.setAttribute("aria-label", `Arguments of “${textOf(span.start, span.end)}”`);
  state.relations.forEach((r, index) => {
    if (!same(r.head, span)) return;
    const li = document.createElement("li");
    li.className = "link-item";
    if (index === state.linkSelected) li.classList.add("selected");
    li.dataset.role = r.role;
    const pick = document.createElement("button");
    pick.type = "button";
    pick.className = "link-open";
    pick.id = `link-open-${index}`; // the drawn connector's keyboard twin (linkPiece)
    pick.setAttribute("aria-pressed", index === state.linkSelected ? "true" : "false");
    const role = document.createElement("span");
    role.className = "link-role";
    role.textContent = roleName(span, r.role);
    const words = document.createElement("span");
    words.className = "words";
    words.dir = "auto";
    words.textContent = textOf(r.child.start, r.child.end);
    pick.append(role, document.createTextNode(" → "), words);
    pick.addEventListener("click", () => selectLink(state.linkSelected === index ? -1 : index));
    // Delete on the focused link removes it: the key belongs to the link's own button.
    pick.addEventListener("keydown", (event) => {
      if (event.key === "Delete" || event.key === "Backspace") {
        event.preventDefault();
        event.stopPropagation();
        removeLink(index);
      }
    });
    const del = document.createElement("button");
    del.type = "button";
    del.className = "link-remove small";
    del.textContent = "×";
    del.title = "Remove this link";
    del.setAttribute("aria-label", `Remove the link ${role.textContent} → ${words.textContent}`);
    del.addEventListener("click", () => removeLink(index));
    li.append(pick);
    if (!state.locked) li.append(del); // a read-only page lists its links, removes none
    ul.append(li);
  });
  return ul.children.length ? ul : null;
}

/** The role keys of the selected EVENT (a bar under the sentence), or hide it. */
export function renderLinkBar() {
  let bar = document.getElementById("link-bar");
  const head = state.linking ? linkHead() : null;
  if (!head) {
    if (bar) bar.hidden = true;
    return;
  }
  if (!bar) {
    bar = document.createElement("div");
    bar.id = "link-bar";
    bar.className = "link-bar";
    bar.setAttribute("role", "group");
    els.sentence.after(bar);
  }
  bar.hidden = false;
  bar.setAttribute("aria-label", `Link arguments of “${textOf(head.start, head.end)}”`);
  const intro = document.createElement("span");
  intro.className = "muted";
  intro.textContent = `Arguments of “${textOf(head.start, head.end)}”:`;
  bar.replaceChildren(intro, ...roleButtons(head));
}

/** One button per role of `head` with its key (Shift+n), pressed while that role links. */
export function roleButtons(head) {
  return rolesOf(head.label).slice(0, MAX_ROLE_KEYS).map((role, i) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "role-button small";
    b.dataset.role = role.key;
    b.title = `${role.description || role.name} (${role.targets.join(", ")})`;
    b.setAttribute("aria-keyshortcuts", `Shift+${i + 1}`);
    b.setAttribute("aria-pressed", state.linkRole === role.key ? "true" : "false");
    const k = document.createElement("kbd");
    k.textContent = `⇧${i + 1}`;
    b.append(k, document.createTextNode(` ${role.name}`));
    keepFocusOnPress(b);
    b.addEventListener("click", () => {
      state.popupIndex = -1; // a role chosen in the popup closes it: the next click links
      selectHead(head);
      startLinking(role.key);
    });
    return b;
  });
}

/**
 * Draw every link as a connector above the text: up from the EVENT's tag, across in the room
 * kept free above the line, down onto the argument's tag (an arrow), with the role on it. A
 * link between two lines is drawn as two halves, each in the room above its own line, so no
 * line ever crosses the words.
 */
export function drawLinks() {
  const layer = linkLayer();
  if (!layer) return;
  layer.replaceChildren();
  const any = state.relations.length > 0;
  els.sentence.classList.toggle("linked", any);
  if (!any) {
    els.sentence.style.removeProperty("--link-room");
    return;
  }
  // The room above each line depends on how many links share it: lay out, make the room,
  // then measure again (the room moves the lines down, never sideways).
  const planned = layoutLinks(state.relations, geometry(layer), labelWidth);
  els.sentence.style.setProperty("--link-room", `${planned.room}px`);
  const drawn = layoutLinks(state.relations, geometry(layer), labelWidth);
  const host = layer.parentElement;
  layer.setAttribute("width", String(host.clientWidth));
  layer.setAttribute("height", String(host.clientHeight));
  drawn.pieces.forEach((piece) => layer.append(linkPiece(piece)));
}

/** Rectangles in the layer's own pixels (its host's padding box, where it is placed). */
function geometry(layer) {
  const host = layer.parentElement;
  const box = host.getBoundingClientRect();
  const dx = box.left + host.clientLeft;
  const dy = box.top + host.clientTop;
  const local = (r) =>
    r && { left: r.left - dx, right: r.right - dx, top: r.top - dy, bottom: r.bottom - dy };
  const rectOf = (where) => {
    const mark = markOf(where);
    return mark ? local(mark.getBoundingClientRect()) : null;
  };
  const sentence = local(els.sentence.getBoundingClientRect());
  return {
    heads: state.relations.map((r) => rectOf(r.head)),
    children: state.relations.map((r) => rectOf(r.child)),
    marks: [...els.sentence.querySelectorAll("mark.span")].map((m) =>
      local(m.getBoundingClientRect())),
    left: sentence.left,
    right: sentence.right,
    rtl: els.sentence.matches(":dir(rtl)"),
  };
}

function linkLayer() {
  if (!state.linking) return null;
  let layer = document.getElementById("link-layer");
  if (!layer) {
    layer = document.createElementNS(SVG, "svg");
    layer.id = "link-layer";
    layer.classList.add("link-layer");
    layer.setAttribute("aria-hidden", "true"); // the span list names every link in words
    (els.sentence.closest(".reader") || els.sentence.parentElement).append(layer);
  }
  return layer;
}

let measure = null;

function labelWidth(text) {
  measure = measure || document.createElement("canvas").getContext("2d");
  measure.font = "600 11px system-ui, sans-serif";
  return Math.ceil(measure.measureText(text).width) + 8;
}

function linkPiece(piece) {
  const r = state.relations[piece.index];
  const g = document.createElementNS(SVG, "g");
  g.classList.add("link");
  g.dataset.index = String(piece.index);
  g.dataset.role = r.role;
  g.dataset.part = piece.part;
  // A mouse shortcut only (the layer is aria-hidden): the keyboard selects the same link with
  // its button in the span list, which the accessibility walk checks is there and reachable.
  g.dataset.keyboardTwin = `link-open-${piece.index}`;
  if (piece.index === state.linkSelected) g.classList.add("selected");
  const hit = document.createElementNS(SVG, "path");
  hit.setAttribute("d", piece.path);
  hit.classList.add("link-hit");
  const line = document.createElementNS(SVG, "path");
  line.setAttribute("d", piece.path);
  line.classList.add("link-line");
  g.append(hit, line);
  if (piece.arrow) {
    const arrow = document.createElementNS(SVG, "path");
    arrow.setAttribute("d", piece.arrow);
    arrow.classList.add("link-arrow");
    g.append(arrow);
  }
  if (piece.label) {
    const bg = document.createElementNS(SVG, "rect");
    const { x, y, width, height } = piece.label;
    bg.setAttribute("x", String(x));
    bg.setAttribute("y", String(y));
    bg.setAttribute("width", String(width));
    bg.setAttribute("height", String(height));
    bg.setAttribute("rx", "3");
    bg.classList.add("link-label-box");
    const text = document.createElementNS(SVG, "text");
    text.setAttribute("x", String(x + width / 2));
    text.setAttribute("y", String(y + height - 3));
    text.setAttribute("text-anchor", "middle");
    text.classList.add("link-label");
    text.textContent = r.role;
    g.append(bg, text);
  }
  const title = document.createElementNS(SVG, "title");
  const head = spanAt(r.head);
  title.textContent = `${textOf(r.head.start, r.head.end)} → ${roleName(head, r.role)} → ` +
    textOf(r.child.start, r.child.end);
  g.append(title);
  g.addEventListener("click", (event) => {
    event.stopPropagation();
    selectLink(piece.index);
    els.sentence.focus({ preventScroll: true });
  });
  return g;
}
