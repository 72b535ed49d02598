// The span editor: select tokens, label them, save every change at once, never lose one.
// State lives in one object; the DOM is drawn from it and never read back (except the
// browser's text selection, converted to code points at the boundary).
import {
  codePointToUnitTable,
  findOverlap,
  segments,
  sliceCodePoints,
  snapToTokens,
  stateKey,
  unitToCodePoint,
} from "./offsets.js";
import { isField, keepFocusOnPress, modalDialog, shortcutsMayAct } from "./keys.js";

const data = JSON.parse(document.getElementById("editor-data").textContent);
let csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);
const els = {
  sentence: $("sentence"),
  popup: $("span-popup"),
  status: $("save-status"),
  statusValue: $("status-value"),
  list: $("span-list"),
  conflict: $("conflict"),
  message: $("editor-message"),
  help: $("help"),
  flag: $("flag-panel"),
  flagComment: $("flag-comment"),
};
const labels = data.schema.labels;
const labelByKey = Object.fromEntries(labels.map((l) => [l.key, l]));
const labelByHotkey = Object.fromEntries(labels.filter((l) => l.hotkey).map((l) => [l.hotkey, l]));
const storageKey = data.storage_key || `annotator:unsaved:${data.user}:${data.sentence.id}`;
const RETRY_MAX_MS = 30000;

const state = {
  text: data.sentence.text,
  table: codePointToUnitTable(data.sentence.text),
  tokens: data.tokens,
  spans: data.spans.map(copySpan),
  status: data.status || "in_progress",
  flagged: Boolean(data.flagged),
  flagComment: data.flag_comment || "",
  version: data.version,
  saved: null, // the last state the server confirmed
  undo: [],
  selection: null, // {start, end, first, last} in code points, snapped to tokens
  popupIndex: -1, // the span whose popup is open
  popupFilter: "",
  popupCursor: 0,
  dirty: false,
  inFlight: false,
  // Keys of states sent at the current version whose answer never came: if the server
  // later says it holds one of them, that was this page's own save, not someone else's.
  unconfirmed: [],
  tokenRefreshed: false, // a fresh CSRF token was fetched after the last refusal
  locked: false, // the server refused this user on this sentence (403/404): no more edits
  retryMs: 0,
  retryTimer: null,
  conflict: null,
  visibleSince: document.visibilityState === "visible" ? performance.now() : null,
  spentMs: 0,
  waiters: [],
};
state.saved = snapshot();

function copySpan(s) {
  return { start: s.start, end: s.end, label: s.label, attributes: { ...(s.attributes || {}) } };
}

function snapshot() {
  return {
    spans: state.spans.map(copySpan),
    status: state.status,
    flagged: state.flagged,
    flagComment: state.flagComment,
  };
}

/** A state as the server or localStorage spells it ({spans, status, flagged, flag_comment}). */
function fromWire(x) {
  return {
    spans: (x.spans || []).map(copySpan),
    status: x.status || "in_progress",
    flagged: Boolean(x.flagged),
    flagComment: x.flag_comment || "",
  };
}

function sameAsSaved() {
  return stateKey(state.saved) === stateKey(snapshot());
}

// ---------------------------------------------------------------- rendering

function render() {
  renderSentence();
  renderList();
  renderPopup();
  els.statusValue.textContent = state.status.replace("_", " ");
  document.querySelectorAll("[data-flag-state]").forEach((el) => {
    el.dataset.flagState = state.flagged ? "on" : "off";
  });
  $("btn-flag").classList.toggle("active", state.flagged);
}

