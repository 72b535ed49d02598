// The span editor: select tokens, label them, save every change at once, never lose one.
// State lives in one object (editor_state.js); the DOM is drawn from it and never read back
// (except the browser's text selection, converted to code points at the boundary). This
// module draws the sentence and the span list, edits, selects, owns the page's keys and wires
// the page; the popup (span_popup.js) and saving (saving.js) are their own modules.
import {
  attributeOf,
  data,
  els,
  eventTypeName,
  labelByHotkey,
  labelByKey,
  paint,
  sameAsSaved,
  say,
  snapshot,
  state,
  textOf,
} from "./editor_state.js";
import {
  clearLinking,
  clickWhileLinking,
  drawLinks,
  linkingKey,
  linkItems,
  markClasses,
  pruneRelations,
  renderLinkBar,
  wireFrames,
} from "./frames.js";
import { isField, keepFocusOnPress, modalDialog, shortcutsMayAct } from "./keys.js";
import { findOverlap, segments, snapToTokens, unitToCodePoint } from "./offsets.js";
import { articleOpen, openArticle, widenContext, wireReading } from "./reading.js";
import { restoreUnsaved, scheduleSave, whenSaved, wireSaving } from "./saving.js";
import { closePopup, openPopup, renderPopup, wirePopup } from "./span_popup.js";
import {
  acceptAll,
  acceptNext,
  clickSuggestion,
  closeSuggestionMenu,
  pending,
  rejectNext,
  renderSuggestionMenu,
  suggestionKey,
  suggestionMark,
  suggestionsOn,
  wireSuggestions,
} from "./suggestions.js";

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- rendering

function render() {
  renderSentence();
  renderList();
  renderLinkBar();
  drawLinks();
  renderPopup();
  renderSuggestionMenu();
  els.statusValue.textContent = statusWords();
  document.querySelectorAll("[data-flag-state]").forEach((el) => {
    el.dataset.flagState = state.flagged ? "on" : "off";
  });
  $("btn-flag").classList.toggle("active", state.flagged);
  renderFlagNotice();
}

/** The status in words: a sentence nobody saved yet is "not started", not "in progress". */
function statusWords() {
  if (state.version === 0 && state.status === "in_progress" && sameAsSaved()) {
    return "not started";
  }
  return state.status.replace("_", " ");
}

/** A flagged sentence says so plainly above the text, with the comment. */
function renderFlagNotice() {
  const notice = $("flag-notice");
  if (!notice) return;
  notice.hidden = !state.flagged;
  $("flag-notice-comment").textContent = state.flagComment
    ? `: “${state.flagComment}”`
    : " (no comment).";
}

function renderSentence() {
  const root = els.sentence;
  root.replaceChildren();
  // Pending suggestions are drawn among the spans (they never overlap one), dashed.
  const shown = pending();
  const n = state.spans.length;
  for (const seg of segments(cpLength(), [...state.spans, ...shown])) {
    const text = textOf(seg.start, seg.end);
    if (seg.spanIndex === -1) appendPlain(root, seg.start, seg.end, text);
    else if (seg.spanIndex >= n) root.append(suggestionMark(shown[seg.spanIndex - n], text));
    else root.append(spanMark(seg.spanIndex, text));
  }
}

function spanMark(index, text) {
  const span = state.spans[index];
  const el = document.createElement("mark");
  el.className = "span";
  if (index === state.popupIndex) el.classList.add("active");
  el.classList.add(...markClasses(span));
  el.dataset.start = String(span.start);
  el.dataset.end = String(span.end);
  el.dataset.label = span.label;
  el.dataset.index = String(index);
  const type = span.attributes && span.attributes.event_type;
  if (type) el.dataset.eventType = type;
  el.dataset.tag = type ? `${span.label} · ${eventTypeName(type)}` : span.label;
  el.title = el.dataset.tag;
  el.tabIndex = 0;
  paint(el, labelByKey[span.label]);
  el.append(document.createTextNode(text));
  return el;
}

function appendPlain(root, start, end, text) {
  // A pending selection is shown inside plain text.
  const sel = state.selection;
  if (!sel || sel.end <= start || sel.start >= end) {
    root.append(document.createTextNode(text));
    return;
  }
  const a = Math.max(sel.start, start);
  const b = Math.min(sel.end, end);
  if (a > start) root.append(document.createTextNode(textOf(start, a)));
  const mark = document.createElement("span");
  mark.className = "pending";
  mark.append(document.createTextNode(textOf(a, b)));
  root.append(mark);
  if (b < end) root.append(document.createTextNode(textOf(b, end)));
}

function cpLength() {
  return state.table.length - 1;
}

function renderList() {
  els.list.replaceChildren();
  state.spans
    .map((s, i) => [s, i])
    .sort((a, b) => a[0].start - b[0].start)
    .forEach(([span, index]) => els.list.append(spanItem(span, index)));
}

