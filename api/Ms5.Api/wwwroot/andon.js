// The Andon board (GET /andon[?line=ID&line=ID]), a page for a TV on the floor: one tile per machine, grouped by
// line, with state colour, 15-minute OEE, open Andons (level, age; blinking until acknowledged) and the running
// production order (id, product, a progress bar of good/target and the ETA on the plant's clock). It loads
// GET /api/board, then follows the WebSocket /ws, and reconnects (backing off, jittered) and reloads the board by itself when it drops; the
// orders' progress is refreshed from GET /api/board every 30 s.
// A TV signs in once by opening /andon?key=BOARD_KEY: the API keeps the key as an HttpOnly cookie and sends it on
// to /andon. When the API no longer accepts it (401: revoked, expired), the board says what the screen needs,
// full-screen, instead of sending it to the login page: a TV has no keyboard.
// Names and summaries come from the plant file and from people: they go into the page as text, never as markup.
// A tile also names the operator assigned to the machine for the shift running now (PUT /api/assignments); the
// board asks again every few minutes, so a new shift's operators appear without a reload.
"use strict";
const params = new URLSearchParams(location.search);
const lines = params.getAll("line");
const tiles = new Map();     // machineId -> tile element
const andons = new Map();    // machineId or "line:" + lineId -> Map(andonId -> andon)
let socket = null;
let needsKey = false;

/** An element with a class and children (strings become text nodes; null is skipped). */
function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) if (c != null) e.append(c);
  return e;
}

/** A fraction as "74.2" and a small " %"; "–" without data. */
function pct(x) { return x == null ? ["–"] : [(x * 100).toFixed(1), el("small", null, " %")]; }

function age(from) {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(from)) / 1000));
  return s < 60 ? s + " s" : s < 3600 ? Math.floor(s / 60) + " min" : Math.floor(s / 3600) + " h " + Math.floor(s % 3600 / 60) + " min";
}

function ageSpan(since) {
  const span = el("span", "age", age(since));
  span.dataset.since = String(since ?? "");
  return span;
}

// ---- no (more) access: the board-key notice ---------------------------------------------------------------------

/** Full screen: what this screen needs (the API's reason underneath, for whoever comes to fix it). */
function showNeedsKey(reason) {
  needsKey = true;
  const q = new URLSearchParams(lines.map(l => ["line", l])).toString();
  document.getElementById("needs-key-url").textContent = "/andon?" + (q ? q + "&" : "") + "key=…";
  document.getElementById("needs-key-reason").textContent = reason ? String(reason) : "";
  document.getElementById("needs-key-sign-in").href = "/login.html?returnUrl=" + encodeURIComponent(location.pathname + location.search) + "#sign-in";
  document.getElementById("needs-key").hidden = false;
  const conn = document.getElementById("conn");
  conn.textContent = "no board key";
  conn.className = "down";
}

function hideNeedsKey() {
  needsKey = false;
  document.getElementById("needs-key").hidden = true;
}

async function problemDetail(resp) {
  try {
    const p = await resp.json();
    return p?.detail ?? p?.title ?? "";
  } catch {
    return "";
  }
}

/** After the socket closed without opening: a 401 means the key is no longer accepted (the socket cannot tell). */
async function checkAccess() {
  try {
    const resp = await fetch("/api/auth/me", { cache: "no-store", headers: { Accept: "application/json" } });
    if (resp.status === 401) showNeedsKey(await problemDetail(resp));
  } catch {
    // The API does not answer: "reconnecting" says enough.
  }
}

// ---- the board --------------------------------------------------------------------------------------------------

async function load() {
  const resp = await fetch("/api/board", { cache: "no-store", headers: { Accept: "application/json" } });
  if (resp.status === 401) {
    showNeedsKey(await problemDetail(resp));
    return;
  }
  if (!resp.ok) throw new Error(`GET /api/board answered HTTP ${resp.status}: ${await problemDetail(resp)}`);
  const board = await resp.json();
  hideNeedsKey();
  const main = document.getElementById("board");
  tiles.clear(); andons.clear();
  document.getElementById("scope").textContent = lines.length ? "— " + lines.join(", ") : "";
  const sections = [];
  for (const line of board.lines) {
    if (lines.length && !lines.includes(line.id)) continue;
    const section = el("section", "line");
    section.id = "line-" + line.id;
    const grid = el("div", "tiles");
    section.append(el("h2", null, el("span", "line-name", String(line.name ?? line.id)), el("span", "line-andons")), grid);
    for (const m of line.machines) {
      const tile = el("div", "tile", el("div", "name", String(m.name ?? m.id)), el("div", "operator"), el("div", "state"), el("div", "oee"), el("div", "order"), el("div", "andons"));
      tile.id = "tile-" + m.id;
      tile.dataset.machine = m.id;
      tile.dataset.state = m.state ?? "offline";
      grid.append(tile);
      tiles.set(m.id, tile);
      setState(m.id, m.state ?? "offline", m.reason);
      setOee(m.id, m.oee15m);
      setOperator(m.id, m.operator);
      setOrder(m.id, m.order);
      andons.set(m.id, new Map(m.andons.map(a => [a.id, a])));
      renderAndons(m.id);
    }
    sections.push(section);
    andons.set("line:" + line.id, new Map(line.andons.map(a => [a.id, a])));
  }
  main.replaceChildren(...sections);
  for (const line of board.lines) renderLineAndons(line.id);
}

function renderLineAndons(line) {
  const box = document.querySelector(`#line-${CSS.escape(line)} .line-andons`);
  if (!box) return;
  const open = [...(andons.get("line:" + line)?.values() ?? [])].filter(a => a.status !== "resolved");
  box.replaceChildren(...open.map(a => {
    const span = el("span", "andon", `LINE L${a.level} ${a.summary ?? ""} · `, ageSpan(a.raisedAt));
    span.dataset.andon = a.id;
    return span;
  }));
}