function renderSentence() {
  const root = els.sentence;
  root.replaceChildren();
  for (const seg of segments(cpLength(), state.spans)) {
    const text = sliceCodePoints(state.text, state.table, seg.start, seg.end);
    if (seg.spanIndex === -1) {
      appendPlain(root, seg.start, seg.end, text);
      continue;
    }
    const span = state.spans[seg.spanIndex];
    const el = document.createElement("mark");
    el.className = "span";
    if (seg.spanIndex === state.popupIndex) el.classList.add("active");
    el.dataset.start = String(span.start);
    el.dataset.end = String(span.end);
    el.dataset.label = span.label;
    el.dataset.index = String(seg.spanIndex);
    const type = span.attributes && span.attributes.event_type;
    el.dataset.tag = type ? `${span.label} · ${eventTypeName(type)}` : span.label;
    el.title = el.dataset.tag;
    el.tabIndex = 0;
    paint(el, labelByKey[span.label]);
    el.append(document.createTextNode(text));
    root.append(el);
  }
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
  const piece = (x, y) => sliceCodePoints(state.text, state.table, x, y);
  if (a > start) root.append(document.createTextNode(piece(start, a)));
  const mark = document.createElement("span");
  mark.className = "pending";
  mark.append(document.createTextNode(piece(a, b)));
  root.append(mark);
  if (b < end) root.append(document.createTextNode(piece(b, end)));
}

function paint(el, label) {
  const color = (label && label.color) || "#777777";
  el.style.setProperty("--label-color", color);
}

function cpLength() {
  return state.table.length - 1;
}

function eventTypeName(value) {
  const attr = attributeOf("EVENT", "event_type");
  const found = attr && attr.values.find((v) => (v.value || v) === value);
  return found ? found.name || found.value : value;
}

function attributeOf(labelKey, attrKey) {
  const label = labelByKey[labelKey];
  return label && (label.attributes || []).find((a) => a.key === attrKey);
}

function renderList() {
  els.list.replaceChildren();
  state.spans
    .map((s, i) => [s, i])
    .sort((a, b) => a[0].start - b[0].start)
    .forEach(([span, index]) => {
      const li = document.createElement("li");
      li.className = "span-item";
      li.dataset.index = String(index);
      const chip = document.createElement("span");
      chip.className = "chip";
      paint(chip, labelByKey[span.label]);
      chip.textContent = span.label;
      const words = document.createElement("span");
      words.className = "words";
      words.textContent = sliceCodePoints(state.text, state.table, span.start, span.end);
      li.append(chip, document.createTextNode(" "), words);
      const type = span.attributes && span.attributes.event_type;
      if (span.label === "EVENT" || type) {
        const t = document.createElement("span");
        t.className = type ? "etype" : "etype missing";
        t.textContent = type ? eventTypeName(type) : "no event type";
        li.append(document.createTextNode(" "), t);
      }
      li.addEventListener("click", () => openPopup(index));
      els.list.append(li);
    });
}

function renderPopup() {
  const popup = els.popup;
  const index = state.popupIndex;
  if (index < 0 || !state.spans[index]) {
    popup.hidden = true;
    popup.replaceChildren();
    return;
  }
  const span = state.spans[index];
  const focused = focusKeyIn(popup);
  popup.hidden = false;
  popup.replaceChildren();
  const title = document.createElement("p");
  title.className = "popup-title";
  title.textContent = `“${sliceCodePoints(state.text, state.table, span.start, span.end)}”`;
  popup.append(title);
  const row = document.createElement("div");
  row.className = "popup-labels";
  for (const label of labels) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "label-choice";
    if (label.key === span.label) b.classList.add("current");
    b.dataset.label = label.key;
    paint(b, label);
    const k = document.createElement("kbd");
    k.textContent = label.hotkey;
    b.append(k, document.createTextNode(` ${label.name}`));
    b.addEventListener("click", () => relabel(index, label.key));
    row.append(b);
  }
  popup.append(row);
  const attr = attributeOf(span.label, "event_type");
  if (attr) popup.append(eventTypeChooser(span, attr));
  const del = document.createElement("button");
  del.type = "button";
  del.className = "danger small";
  del.id = "btn-delete-span";
  del.textContent = "Delete span (Del)";
  del.addEventListener("click", () => deleteSpan(index));
  popup.append(del);
  placePopup(index);
  if (focused) refocus(popup, focused);
}

