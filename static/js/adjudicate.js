// Adjudication pages: colour the annotators' versions, and on a conflict page pick a version
// with one key (1-9), keep none (0), edit by hand (e), see the whole sentence (w), then move
// on to the next conflict. An argument conflict's page (page.kind "argument") picks an
// annotator's arguments of one event the same way. The server re-checks every decision
// (409 when it went stale).
import { sendJson } from "./api.js";
import { isField, modalDialog, shortcutsMayAct } from "./keys.js";

const page = JSON.parse(document.getElementById("adjudication-data").textContent);
const $ = (id) => document.getElementById(id);
const labelColor = Object.fromEntries(
  ((page.schema && page.schema.labels) || []).map((l) => [l.key, l.color || "#777777"]),
);

function paintAll() {
  // Colours come from the project's label schema; CSS cannot know them (no inline styles).
  document
    .querySelectorAll(".adj-line mark.span[data-label], .chip[data-label]")
    .forEach((el) => el.style.setProperty("--label-color", labelColor[el.dataset.label] || "#777777"));
}

function say(text) {
  const box = $("adj-message");
  if (!box) return;
  box.textContent = text;
  box.hidden = !text;
}

let busy = false;

async function decide(pick) {
  if (busy || !page.open) return;
  const body = {
    start: page.region[0],
    end: page.region[1],
    version: page.gold_version,
    choice: pick === 0 ? "none" : "version",
    reason: $("reason").value || null,
    note: $("note").value.trim() || null,
  };
  if (pick !== 0) body.pick = pick;
  if (page.kind) body.kind = page.kind;
  busy = true;
  say("saving…");
  const { response, result } = await sendJson(page.decide_url, "POST", body);
  busy = false;
  if (response && response.ok) {
    document.body.dataset.decided = String(pick);
    window.location.assign(page.next_url);
    return;
  }
  const message = (result && result.error && result.error.message) || "the server did not answer";
  if (response && response.status === 409) {
    say(`Not saved: ${message}. Reload the page to see the current state, or press s to move on.`);
  } else {
    say(`Not saved: ${message}.`);
  }
}

function onKey(event) {
  if (event.defaultPrevented) return;
  const target = event.target;
  // Shortcuts act only while the focus is on nothing (the page itself): keys typed into
  // the reason or note, or pressed on a button or link, are that control's own.
  if (!shortcutsMayAct(target, null)) {
    if (event.key === "Escape" && isField(target)) target.blur();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  const go = (url) => () => window.location.assign(url);
  const actions = {
    "?": () => help && help.open(),
    w: go(page.gold_url),
    q: go(page.queue_url),
    s: go(page.skip_url),
    e: go(page.edit_url),
    r: () => $("reason") && $("reason").focus(),
    t: () => $("note") && $("note").focus(),
  };
  if (/^[0-9]$/.test(key)) {
    const pick = Number(key);
    if (pick > page.versions) {
      say(`There is no annotator ${pick} here.`);
      return;
    }
    event.preventDefault();
    decide(pick);
    return;
  }
  if (actions[key]) {
    event.preventDefault();
    actions[key]();
  }
}

let help = null;

function wireConflictPage() {
  document.addEventListener("keydown", onKey);
  document.querySelectorAll("button.pick").forEach((button) => {
    button.addEventListener("click", () => decide(Number(button.dataset.pick)));
  });
  if ($("help")) {
    // Modal: while the help is open, no key acts on the conflict behind it.
    help = modalDialog($("help"), { closeKey: "?" });
    const close = $("help-close");
    if (close) close.addEventListener("click", () => help.close());
  }
}

paintAll();
// On the gold page the span editor owns the keyboard; here we only colour the rows.
if (page.decide_url) wireConflictPage();
document.body.dataset.adjudicationReady = "1";
