// Suggestions in the span editor: spans the project's gazetteer or patterns propose, drawn
// dashed in their label's colour and never saved until the annotator accepts one. `a` accepts
// the next (in reading order), Shift+A all of them, `x` rejects the next; a click opens a menu
// (accept, reject, accept with another label). An accepted suggestion becomes the annotator's
// own span through the editor's normal save, carrying its origin {source, name}; what was
// shown, accepted and rejected is recorded for the dashboard (POST .../suggestions/events).
import { sendJson } from "./api.js";
import { activeLabels, data, els, labelByHotkey, labelByKey, paint, say, state, textOf }
  from "./editor_state.js";

let editor = null; // {render, change}: the span editor's redraw and undoable edit
const menu = document.getElementById("suggestion-menu");

state.suggestions = []; // as the server sent them, in text order
state.suggestionsOn = false; // the batch has suggestions on (the server said so)
state.suggestionRejected = new Set(); // keys of suggestions rejected on this page
state.suggestionMenu = -1; // index into pending() of the suggestion whose menu is open

const keyOf = (s) => `${s.source}|${s.name}|${s.start}|${s.end}|${s.label}`;
const overlaps = (a, b) => a.start < b.end && b.start < a.end;

/** The suggestions still open: not rejected, not overlapping a span of the annotator's. */
export function pending() {
  return state.suggestions.filter(
    (s) => !state.suggestionRejected.has(keyOf(s)) && !state.spans.some((t) => overlaps(s, t)),
  );
}

/** True when this page shows suggestions (its batch has them on). */
export function suggestionsOn() {
  return state.suggestionsOn;
}

function describe(s) {
  return `${labelByKey[s.label] ? labelByKey[s.label].name : s.label} “${textOf(s.start, s.end)}”`;
}

function left() {
  const n = pending().length;
  return n === 0 ? "No suggestion left." : `${n} suggestion${n === 1 ? "" : "s"} left.`;
}

/** The mark of a pending suggestion (drawn by the span editor among the spans). */
export function suggestionMark(s, text) {
  const el = document.createElement("mark");
  el.className = "suggestion";
  el.dataset.start = String(s.start);
  el.dataset.end = String(s.end);
  el.dataset.label = s.label;
  el.dataset.source = s.source;
  el.dataset.suggestion = String(pending().indexOf(s));
  const type = s.attributes && s.attributes.event_type;
  el.dataset.tag = `${s.label}${type ? ` · ${type}` : ""} ?`;
  el.title = `Suggested ${s.label}${type ? ` (${type})` : ""} by ${s.source} “${s.name}”, ` +
    `score ${Math.round(s.score * 100)}%: a accepts, x rejects, click for more`;
  el.tabIndex = 0; // Tab reaches it; Enter or Space opens its menu
  paint(el, labelByKey[s.label]);
  el.append(document.createTextNode(text));
  return el;
}

function record(action, list) {
  if (!data.suggestion_events_url || !list.length) return;
  const events = list.map((s) => ({
    action, source: s.source, name: s.name, start: s.start, end: s.end, label: s.label,
  }));
  // Best effort: a lost record costs a dashboard count, never the annotation.
  sendJson(data.suggestion_events_url, "POST", { events });
}

function asSpan(s, label) {
  const attributes = {};
  if (label === s.label) Object.assign(attributes, s.attributes || {});
  return {
    start: s.start, end: s.end, label, attributes, origin: { source: s.source, name: s.name },
  };
}

/** Accept suggestions (as `label` when given: "change label"); one undoable, saved edit. */
function accept(list, label = null) {
  if (!list.length) {
    say(state.suggestionsOn ? "No suggestion left to accept." : "No suggestions here.");
    return;
  }
  const fromMenu = state.suggestionMenu >= 0;
  const changed = editor.change(() => {
    for (const s of list) state.spans.push(asSpan(s, label || s.label));
    state.selection = null;
  });
  if (!changed) return;
  record("accepted", list);
  leaveMenu(fromMenu);
  say(list.length === 1
    ? `Accepted ${describe({ ...list[0], label: label || list[0].label })}. ${left()}`
    : `Accepted ${list.length} suggestions. ${left()}`);
}

function reject(s) {
  if (!s) {
    say(state.suggestionsOn ? "No suggestion left to reject." : "No suggestions here.");
    return;
  }
  const fromMenu = state.suggestionMenu >= 0;
  state.suggestionRejected.add(keyOf(s));
  record("rejected", [s]);
  editor.render();
  leaveMenu(fromMenu);
  say(`Rejected ${describe(s)}. ${left()}`);
}

export const acceptNext = () => accept(pending().slice(0, 1));
export const acceptAll = () => accept(pending());
export const rejectNext = () => reject(pending()[0]);

// ---------------------------------------------------------------- the click menu

function openMenu(index) {
  state.suggestionMenu = index;
  renderMenu();
  const first = menu.querySelector("button");
  if (first) first.focus({ preventScroll: true });
}

