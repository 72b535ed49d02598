// The label schema editor's form: rows for labels (key, name, colour, hotkey, description,
// retired), their attributes and values (event types), and add-row buttons. The JSON field
// below stays the one thing submitted: every change here rewrites it, and an edit of the JSON
// itself redraws the rows. Fields the rows do not show (examples, groups...) are kept as they are.

const area = document.getElementById("document");
const root = document.getElementById("schema-structured");

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

function labelRow(label, i) {
  const tr = document.createElement("tr");
  const n = `Label ${i + 1}`;
  tr.append(
    cell(input("text", label.key, `${n} key`, (v) => { label.key = v; },
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

function render() {
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
  });
}

if (area && root) {
  root.hidden = false;
  area.addEventListener("change", render);
  render();
}