// The popup is redrawn from the state on every change; the focus must survive that, or the
// next key would fall through to the page's shortcuts.
function focusKeyIn(root) {
  const el = document.activeElement;
  if (!el || !root.contains(el)) return null;
  if (el.id) return { id: el.id };
  if (el.dataset && el.dataset.label) return { label: el.dataset.label };
  return { first: true };
}

function refocus(root, key) {
  let el = null;
  if (key.id) el = document.getElementById(key.id);
  else if (key.label) el = root.querySelector(`button.label-choice[data-label="${CSS.escape(key.label)}"]`);
  el = el || firstField(root);
  if (el) el.focus({ preventScroll: true });
}

/** The popup's first field: the event-type chooser, else the span's current label. */
function firstField(root) {
  return (
    root.querySelector("#etype-filter") ||
    root.querySelector("button.label-choice.current") ||
    root.querySelector("button")
  );
}

function eventTypeChooser(span, attr) {
  const box = document.createElement("div");
  box.className = "etype-chooser";
  const input = document.createElement("input");
  input.type = "search";
  input.id = "etype-filter";
  input.placeholder = "Event type: type to filter, ↑/↓, Enter";
  input.value = state.popupFilter;
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-label", "Event type");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "true");
  input.setAttribute("aria-controls", "etype-list");
  input.autocomplete = "off";
  const list = document.createElement("ul");
  list.className = "etype-list";
  list.id = "etype-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Event types");
  const options = filteredEventTypes(attr);
  state.popupCursor = Math.min(state.popupCursor, Math.max(options.length - 1, 0));
  const groupName = Object.fromEntries((attr.groups || []).map((g) => [g.key, g.name]));
  let lastGroup = null;
  options.forEach((opt, i) => {
    if (opt.group !== lastGroup && opt.group) {
      const g = document.createElement("li");
      g.className = "etype-group";
      g.textContent = groupName[opt.group] || opt.group;
      list.append(g);
      lastGroup = opt.group;
    }
    const li = document.createElement("li");
    li.className = "etype-option";
    li.setAttribute("role", "option");
    li.id = `etype-option-${i}`;
    li.dataset.value = opt.value;
    const atCursor = i === state.popupCursor;
    li.setAttribute("aria-selected", atCursor ? "true" : "false");
    if (atCursor) {
      li.classList.add("cursor");
      input.setAttribute("aria-activedescendant", li.id);
    }
    if (span.attributes.event_type === opt.value) li.classList.add("chosen");
    li.textContent = opt.name || opt.value;
    li.addEventListener("click", () => setEventType(state.popupIndex, opt.value));
    list.append(li);
  });
  input.addEventListener("input", () => {
    state.popupFilter = input.value;
    state.popupCursor = 0;
    renderPopup();
    const again = $("etype-filter");
    again.focus();
    again.setSelectionRange(again.value.length, again.value.length);
  });
  input.addEventListener("keydown", onChooserKey);
  box.append(input, list);
  return box;
}

function filteredEventTypes(attr) {
  const needle = state.popupFilter.trim().toLowerCase();
  return attr.values
    .map((v) => (typeof v === "string" ? { value: v, name: v } : v))
    .filter(
      (v) => !needle || `${v.name} ${v.value} ${v.group || ""}`.toLowerCase().includes(needle),
    );
}

function onChooserKey(event) {
  const span = state.spans[state.popupIndex];
  if (!span) return;
  const attr = attributeOf(span.label, "event_type");
  const options = filteredEventTypes(attr);
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    state.popupCursor = (state.popupCursor + step + options.length) % Math.max(options.length, 1);
    renderPopup();
    $("etype-filter").focus();
  } else if (event.key === "Enter") {
    event.preventDefault();
    const option = options[state.popupCursor];
    if (option) setEventType(state.popupIndex, option.value);
  } else if (event.key === "Escape") {
    event.preventDefault();
    closePopup();
  } else if (event.key === "Delete" && !event.target.value) {
    // Nothing to delete in an empty filter: the key means the span, as elsewhere in the popup.
    event.preventDefault();
    deleteSpan(state.popupIndex);
  }
  event.stopPropagation(); // typed text is the filter's, never a page shortcut
}

