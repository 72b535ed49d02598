// Pure geometry of the links drawn above the sentence (frames.js draws them): which line each
// end sits on, where on its span each end leaves, how high each connector runs so that two
// never share a stretch at the same height, and how much room the lines need above them.
// Rectangles in, SVG path data out; no DOM.

const LINE_SLACK = 6; // px: marks whose bottoms differ by less sit on the same line
const BASE = 9; // px from a span's top to the lowest connector
const STEP = 15; // px between two heights of connectors
const LABEL_H = 13; // px: height of a role's label box
const CORNER = 4; // px: radius of a connector's corners
const GAP = 4; // px kept between two connectors' stretches at one height

/**
 * Lay out the links `relations` (their index is the link's) given, in the drawing's own
 * pixels, the rectangle of each link's head and child (`heads[i]`, `children[i]`; null when
 * not drawn), of every span on the page (`marks`), the sentence's `left`/`right` edges and
 * `rtl`. `labelWidth(text)` measures a role's label. Returns `{room, pieces}`: the room (px)
 * every line needs above its spans, and the pieces to draw: `{index, part, path, arrow,
 * label}` with `part` "whole", or "from"/"to" for the two halves of a link between lines.
 */
export function layoutLinks(relations, geometry, labelWidth) {
  const { heads, children, marks, left, right, rtl } = geometry;
  const lines = lineTops(marks);
  const lineOf = (rect) => nearestLine(lines, rect.bottom);
  const xs = anchors(relations, heads, children, lineOf, { left, right, rtl });
  const segments = [];
  relations.forEach((r, index) => {
    const head = heads[index];
    const child = children[index];
    if (!head || !child) return;
    const width = labelWidth(r.role);
    const hx = xs.get(`${index}:head`);
    const cx = xs.get(`${index}:child`);
    const headLine = lineOf(head);
    const childLine = lineOf(child);
    if (headLine === childLine) {
      segments.push({ index, part: "whole", line: headLine, x1: hx, y1: head.top, x2: cx,
        y2: child.top, width });
      return;
    }
    // Reading order goes on at the line's end edge and comes back at the next line's start.
    const later = lines[childLine].bottom > lines[headLine].bottom;
    const endEdge = rtl ? left + 2 : right - 2;
    const startEdge = rtl ? right - 2 : left + 2;
    segments.push({ index, part: "from", line: headLine, x1: hx, y1: head.top,
      x2: later ? endEdge : startEdge, y2: null, width });
    segments.push({ index, part: "to", line: childLine, x1: later ? startEdge : endEdge,
      y1: null, x2: cx, y2: child.top, width });
  });
  const levels = assignLevels(segments, { left, right });
  const most = Math.max(0, ...segments.map((s) => levels.get(s)));
  const room = segments.length ? BASE + most * STEP + LABEL_H / 2 + 3 : 0;
  const pieces = segments.map((s) => piece(s, lines[s.line].top - BASE - levels.get(s) * STEP,
    { left, right }));
  return { room, pieces };
}

/** Lines of spans, top to bottom: `{top, bottom}`, top the highest span's top on the line. */
export function lineTops(marks) {
  const lines = [];
  [...marks].sort((a, b) => a.bottom - b.bottom).forEach((m) => {
    const last = lines[lines.length - 1];
    if (last && m.bottom - last.bottom < LINE_SLACK) last.top = Math.min(last.top, m.top);
    else lines.push({ top: m.top, bottom: m.bottom });
  });
  return lines;
}

function nearestLine(lines, bottom) {
  let best = 0;
  lines.forEach((line, i) => {
    if (Math.abs(line.bottom - bottom) < Math.abs(lines[best].bottom - bottom)) best = i;
  });
  return best;
}

/**
 * Where each link leaves its head and reaches its child: the ends on one span are spread
 * over its width, ordered by where their other end lies, so connectors fan out uncrossed.
 */
function anchors(relations, heads, children, lineOf, edges) {
  const bySpan = new Map();
  const add = (rect, key, towards) => {
    const id = `${rect.left}:${rect.top}:${rect.right}`;
    if (!bySpan.has(id)) bySpan.set(id, { rect, ends: [] });
    bySpan.get(id).ends.push({ key, towards });
  };
  relations.forEach((_, i) => {
    const head = heads[i];
    const child = children[i];
    if (!head || !child) return;
    const sameLine = lineOf(head) === lineOf(child);
    const later = child.bottom > head.bottom;
    const forward = later !== Boolean(edges.rtl); // the way the text runs on to the child
    const mid = (r) => (r.left + r.right) / 2;
    add(head, `${i}:head`, sameLine ? mid(child) : forward ? edges.right : edges.left);
    add(child, `${i}:child`, sameLine ? mid(head) : forward ? edges.left : edges.right);
  });
  const xs = new Map();
  for (const { rect, ends } of bySpan.values()) {
    ends.sort((a, b) => a.towards - b.towards);
    const width = rect.right - rect.left;
    ends.forEach((end, k) => xs.set(end.key, rect.left + (width * (k + 1)) / (ends.length + 1)));
  }
  return xs;
}

/** Heights (0 = lowest) such that no two stretches on one line overlap at one height. */
function assignLevels(segments, edges) {
  const levels = new Map();
  const taken = new Map(); // line -> [[lo, hi, level]]
  const extent = (s) => {
    const mid = labelCentre(s, edges);
    return [Math.min(s.x1, s.x2, mid - s.width / 2), Math.max(s.x1, s.x2, mid + s.width / 2)];
  };
  [...segments]
    .map((s) => ({ s, span: extent(s) }))
    .sort((a, b) => a.span[1] - a.span[0] - (b.span[1] - b.span[0]) || a.span[0] - b.span[0])
    .forEach(({ s, span: [lo, hi] }) => {
      const used = taken.get(s.line) || [];
      let level = 0;
      while (used.some(([a, b, l]) => l === level && a < hi + GAP && lo < b + GAP)) level += 1;
      used.push([lo, hi, level]);
      taken.set(s.line, used);
      levels.set(s, level);
    });
  return levels;
}

function labelCentre(s, { left, right }) {
  const mid = (s.x1 + s.x2) / 2;
  return Math.min(Math.max(mid, left + s.width / 2), right - s.width / 2);
}

function piece(s, y, edges) {
  const dir = s.x2 >= s.x1 ? 1 : -1;
  const r = Math.min(CORNER, Math.abs(s.x2 - s.x1) / 2);
  const parts = [];
  if (s.y1 !== null) {
    parts.push(`M ${s.x1} ${s.y1} V ${y + r} Q ${s.x1} ${y} ${s.x1 + dir * r} ${y}`);
  } else {
    parts.push(`M ${s.x1} ${y}`);
  }
  if (s.y2 !== null) {
    parts.push(`H ${s.x2 - dir * r} Q ${s.x2} ${y} ${s.x2} ${y + r} V ${s.y2 - 1}`);
  } else {
    parts.push(`H ${s.x2}`);
  }
  const arrow = s.y2 !== null
    ? `M ${s.x2 - 4} ${s.y2 - 7} L ${s.x2} ${s.y2} L ${s.x2 + 4} ${s.y2 - 7} Z`
    : null;
  const mid = labelCentre(s, edges);
  const label = { x: mid - s.width / 2, y: y - LABEL_H / 2, width: s.width, height: LABEL_H };
  return { index: s.index, part: s.part, path: parts.join(" "), arrow, label };
}