function spanItem(span, index) {
  const li = document.createElement("li");
  li.className = "span-item";
  li.dataset.index = String(index);
  const chip = document.createElement("span");
  chip.className = "chip";
  paint(chip, labelByKey[span.label]);
  chip.textContent = span.label;
  const words = document.createElement("span");
  words.className = "words";
  words.textContent = textOf(span.start, span.end);
  words.dir = "auto"; // Arabic words keep their order inside the left-to-right list
  // A button, so the keyboard reaches it too (Tab, then Enter or Space opens the span).
  const open = document.createElement("button");
  open.type = "button";
  open.className = "span-open";
  open.append(chip, document.createTextNode(" "), words);
  const type = span.attributes && span.attributes.event_type;
  if (span.label === "EVENT" || type) {
    const t = document.createElement("span");
    t.className = type ? "etype" : "etype missing";
    t.textContent = type ? eventTypeName(type) : "no event type";
    open.append(document.createTextNode(" "), t);
  }
  if (span.origin) {
    const o = document.createElement("span");
    o.className = "origin muted";
    o.textContent = ` suggested · ${span.origin.source} “${span.origin.name}”`;
    open.append(o);
  }
  open.addEventListener("click", () => openPopup(index));
  li.append(open);
  const links = state.linking ? linkItems(span) : null;
  if (links) li.append(links);
  return li;
}

// ---------------------------------------------------------------- editing

const EXCLUDED_MESSAGE =
  "This sentence is excluded from annotation (boilerplate): it cannot be labelled.";

/** Apply an edit (undoable) and save it; false when this sentence takes no edits. */
function change(mutator) {
  if (data.sentence.excluded) {
    say(EXCLUDED_MESSAGE);
    return false;
  }
  if (state.locked) return false;
  state.undo.push(snapshot());
  if (state.undo.length > 200) state.undo.shift();
  mutator();
  pruneRelations(); // a deleted or relabelled span takes its links along, in this same step
  render();
  scheduleSave();
  return true;
}

function labelSelection(labelKey) {
  const sel = state.selection;
  if (!sel) {
    say("Select some words first, then press a label key.");
    return;
  }
  const clash = findOverlap(state.spans, sel.start, sel.end);
  if (clash !== -1) {
    say("That selection overlaps an existing span; change or delete that span first.");
    return;
  }
  let created = -1;
  const changed = change(() => {
    state.spans.push({ start: sel.start, end: sel.end, label: labelKey, attributes: {} });
    created = state.spans.length - 1;
    state.selection = null;
  });
  if (!changed) return;
  window.getSelection().removeAllRanges();
  say("");
  if (attributeOf(labelKey, "event_type")) openPopup(created);
}

function relabel(index, labelKey) {
  const span = state.spans[index];
  if (!span || span.label === labelKey) return;
  change(() => {
    span.label = labelKey;
    const keep = {};
    for (const [k, v] of Object.entries(span.attributes)) {
      if (attributeOf(labelKey, k)) keep[k] = v;
    }
    span.attributes = keep;
  });
  if (attributeOf(labelKey, "event_type")) openPopup(index);
}

function setEventType(index, value) {
  const span = state.spans[index];
  if (!span) return;
  change(() => {
    span.attributes = { ...span.attributes, event_type: value };
  });
  closePopup();
}

function deleteSpan(index) {
  if (!state.spans[index]) return;
  change(() => {
    state.spans.splice(index, 1);
  });
  closePopup();
}

function undo() {
  const previous = state.undo.pop();
  if (!previous) {
    say("Nothing to undo.");
    return;
  }
  state.spans = previous.spans;
  state.relations = previous.relations;
  state.linkRole = null;
  state.linkSelected = -1;
  state.status = previous.status;
  state.flagged = previous.flagged;
  state.flagComment = previous.flagComment;
  state.popupIndex = -1;
  render();
  scheduleSave();
}

// ---------------------------------------------------------------- selection

function selectionFromBrowser() {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0) return null;
  const range = sel.getRangeAt(0);
  if (!range.intersectsNode(els.sentence)) return null;
  // Clip a drag that began or ended outside the sentence (in the faded context around it).
  const whole = document.createRange();
  whole.selectNodeContents(els.sentence);
  const units = state.table[state.table.length - 1];
  const a = range.compareBoundaryPoints(Range.START_TO_START, whole) <= 0
    ? 0
    : unitOffset(range.startContainer, range.startOffset);
  const b = range.compareBoundaryPoints(Range.END_TO_END, whole) >= 0
    ? units
    : unitOffset(range.endContainer, range.endOffset);
  const start = unitToCodePoint(state.table, Math.min(a, b));
  const end = unitToCodePoint(state.table, Math.max(a, b));
  if (start === end) return null;
  return snapToTokens(state.tokens, start, end);
}

