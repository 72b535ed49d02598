// JSON calls to the server, protected by the page's CSRF token: it is read from
// <meta name="csrf-token"> at every call and sent as X-CSRFToken, so a refreshed token is
// used from the next call on.

function csrfMeta() {
  return document.querySelector('meta[name="csrf-token"]');
}

/**
 * Send `body` as JSON with the CSRF token. Resolves to {response, result}: the response, or
 * null when the server could not be reached; its JSON body, or null when it sent none.
 */
export async function sendJson(url, method, body) {
  let response = null;
  let result = null;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfMeta().content },
      body: JSON.stringify(body),
    });
    result = await response.json().catch(() => null);
  } catch (err) {
    response = null;
  }
  return { response, result };
}

/** True when the server refused a call for its CSRF token (the session changed meanwhile). */
export function refusedForCsrf(response, result) {
  return Boolean(
    response && response.status === 400 && result && result.error &&
      result.error.code === "csrf",
  );
}

/** Read a fresh CSRF token from this page served again; true when one was found. */
export async function refreshCsrfToken() {
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return false;
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    const meta = html.querySelector('meta[name="csrf-token"]');
    if (!meta || !meta.content) return false;
    csrfMeta().content = meta.content;
    return true;
  } catch (err) {
    return false;
  }
}
