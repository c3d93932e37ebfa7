namespace Ms5.Api.Live;

/// <summary>
/// The Andon board (GET /andon[?line=ID]): a page for a TV on the floor. One tile per machine, grouped by line:
/// state colour, 15-minute OEE, open Andons with age and level. It loads GET /api/board, then follows /ws and
/// reconnects (and reloads) by itself when the connection drops.
/// </summary>
internal static class BoardPage
{
    public const string Html = """
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MS5 Andon board</title>
<style>
  :root { color-scheme: dark; }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: "DejaVu Sans", Arial, sans-serif; background: #111; color: #eee; }
  header { display: flex; justify-content: space-between; align-items: center; padding: 0.4em 1em; background: #222; font-size: 1.6vw; }
  #conn { padding: 0.1em 0.6em; border-radius: 0.3em; }
  #conn.live { background: #1b5e20; } #conn.down { background: #b71c1c; }
  main { padding: 0.5em 1em; }
  section.line h2 { margin: 0.4em 0 0.2em; font-size: 2vw; color: #bbb; }
  section.line h2 .line-andons .andon { display: inline-block; margin: 0 0 0 0.6vw; background: #c62828; color: #fff; font-size: 1.4vw; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(17vw, 1fr)); gap: 0.6vw; }
  .tile { border-radius: 0.6vw; padding: 0.6vw 0.9vw; min-height: 11vw; background: #444; border: 0.35vw solid transparent; transition: background 0.2s; }
  .tile[data-state="running"] { background: #1b7d32; }
  .tile[data-state="idle"] { background: #b58a00; }
  .tile[data-state="down"] { background: #c62828; }
  .tile[data-state="setup"] { background: #1565c0; }
  .tile[data-state="planned_stop"] { background: #555; }
  .tile[data-state="offline"] { background: #2b2b2b; color: #aaa; }
  .tile.alarm { border-color: #fff; animation: blink 1s steps(2) infinite; }
  @keyframes blink { 50% { border-color: #ff1744; } }
  .name { font-size: 2.2vw; font-weight: bold; }
  .state { font-size: 1.5vw; text-transform: uppercase; }
  .oee { font-size: 3.2vw; font-weight: bold; }
  .oee small { font-size: 1.2vw; font-weight: normal; }
  .oee .label { display: block; font-size: 1.1vw; font-weight: normal; opacity: 0.85; }
  .andon { font-size: 1.3vw; background: rgba(0,0,0,0.45); border-radius: 0.3vw; padding: 0.2vw 0.4vw; margin-top: 0.3vw; }
  .andon .lvl { font-weight: bold; }
</style>
</head>
<body>
<header><span>MS5 Andon board <span id="scope"></span></span><span id="clock"></span><span id="conn" class="down">connecting</span></header>
<main id="board"></main>
<script>
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
</script>
</body>
</html>
""";
}