function unitOffset(node, offset) {
  // UTF-16 units from the sentence start to (node, offset): the length of the text before it.
  const probe = document.createRange();
  probe.setStart(els.sentence, 0);
  probe.setEnd(node, offset);
  return probe.toString().length;
}

function extendSelection(step, move) {
  const n = state.tokens.length;
  if (!n) return;
  let sel = state.selection;
  if (!sel) {
    const i = step > 0 ? 0 : n - 1;
    sel = { first: i, last: i };
  } else if (move) {
    const first = Math.min(Math.max(sel.first + step, 0), n - 1);
    const last = Math.min(Math.max(sel.last + step, 0), n - 1);
    sel = { first, last };
  } else {
    const last = Math.min(Math.max(sel.last + step, sel.first), n - 1);
    sel = { first: sel.first, last };
  }
  state.selection = {
    first: sel.first,
    last: sel.last,
    start: state.tokens[sel.first][0],
    end: state.tokens[sel.last][1],
  };
  window.getSelection().removeAllRanges();
  render();
}

// ---------------------------------------------------------------- navigation and the flag

async function go(url, status) {
  if (status && state.status !== status && !data.sentence.excluded) {
    change(() => {
      state.status = status;
    });
  }
  if (!url) {
    say("This is the last sentence in this direction.");
    return;
  }
  if (state.locked) {
    window.location.assign(url); // the refused changes wait in localStorage
    return;
  }
  if (state.retryTimer) say("Leaving as soon as this sentence is saved…");
  const ok = await whenSaved();
  if (ok) window.location.assign(url);
  else say("Not leaving: this sentence could not be saved yet. Resolve the message above first.");
}

// The keyboard help is modal: while it is open no key reaches the sentence behind it.
const help = modalDialog(els.help, { closeKey: "?", restoreTo: () => els.sentence });

function focusSentence() {
  els.sentence.focus({ preventScroll: true });
}

function toggleFlag(show) {
  const open = show === undefined ? els.flag.hidden : show;
  els.flag.hidden = !open;
  if (open) {
    els.flagComment.value = state.flagComment;
    els.flagComment.focus();
  } else if (els.flag.contains(document.activeElement) || document.activeElement === document.body) {
    focusSentence();
  }
}

function saveFlag(flagged) {
  change(() => {
    state.flagged = flagged;
    state.flagComment = flagged ? els.flagComment.value.trim() : "";
  });
  toggleFlag(false);
}

// ---------------------------------------------------------------- keys

/** The page's keys: they act only while the sentence (or nothing) has the focus. */
function onKey(event) {
  if (event.defaultPrevented || help.isOpen || articleOpen()) return;
  const target = event.target;
  const key = event.key;
  if (els.popup.contains(target)) return; // the popup's own handlers have it
  if (!shortcutsMayAct(target, els.sentence)) {
    leaveField(event);
    return;
  }
  if (key === "?") {
    event.preventDefault();
    help.open();
    return;
  }
  if (!state.conflict && linkingKey(event)) return;
  if (key === "Escape") {
    closeSuggestionMenu();
    toggleFlag(false);
    clearLinking();
    state.selection = null;
    window.getSelection().removeAllRanges();
    closePopup();
    return;
  }
  if (state.conflict) return;
  if (editingKey(event)) return;
  const action = pageActions[key];
  if (action) {
    event.preventDefault();
    action();
  }
}

/** A field, a button or a link has the focus: its keys are its own, but Escape leaves it. */
function leaveField(event) {
  // Escape leaves a field (closing the flag form) and gives the keyboard back to the sentence.
  const target = event.target;
  if (event.key === "Escape" && (isField(target) || els.flag.contains(target))) {
    event.preventDefault();
    if (els.flag.contains(target)) toggleFlag(false);
    else focusSentence();
  }
}

/** Undo, keyboard selection, label keys, Enter on a span, Delete: true when the key was one. */
function editingKey(event) {
  const key = event.key;
  if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
    return true;
  }
  if (event.ctrlKey || event.metaKey) return true;
  if ((event.shiftKey || event.altKey) && (key === "ArrowRight" || key === "ArrowLeft")) {
    event.preventDefault();
    // Shift grows or shrinks the selection; Alt moves it (Shift wins when both are held).
    // The arrows are visual: in a right-to-left sentence the left arrow reads on.
    const rightward = key === "ArrowRight" ? 1 : -1;
    extendSelection(els.sentence.matches(":dir(rtl)") ? -rightward : rightward, !event.shiftKey);
    return true;
  }
  if (event.altKey) return true;
  if (suggestionKey(event)) return true;
  const mark = event.target instanceof Element ? event.target.closest("mark.span") : null;
  if (mark && (key === "Enter" || key === " ")) {
    // Enter and Space on a focused span open it; they never mean "done" there.
    event.preventDefault();
    openPopup(Number(mark.dataset.index));
    return true;
  }
  if (labelByHotkey[key]) {
    event.preventDefault();
    labelKey(labelByHotkey[key].key);
    return true;
  }
  if ((key === "Delete" || key === "Backspace") && state.popupIndex >= 0) {
    event.preventDefault();
    deleteSpan(state.popupIndex);
    return true;
  }
  return false;
}