/** After a decision: the menu is gone; the keyboard goes back to the sentence if it was there. */
function leaveMenu(fromMenu) {
  state.suggestionMenu = -1;
  renderMenu();
  if (fromMenu) els.sentence.focus({ preventScroll: true });
}

function closeMenu(refocus = true) {
  if (state.suggestionMenu < 0) return;
  state.suggestionMenu = -1;
  renderMenu();
  if (refocus) els.sentence.focus({ preventScroll: true });
}

function button(text, onClick, className = "small") {
  const b = document.createElement("button");
  b.type = "button";
  b.className = className;
  b.textContent = text;
  b.addEventListener("click", onClick);
  return b;
}

function renderMenu() {
  const s = pending()[state.suggestionMenu];
  if (!menu) return;
  if (!s) {
    state.suggestionMenu = -1;
    menu.hidden = true;
    menu.replaceChildren();
    return;
  }
  menu.hidden = false;
  menu.replaceChildren();
  const title = document.createElement("p");
  title.className = "popup-title";
  title.textContent = `Suggested: ${describe(s)}`;
  const from = document.createElement("p");
  from.className = "muted";
  from.textContent = `${s.source} “${s.name}” · score ${Math.round(s.score * 100)}%`;
  const actions = document.createElement("div");
  actions.className = "popup-labels";
  actions.append(
    button("Accept (a)", () => accept([s]), "primary small"),
    button("Reject (x)", () => reject(s), "small"),
  );
  const labels = document.createElement("div");
  labels.className = "popup-labels";
  labels.setAttribute("role", "group");
  labels.setAttribute("aria-label", "Accept with another label");
  for (const label of activeLabels.filter((l) => l.key !== s.label)) {
    const b = button("", () => accept([s], label.key), "label-choice");
    b.dataset.label = label.key;
    paint(b, label);
    const k = document.createElement("kbd");
    k.textContent = label.hotkey || "";
    b.append(k, document.createTextNode(` Accept as ${label.name}`));
    labels.append(b);
  }
  menu.append(title, from, actions, labels);
  placeMenu(s);
}

function placeMenu(s) {
  const mark = els.sentence.querySelector(`mark.suggestion[data-start="${s.start}"]`);
  if (!mark) return;
  const box = mark.getBoundingClientRect();
  const host = menu.offsetParent || document.body;
  const hostBox = host.getBoundingClientRect();
  const widest = Math.max(0, host.clientWidth - menu.offsetWidth);
  menu.style.left = `${Math.min(Math.max(0, box.left - hostBox.left), widest)}px`;
  menu.style.top = `${box.bottom - hostBox.top + 8}px`;
}

function onMenuKey(event) {
  event.stopPropagation(); // the menu's keys are its own
  const s = pending()[state.suggestionMenu];
  const key = event.key;
  if (key === "Escape") {
    event.preventDefault();
    closeMenu();
  } else if (key === "a" && s) {
    event.preventDefault();
    accept([s]);
  } else if (key === "x" && s) {
    event.preventDefault();
    reject(s);
  } else if (labelByHotkey[key] && s) {
    event.preventDefault();
    accept([s], labelByHotkey[key].key);
  }
}

/** A click on a suggestion's mark opens its menu; true when the click was one. */
export function clickSuggestion(target) {
  const mark = target instanceof Element ? target.closest("mark.suggestion") : null;
  if (!mark) return false;
  openMenu(Number(mark.dataset.suggestion));
  return true;
}

/** Enter or Space on a focused suggestion opens its menu; true when the key was one. */
export function suggestionKey(event) {
  const mark = event.target instanceof Element ? event.target.closest("mark.suggestion") : null;
  if (!mark || (event.key !== "Enter" && event.key !== " ")) return false;
  event.preventDefault();
  openMenu(Number(mark.dataset.suggestion));
  return true;
}

async function load() {
  if (!data.suggestions_url || data.sentence.excluded || state.locked) return;
  let answer = null;
  try {
    const response = await fetch(data.suggestions_url, { credentials: "same-origin" });
    if (response.ok) answer = await response.json();
  } catch (err) {
    answer = null; // offline: annotating goes on without suggestions
  }
  if (!answer || !Array.isArray(answer.suggestions)) return;
  state.suggestionsOn = Boolean(answer.enabled);
  state.suggestions = answer.suggestions;
  const shown = pending();
  editor.render();
  document.body.dataset.suggestionsReady = "1";
  if (!shown.length) return;
  record("shown", shown);
  say(`${shown.length} suggestion${shown.length === 1 ? "" : "s"}: a accepts the next, ` +
    "Shift+A all, x rejects the next.");
}

/** Wire the suggestions to the editor (its redraw and its undoable edit) and fetch them. */
export function wireSuggestions(hooks) {
  editor = hooks;
  if (menu) {
    menu.addEventListener("keydown", onMenuKey);
    menu.addEventListener("focusout", (event) => {
      if (!menu.contains(event.relatedTarget) && state.suggestionMenu >= 0) closeMenu(false);
    });
  }
  return load();
}

export { renderMenu as renderSuggestionMenu, closeMenu as closeSuggestionMenu };
