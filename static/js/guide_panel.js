// The guidelines beside the text: `g` (or the Guidelines button) shows a panel with the
// definition and examples of the label and event type in hand. "In hand" is read from the
// page itself: the span whose popup is open (its label, its event type, or the event type
// highlighted in the chooser while one is being picked); with none, every label's definition.
import { shortcutsMayAct } from "./keys.js";

const panel = document.getElementById("guide-panel");
const sentence = document.getElementById("sentence");
const popup = document.getElementById("span-popup");
const toggleButton = document.getElementById("btn-guide");
const STORE = "annotator.guidePanel";

function inHand() {
  const mark = sentence.querySelector("mark.span.active");
  if (!mark) return { label: null, value: null };
  const highlighted = popup && !popup.hidden && popup.querySelector('li[aria-selected="true"]');
  const value = highlighted ? highlighted.dataset.value : mark.dataset.eventType || null;
  return { label: mark.dataset.label, value };
}

function show() {
  const { label, value } = inHand();
  let shown = 0;
  for (const entry of panel.querySelectorAll(".definition")) {
    const entryValue = entry.dataset.value ?? null;
    const visible = label === null
      ? entryValue === null
      : entry.dataset.label === label && (entryValue === null || entryValue === value);
    entry.hidden = !visible;
    if (visible) shown += 1;
  }
  panel.dataset.label = label ?? "";
  panel.dataset.value = value ?? "";
  panel.dataset.shown = String(shown);
}

function setOpen(open) {
  panel.hidden = !open;
  if (toggleButton) toggleButton.setAttribute("aria-expanded", String(open));
  try {
    localStorage.setItem(STORE, open ? "open" : "closed");
  } catch {
    /* private mode: the choice is just not remembered */
  }
  if (open) show();
}

if (panel && sentence) {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending || panel.hidden) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      show();
    });
  });
  observer.observe(sentence, { subtree: true, childList: true, attributes: true,
    attributeFilter: ["class"] });
  if (popup) observer.observe(popup, { subtree: true, childList: true, attributes: true,
    attributeFilter: ["aria-selected", "hidden"] });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "g" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (!shortcutsMayAct(event.target, sentence)) return;
    event.preventDefault();
    setOpen(panel.hidden);
  });
  if (toggleButton) toggleButton.addEventListener("click", () => setOpen(panel.hidden));
  const close = document.getElementById("guide-close");
  if (close) close.addEventListener("click", () => {
    setOpen(false);
    sentence.focus({ preventScroll: true });
  });
  let remembered = null;
  try {
    remembered = localStorage.getItem(STORE);
  } catch {
    remembered = null;
  }
  setOpen(remembered === "open");
}
