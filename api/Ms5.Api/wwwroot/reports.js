// The shift reports page (GET /reports[?plant=&line=&kind=&day=]): the reports of GET /api/reports with their files,
// a form that asks POST /api/reports for a shift or range report (following a 202 until the report is ready), and the
// schedule of GET /api/reports/schedule. Plain script, no framework and nothing from outside this server: the plant
// network may have no internet. Everything the API says is put in the page as text (textContent, never innerHTML):
// a scope name, a shift or an error could contain markup. Who is signed in, "Sign out", and the way to the login page
// when the session has ended (401): session.js.
"use strict";

const $ = id => document.getElementById(id);

/** An element with attributes and children; strings become text nodes, null/false are skipped. */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k === "href") e.setAttribute("href", safeHref(v));
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c != null && c !== false) e.append(c);
  }
  return e;
}

/** Only http(s) links, resolved against this page: a javascript: URL from the API never becomes a link. */
function safeHref(href) {
  try {
    const u = new URL(String(href), location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : "#";
  } catch {
    return "#";
  }
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

/** fetch, JSON in and out; body is null unless the answer is JSON (problem+json included). A 401 (the session has ended) sends the page to the login page (session.js). */
async function api(path, init = {}) {
  const resp = await ms5Session.fetch(path, { cache: "no-store", ...init, headers: { Accept: "application/json", ...(init.headers ?? {}) } });
  const type = resp.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await resp.json().catch(() => null) : null;
  return { resp, body };
}

/** What a problem+json (or any failed answer) says, in one sentence. */
function problemText(resp, p) {
  const text = p?.detail || p?.title;
  return text ? String(text) : `The API answered HTTP ${resp.status} ${resp.statusText}`.trim();
}

// ---- formatting -------------------------------------------------------------------------------------------------

/** A fraction as a percentage with one decimal ("74.2"; the unit is in the column's header). */
function pct(x) { return x == null || !Number.isFinite(x) ? "–" : (x * 100).toFixed(1); }

/** "2026-11-17T06:00:00+01:00" → { date: "2026-11-17", time: "06:00", offset: "+01:00" } (plant time, as sent). */
function splitIso(s) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(String(s ?? ""));
  return m ? { date: m[1], time: m[2], offset: m[3] === "Z" ? "+00:00" : m[3] ?? "" } : null;
}

/** A period in the plant's time: "2026-11-17 06:00 – 14:00" with its UTC offset(s). */
function period(fromLocal, toLocal) {
  const a = splitIso(fromLocal), b = splitIso(toLocal);
  if (!a || !b) return [String(fromLocal ?? "–") + " – " + String(toLocal ?? "–"), ""];
  // Wraps, if it must, only after the dash.
  const text = el("span", {}, el("span", { class: "nowrap" }, `${a.date} ${a.time} –`), " ", el("span", { class: "nowrap" }, `${b.date === a.date ? "" : b.date + " "}${b.time}`));
  const zone = a.offset === b.offset ? `UTC${a.offset}` : `UTC${a.offset} → UTC${b.offset}`;
  return [text, zone];
}

/** A UTC instant in the browser's time zone, "2026-11-17 14:05". */
function local(iso) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? "–" : toLocalInput(new Date(t)).replace("T", " ");
}

function relative(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.round((t - Date.now()) / 1000), a = Math.abs(s);
  const text = a < 60 ? `${a} s` : a < 3600 ? `${Math.floor(a / 60)} min` : a < 86400 ? `${Math.floor(a / 3600)} h ${Math.floor(a % 3600 / 60)} min` : `${Math.floor(a / 86400)} d ${Math.floor(a % 86400 / 3600)} h`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}

