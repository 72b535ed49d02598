// Saving: every change goes to the server at once. A failed save is retried with a doubling
// backoff, unsaved work waits in localStorage until the server confirms it, a 409 shows both
// versions and lets the person choose, and a fresh CSRF token is fetched once when the
// session changed meanwhile.
import { refreshCsrfToken, refusedForCsrf, sendJson } from "./api.js";
import {
  copyRelation,
  copySpan,
  data,
  els,
  eventTypeName,
  fromWire,
  sameAsSaved,
  say,
  state,
  textOf,
} from "./editor_state.js";
import { roleName } from "./frames.js";
import { stateKey } from "./offsets.js";

const storageKey = data.storage_key || `annotator:unsaved:${data.user}:${data.sentence.id}`;
const RETRY_MAX_MS = 30000;

// The editor's own steps, handed over by wireSaving: saving redraws and edits only through them.
const editor = { render: () => {}, change: () => false };

/** Hand saving the editor's `render` and `change`; track visible time, go online, unload. */
export function wireSaving(steps) {
  Object.assign(editor, steps);
  document.addEventListener("visibilitychange", trackVisibleTime);
  window.addEventListener("online", retryNow);
  window.addEventListener("beforeunload", keepUnsavedOnLeaving);
}

// ---------------------------------------------------------------- what is sent and kept

function pendingPayload() {
  const payload = {
    spans: state.spans
      .map((s) => ({
        start: s.start,
        end: s.end,
        label: s.label,
        attributes: Object.fromEntries(Object.entries(s.attributes || {}).filter(([, v]) => v)),
        ...(s.origin ? { origin: { source: s.origin.source, name: s.origin.name } } : {}),
      }))
      .sort((a, b) => a.start - b.start),
    status: state.status,
    version: state.version,
    flagged: state.flagged,
    flag_comment: state.flagged ? state.flagComment : "",
  };
  // Relations go with the spans they link, in the same save (one version for both).
  if (state.linking) payload.relations = state.relations.map(copyRelation);
  return payload;
}

/** The request body: the gold editor's differs from the annotation editor's. */
function requestBody(payload) {
  // In the curator's gold editor (mode "gold") only spans and version go to the gold API,
  // with the page's reason and note; status, flag and time belong to annotations.
  return data.mode === "gold"
    ? { spans: payload.spans, ...relationsOf(payload), version: payload.version, ...goldNote() }
    : { ...payload, time_spent: spentSeconds() };
}

