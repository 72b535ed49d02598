// The span popup: a span's label choices, its event-type chooser (a filterable combobox) and
// its Delete button, drawn from the state. While it is open it has the focus and its keys are
// its own: label keys relabel, Delete removes, Escape closes; none reaches the page.
import {
  attributeOf,
  els,
  labelByHotkey,
  labels,
  paint,
  state,
  textOf,
} from "./editor_state.js";
import { roleButtons, roleKeyIndex, rolesOf, selectHead, startLinking } from "./frames.js";

// The editor's steps, handed over by wirePopup: the popup edits and redraws only through them.
const editor = {
  render: () => {},
  relabel: () => {},
  setEventType: () => {},
  deleteSpan: () => {},
  undo: () => {},
};

/** Hand the popup the editor's steps (render, relabel, setEventType, deleteSpan, undo). */
export function wirePopup(steps) {
  Object.assign(editor, steps);
  els.popup.addEventListener("keydown", onPopupKey);
}

/** Open a span's popup with the focus in its first field, so keys typed go to the popup. */
export function openPopup(index) {
  state.popupIndex = index;
  state.popupFilter = "";
  const span = state.spans[index];
  selectHead(span); // an EVENT opened is the one whose arguments the role keys link
  const attr = span && attributeOf(span.label, "event_type");
  const options = attr ? filteredEventTypes(attr) : [];
  const chosen = span && options.findIndex((o) => o.value === span.attributes.event_type);
  state.popupCursor = chosen > 0 ? chosen : 0;
  state.selection = null;
  editor.render();
  const first = firstField(els.popup);
  if (first) first.focus({ preventScroll: true });
}

/** Close the popup and give the keyboard back to the sentence. */
export function closePopup() {
  state.popupIndex = -1;
  state.popupFilter = "";
  editor.render();
  els.sentence.focus({ preventScroll: true });
}

/** Draw the popup of the span `state.popupIndex` (hide it when none is open). */
export function renderPopup() {
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
  title.textContent = `“${textOf(span.start, span.end)}”`;
  popup.append(title, labelChoices(index, span));
  const attr = attributeOf(span.label, "event_type");
  if (attr) popup.append(eventTypeChooser(span, attr));
  if (state.linking && rolesOf(span.label).length) popup.append(argumentRow(span));
  popup.append(deleteButton(index));
  placePopup(index);
  if (focused) refocus(popup, focused);
}

function labelChoices(index, span) {
  const row = document.createElement("div");
  row.className = "popup-labels";
  for (const label of labels.filter((l) => !l.retired || l.key === span.label)) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "label-choice";
    if (label.key === span.label) b.classList.add("current");
    b.dataset.label = label.key;
    paint(b, label);
    const k = document.createElement("kbd");
    k.textContent = label.hotkey;
    b.append(k, document.createTextNode(` ${label.name}`));
    b.addEventListener("click", () => editor.relabel(index, label.key));
    row.append(b);
  }
  return row;
}

/** The EVENT's role buttons: one starts linking that role (the popup closes for the click). */
function argumentRow(span) {
  const row = document.createElement("div");
  row.className = "popup-roles";
  const intro = document.createElement("span");
  intro.className = "muted";
  intro.textContent = "Link an argument:";
  row.append(intro, ...roleButtons(span));
  return row;
}

function deleteButton(index) {
  const del = document.createElement("button");
  del.type = "button";
  del.className = "danger small";
  del.id = "btn-delete-span";
  del.textContent = "Delete span (Del)";
  del.addEventListener("click", () => editor.deleteSpan(index));
  return del;
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

// ---------------------------------------------------------------- the event-type chooser

function eventTypeChooser(span, attr) {
  const box = document.createElement("div");
  box.className = "etype-chooser";
  const input = chooserInput();
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
    const li = chooserOption(opt, i, span);
    if (i === state.popupCursor) input.setAttribute("aria-activedescendant", li.id);
    list.append(li);
  });
  box.append(input, list);
  return box;
}

function chooserInput() {
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
  input.addEventListener("input", () => {
    state.popupFilter = input.value;
    state.popupCursor = 0;
    renderPopup();
    const again = document.getElementById("etype-filter");
    again.focus();
    again.setSelectionRange(again.value.length, again.value.length);
  });
  input.addEventListener("keydown", onChooserKey);
  return input;
}

function chooserOption(opt, i, span) {
  const li = document.createElement("li");
  li.className = "etype-option";
  li.setAttribute("role", "option");
  li.id = `etype-option-${i}`;
  li.dataset.value = opt.value;
  const atCursor = i === state.popupCursor;
  li.setAttribute("aria-selected", atCursor ? "true" : "false");
  if (atCursor) li.classList.add("cursor");
  if (span.attributes.event_type === opt.value) li.classList.add("chosen");
  li.textContent = opt.name || opt.value;
  li.addEventListener("click", () => editor.setEventType(state.popupIndex, opt.value));
  return li;
}

function filteredEventTypes(attr) {
  const needle = state.popupFilter.trim().toLowerCase();
  const span = state.spans[state.popupIndex];
  return attr.values
    .map((v) => (typeof v === "string" ? { value: v, name: v } : v))
    // A retired event type is offered only on the span that already has it.
    .filter((v) => !v.retired || (span && span.attributes.event_type === v.value))
    .filter(
      (v) => !needle || `${v.name} ${v.value} ${v.group || ""}`.toLowerCase().includes(needle),
    );
}

// ---------------------------------------------------------------- keys

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
    document.getElementById("etype-filter").focus();
  } else if (event.key === "Enter") {
    event.preventDefault();
    const option = options[state.popupCursor];
    if (option) editor.setEventType(state.popupIndex, option.value);
  } else if (event.key === "Escape") {
    event.preventDefault();
    closePopup();
  } else if (event.key === "Delete" && !event.target.value) {
    // Nothing to delete in an empty filter: the key means the span, as elsewhere in the popup.
    event.preventDefault();
    editor.deleteSpan(state.popupIndex);
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
    editor.undo();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const span = state.spans[state.popupIndex];
  const role = span && rolesOf(span.label)[roleKeyIndex(event)];
  if (state.linking && role) {
    // A role key on the popup's buttons links that role of this EVENT (not in the filter,
    // whose keys are text).
    event.preventDefault();
    state.popupIndex = -1;
    startLinking(role.key);
    return;
  }
  if (labelByHotkey[key]) {
    event.preventDefault();
    editor.relabel(state.popupIndex, labelByHotkey[key].key);
  } else if (key === "Delete" || key === "Backspace") {
    event.preventDefault();
    editor.deleteSpan(state.popupIndex);
  }
  // Enter and Space activate the focused button (the browser's own behaviour), nothing else.
}