/** Keys on the popup's buttons: label keys relabel, Delete removes, Escape closes. */
function onPopupKey(event) {
  event.stopPropagation();
  if (state.popupIndex < 0) return;
  const key = event.key;
  if (key === "Escape") {
    event.preventDefault();
    closePopup();
    return;
  }
  if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (labelByHotkey[key]) {
    event.preventDefault();
    relabel(state.popupIndex, labelByHotkey[key].key);
  } else if (key === "Delete" || key === "Backspace") {
    event.preventDefault();
    deleteSpan(state.popupIndex);
  }
  // Enter and Space activate the focused button (the browser's own behaviour), nothing else.
}

function placePopup(index) {
  const mark = els.sentence.querySelector(`mark.span[data-index="${index}"]`);
  if (!mark) return;
  const box = mark.getBoundingClientRect();
  const host = els.popup.offsetParent || document.body;
  const hostBox = host.getBoundingClientRect();
  // Under the span, but never past the reader's right edge (right-to-left text ends there).
  const widest = Math.max(0, host.clientWidth - els.popup.offsetWidth);
  els.popup.style.left = `${Math.min(Math.max(0, box.left - hostBox.left), widest)}px`;
  els.popup.style.top = `${box.bottom - hostBox.top + 8}px`;
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
  state.status = previous.status;
  state.flagged = previous.flagged;
  state.flagComment = previous.flagComment;
  state.popupIndex = -1;
  render();
  scheduleSave();
}

/** Open a span's popup with the focus in its first field, so keys typed go to the popup. */
function openPopup(index) {
  state.popupIndex = index;
  state.popupFilter = "";
  const span = state.spans[index];
  const attr = span && attributeOf(span.label, "event_type");
  const options = attr ? filteredEventTypes(attr) : [];
  const chosen = span && options.findIndex((o) => o.value === span.attributes.event_type);
  state.popupCursor = chosen > 0 ? chosen : 0;
  state.selection = null;
  render();
  const first = firstField(els.popup);
  if (first) first.focus({ preventScroll: true });
}

function closePopup() {
  state.popupIndex = -1;
  state.popupFilter = "";
  render();
  els.sentence.focus({ preventScroll: true });
}

