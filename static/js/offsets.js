// Pure helpers for the span editor: offset conversion, token snapping, overlap, segments.
// Offsets from the server are Unicode code points (Python string indices); JavaScript
// strings count UTF-16 code units, so every boundary is converted here and nowhere else.

/** Map every code-point index of `text` (0..length) to its UTF-16 unit index. */
export function codePointToUnitTable(text) {
  const table = [0];
  let unit = 0;
  for (const ch of text) {
    unit += ch.length; // 2 for astral-plane characters (emoji), 1 otherwise
    table.push(unit);
  }
  return table;
}

/** Convert a UTF-16 unit offset to a code-point offset (rounding down inside a pair). */
export function unitToCodePoint(table, unit) {
  let lo = 0;
  let hi = table.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (table[mid] <= unit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The code-point length of a string. */
export function codePointLength(text) {
  let n = 0;
  for (const _ of text) n += 1; // eslint-disable-line no-unused-vars
  return n;
}

/**
 * Snap [start, end) outward to whole tokens: the result covers every token the range
 * touches. A collapsed range inside a token selects that token. Returns null when the
 * range touches no token (only spaces).
 */
export function snapToTokens(tokens, start, end) {
  if (end < start) [start, end] = [end, start];
  let first = -1;
  let last = -1;
  for (let i = 0; i < tokens.length; i += 1) {
    const [ts, te] = tokens[i];
    const touches = start === end ? ts <= start && start < te : ts < end && start < te;
    if (touches) {
      if (first === -1) first = i;
      last = i;
    }
  }
  if (first === -1) return null;
  return { start: tokens[first][0], end: tokens[last][1], first, last };
}

/** Index of the first span overlapping [start, end), ignoring index `skip`; -1 if none. */
export function findOverlap(spans, start, end, skip = -1) {
  return spans.findIndex((s, i) => i !== skip && s.start < end && start < s.end);
}

/**
 * Cut the text [0, length) into consecutive segments: plain runs and spans (sorted, flat).
 * Each segment is {start, end, spanIndex} with spanIndex -1 for plain text.
 */
export function segments(length, spans) {
  const order = spans.map((s, i) => [s, i]).sort((a, b) => a[0].start - b[0].start);
  const out = [];
  let pos = 0;
  for (const [span, index] of order) {
    if (span.start > pos) out.push({ start: pos, end: span.start, spanIndex: -1 });
    out.push({ start: span.start, end: span.end, spanIndex: index });
    pos = span.end;
  }
  if (pos < length) out.push({ start: pos, end: length, spanIndex: -1 });
  return out;
}

/** Slice `text` by code-point offsets using a table from codePointToUnitTable. */
export function sliceCodePoints(text, table, start, end) {
  return text.slice(table[start], table[end]);
}

/** Spans in a canonical order, for comparing two states. */
export function canonical(spans) {
  return JSON.stringify(
    [...spans]
      .map((s) => ({
        start: s.start,
        end: s.end,
        label: s.label,
        attributes: Object.fromEntries(
          Object.entries(s.attributes || {})
            .filter(([, v]) => v !== null && v !== undefined && v !== "")
            .sort(),
        ),
        origin: s.origin ? `${s.origin.source}|${s.origin.name}` : null,
      }))
      .sort((a, b) => a.start - b.start || a.end - b.end),
  );
}

/** Relations in a canonical order (head, role, child), for comparing two states. */
export function canonicalRelations(relations) {
  return JSON.stringify(
    [...relations]
      .map((r) => [r.head.start, r.head.end, r.role, r.child.start, r.child.end])
      .sort((a, b) => {
        for (let i = 0; i < a.length; i += 1) {
          if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
        }
        return 0;
      }),
  );
}

/**
 * One string per annotation state (spans, relations, status, flag and its comment), equal
 * exactly when the server would store the same thing: compares a local state with one the
 * server sent.
 */
export function stateKey({ spans, relations, status, flagged, flagComment }) {
  return JSON.stringify([
    canonical(spans || []),
    canonicalRelations(relations || []),
    status || "in_progress",
    Boolean(flagged),
    flagged ? (flagComment || "").trim() : "",
  ]);
}
