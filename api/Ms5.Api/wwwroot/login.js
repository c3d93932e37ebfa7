// The login page (/login.html?returnUrl=/reports%3Fplant%3Ddemo): user name and password, then, for an account with
// two-factor authentication (the API answers 401 with twoFactorRequired), a code from the authenticator app or a
// recovery code. POST /api/auth/login with "session": true makes the API set the session cookie (HttpOnly: this
// script never sees it, and keeps nothing in localStorage or sessionStorage). Then the browser goes to returnUrl, but
// only to a path on this server. A screen sent here from the Andon board (returnUrl /andon) is most likely a TV
// whose board key was revoked: it says what the screen needs first, since a TV has no keyboard to sign in with.
"use strict";

const $ = id => document.getElementById(id);
const form = $("login-form");
const returnUrl = safeReturnUrl(new URLSearchParams(location.search).get("returnUrl"));
let step = "password";
let busy = false;

/**
 * Where to go after signing in: a path on this server ("/reports?plant=demo"), never another site. Anything else
 * (an absolute URL, "//evil.example", "/\evil.example", a script URL) and the login page itself give "/".
 */
function safeReturnUrl(raw) {
  if (typeof raw !== "string" || !raw.startsWith("/") || raw.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(raw)) return "/";
  let url;
  try {
    url = new URL(raw, location.origin);
  } catch {
    return "/";
  }
  if (url.origin !== location.origin || url.pathname === "/login.html") return "/";
  return url.pathname + url.search + url.hash;
}

// ---- messages ---------------------------------------------------------------------------------------------------

function showError(lines) {
  const box = $("error");
  box.replaceChildren(...[lines].flat().filter(Boolean).map(l => {
    const p = document.createElement("p");
    p.textContent = l;
    return p;
  }));
  box.hidden = box.childElementCount === 0;
}

function clearError() { showError([]); }

/** A sentence from an API phrase: capital first letter, full stop at the end. */
function sentence(text) {
  const t = String(text ?? "").trim();
  if (!t) return "";
  return t[0].toUpperCase() + t.slice(1) + (/[.!?)]$/.test(t) ? "" : ".");
}

/** "locked until 2026-11-30 08:10:00Z" in the API's detail → that moment in the browser's time, or null. */
function lockedUntil(detail) {
  const m = /locked until (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})Z/.exec(String(detail ?? ""));
  if (!m) return null;
  const t = new Date(`${m[1]}T${m[2]}Z`);
  return Number.isNaN(t.getTime()) ? null : t;
}

/** What a refused login says, for a person: the problem's detail, and what to do next. */
function describeProblem(resp, p) {
  if (resp.status === 429) {
    return [sentence(p?.detail || "Too many sign-in attempts"), "Wait a moment before trying again."];
  }
  if (p && typeof p.errors === "object" && p.errors) {
    return Object.values(p.errors).flat().map(m => sentence(String(m)));
  }
  const until = lockedUntil(p?.detail);
  if (until) {
    return [`Too many failed attempts: the account is locked until ${until.toLocaleString()}.`,
      "An administrator can unlock it sooner."];
  }
  const text = p?.detail || p?.title;
  return [text ? sentence(text) : `The API answered HTTP ${resp.status} ${resp.statusText}`.trim()];
}

// ---- the two steps ----------------------------------------------------------------------------------------------

function showStep(next) {
  step = next;
  $("password-step").hidden = next !== "password";
  $("code-step").hidden = next !== "code";
  $("login-title").textContent = next === "code" ? "Two-factor code" : "Sign in";
  if (next === "code") {
    $("code-user").textContent = $("user").value.trim();
    useRecovery(false);
  } else {
    $("totp").value = "";
    $("recovery").value = "";
    $("password").focus();
  }
}

function useRecovery(on) {
  $("totp-field").hidden = on;
  $("recovery-field").hidden = !on;
  $("use-recovery").hidden = on;
  $("use-totp").hidden = !on;
  (on ? $("recovery") : $("totp")).focus();
}

/** Blocks the form's buttons for the Retry-After seconds of a 429, counting down. */
function waitBeforeRetry(seconds) {
  const buttons = [$("sign-in"), $("verify")];
  const labels = buttons.map(b => b.textContent);
  let left = Math.min(Math.max(1, seconds), 300);
  const tick = () => {
    if (left <= 0) {
      buttons.forEach((b, i) => { b.disabled = false; b.textContent = labels[i]; });
      return;
    }
    buttons.forEach((b, i) => { b.disabled = true; b.textContent = `${labels[i]} (${left} s)`; });
    left--;
    setTimeout(tick, 1000);
  };
  tick();
}

