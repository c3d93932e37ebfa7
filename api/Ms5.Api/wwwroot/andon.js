// The Andon board (GET /andon[?line=ID&line=ID]), a page for a TV on the floor: one tile per machine, grouped by
// line, with state colour, 15-minute OEE and open Andons (level, age; blinking until acknowledged). It loads
// GET /api/board, then follows the WebSocket /ws, and reconnects and reloads the board by itself when it drops.
"use strict";
const params = new URLSearchParams(location.search);
const lines = params.getAll("line");
const tiles = new Map();     // machineId -> tile element
const andons = new Map();    // machineId -> Map(andonId -> andon)
let socket = null;

function esc(s) { return String(s ?? "").replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); }
function pct(x) { return x == null ? "–" : (x * 100).toFixed(1) + "<small> %</small>"; }
function age(from) {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(from)) / 1000));
  return s < 60 ? s + " s" : s < 3600 ? Math.floor(s / 60) + " min" : Math.floor(s / 3600) + " h " + Math.floor(s % 3600 / 60) + " min";
}

async function load() {
  const board = await (await fetch("/api/board", { cache: "no-store" })).json();
  const main = document.getElementById("board");
  main.innerHTML = "";
  tiles.clear(); andons.clear();
  document.getElementById("scope").textContent = lines.length ? "— " + lines.join(", ") : "";
  for (const line of board.lines) {
    if (lines.length && !lines.includes(line.id)) continue;
    const section = document.createElement("section");
    section.className = "line";
    section.id = "line-" + line.id;
    section.innerHTML = `<h2><span class="line-name">${esc(line.name)}</span><span class="line-andons"></span></h2><div class="tiles"></div>`;
    for (const m of line.machines) {
      const tile = document.createElement("div");
      tile.className = "tile";
      tile.id = "tile-" + m.id;
      tile.dataset.machine = m.id;
      tile.dataset.state = m.state ?? "offline";
      tile.innerHTML = `<div class="name">${esc(m.name)}</div><div class="state"></div><div class="oee"></div><div class="andons"></div>`;
      section.querySelector(".tiles").appendChild(tile);
      tiles.set(m.id, tile);
      setState(m.id, m.state ?? "offline", m.reason);
      setOee(m.id, m.oee15m);
      andons.set(m.id, new Map(m.andons.map(a => [a.id, a])));
      renderAndons(m.id);
    }
    main.appendChild(section);
    andons.set("line:" + line.id, new Map(line.andons.map(a => [a.id, a])));
    renderLineAndons(line.id);
  }
}

function renderLineAndons(line) {
  const el = document.querySelector(`#line-${CSS.escape(line)} .line-andons`);
  if (!el) return;
  const open = [...(andons.get("line:" + line)?.values() ?? [])].filter(a => a.status !== "resolved");
  el.innerHTML = open.map(a => `<span class="andon" data-andon="${esc(a.id)}">LINE L${a.level} ${esc(a.summary)} · <span class="age" data-since="${esc(a.raisedAt)}">${age(a.raisedAt)}</span></span>`).join("");
}

function setState(machine, state, reason) {
  const tile = tiles.get(machine);
  if (!tile) return;
  tile.dataset.state = state;
  tile.querySelector(".state").textContent = state.replace("_", " ") + (reason ? " · " + reason : "");
}

function setOee(machine, oee) {
  const tile = tiles.get(machine);
  if (tile) tile.querySelector(".oee").innerHTML = pct(oee) + '<span class="label">OEE, last 15 min</span>';
}

function renderAndons(machine) {
  const tile = tiles.get(machine);
  if (!tile) return;
  const open = [...(andons.get(machine)?.values() ?? [])].filter(a => a.status !== "resolved");
  tile.classList.toggle("alarm", open.some(a => a.status !== "acknowledged"));
  tile.querySelector(".andons").innerHTML = open.map(a =>
    `<div class="andon" data-andon="${esc(a.id)}"><span class="lvl">L${a.level}</span> ${esc(a.summary)} · <span class="age" data-since="${esc(a.raisedAt)}">${age(a.raisedAt)}</span>${a.status === "acknowledged" ? " · ack " + esc(a.acknowledgedBy) : ""}</div>`).join("");
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

function connect() {
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" + (lines.length ? "?" + lines.map(l => "line=" + encodeURIComponent(l)).join("&") : "");
  socket = new WebSocket(url);
  const conn = document.getElementById("conn");
  socket.onopen = async () => { conn.textContent = "live"; conn.className = "live"; try { await load(); } catch (e) { console.error(e); } };
  socket.onmessage = e => { try { onMessage(JSON.parse(e.data)); } catch (err) { console.error(err); } };
  socket.onclose = () => { conn.textContent = "reconnecting"; conn.className = "down"; setTimeout(connect, 1000); };
  socket.onerror = () => socket.close();
}

setInterval(() => {
  document.getElementById("clock").textContent = new Date().toLocaleTimeString();
  for (const el of document.querySelectorAll(".age")) el.textContent = age(el.dataset.since);
}, 1000);
connect();
