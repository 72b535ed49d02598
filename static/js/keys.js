// Who owns a keystroke. A page's single-key shortcuts (n, d, s, Enter, 1-4 ...) act only
// while the focus is on the page's home element (the sentence) or on nothing; a key typed
// into a field, a button, a popup or a dialog belongs to that control, so typing a word or
// pressing Enter on "Skip" can never record a status the person did not choose.

/** True when a keydown aimed at ``target`` may run a page shortcut. */
export function shortcutsMayAct(target, home) {
  if (!target || target === document.body || target === document.documentElement) return true;
  return Boolean(home && home.contains(target));
}

/** True for elements whose keys are text or choices (their own, never a shortcut). */
export function isField(el) {
  return (
    el instanceof HTMLInputElement ||
    el instanceof HTMLTextAreaElement ||
    el instanceof HTMLSelectElement ||
    Boolean(el && el.isContentEditable)
  );
}

const FOCUSABLE =
  'button:not([disabled]):not([hidden]), [href], input:not([disabled]):not([type="hidden"]), ' +
  'select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog (the keyboard help): opening it moves the focus inside and keeps it there;
 * Escape (and ``closeKey``) closes it and gives the focus back; no other key reaches the page.
 */
export function modalDialog(dialog, { closeKey = null, restoreTo = null } = {}) {
  let returnTo = null;
  const focusables = () =>
    [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null);

  function open() {
    if (!dialog.hidden) return;
    returnTo = document.activeElement;
    dialog.hidden = false;
    const first = focusables()[0];
    if (first) first.focus();
  }

  function close() {
    if (dialog.hidden) return;
    dialog.hidden = true;
    // A hidden element keeps the focus until the browser's next focus fix-up; the body cannot
    // take it back with focus(), so let go at once: keys pressed next belong to the page.
    if (dialog.contains(document.activeElement)) document.activeElement.blur();
    const back = restoreTo ? restoreTo() : returnTo;
    if (back && back.isConnected && typeof back.focus === "function") {
      back.focus({ preventScroll: true });
    }
  }

  dialog.addEventListener("keydown", (event) => {
    event.stopPropagation(); // nothing typed in the dialog reaches the page behind it
    if (event.key === "Escape" || (closeKey && event.key === closeKey)) {
      event.preventDefault();
      close();
      return;
    }
    if (event.key === "Tab") {
      const items = focusables();
      if (!items.length) {
        event.preventDefault();
        return;
      }
      const i = items.indexOf(document.activeElement);
      const next = event.shiftKey ? (i <= 0 ? items.length - 1 : i - 1) : (i + 1) % items.length;
      event.preventDefault();
      items[next].focus();
    }
  });
  // A click on the dimmed backdrop (not on the card) closes it.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) close();
  });
  // Focus that somehow lands behind an open modal is brought back into it.
  document.addEventListener("focusin", (event) => {
    if (!dialog.hidden && !dialog.contains(event.target)) {
      const first = focusables()[0];
      if (first) first.focus();
    }
  });

  return {
    open,
    close,
    toggle: (show) => ((show === undefined ? dialog.hidden : show) ? open() : close()),
    get isOpen() {
      return !dialog.hidden;
    },
  };
}

/** Keep a button from taking the focus on a mouse press (the keyboard keeps its place). */
export function keepFocusOnPress(button) {
  button.addEventListener("mousedown", (event) => event.preventDefault());
}
