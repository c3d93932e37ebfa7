// The home page (GET /): /readyz as a sentence and a table, refreshed every 15 s. /readyz answers 200 {status:"ready"}
// or 503 {status:"not_ready"} with one entry per dependency: {status:"up"|"down", latencyMs, error?}. Text only
// (textContent): an error message could contain markup. /readyz needs no sign-in; who is signed in comes from
// session.js, which also sends the page to the login page when the session has ended.
"use strict";

function cell(tag, text, cls) {
  const c = document.createElement(tag);
  c.textContent = text;
  if (cls) c.className = cls;
  return c;
}

async function status() {
  const summary = document.getElementById("status-summary");
  const table = document.getElementById("status-checks");
  try {
    const resp = await fetch("/readyz", { cache: "no-store", headers: { Accept: "application/json" } });
    const report = await resp.json();
    const checks = Object.entries(report.checks ?? {});
    const down = checks.filter(([, c]) => c.status !== "up").map(([name]) => name);
    summary.replaceChildren(
      cell("span", report.status === "ready" ? "Ready" : "Not ready", "state " + (report.status === "ready" ? "ready" : "not_ready")),
      report.status === "ready"
        ? ` — all ${checks.length} dependencies answer.`
        : ` — ${down.length ? "not answering: " + down.join(", ") : "HTTP " + resp.status}.`,
      cell("span", ` Checked ${new Date().toLocaleTimeString()}.`, "hint"));
    table.tBodies[0].replaceChildren(...checks.map(([name, c]) => {
      const tr = document.createElement("tr");
      tr.append(cell("th", name), cell("td", c.status ?? "?", "state " + (c.status === "up" ? "up" : "down")),
        cell("td", c.latencyMs == null ? "–" : `${c.latencyMs} ms`, "num"), cell("td", c.error ?? ""));
      tr.firstChild.scope = "row";
      return tr;
    }));
    table.hidden = checks.length === 0;
  } catch (e) {
    summary.replaceChildren(cell("span", "No answer", "state not_ready"), ` — the API does not answer (${e.message}).`);
    table.hidden = true;
  }
}

ms5Session.showUser();
status();
setInterval(status, 15000);
