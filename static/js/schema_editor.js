// The label schema editor's form: rows for labels (key, name, colour, hotkey, description,
// retired), their attributes and values (event types), their roles (event frames: key, name,
// the labels that may fill it, description, max), and add-row buttons. The JSON field below
// stays the one thing submitted: every change here rewrites it, and an edit of the JSON itself
// redraws the rows. Fields the rows do not show (examples, groups...) are kept as they are.

const area = document.getElementById("document");
const root = document.getElementById("schema-structured");
const defaultsNode = document.getElementById("default-roles");
// The default schema's roles per label key ({"EVENT": [actor1, actor2, location]}).
const defaultRoles = defaultsNode ? JSON.parse(defaultsNode.textContent) : {};

let doc = null;

function readJson() {
  try {
    const parsed = JSON.parse(area.value);
    if (parsed && typeof parsed === "object" && Array.isArray(parsed.labels)) return parsed;
  } catch (err) {
    // fall through: the JSON field alone edits a document the rows cannot show
  }
  return null;
}

function writeJson() {
  area.value = JSON.stringify(doc, null, 2);
}

function input(type, value, name, onChange, extra = {}) {
  const el = document.createElement("input");
  el.type = type;
  if (type === "checkbox") el.checked = Boolean(value);
  else el.value = value ?? "";
  el.setAttribute("aria-label", name);
  for (const [k, v] of Object.entries(extra)) el.setAttribute(k, v);
  el.addEventListener(type === "checkbox" || type === "color" ? "change" : "input", () => {
    onChange(type === "checkbox" ? el.checked : el.value);
    writeJson();
  });
  return el;
}

function cell(...children) {
  const td = document.createElement("td");
  td.append(...children);
  return td;
}

function button(text, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "button small";
  b.textContent = text;
  b.addEventListener("click", () => {
    onClick();
    writeJson();
    render();
  });
  return b;
}

function setOrDrop(obj, key, value) {
  if (value === false || value === "") delete obj[key];
  else obj[key] = value;
}

// A label renamed in its row is renamed in every role's targets too, so the roles (and the
// relations stored under them) stay valid; the server does the same from an OLD=NEW mapping.
// The role targets' checkboxes are named again in place (a redraw would take the field being
// typed in away from under the keyboard).
function renameLabel(label, key, i) {
  const old = label.key;
  label.key = key;
  for (const box of root.querySelectorAll(`[data-label-index="${i}"]`)) {
    const check = box.querySelector("input");
    check.setAttribute("aria-label", `${check.dataset.role} target ${key}`);
    box.lastChild.textContent = ` ${key}${label.retired ? " (retired)" : ""}`;
  }
  if (!old || doc.labels.some((other) => other !== label && other.key === old)) return;
  for (const other of doc.labels) {
    for (const role of other.roles || []) {
      if (!Array.isArray(role.targets)) continue;
      const targets = role.targets.map((t) => (t === old ? key : t));
      role.targets = targets.filter((t, k) => targets.indexOf(t) === k);
    }
  }
}

function labelRow(label, i) {
  const tr = document.createElement("tr");
  const n = `Label ${i + 1}`;
  tr.append(
    cell(input("text", label.key, `${n} key`, (v) => renameLabel(label, v, i),
      { maxlength: "32", class: "code", pattern: "[A-Z][A-Z0-9_]*" })),
    cell(input("text", label.name, `${n} name`, (v) => { label.name = v; })),
    cell(input("color", label.color || "#777777", `${n} colour`, (v) => { label.color = v; })),
    cell(input("text", label.hotkey, `${n} hotkey`, (v) => setOrDrop(label, "hotkey", v),
      { maxlength: "1", size: "2" })),
    cell(input("text", label.description, `${n} description`,
      (v) => setOrDrop(label, "description", v))),
    cell(input("checkbox", label.retired, `${n} retired`, (v) => setOrDrop(label, "retired", v))),
  );
  return tr;
}

function valueRow(label, attribute, value, k) {
  const li = document.createElement("li");
  const n = `${label.key} ${attribute.key} value ${k + 1}`;
  li.append(
    input("text", value.value, `${n} key`, (v) => { value.value = v; }, { class: "code" }),
    input("text", value.name, `${n} name`, (v) => setOrDrop(value, "name", v)),
    input("text", value.group, `${n} group`, (v) => setOrDrop(value, "group", v),
      { placeholder: "group" }),
  );
  const retired = document.createElement("label");
  retired.append(input("checkbox", value.retired, `${n} retired`,
    (v) => setOrDrop(value, "retired", v)), " retired");
  li.append(retired);
  return li;
}

function attributeBlock(label, attribute, j) {
  const box = document.createElement("fieldset");
  box.className = "schema-attribute";
  const legend = document.createElement("legend");
  legend.textContent = `${label.name || label.key} · ${attribute.name || attribute.key}`;
  box.append(legend);
  const n = `${label.key} attribute ${j + 1}`;
  box.append(
    input("text", attribute.key, `${n} key`, (v) => { attribute.key = v; }, { class: "code" }),
    input("text", attribute.name, `${n} name`, (v) => setOrDrop(attribute, "name", v)),
  );
  attribute.values = (attribute.values || []).map((v) => (typeof v === "string" ? { value: v } : v));
  const hint = document.createElement("p");
  hint.className = "muted";
  hint.textContent =
    "Above: the attribute's key and name. Each value below: key, display name, group.";
  const list = document.createElement("ol");
  list.className = "schema-values";
  attribute.values.forEach((value, k) => list.append(valueRow(label, attribute, value, k)));
  box.append(hint, list, button(`Add a value to ${label.key} · ${attribute.key}`, () => {
    attribute.values.push({ value: "", name: "" });
  }));
  return box;
}