function relationsOf(payload) {
  return payload.relations ? { relations: payload.relations } : {};
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

function readUnsaved() {
  try {
    return JSON.parse(localStorage.getItem(storageKey) || "null");
  } catch (err) {
    return null;
  }
}

function setSaveState(kind, text) {
  els.status.dataset.state = kind;
  els.status.textContent = text;
}

function trackVisibleTime() {
  const now = performance.now();
  if (document.visibilityState === "visible") state.visibleSince = now;
  else if (state.visibleSince !== null) {
    state.spentMs += now - state.visibleSince;
    state.visibleSince = null;
  }
}

function spentSeconds() {
  const now = performance.now();
  let ms = state.spentMs;
  if (state.visibleSince !== null) ms += now - state.visibleSince;
  state.spentMs = 0;
  state.visibleSince = document.visibilityState === "visible" ? now : null;
  return Math.round(ms / 100) / 10;
}

// ---------------------------------------------------------------- sending

/** Save the current state now, or once the save under way (or waiting to retry) is done. */
export function scheduleSave() {
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
  const { response, result } = await sendJson(data.api_url, "PUT", requestBody(payload));
  state.inFlight = false;
  await answered(payload, response, result);
}

/** Act on the server's answer to a save of `payload` (response null: no answer at all). */
async function answered(payload, response, result) {
  const status = response ? response.status : null;
  if (status === 200 && result) {
    accepted(result.version, fromWire(payload));
    return;
  }
  if (status === 409 && result && result.error && result.error.code === "frozen") {
    refused(status, result);
    return;
  }
  if (status === 409 && result && result.error) {
    conflicted(payload, result.error.current);
    return;
  }
  const csrfRefused = refusedForCsrf(response, result);
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
  if (status === 403 || status === 404) refused(status, result);
  else if (status === 422) rejected(status, result);
  else failed(status);
}

/** The server holds ``saved`` as ``version``: record it, then send whatever changed since. */
function accepted(version, saved) {
  state.version = version;
  state.saved = saved;
  state.unconfirmed = [];
  state.retryMs = 0;
  state.tokenRefreshed = false; // a later change of session may fetch a fresh token again
  if (!sameAsSaved()) {
    remember();
    send();
    return;
  }
  forget();
  setSaveState("saved", "saved");
  settle(true);
}

/** A 409: this page's own save that landed unanswered, or a change made elsewhere. */
function conflicted(payload, current) {
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
}

function errorMessage(status, result) {
  return (result && result.error && result.error.message) || `HTTP ${status}`;
}

/** A 403, 404 or 409 "frozen": the sentence is no longer this user's to edit. */
function refused(status, result) {
  // Reassigned, batch removed, deleted: what they typed is not thrown away. It stays on
  // screen and in localStorage, and is sent if the page is opened again once they may edit
  // it; editing stops meanwhile.
  const message = errorMessage(status, result);
  state.locked = true;
  say(`Not saved: ${message}. Your changes are kept in this browser and will be sent if ` +
    "you can edit this sentence again; ask an admin.");
  setSaveState("error", "not saved — you can no longer edit this sentence");
  settle(false);
}

/** A 422: the server refused the spans; show the last saved state again. */
function rejected(status, result) {
  const message = errorMessage(status, result);
  const error = (result && result.error) || {};
  const problems = [...(error.spans || []), ...(error.relations || [])];
  const detail = problems.length ? ` (${problems.map((e) => e.message).join("; ")})` : "";
  say(`Not saved: ${message}${detail}. Your last saved state is shown again.`);
  state.spans = state.saved.spans.map(copySpan);
  state.relations = state.saved.relations.map(copyRelation);
  state.linkSelected = -1;
  state.linkRole = null;
  state.status = state.saved.status;
  state.flagged = state.saved.flagged;
  state.flagComment = state.saved.flagComment;
  forget();
  editor.render();
  setSaveState("saved", "saved");
  settle(false);
}

/** No answer, or one that a later try may change (401, 5xx, a refused CSRF token): retry. */
function failed(status) {
  if (status === 401) {
    setSaveState(
      "error",
      "not saved — you are logged out; log in again in another tab, then it retries",
    );
  } else {
    setSaveState("error", "not saved — retrying");
  }
  retryLater();
}

function retryLater() {
  state.retryMs = state.retryMs ? Math.min(state.retryMs * 2, RETRY_MAX_MS) : 1000;
  clearTimeout(state.retryTimer);
  state.retryTimer = setTimeout(() => {
    state.retryTimer = null;
    send();
  }, state.retryMs);
}

/** Back online: a save waiting for its retry goes now. */
function retryNow() {
  if (state.retryTimer) {
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    send();
  }
}

function keepUnsavedOnLeaving(event) {
  if (!sameAsSaved() || state.inFlight) {
    remember();
    event.preventDefault();
  }
}

function settle(ok) {
  const waiters = state.waiters;
  state.waiters = [];
  waiters.forEach((resolve) => resolve(ok));
}

/** Resolve true once everything is saved, false if saving failed for good. */
export function whenSaved() {
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
  const load = conflictButton("btn-load-saved", "Load the saved version (discard mine)", false);
  const keep = conflictButton(
    "btn-keep-mine", "Keep mine (save it over the saved version)", true, "primary",
  );
  box.append(p, savedSpanList(current.spans));
  if (state.linking) box.append(savedLinkList(current.spans, current.relations || []));
  box.append(load, document.createTextNode(" "), keep);
}

/** The links of the version saved elsewhere: "EVENT “words” → role → “words”". */
function savedLinkList(spans, relations) {
  const ul = document.createElement("ul");
  ul.className = "conflict-links";
  if (!relations.length) {
    const li = document.createElement("li");
    li.textContent = "no links";
    ul.append(li);
  }
  for (const r of relations) {
    const head = spans.find((s) => s.start === r.head.start && s.end === r.head.end);
    const li = document.createElement("li");
    li.textContent = `“${textOf(r.head.start, r.head.end)}” → ${roleName(head, r.role)} → ` +
      `“${textOf(r.child.start, r.child.end)}”`;
    ul.append(li);
  }
  return ul;
}

/** The spans of the version saved elsewhere, as a list of "LABEL: “words” · type". */
function savedSpanList(spans) {
  const ul = document.createElement("ul");
  ul.className = "conflict-spans";
  if (!spans.length) {
    const li = document.createElement("li");
    li.textContent = "no spans";
    ul.append(li);
  }
  for (const s of spans) {
    const li = document.createElement("li");
    const eventType = s.attributes && s.attributes.event_type;
    const type = eventType ? ` · ${eventTypeName(eventType)}` : "";
    li.textContent = `${s.label}: “${textOf(s.start, s.end)}”${type}`;
    ul.append(li);
  }
  return ul;
}

function conflictButton(id, text, keepMine, className = null) {
  const button = document.createElement("button");
  button.type = "button";
  button.id = id;
  if (className) button.className = className;
  button.textContent = text;
  button.addEventListener("click", () => resolveConflict(keepMine));
  return button;
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
    editor.render();
    return;
  }
  editor.render();
  scheduleSave();
}

/** Bring back work this browser kept unsaved on the last visit: send it, or show a conflict. */
export function restoreUnsaved() {
  if (state.locked) return; // frozen: kept in this browser, sent if an admin reopens it
  const stored = readUnsaved();
  if (!stored || !Array.isArray(stored.spans)) return;
  const mine = fromWire(stored);
  if (stateKey(mine) === stateKey(state.saved)) {
    // The server already holds it (the save landed, its answer did not): nothing to do.
    forget();
    return;
  }
  if (stored.version === state.version) {
    // Edits made on top of the state the server still holds: apply them (undoable) and send.
    editor.change(() => Object.assign(state, mine));
    say("Unsaved changes from your last visit were restored and are being saved.");
    return;
  }
  // The server moved on meanwhile (another tab or device): show both and let the person
  // choose; never overwrite silently.
  Object.assign(state, mine);
  editor.render();
  showConflict({
    spans: data.spans,
    relations: data.relations || [],
    status: data.status,
    version: data.version,
    flagged: data.flagged,
    flag_comment: data.flag_comment,
  });
}