/** The browser's UTC offset now, e.g. "UTC+01:00". */
function browserZone() {
  const m = -new Date().getTimezoneOffset(), a = Math.abs(m);
  return `UTC${m < 0 ? "-" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

/** A datetime-local value ("2026-11-17T06:00", the browser's time) as a UTC ISO instant in whole minutes. */
function localInputToUtc(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value ?? "")) return null;
  const d = new Date(value.slice(0, 16));
  if (Number.isNaN(d.getTime())) return null;
  d.setSeconds(0, 0);
  return d.toISOString().replace(".000Z", "Z");
}

/** A Date as the value of a datetime-local input (browser time, minutes). */
function toLocalInput(d) {
  const p = n => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function todayLocal() { return toLocalInput(new Date()).slice(0, 10); }

// ---- plants and lines (GET /api/machines) -----------------------------------------------------------------------

/** plantId → Map(lineId → lineName), in the API's order. */
const plants = new Map();

async function loadPlants() {
  const { resp, body } = await api("/api/machines");
  if (!resp.ok || !body) throw new Error("the plant's lines could not be loaded: " + problemText(resp, body));
  plants.clear();
  for (const m of body.machines ?? []) {
    if (!plants.has(m.plantId)) plants.set(m.plantId, new Map());
    const lines = plants.get(m.plantId);
    if (!lines.has(m.lineId)) lines.set(m.lineId, m.lineName || m.lineId);
  }
}

function fillScopeSelect() {
  const select = $("g-scope");
  const previous = select.value;
  select.replaceChildren();
  for (const [plant, lines] of plants) {
    const group = el("optgroup", { label: `Plant ${plant}` });
    for (const [id, name] of lines) group.append(el("option", { value: "line:" + id }, `${name} (${id})`));
    group.append(el("option", { value: "plant:" + plant }, `Whole plant ${plant}`));
    select.append(group);
  }
  if (plants.size === 0) select.append(el("option", { value: "", disabled: true }, "no lines configured"));
  if (previous && [...select.options].some(o => o.value === previous)) select.value = previous;
}

/** The plant of the form's line or plant. */
function scopePlant() {
  const [type, id] = splitScope($("g-scope").value);
  if (type === "plant") return id;
  for (const [plant, lines] of plants) if (lines.has(id)) return plant;
  return "";
}

function splitScope(value) {
  const i = (value ?? "").indexOf(":");
  return i < 0 ? ["", ""] : [value.slice(0, i), value.slice(i + 1)];
}

function fillFilterSelects() {
  const plantSel = $("f-plant"), lineSel = $("f-line");
  const plant = filters.plant, line = filters.line;
  plantSel.replaceChildren(el("option", { value: "" }, "All plants"), ...[...plants.keys()].map(p => el("option", { value: p }, p)));
  if (plant && !plants.has(plant)) plantSel.append(el("option", { value: plant }, plant));
  plantSel.value = plant;
  lineSel.replaceChildren(el("option", { value: "" }, "All lines and plant reports"));
  for (const [p, lines] of plants) {
    if (plant && p !== plant) continue;
    for (const [id, name] of lines) lineSel.append(el("option", { value: id }, `${name} (${id})`));
  }
  if (line && ![...lineSel.options].some(o => o.value === line)) lineSel.append(el("option", { value: line }, line));
  lineSel.value = line;
}

// ---- the list (GET /api/reports) --------------------------------------------------------------------------------

const query = new URLSearchParams(location.search);
const filters = { plant: query.get("plant") ?? "", line: query.get("line") ?? "", kind: query.get("kind") ?? "", day: query.get("day") ?? "" };
let listSeq = 0;
let refreshTimer = 0;
let highlight = null;

async function loadReports() {
  const seq = ++listSeq;
  clearTimeout(refreshTimer);
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  const table = $("reports");
  table.setAttribute("aria-busy", "true");
  let pending = false;
  try {
    const qs = q.toString();
    const { resp, body } = await api("/api/reports" + (qs ? "?" + qs : ""));
    if (seq !== listSeq) return;
    if (!resp.ok || !Array.isArray(body)) {
      $("list-status").textContent = "The reports could not be loaded: " + problemText(resp, body);
      return;
    }

    table.tBodies[0].replaceChildren(...body.map(reportRow));
    pending = body.some(r => r.status === "pending");
    $("list-status").textContent = body.length === 0
      ? (qs ? "No report matches these filters." : "No report yet: generate one above, or wait for the schedule.")
      : `${body.length} report${body.length === 1 ? "" : "s"}${pending ? ", some still being generated (the list refreshes by itself)" : ""}.`;
  } catch (e) {
    if (seq === listSeq) $("list-status").textContent = "The API does not answer: " + e.message;
  } finally {
    if (seq === listSeq) {
      table.removeAttribute("aria-busy");
      // Pending reports: look again soon; else now and then, for the scheduled ones.
      refreshTimer = setTimeout(loadReports, pending ? 3000 : 60000);
    }
  }
}

function reportLinks(r, what) {
  const base = "/api/reports/" + encodeURIComponent(r.id);
  const links = r.links ?? {};
  return el("span", { class: "file-links" },
    el("a", { href: links.pdf ?? base + "/pdf", class: "pdf", download: "", "aria-label": `PDF of ${what}` }, "PDF"),
    el("span", { class: "sep" }, " · "),
    el("a", { href: links.csv ?? base + "/csv", class: "csv", download: "", "aria-label": `CSV of ${what}` }, "CSV"),
    el("span", { class: "sep" }, " · "),
    el("a", { href: links.stopsCsv ?? base + "/stops.csv", class: "stops", download: "", "aria-label": `Stops CSV of ${what}` }, "stops CSV"));
}

function describe(r) {
  const when = r.day ?? (() => { const p = period(r.fromLocal, r.toLocal)[0]; return typeof p === "string" ? p : p.textContent; })();
  return [r.scopeName || r.lineId || r.plantId, r.shift, when].filter(Boolean).join(" ");
}

function reportRow(r) {
  const what = describe(r) + `, revision ${r.revision}`;
  const [bounds, zone] = period(r.fromLocal, r.toLocal);
  const tr = el("tr", { dataset: { id: r.id, status: r.status ?? "" }, class: highlight === r.id ? "fresh" : null });

  tr.append(el("th", { scope: "row", "data-label": "Line / plant" },
    el("span", { class: "scope" }, r.scopeName || r.lineId || r.plantId || "–"),
    el("span", { class: "sub" }, r.lineId ? `${r.lineId} · ${r.plantId}` : `whole plant ${r.plantId}`)));
  tr.append(el("td", { "data-label": "Report" },
    el("span", { class: "nowrap" }, r.kind === "shift" && r.shift ? `${r.shift} shift` : `${r.kind ?? "?"} report`),
    r.day ? el("span", { class: "sub nowrap" }, r.day) : null));
  tr.append(el("td", { "data-label": "Period", title: `UTC: ${r.from} – ${r.to}` }, bounds, zone ? el("span", { class: "sub" }, zone) : null));

  const changes = Array.isArray(r.changes) ? r.changes.map(String) : [];
  tr.append(el("td", { "data-label": "Revision" },
    `rev ${r.revision ?? "?"}`,
    r.revised ? el("span", { class: "badge revised", title: changes.length ? "Changed since the first revision:\n" + changes.join("\n") : "revised" }, "revised") : null,
    // The first change (OEE, mostly) in a line; all of them behind it, for a finger as well as a mouse.
    r.revised && changes.length === 1 ? el("span", { class: "sub changes" }, changes[0]) : null,
    r.revised && changes.length > 1 ? el("details", { class: "changes" },
      el("summary", {}, `${changes[0]} (+${changes.length - 1} more)`), el("ul", {}, changes.map(c => el("li", {}, c)))) : null));

  const status = el("td", { "data-label": "Status" }, el("span", { class: "badge status-" + (r.status ?? "unknown") }, r.status ?? "unknown"));
  if (r.status === "failed" && r.error) status.append(el("span", { class: "sub error" }, String(r.error)));
  if (r.completeness != null && r.completeness < 1) status.append(el("span", { class: "sub warn", title: "Share of the period with data" }, `data ${(r.completeness * 100).toFixed(0)} % complete`));
  if (r.emailError) status.append(el("span", { class: "sub warn", title: String(r.emailError) }, "e-mail failed"));
  else if (r.emailedAt) status.append(el("span", { class: "sub", title: r.emailedAt }, "e-mailed"));
  if (r.generatedAt) status.append(el("span", { class: "sub", title: `generated ${r.generatedAt} (${r.trigger ?? "?"})` }, el("span", { class: "nowrap" }, local(r.generatedAt)), " ", r.trigger ? `(${r.trigger})` : null));
  tr.append(status);

  tr.append(el("td", { class: "num oee", "data-label": "OEE %" }, pct(r.oee)));
  tr.append(el("td", { class: "num", "data-label": "Availability %" }, pct(r.availability)));
  tr.append(el("td", { class: "num", "data-label": "Performance %" }, pct(r.performance)));
  tr.append(el("td", { class: "num", "data-label": "Quality %", title: r.goodCount == null ? null : `good ${r.goodCount}, reject ${r.rejectCount ?? 0}` }, pct(r.quality)));

  const files = el("td", { "data-label": "Files", class: "files" });
  if (r.status === "ready") files.append(reportLinks(r, what));
  else files.append(r.status === "pending" ? "generating…" : "–");
  const older = (Array.isArray(r.revisions) ? r.revisions : []).filter(v => v.id !== r.id).sort((a, b) => b.revision - a.revision);
  if (older.length) {
    files.append(el("details", { class: "older" },
      el("summary", {}, `Earlier revision${older.length === 1 ? "" : "s"} (${older.length})`),
      el("ul", {}, older.map(v => el("li", {},
        el("span", { title: v.generatedAt ?? "" }, `rev ${v.revision} · ${local(v.generatedAt)}: `),
        v.status && v.status !== "ready" ? String(v.status) : reportLinks(v, `${describe(r)}, revision ${v.revision}`))))));
  }
  tr.append(files);
  return tr;
}

function onFilterChange(ev) {
  filters.plant = $("f-plant").value;
  // Another plant: its lines are others.
  filters.line = ev?.target?.id === "f-plant" ? "" : $("f-line").value;
  filters.kind = $("f-kind").value;
  filters.day = $("f-day").value;
  fillFilterSelects();
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  const qs = q.toString();
  history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  loadReports();
}

// ---- the schedule (GET /api/reports/schedule) -------------------------------------------------------------------

async function loadSchedule() {
  const body = $("schedule-table").tBodies[0];
  try {
    const { resp, body: jobs } = await api("/api/reports/schedule");
    if (!resp.ok || !Array.isArray(jobs)) {
      $("schedule-status").textContent = "The schedule could not be loaded: " + problemText(resp, jobs);
      return;
    }

    jobs.sort((a, b) => (Date.parse(a.nextFireTime) || Infinity) - (Date.parse(b.nextFireTime) || Infinity));
    // The plants' report jobs in the table; the host's own jobs (revisions, planner, retention: no plant) in a line.
    const reports = jobs.filter(j => j.plantId), others = jobs.filter(j => !j.plantId);
    body.replaceChildren(...reports.map(j => el("tr", {},
      el("th", { scope: "row" }, j.job ?? "–", el("span", { class: "sub" }, `${j.kind ?? "?"} reports · plant ${j.plantId}`),
        j.state && !["WAITING", "ACQUIRED", "EXECUTING", "NORMAL"].includes(String(j.state).toUpperCase()) ? el("span", { class: "sub warn" }, String(j.state).toLowerCase()) : null),
      el("td", { title: j.nextFireTime ?? "" }, j.nextFireTime ? [el("span", { class: "nowrap" }, local(j.nextFireTime)), el("span", { class: "sub" }, relative(j.nextFireTime))] : "not planned"),
      el("td", { title: j.previousFireTime ?? "" }, j.previousFireTime ? el("span", { class: "nowrap" }, local(j.previousFireTime)) : "–"))));
    $("schedule-table").hidden = reports.length === 0;
    $("schedule-other").replaceChildren(...(others.length ? ["Also: ", ...others.flatMap((j, n) =>
      [n ? " · " : "", el("span", { class: "nowrap", title: j.nextFireTime ?? "" }, `${j.job} ${j.nextFireTime ? relative(j.nextFireTime) : "not planned"}`)])] : []));
    $("schedule-status").textContent = jobs.length ? (reports.length ? "" : "No plant has scheduled reports.") : "Nothing is scheduled.";
  } catch (e) {
    $("schedule-status").textContent = "The API does not answer: " + e.message;
  }
}

// ---- the form (POST /api/reports) -------------------------------------------------------------------------------

const form = $("g-form");
let shiftSeq = 0;

function kind() { return form.elements.kind.value; }

function showKind() {
  const range = kind() === "range";
  for (const e of form.querySelectorAll(".shift-only")) e.hidden = range;
  for (const e of form.querySelectorAll(".range-only")) e.hidden = !range;
  $("g-day").required = !range;
  $("g-shift").required = !range;
  $("g-from").required = range;
  $("g-to").required = range;
  showUtc();
}

/** The shifts of the chosen plant on the chosen day (GET /api/shifts); the ones not over yet cannot be chosen. */
async function loadShifts() {
  const seq = ++shiftSeq;
  const select = $("g-shift");
  const plant = scopePlant(), day = $("g-day").value;
  const previous = select.value;
  if (!plant || !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    select.replaceChildren(el("option", { value: "" }, "choose a day first"));
    return;
  }

  select.replaceChildren(el("option", { value: "" }, "loading…"));
  // Any time zone's day lies within the UTC day before and the day after.
  const d = Date.parse(day + "T00:00:00Z");
  const q = new URLSearchParams({ from: new Date(d - 86400000).toISOString(), to: new Date(d + 2 * 86400000).toISOString(), plant });
  try {
    const { resp, body } = await api("/api/shifts?" + q);
    if (seq !== shiftSeq) return;
    if (!resp.ok || !Array.isArray(body)) {
      select.replaceChildren(el("option", { value: "" }, "shifts could not be loaded"));
      setFieldError("shift", problemText(resp, body));
      return;
    }

    const seen = new Set();
    const shifts = body.filter(s => s.plantId === plant && s.day === day && !seen.has(s.name) && seen.add(s.name));
    const finished = shifts.filter(s => Date.parse(s.end) <= Date.now()).length;
    select.replaceChildren(el("option", { value: "", disabled: finished > 0 }, shifts.length === 0 ? "no shift on this day" : finished === 0 ? "no shift over yet on this day" : "choose a shift"));
    let latestOver = "";
    for (const s of shifts) {
      const a = splitIso(s.startLocal), b = splitIso(s.endLocal);
      const over = Date.parse(s.end) <= Date.now();
      const label = `${s.name}${a && b ? ` · ${a.time}–${b.time}` : ""}${over ? "" : " (not over yet)"}`;
      select.append(el("option", { value: s.name, disabled: !over }, label));
      if (over) latestOver = s.name;
    }
    select.value = previous && shifts.some(s => s.name === previous && Date.parse(s.end) <= Date.now()) ? previous : latestOver;
    setFieldError("shift", "");
    return finished;
  } catch (e) {
    if (seq === shiftSeq) select.replaceChildren(el("option", { value: "" }, "the API does not answer"));
  }
}

function showUtc() {
  const from = localInputToUtc($("g-from").value), to = localInputToUtc($("g-to").value);
  $("g-utc").textContent = from && to ? `Sent as UTC: ${from.slice(0, 16).replace("T", " ")} → ${to.slice(0, 16).replace("T", " ")}` : "";
}

/** Field names of the API's validation errors → the form's fields. */
const fieldOf = { kind: "kind", lineid: "scope", plantid: "scope", scope: "scope", line: "scope", plant: "scope", day: "day", shift: "shift", from: "from", to: "to" };
const inputOf = { kind: () => form.querySelector('input[name="kind"]:checked'), scope: () => $("g-scope"), day: () => $("g-day"), shift: () => $("g-shift"), from: () => $("g-from"), to: () => $("g-to") };

function setFieldError(field, message) {
  const input = inputOf[field]?.();
  const out = $(`g-${field}-error`);
  if (out) out.textContent = message;
  if (input) {
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

function clearMessages() {
  for (const f of Object.keys(inputOf)) setFieldError(f, "");
  $("g-error").hidden = true;
  $("g-error").replaceChildren();
  $("g-result").hidden = true;
  $("g-result").replaceChildren();
  $("g-progress").textContent = "";
}

function formError(message, extra = []) {
  const box = $("g-error");
  box.replaceChildren(el("p", {}, message));
  if (extra.length) box.append(el("ul", {}, extra.map(x => el("li", {}, x))));
  box.hidden = false;
}

/** A 400's errors by field next to their fields (the others in the form's error box), and the problem's detail. */
function showProblem(resp, p) {
  const unplaced = [];
  let placed = false;
  if (p && typeof p.errors === "object" && p.errors) {
    for (const [key, messages] of Object.entries(p.errors)) {
      const text = (Array.isArray(messages) ? messages : [messages]).map(String).join(" ");
      const field = fieldOf[key.replace(/^\$\.?/, "").toLowerCase()];
      if (field && $(`g-${field}-error`)) {
        setFieldError(field, text);
        placed = true;
      } else {
        unplaced.push(key ? `${key}: ${text}` : text);
      }
    }
  }

  const fieldErrors = p?.errors && Object.keys(p.errors).length > 0;
  formError(fieldErrors && !p.detail ? `${String(p.title || "The request is not valid").replace(/\.$/, "")}: see the marked fields.` : problemText(resp, p), unplaced);
  if (placed) form.querySelector('[aria-invalid="true"]')?.focus();
}

/** GET the report behind a 202's Location until it is ready or failed. */
async function poll(location) {
  const started = Date.now();
  let wait = 1000;
  for (;;) {
    $("g-progress").textContent = `Generating… ${Math.round((Date.now() - started) / 1000)} s`;
    await sleep(wait);
    wait = Math.min(wait * 1.5, 5000);
    const { resp, body } = await api(location);
    if (!resp.ok) return { problem: { resp, body } };
    if (body && (body.status === "ready" || body.status === "failed")) return { item: body };
    if (Date.now() - started > 15 * 60 * 1000) return { timeout: true };
  }
}

async function generate(ev) {
  ev.preventDefault();
  clearMessages();
  const k = kind();
  const [type, id] = splitScope($("g-scope").value);
  const request = { kind: k };
  let invalid = false;
  if (!id) { setFieldError("scope", "Choose a line or the whole plant."); invalid = true; }
  else request[type === "plant" ? "plantId" : "lineId"] = id;
  if (k === "shift") {
    request.day = $("g-day").value;
    request.shift = $("g-shift").value;
    if (!request.day) { setFieldError("day", "Choose a day."); invalid = true; }
    if (!request.shift) { setFieldError("shift", "Choose a shift that is over."); invalid = true; }
  } else {
    request.from = localInputToUtc($("g-from").value);
    request.to = localInputToUtc($("g-to").value);
    if (!request.from) { setFieldError("from", "Enter when the report starts."); invalid = true; }
    if (!request.to) { setFieldError("to", "Enter when the report ends."); invalid = true; }
    if (request.from && request.to && request.to <= request.from) { setFieldError("to", "Must be later than From."); invalid = true; }
  }
  if (invalid) {
    form.querySelector('[aria-invalid="true"]')?.focus();
    return;
  }

  const button = $("g-submit");
  button.disabled = true;
  $("g-progress").textContent = "Generating…";
  try {
    const { resp, body } = await api("/api/reports", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request) });
    let item = null;
    if (resp.status === 200 || resp.status === 201) {
      item = body;
    } else if (resp.status === 202) {
      const location = resp.headers.get("Location") ?? body?.links?.self ?? (body?.id ? "/api/reports/" + encodeURIComponent(body.id) : null);
      if (!location) {
        formError("The report is being generated, but the API did not say where: it will appear in the list.");
      } else {
        const r = await poll(location);
        if (r.problem) showProblem(r.problem.resp, r.problem.body);
        else if (r.timeout) formError("The report is still being generated after 15 minutes: it will appear in the list when it is ready.");
        else item = r.item;
      }
    } else {
      showProblem(resp, body);
    }

    if (item) done(item);
  } catch (e) {
    formError("The API does not answer: " + e.message);
  } finally {
    button.disabled = false;
    $("g-progress").textContent = "";
  }
}

function done(item) {
  if (item.status === "failed") {
    formError("The report could not be generated: " + (item.error ?? "no reason given"));
  } else {
    const what = describe(item);
    const result = $("g-result");
    result.replaceChildren(el("p", {}, `Report ready: ${what}, revision ${item.revision}${item.revised ? " (revised)" : ""}. `, reportLinks(item, what)));
    result.hidden = false;
  }
  highlight = item.id;
  loadReports();
  loadSchedule();
}

// ---- start ------------------------------------------------------------------------------------------------------

async function start() {
  ms5Session.showUser();
  for (const z of document.querySelectorAll(".tz")) z.textContent = z.closest("label") ? `(your time, ${browserZone()})` : `(${browserZone()})`;
  $("g-day").value = todayLocal();
  $("g-day").max = todayLocal();
  const now = new Date();
  now.setSeconds(0, 0);
  $("g-to").value = toLocalInput(now);
  $("g-from").value = toLocalInput(new Date(now.getTime() - 8 * 3600 * 1000));
  $("f-kind").value = filters.kind;
  $("f-day").value = filters.day;

  form.addEventListener("submit", generate);
  for (const r of form.querySelectorAll('input[name="kind"]')) r.addEventListener("change", showKind);
  $("g-scope").addEventListener("change", loadShifts);
  $("g-day").addEventListener("change", loadShifts);
  $("g-from").addEventListener("input", showUtc);
  $("g-to").addEventListener("input", showUtc);
  for (const id of ["f-plant", "f-line", "f-kind", "f-day"]) $(id).addEventListener("change", onFilterChange);
  $("filters").addEventListener("submit", ev => { ev.preventDefault(); onFilterChange(); });
  $("f-clear").addEventListener("click", () => {
    for (const id of ["f-plant", "f-line", "f-kind", "f-day"]) $(id).value = "";
    onFilterChange();
  });
  $("f-refresh").addEventListener("click", () => { loadReports(); loadSchedule(); });
  showKind();

  const list = loadReports();
  const schedule = loadSchedule();
  try {
    await loadPlants();
  } catch (e) {
    formError(String(e.message));
  }
  fillScopeSelect();
  fillFilterSelects();
  // Early in the day no shift of today is over yet: then offer yesterday's.
  if (await loadShifts() === 0) {
    const y = new Date();
    y.setDate(y.getDate() - 1);
    $("g-day").value = toLocalInput(y).slice(0, 10);
    await loadShifts();
  }
  await Promise.all([list, schedule]);
  setInterval(loadSchedule, 60000);
  document.body.dataset.ready = "true";
}

start();