/** A label key: relabel the open span, else label the selection (the browser's, if any). */
function labelKey(label) {
  if (state.popupIndex >= 0) relabel(state.popupIndex, label);
  else {
    const browserSel = selectionFromBrowser();
    if (browserSel) state.selection = browserSel;
    labelSelection(label);
  }
}

const pageActions = {
  ArrowRight: () => go(data.next_url),
  n: () => go(data.next_url),
  ArrowLeft: () => go(data.prev_url),
  p: () => go(data.prev_url),
  s: () => go(data.next_url || data.done_url, "skipped"),
  d: () => go(data.next_url || data.done_url, "done"),
  Enter: () => go(data.next_url || data.done_url, "done"),
  u: () => undo(),
  f: () => toggleFlag(true),
  // With suggestions on, `a` accepts the next one (the whole article stays on `w`).
  a: () => (suggestionsOn() ? acceptNext() : openArticle()),
  A: () => acceptAll(),
  x: () => rejectNext(),
  w: () => openArticle(),
  "+": () => widenContext(1),
  "=": () => widenContext(1),
  "-": () => widenContext(-1),
};

// ---------------------------------------------------------------- wiring

const DRAG_PX = 4; // a press that moved further than this is a selection, not a click

function wireMouse() {
  let pressedAt = null;
  els.sentence.addEventListener("mousedown", (event) => {
    pressedAt = { x: event.clientX, y: event.clientY };
  });
  // On the document: a drag may end past the sentence (beyond its last word).
  document.addEventListener("mouseup", () => {
    const snapped = selectionFromBrowser();
    if (snapped) {
      state.selection = snapped;
      state.popupIndex = -1;
      window.getSelection().removeAllRanges();
      render();
    }
  });
  els.sentence.addEventListener("click", (event) => {
    const dragged =
      pressedAt &&
      Math.hypot(event.clientX - pressedAt.x, event.clientY - pressedAt.y) > DRAG_PX;
    pressedAt = null;
    if (dragged) return; // the click that ends a drag must not open a span's popup
    if (!state.linkRole && clickSuggestion(event.target)) return;
    const mark = event.target.closest("mark.span");
    if (!mark || clickWhileLinking(mark)) return;
    state.linkSelected = -1;
    openPopup(Number(mark.dataset.index));
  });
}

function wireToolbar() {
  document.querySelectorAll(".label-button").forEach((button) => {
    paint(button, labelByKey[button.dataset.label]);
    keepFocusOnPress(button); // and the text selection
    button.addEventListener("click", () => {
      if (state.popupIndex >= 0) relabel(state.popupIndex, button.dataset.label);
      else labelSelection(button.dataset.label);
    });
  });
  $("btn-prev").addEventListener("click", () => go(data.prev_url));
  $("btn-next").addEventListener("click", () => go(data.next_url));
  $("btn-skip").addEventListener("click", () => go(data.next_url || data.done_url, "skipped"));
  $("btn-done").addEventListener("click", () => go(data.next_url || data.done_url, "done"));
  $("btn-undo").addEventListener("click", undo);
  $("btn-help").addEventListener("click", () => help.open());
  $("help-close").addEventListener("click", () => help.close());
  // A mouse click on a toolbar button leaves the focus on the sentence, so the keys go on
  // working; a button reached with Tab keeps it, and Enter or Space there is that button's.
  document.querySelectorAll(".toolbar .actions button, #flag-panel button").forEach(keepFocusOnPress);
  $("btn-flag").addEventListener("click", () => toggleFlag());
  $("flag-save").addEventListener("click", () => saveFlag(true));
  $("flag-clear").addEventListener("click", () => saveFlag(false));
}

function wire() {
  document.addEventListener("keydown", onKey);
  wireMouse();
  wirePopup({ render, relabel, setEventType, deleteSpan, undo });
  wireToolbar();
  wireSaving({ render, change });
  wireFrames({ render, change });
  wireReading({ restoreTo: () => els.sentence });
  wireSuggestions({ render, change });
}

wire();
render();
restoreUnsaved();
els.sentence.focus({ preventScroll: true });
document.body.dataset.editorReady = "1";

// For tests and the console: read-only access to the editor's state.
window.annotatorEditor = { state, whenSaved, drawLinks };