function say(text) {
  els.message.textContent = text;
  els.message.hidden = !text;
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

// ---------------------------------------------------------------- saving

function pendingPayload() {
  return {
    spans: state.spans
      .map((s) => ({
        start: s.start,
        end: s.end,
        label: s.label,
        attributes: Object.fromEntries(Object.entries(s.attributes || {}).filter(([, v]) => v)),
      }))
      .sort((a, b) => a.start - b.start),
    status: state.status,
    version: state.version,
    flagged: state.flagged,
    flag_comment: state.flagged ? state.flagComment : "",
  };
}

function goldNote() {
  const reason = document.getElementById("gold-reason");
  const note = document.getElementById("gold-note");
  return { reason: (reason && reason.value) || null, note: (note && note.value.trim()) || null };
}

function remember() {
  // Unsaved work survives a reload or a crashed tab: kept until the server confirms it.
  try {
    localStorage.setItem(
      storageKey,
      JSON.stringify({ ...pendingPayload(), savedAt: Date.now() }),
    );
  } catch (err) {
    /* storage full or disabled: the retry loop still holds the state in memory */
  }
}

function forget() {
  try {
    localStorage.removeItem(storageKey);
  } catch (err) {
    /* ignore */
  }
}

function setSaveState(kind, text) {
  els.status.dataset.state = kind;
  els.status.textContent = text;
}

function spentSeconds() {
  const now = performance.now();
  let ms = state.spentMs;
  if (state.visibleSince !== null) ms += now - state.visibleSince;
  state.spentMs = 0;
  state.visibleSince = document.visibilityState === "visible" ? now : null;
  return Math.round(ms / 100) / 10;
}

function scheduleSave() {
  if (state.conflict) return;
  if (sameAsSaved() && !state.dirty) {
    forget();
    setSaveState("saved", "saved");
    settle(true);
    return;
  }
  remember();
  if (state.inFlight || state.retryTimer) {
    state.dirty = true;
    return;
  }
  send();
}

async function send() {
  state.dirty = false;
  state.inFlight = true;
  setSaveState("saving", "saving…");
  const payload = pendingPayload();
  const sentKey = stateKey(fromWire(payload));
  if (!state.unconfirmed.includes(sentKey)) state.unconfirmed.push(sentKey);
  // In the curator's gold editor (mode "gold") only spans and version go to the gold API,
  // with the page's reason and note; status, flag and time belong to annotations.
  const body = data.mode === "gold"
    ? { spans: payload.spans, version: payload.version, ...goldNote() }
    : { ...payload, time_spent: spentSeconds() };
  let response;
  let result = null;
  try {
    response = await fetch(data.api_url, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body),
    });
    result = await response.json().catch(() => null);
  } catch (err) {
    response = null;
  }
  state.inFlight = false;
  if (response && response.status === 200 && result) {
    accepted(result.version, fromWire(payload));
    return;
  }
  if (response && response.status === 409 && result && result.error) {
    const current = result.error.current;
    // A save that landed but whose answer was lost comes back as 409 on the retry; the
    // stored state is then this page's own (one version on), not another tab's change.
    if (
      current.version === payload.version + 1 &&
      state.unconfirmed.includes(stateKey(fromWire(current)))
    ) {
      accepted(current.version, fromWire(current));
      return;
    }
    showConflict(current);
    settle(false);
    return;
  }
  const csrfRefused = response && response.status === 400 && result && result.error &&
    result.error.code === "csrf";
  if (csrfRefused && !state.tokenRefreshed) {
    // Logged out or in again elsewhere: the session, and with it the CSRF token, changed.
    // Fetch a fresh token once, then send at once; refused again, the backoff takes over.
    state.tokenRefreshed = true;
    if (await refreshCsrfToken()) {
      send();
      return;
    }
  }
  if (!csrfRefused) state.tokenRefreshed = false;
  if (response && (response.status === 403 || response.status === 404)) {
    // The sentence is no longer this user's to edit (reassigned, batch removed, deleted).
    // What they typed is not thrown away: it stays on screen and in localStorage, and is
    // sent if the page is opened again once they may edit it; editing stops meanwhile.
    const message = (result && result.error && result.error.message) || `HTTP ${response.status}`;
    state.locked = true;
    say(`Not saved: ${message}. Your changes are kept in this browser and will be sent if ` +
      "you can edit this sentence again; ask an admin.");
    setSaveState("error", "not saved — you can no longer edit this sentence");
    settle(false);
    return;
  }
  if (response && response.status === 422) {
    const message = (result && result.error && result.error.message) || `HTTP ${response.status}`;
    const detail = result && result.error && result.error.spans
      ? ` (${result.error.spans.map((e) => e.message).join("; ")})`
      : "";
    say(`Not saved: ${message}${detail}. Your last saved state is shown again.`);
    state.spans = state.saved.spans.map(copySpan);
    state.status = state.saved.status;
    state.flagged = state.saved.flagged;
    state.flagComment = state.saved.flagComment;
    forget();
    render();
    setSaveState("saved", "saved");
    settle(false);
    return;
  }
  if (response && response.status === 401) {
    setSaveState(
      "error",
      "not saved — you are logged out; log in again in another tab, then it retries",
    );
  } else {
    setSaveState("error", "not saved — retrying");
  }
  retryLater();
}

/** The server holds ``saved`` as ``version``: record it, then send whatever changed since. */
function accepted(version, saved) {
  state.version = version;
  state.saved = saved;
  state.unconfirmed = [];
  state.retryMs = 0;
  if (!sameAsSaved()) {
    remember();
    send();
    return;
  }
  forget();
  setSaveState("saved", "saved");
  settle(true);
}

