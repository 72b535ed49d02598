// The span editor's one state object, the page's data and the elements the editor draws into.
// Every module of the editor imports this same `state` and changes it in place; the DOM is
// drawn from it and never read back.
import { codePointToUnitTable, sliceCodePoints, stateKey } from "./offsets.js";

/** The editor's data, sent by the server in <script type="application/json" id="editor-data">. */
export const data = JSON.parse(document.getElementById("editor-data").textContent);

const $ = (id) => document.getElementById(id);

export const els = {
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

export const labels = data.schema.labels;
export const labelByKey = Object.fromEntries(labels.map((l) => [l.key, l]));
// Retired labels stay on their spans (colours, names) but get no hotkey and no button.
export const activeLabels = labels.filter((l) => !l.retired);
export const labelByHotkey = Object.fromEntries(
  activeLabels.filter((l) => l.hotkey).map((l) => [l.hotkey, l]),
);

export const state = {
  text: data.sentence.text,
  table: codePointToUnitTable(data.sentence.text),
  tokens: data.tokens,
  spans: data.spans.map(copySpan),
  // Event frames: links from an EVENT span to its arguments, by the spans' offsets. The page
  // links only when the server sent `relations` (the gold editor without them does not).
  linking: Array.isArray(data.relations),
  relations: (data.relations || []).map(copyRelation),
  linkHead: null, // {start, end} of the EVENT whose arguments the role keys link
  linkRole: null, // the role being linked (a role key was pressed), or null
  linkCursor: 0, // the candidate the keyboard points at while linking
  linkSelected: -1, // the link (index into relations) selected by a click
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
  // The server refused this user on this sentence (403/404), or the annotation is frozen
  // (counted in adjudication; 409 "frozen"): no more edits.
  locked: Boolean(data.frozen),
  retryMs: 0,
  retryTimer: null,
  conflict: null,
  visibleSince: document.visibilityState === "visible" ? performance.now() : null,
  spentMs: 0,
  waiters: [],
};
state.saved = snapshot();

/** A span copied with its own attributes object (edits never reach a stored state). */
export function copySpan(s) {
  const attributes = { ...(s.attributes || {}) };
  const span = { start: s.start, end: s.end, label: s.label, attributes };
  // The suggestion accepted to make it (suggestions.js), kept through undo, saves and retries.
  if (s.origin) span.origin = { source: s.origin.source, name: s.origin.name };
  return span;
}

/** A relation copied ({head: {start, end}, child: {start, end}, role}). */
export function copyRelation(r) {
  return {
    head: { start: r.head.start, end: r.head.end },
    child: { start: r.child.start, end: r.child.end },
    role: r.role,
  };
}

/** What the person would save now: spans, relations, status and flag. */
export function snapshot() {
  return {
    spans: state.spans.map(copySpan),
    relations: state.relations.map(copyRelation),
    status: state.status,
    flagged: state.flagged,
    flagComment: state.flagComment,
  };
}

/** A state as the server or localStorage spells it ({spans, relations, status, flagged,
 * flag_comment}); an absent `relations` means none. */
export function fromWire(x) {
  return {
    spans: (x.spans || []).map(copySpan),
    relations: (x.relations || []).map(copyRelation),
    status: x.status || "in_progress",
    flagged: Boolean(x.flagged),
    flagComment: x.flag_comment || "",
  };
}

/** True when the state on screen is the one the server last confirmed. */
export function sameAsSaved() {
  return stateKey(state.saved) === stateKey(snapshot());
}

/** The text of code points [start, end) of the sentence. */
export function textOf(start, end) {
  return sliceCodePoints(state.text, state.table, start, end);
}

/** The schema's attribute `attrKey` of label `labelKey` (undefined when it has none). */
export function attributeOf(labelKey, attrKey) {
  const label = labelByKey[labelKey];
  return label && (label.attributes || []).find((a) => a.key === attrKey);
}

/** An event type's display name (the value itself when the schema gives none). */
export function eventTypeName(value) {
  const attr = attributeOf("EVENT", "event_type");
  const found = attr && attr.values.find((v) => (v.value || v) === value);
  return found ? found.name || found.value : value;
}

/** Colour an element with its label's colour (through the CSSOM: the CSP refuses style=""). */
export function paint(el, label) {
  const color = (label && label.color) || "#777777";
  el.style.setProperty("--label-color", color);
}

/** Show a message under the sentence; an empty text hides it. */
export function say(text) {
  els.message.textContent = text;
  els.message.hidden = !text;
}