function roleRow(label, role, k) {
  const li = document.createElement("li");
  li.className = "schema-role";
  const n = `${label.key} role ${k + 1}`;
  li.append(
    input("text", role.key, `${n} key`, (v) => { role.key = v; },
      { class: "code", maxlength: "32", pattern: "[a-z0-9_]+", placeholder: "key" }),
    input("text", role.name, `${n} name`, (v) => setOrDrop(role, "name", v),
      { placeholder: "name" }),
  );
  const targets = document.createElement("fieldset");
  targets.className = "schema-role-targets";
  const legend = document.createElement("legend");
  legend.textContent = `${n}: labels that may fill it`;
  targets.append(legend);
  role.targets = Array.isArray(role.targets) ? role.targets : [];
  doc.labels.forEach((other, i) => {
    const box = document.createElement("label");
    box.dataset.labelIndex = String(i);
    box.append(input("checkbox", other.key && role.targets.includes(other.key),
      `${n} target ${other.key}`, (on) => {
        const kept = role.targets.filter((t) => t !== other.key);
        // Keep the schema's label order, whatever order the boxes were ticked in.
        role.targets = on ? doc.labels.map((lb) => lb.key).filter(
          (key) => key === other.key || kept.includes(key)) : kept;
      }, { "data-role": n }), document.createTextNode(
      ` ${other.key}${other.retired ? " (retired)" : ""}`));
    targets.append(box);
  });
  li.append(
    targets,
    input("text", role.description, `${n} description`,
      (v) => setOrDrop(role, "description", v), { placeholder: "description" }),
    input("number", role.max ?? "", `${n} max`, (v) => {
      const limit = Number.parseInt(v, 10);
      role.max = Number.isInteger(limit) ? limit : null;
    }, { min: "1", step: "1", placeholder: "max: any", class: "schema-role-max" }),
    button(`Remove ${n}`, () => { label.roles.splice(k, 1); }),
  );
  if (k > 0) { // the order is the annotators' Shift+1, Shift+2 … keys
    li.append(button(`Move ${n} up`, () => {
      label.roles.splice(k - 1, 2, label.roles[k], label.roles[k - 1]);
    }));
  }
  return li;
}

function rolesBlock(label) {
  const box = document.createElement("fieldset");
  box.className = "schema-roles";
  const legend = document.createElement("legend");
  legend.textContent = `Roles of ${label.name || label.key} (event frame arguments)`;
  const hint = document.createElement("p");
  hint.className = "muted";
  hint.textContent = "Each role: key (lower-case), name, the labels that may fill it, "
    + "description, and at most how many arguments one event may have (empty: any). "
    + "Annotators link them with Shift+1, Shift+2 … in this order.";
  const list = document.createElement("ol");
  list.className = "schema-values";
  (label.roles || []).forEach((role, k) => list.append(roleRow(label, role, k)));
  box.append(legend, hint, list, button(`Add a role to ${label.key || "the new label"}`, () => {
    label.roles = label.roles || [];
    label.roles.push({ key: "", name: "", targets: [], description: "", max: null });
  }));
  const missing = (defaultRoles[label.key] || []).filter(
    (role) => !(label.roles || []).some((have) => have.key === role.key));
  if (missing.length) {
    box.append(button("Add the default event roles", () => {
      const keys = doc.labels.map((lb) => lb.key);
      label.roles = label.roles || [];
      for (const role of missing) {
        const targets = role.targets.filter((t) => keys.includes(t));
        if (targets.length) label.roles.push({ ...role, targets });
      }
    }));
  }
  return box;
}

function render() {
  const focused = document.activeElement?.getAttribute("aria-label");
  draw();
  // A redraw replaces the fields: give the focus back to the one that had it.
  if (focused) {
    const again = [...root.querySelectorAll("[aria-label]")].find(
      (el) => el.getAttribute("aria-label") === focused);
    if (again) again.focus();
  }
}

function draw() {
  doc = readJson();
  root.replaceChildren();
  if (!doc) {
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = "The JSON below cannot be shown as rows; edit it directly.";
    root.append(p);
    return;
  }
  const table = document.createElement("table");
  table.className = "schema-rows";
  const head = document.createElement("tr");
  for (const title of ["Key", "Name", "Colour", "Hotkey", "Description", "Retired"]) {
    const th = document.createElement("th");
    th.textContent = title;
    head.append(th);
  }
  table.createTHead().append(head);
  const body = table.createTBody();
  doc.labels.forEach((label, i) => body.append(labelRow(label, i)));
  root.append(table, button("Add a label", () => {
    doc.labels.push({ key: "", name: "", color: "#777777" });
  }));
  doc.labels.forEach((label) => {
    label.attributes = label.attributes || [];
    label.attributes.forEach((attribute, j) => root.append(attributeBlock(label, attribute, j)));
    root.append(button(`Add an attribute to ${label.key || "the new label"}`, () => {
      label.attributes.push({ key: "event_type", name: "Event type", values: [] });
    }));
    // A label without "roles" keeps none in the JSON until a role is added (an unchanged
    // schema keeps its version); a "roles" that is not a list is the JSON field's to fix.
    if (label.roles == null || Array.isArray(label.roles)) root.append(rolesBlock(label));
  });
}

if (area && root) {
  root.hidden = false;
  area.addEventListener("change", render);
  render();
}