/** Read a fresh CSRF token from this page served again; true when one was found. */
async function refreshCsrfToken() {
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return false;
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    const meta = html.querySelector('meta[name="csrf-token"]');
    if (!meta || !meta.content) return false;
    csrfToken = meta.content;
    document.querySelector('meta[name="csrf-token"]').content = csrfToken;
    return true;
  } catch (err) {
    return false;
  }
}

function retryLater() {
  state.retryMs = state.retryMs ? Math.min(state.retryMs * 2, RETRY_MAX_MS) : 1000;
  clearTimeout(state.retryTimer);
  state.retryTimer = setTimeout(() => {
    state.retryTimer = null;
    send();
  }, state.retryMs);
}

function settle(ok) {
  const waiters = state.waiters;
  state.waiters = [];
  waiters.forEach((resolve) => resolve(ok));
}

/** Resolve true once everything is saved, false if saving failed for good. */
function whenSaved() {
  if (!state.inFlight && !state.retryTimer && !state.dirty && sameAsSaved() && !state.conflict) {
    return Promise.resolve(true);
  }
  if (state.conflict) return Promise.resolve(false);
  return new Promise((resolve) => state.waiters.push(resolve));
}

// ---------------------------------------------------------------- conflicts

function showConflict(current) {
  state.conflict = current;
  clearTimeout(state.retryTimer);
  state.retryTimer = null;
  setSaveState("error", "not saved — conflict");
  const box = els.conflict;
  box.hidden = false;
  box.replaceChildren();
  const p = document.createElement("p");
  p.textContent =
    "This sentence was changed in another tab or window since you opened it. " +
    "Nothing was overwritten. The saved version has:";
  const ul = document.createElement("ul");
  ul.className = "conflict-spans";
  if (!current.spans.length) {
    const li = document.createElement("li");
    li.textContent = "no spans";
    ul.append(li);
  }
  for (const s of current.spans) {
    const li = document.createElement("li");
    const eventType = s.attributes && s.attributes.event_type;
    const type = eventType ? ` · ${eventTypeName(eventType)}` : "";
    const words = sliceCodePoints(state.text, state.table, s.start, s.end);
    li.textContent = `${s.label}: “${words}”${type}`;
    ul.append(li);
  }
  const load = document.createElement("button");
  load.type = "button";
  load.id = "btn-load-saved";
  load.textContent = "Load the saved version (discard mine)";
  load.addEventListener("click", () => resolveConflict(false));
  const keep = document.createElement("button");
  keep.type = "button";
  keep.id = "btn-keep-mine";
  keep.className = "primary";
  keep.textContent = "Keep mine (save it over the saved version)";
  keep.addEventListener("click", () => resolveConflict(true));
  box.append(p, ul, load, document.createTextNode(" "), keep);
}

function resolveConflict(keepMine) {
  const current = state.conflict;
  if (!current) return;
  state.conflict = null;
  els.conflict.hidden = true;
  state.version = current.version;
  state.unconfirmed = [];
  state.saved = fromWire(current);
  if (!keepMine) {
    Object.assign(state, fromWire(current));
    state.undo = [];
    forget();
    setSaveState("saved", "saved");
    render();
    return;
  }
  render();
  scheduleSave();
}

// ---------------------------------------------------------------- navigation

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

// ---------------------------------------------------------------- events