function setBusy(on) {
  busy = on;
  $("sign-in").disabled = on;
  $("verify").disabled = on;
  $("progress").textContent = on && step === "password" ? "Signing in…" : "";
  $("code-progress").textContent = on && step === "code" ? "Checking…" : "";
}

async function submit(ev) {
  ev.preventDefault();
  if (busy || $("sign-in").disabled) return;
  clearError();
  const userName = $("user").value.trim();
  const password = $("password").value;
  const request = { userName, password, session: true };
  if (step === "password") {
    if (!userName || !password) {
      showError("Enter your user name and password.");
      (userName ? $("password") : $("user")).focus();
      return;
    }
  } else if (!$("recovery-field").hidden) {
    request.recoveryCode = $("recovery").value.trim();
    if (!request.recoveryCode) {
      showError("Enter one of your recovery codes.");
      $("recovery").focus();
      return;
    }
  } else {
    request.totpCode = $("totp").value.replace(/\s/g, "");
    if (!/^\d{6}$/.test(request.totpCode)) {
      showError("Enter the 6 digits your authenticator app shows.");
      $("totp").focus();
      return;
    }
  }

  setBusy(true);
  let resp, body = null;
  try {
    resp = await fetch("/api/auth/login", {
      method: "POST", cache: "no-store", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(request),
    });
    if ((resp.headers.get("content-type") ?? "").includes("json")) body = await resp.json().catch(() => null);
  } catch (e) {
    setBusy(false);
    showError(`The API does not answer (${e.message}). Try again in a moment.`);
    return;
  }

  if (resp.ok) {
    // The session cookie is set: on to where the person was going.
    $("progress").textContent = "Signed in.";
    location.replace(returnUrl);
    return;
  }

  setBusy(false);
  if (resp.status === 401 && body?.twoFactorRequired === true) {
    showStep("code");
    return;
  }

  showError(describeProblem(resp, body));
  if (resp.status === 429) {
    waitBeforeRetry(Number.parseInt(resp.headers.get("Retry-After") ?? "", 10) || 60);
  }
  if (step === "code") {
    $("totp").value = "";
    $("recovery").value = "";
    (!$("recovery-field").hidden ? $("recovery") : $("totp")).focus();
  } else {
    $("password").value = "";
    $("password").focus();
  }
}

// ---- a screen of the Andon board --------------------------------------------------------------------------------

function showBoardKeyHelp() {
  const target = new URL(returnUrl, location.origin);
  // #sign-in: a person who chose "sign in" on the board's own notice.
  if (target.pathname !== "/andon" || location.hash === "#sign-in") return;
  const q = target.search ? target.search + "&" : "?";
  $("board-key-url").textContent = `${target.pathname}${q}key=…`;
  $("board-key").hidden = false;
  document.title = "MS5 Andon board: a board key is needed";
}

// ---- start ------------------------------------------------------------------------------------------------------

/** Already signed in (another tab, or "back" to this page): say so, with a link on. */
async function showSignedIn() {
  try {
    const resp = await fetch("/api/auth/me", { cache: "no-store", headers: { Accept: "application/json" } });
    if (!resp.ok) return;
    const me = await resp.json();
    if (me.kind !== "session") return;
    const a = document.createElement("a");
    a.href = returnUrl;
    a.textContent = "continue";
    $("signed-in").replaceChildren(`You are signed in as ${me.name}: `, a, " or sign in as someone else below.");
    $("signed-in").hidden = false;
  } catch {
    // Not signed in, or the API does not answer: the form says so when used.
  }
}

form.addEventListener("submit", submit);
$("use-recovery").addEventListener("click", () => { clearError(); useRecovery(true); });
$("use-totp").addEventListener("click", () => { clearError(); useRecovery(false); });
$("back").addEventListener("click", () => { clearError(); $("password").value = ""; showStep("password"); $("user").focus(); });
$("board-key-sign-in").addEventListener("click", () => { $("board-key").hidden = true; $("user").focus(); });
showBoardKeyHelp();
showSignedIn();
if ($("board-key").hidden) $("user").focus();
document.body.dataset.ready = "true";