function setState(machine, state, reason) {
  const tile = tiles.get(machine);
  if (!tile) return;
  tile.dataset.state = state;
  tile.querySelector(".state").textContent = String(state).replace("_", " ") + (reason ? " · " + reason : "");
}

function setOee(machine, oee) {
  const tile = tiles.get(machine);
  if (tile) tile.querySelector(".oee").replaceChildren(...pct(oee), el("span", "label", "OEE, last 15 min"));
}

function setOperator(machine, name) {
  const tile = tiles.get(machine);
  if (tile) tile.querySelector(".operator").textContent = name ? "operator: " + String(name) : "";
}

/** The running order: id and product, a bar of good/target (capped at full), "good / target" and the ETA; empty without one. */
function setOrder(machine, order) {
  const tile = tiles.get(machine);
  if (!tile) return;
  const box = tile.querySelector(".order");
  if (!order) { box.replaceChildren(); box.hidden = true; return; }
  box.hidden = false;
  const fill = el("div", "fill");
  fill.style.width = Math.min(100, Math.max(0, order.percentOfTarget * 100)).toFixed(1) + "%";
  const bar = el("div", "bar", fill);
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
  bar.setAttribute("aria-valuenow", (order.percentOfTarget * 100).toFixed(1));
  const count = Number(order.goodCount).toLocaleString("en-US") + " / " + Number(order.targetQuantity).toLocaleString("en-US");
  box.replaceChildren(
    el("div", "order-id", String(order.orderId), el("span", "product", " · " + String(order.product))),
    bar,
    el("div", "order-figures", el("span", "count", count), el("span", "pct", " " + (order.percentOfTarget * 100).toFixed(1) + " %"),
      el("span", "eta", order.estimatedFinishLocal ? " · ETA " + order.estimatedFinishLocal : " · ETA –")));
}

/** The orders' progress moves with the buckets and operators change with the shift, not with a board message: re-read both now and then. */
async function refreshOrders() {
  if (needsKey || !socket || socket.readyState !== WebSocket.OPEN) return;
  const resp = await fetch("/api/board", { cache: "no-store", headers: { Accept: "application/json" } });
  if (!resp.ok) return;
  for (const line of (await resp.json()).lines) for (const m of line.machines) { setOrder(m.id, m.order); setOperator(m.id, m.operator); }
}

function renderAndons(machine) {
  const tile = tiles.get(machine);
  if (!tile) return;
  const open = [...(andons.get(machine)?.values() ?? [])].filter(a => a.status !== "resolved");
  tile.classList.toggle("alarm", open.some(a => a.status !== "acknowledged"));
  tile.querySelector(".andons").replaceChildren(...open.map(a => {
    const div = el("div", "andon", el("span", "lvl", `L${a.level}`), ` ${a.summary ?? ""} · `, ageSpan(a.raisedAt),
      a.status === "acknowledged" ? ` · ack ${a.acknowledgedBy ?? ""}` : null);
    div.dataset.andon = a.id;
    return div;
  }));
}

function onMessage(msg) {
  if (msg.type === "state") setState(msg.data.machineId, msg.data.state, msg.data.reason);
  else if (msg.type === "oee" && msg.data.scope === "machine" && msg.data.window === "15m") setOee(msg.data.id, msg.data.oee);
  else if (msg.type === "andon") {
    const a = msg.data.andon;
    const key = a.machineId ? a.machineId : "line:" + a.lineId;
    if (!andons.has(key)) andons.set(key, new Map());
    andons.get(key).set(a.id, a);
    if (a.machineId) renderAndons(a.machineId); else renderLineAndons(a.lineId);
  }
}

// ---- the live feed ----------------------------------------------------------------------------------------------

/**
 * Backoff before the next attempt: 0.5–1 s after the first drop (a deploy stops the old API: the board is back on
 * the new one at once), doubling to at most 15–30 s while the API stays away; jittered so a floor of TVs does not
 * reconnect in step.
 */
let failures = 0;
function reconnectDelay(n) {
  const ceiling = Math.min(30000, 1000 * 2 ** Math.min(n, 5));
  return ceiling / 2 + Math.random() * ceiling / 2;
}

function connect() {
  // The board's cookie goes with the handshake (same site); without one the API refuses it with 401.
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" + (lines.length ? "?" + lines.map(l => "line=" + encodeURIComponent(l)).join("&") : "");
  socket = new WebSocket(url);
  let opened = false;
  const conn = document.getElementById("conn");
  socket.onopen = async () => {
    opened = true;
    failures = 0;
    conn.textContent = "live"; conn.className = "live";
    try { await load(); } catch (e) { console.error(e); }
  };
  socket.onmessage = e => { try { onMessage(JSON.parse(e.data)); } catch (err) { console.error(err); } };
  socket.onclose = () => {
    if (!needsKey) { conn.textContent = "reconnecting"; conn.className = "down"; }
    if (!opened) checkAccess();
    // Without a key nothing changes by itself: try now and then (a new key opened in this browser starts it again).
    setTimeout(connect, needsKey ? 30000 : reconnectDelay(failures++));
  };
  socket.onerror = () => socket.close();
}

setInterval(() => {
  document.getElementById("clock").textContent = new Date().toLocaleTimeString();
  for (const e of document.querySelectorAll(".age")) e.textContent = age(e.dataset.since);
}, 1000);
setInterval(() => refreshOrders().catch(e => console.error(e)), 30000);
connect();
