// Reading aids of the annotation page: how much of the article shows around the sentence
// (±1 to ±5 sentences, remembered per user in localStorage) and the whole article in a
// dialog (key `a` or the "Whole article" link), read-only, the current sentence highlighted.
// The gold editor loads the same editor without these elements: every function here then
// does nothing.
import { data } from "./editor_state.js";
import { modalDialog } from "./keys.js";

const $ = (id) => document.getElementById(id);

export const CONTEXT_MIN = 1;
export const CONTEXT_MAX = 5;
const contextKey = `annotator:context:${data.user}`;

/** The number of sentences shown either side, as this user last chose it (1 by default). */
export function contextSize() {
  let stored = null;
  try {
    stored = window.localStorage.getItem(contextKey);
  } catch (err) {
    stored = null; // storage refused (private mode): the default
  }
  const n = Number.parseInt(stored || "", 10);
  return Number.isFinite(n) ? clamp(n) : CONTEXT_MIN;
}

function clamp(n) {
  return Math.min(Math.max(n, CONTEXT_MIN), CONTEXT_MAX);
}

/** Show ``n`` sentences either side (clamped to 1..5) and remember it for this user. */
export function setContext(n) {
  const size = clamp(n);
  try {
    window.localStorage.setItem(contextKey, String(size));
  } catch (err) {
    // not remembered; still shown
  }
  showContext(size);
}

/** Widen (+1) or narrow (-1) the context. */
export function widenContext(step) {
  setContext(contextSize() + step);
}

function showContext(size) {
  const label = $("context-size");
  if (!label) return;
  document.querySelectorAll(".context-block .context").forEach((p) => {
    p.hidden = Number(p.dataset.distance) > size;
  });
  label.textContent = `±${size} sentence${size === 1 ? "" : "s"}`;
  $("context-less").disabled = size <= CONTEXT_MIN;
  $("context-more").disabled = size >= CONTEXT_MAX;
}

// ---------------------------------------------------------------- the whole article

let article = null; // the dialog's controller, once wired
let loaded = false;

/** True while the article dialog is open (no page key acts then). */
export function articleOpen() {
  return Boolean(article && article.isOpen);
}

/** Open the whole article over the page; Escape or Close gives the keyboard back. */
export function openArticle() {
  if (!article) return;
  article.open();
  if (!loaded) loadArticle();
  else scrollToCurrent();
}

async function loadArticle() {
  const text = $("article-text");
  try {
    const response = await fetch(data.article_api_url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const body = await response.json().catch(() => null);
    if (!response.ok || !body) {
      const why = body && body.error ? body.error.message : `the server answered ${response.status}`;
      text.textContent = `The article could not be loaded: ${why}.`;
      return;
    }
    drawArticle(body);
    loaded = true;
  } catch (err) {
    text.textContent = "The article could not be loaded: the server cannot be reached.";
  }
}

function drawArticle(body) {
  const facts = $("article-facts");
  facts.replaceChildren();
  const parts = [];
  if (body.outlet) parts.push(document.createTextNode(body.outlet));
  if (body.published) {
    const time = document.createElement("time");
    time.dateTime = body.published;
    time.textContent = new Date(`${body.published}T00:00:00Z`).toLocaleDateString(undefined, {
      day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
    });
    parts.push(time);
  }
  parts.push(document.createTextNode(
    `${body.sentence_count} sentence${body.sentence_count === 1 ? "" : "s"}`,
  ));
  if (body.link) {
    const a = document.createElement("a");
    a.href = body.link; // http(s) only: the server sends no other link
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    a.textContent = body.url;
    a.id = "article-url";
    parts.push(a);
  } else if (body.url) {
    parts.push(document.createTextNode(body.url));
  }
  parts.forEach((part, i) => {
    if (i) facts.append(document.createTextNode(" · "));
    facts.append(part);
  });
  const page = document.createElement("a");
  page.href = data.article_url;
  page.textContent = "open as a page";
  facts.append(document.createTextNode(" · "), page);

  const text = $("article-text");
  text.replaceChildren();
  for (const piece of body.pieces) {
    if (piece.index === null) {
      text.append(document.createTextNode(piece.text));
      continue;
    }
    const el = document.createElement(piece.current ? "mark" : "span");
    el.className = piece.current ? "current-sentence" : "article-sentence";
    if (piece.excluded) el.classList.add("excluded");
    el.dataset.index = String(piece.index);
    el.textContent = piece.text;
    text.append(el);
  }
  scrollToCurrent();
}

function scrollToCurrent() {
  const current = document.querySelector("#article-text .current-sentence");
  if (current) current.scrollIntoView({ block: "center" });
}

/** Wire the context buttons and the article dialog; ``restoreTo`` gets the focus back. */
export function wireReading({ restoreTo }) {
  const dialog = $("article-dialog");
  if ($("context-size")) {
    showContext(contextSize());
    $("context-less").addEventListener("click", () => widenContext(-1));
    $("context-more").addEventListener("click", () => widenContext(1));
    for (const id of ["context-less", "context-more"]) {
      $(id).addEventListener("mousedown", (event) => event.preventDefault());
    }
  }
  if (!dialog) return;
  article = modalDialog(dialog, { restoreTo });
  $("article-close").addEventListener("click", () => article.close());
  $("article-link").addEventListener("click", (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault(); // the dialog keeps the person's place; a new tab gets the page
    openArticle();
  });
}