function onKey(event) {
  if (event.defaultPrevented || help.isOpen) return;
  const target = event.target;
  const key = event.key;
  if (els.popup.contains(target)) return; // the popup's own handlers have it
  if (!shortcutsMayAct(target, els.sentence)) {
    // A field, a button or a link has the focus: its keys are its own. Escape leaves a
    // field (closing the flag form) and gives the keyboard back to the sentence.
    if (key === "Escape" && (isField(target) || els.flag.contains(target))) {
      event.preventDefault();
      if (els.flag.contains(target)) toggleFlag(false);
      else focusSentence();
    }
    return;
  }
  if (key === "?") {
    event.preventDefault();
    help.open();
    return;
  }
  if (key === "Escape") {
    toggleFlag(false);
    state.selection = null;
    window.getSelection().removeAllRanges();
    closePopup();
    return;
  }
  if (state.conflict) return;
  if ((event.ctrlKey || event.metaKey) && key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
    return;
  }
  if (event.ctrlKey || event.metaKey) return;
  if (event.shiftKey && (key === "ArrowRight" || key === "ArrowLeft")) {
    event.preventDefault();
    extendSelection(key === "ArrowRight" ? 1 : -1, false);
    return;
  }
  if (event.altKey && (key === "ArrowRight" || key === "ArrowLeft")) {
    event.preventDefault();
    extendSelection(key === "ArrowRight" ? 1 : -1, true);
    return;
  }
  if (event.altKey) return;
  const mark = target instanceof Element ? target.closest("mark.span") : null;
  if (mark && (key === "Enter" || key === " ")) {
    // Enter and Space on a focused span open it; they never mean "done" there.
    event.preventDefault();
    openPopup(Number(mark.dataset.index));
    return;
  }
  if (labelByHotkey[key]) {
    event.preventDefault();
    if (state.popupIndex >= 0) relabel(state.popupIndex, labelByHotkey[key].key);
    else {
      const browserSel = selectionFromBrowser();
      if (browserSel) state.selection = browserSel;
      labelSelection(labelByHotkey[key].key);
    }
    return;
  }
  if ((key === "Delete" || key === "Backspace") && state.popupIndex >= 0) {
    event.preventDefault();
    deleteSpan(state.popupIndex);
    return;
  }
  const actions = {
    ArrowRight: () => go(data.next_url),
    n: () => go(data.next_url),
    ArrowLeft: () => go(data.prev_url),
    p: () => go(data.prev_url),
    s: () => go(data.next_url || data.done_url, "skipped"),
    d: () => go(data.next_url || data.done_url, "done"),
    Enter: () => go(data.next_url || data.done_url, "done"),
    u: () => undo(),
    f: () => toggleFlag(true),
  };
  if (actions[key]) {
    event.preventDefault();
    actions[key]();
  }
}

const DRAG_PX = 4; // a press that moved further than this is a selection, not a click

function wire() {
  document.addEventListener("keydown", onKey);
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
    const mark = event.target.closest("mark.span");
    if (mark) openPopup(Number(mark.dataset.index));
  });
  els.popup.addEventListener("keydown", onPopupKey);
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
  document.addEventListener("visibilitychange", () => {
    const now = performance.now();
    if (document.visibilityState === "visible") state.visibleSince = now;
    else if (state.visibleSince !== null) {
      state.spentMs += now - state.visibleSince;
      state.visibleSince = null;
    }
  });
  window.addEventListener("online", () => {
    if (state.retryTimer) {
      clearTimeout(state.retryTimer);
      state.retryTimer = null;
      send();
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (!sameAsSaved() || state.inFlight) {
      remember();
      event.preventDefault();
    }
  });
}

function restoreUnsaved() {
  let stored = null;
  try {
    stored = JSON.parse(localStorage.getItem(storageKey) || "null");
  } catch (err) {
    stored = null;
  }
  if (!stored || !Array.isArray(stored.spans)) return;
  const mine = fromWire(stored);
  if (stateKey(mine) === stateKey(state.saved)) {
    // The server already holds it (the save landed, its answer did not): nothing to do.
    forget();
    return;
  }
  if (stored.version === state.version) {
    // Edits made on top of the state the server still holds: apply them (undoable) and send.
    change(() => Object.assign(state, mine));
    say("Unsaved changes from your last visit were restored and are being saved.");
    return;
  }
  // The server moved on meanwhile (another tab or device): show both and let the person
  // choose; never overwrite silently.
  Object.assign(state, mine);
  render();
  showConflict({
    spans: data.spans,
    status: data.status,
    version: data.version,
    flagged: data.flagged,
    flag_comment: data.flag_comment,
  });
}

wire();
render();
restoreUnsaved();
els.sentence.focus({ preventScroll: true });
document.body.dataset.editorReady = "1";

// For tests and the console: read-only access to the editor's state.
window.annotatorEditor = { state, whenSaved };
