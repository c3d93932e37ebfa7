// The signed-in person on the office pages (/ and /reports): their name in the header (GET /api/auth/me), the
// "Sign out" button (POST /api/auth/logout), and what a page does when the API answers 401 (its session ended or
// was revoked): it goes to the login page, which brings the person back here afterwards. The session itself is an
// HttpOnly cookie this script never sees; nothing about it is kept in localStorage or sessionStorage.
"use strict";

const ms5Session = (() => {
  let leaving = false;

  /** This page's address (path and query) as the login page's returnUrl. */
  function loginUrl() {
    return "/login.html?returnUrl=" + encodeURIComponent(location.pathname + location.search);
  }

  /** To the login page, once (several requests may answer 401 at the same time); replace: "back" must not return to a page that sends there again. */
  function toLogin() {
    if (leaving) return;
    leaving = true;
    location.replace(loginUrl());
  }

  /**
   * fetch, except that a 401 sends the page to the login page: the promise then never settles, so the page does not
   * flash an error while it leaves.
   */
  async function fetchOrSignIn(input, init) {
    const resp = await fetch(input, init);
    if (resp.status === 401) {
      toLogin();
      return new Promise(() => {});
    }
    return resp;
  }

  /** The name and roles in #who-name, and #sign-out wired; both stay hidden when the page has no #who. */
  async function showUser() {
    const who = document.getElementById("who");
    if (!who) return;
    const name = document.getElementById("who-name");
    const out = document.getElementById("sign-out");
    out.addEventListener("click", signOut);
    try {
      const resp = await fetchOrSignIn("/api/auth/me", { cache: "no-store", headers: { Accept: "application/json" } });
      if (!resp.ok) return;
      const me = await resp.json();
      const what = Array.isArray(me.roles) && me.roles.length ? me.roles.join(", ") : Array.isArray(me.scopes) ? me.scopes.join(", ") : "";
      name.textContent = String(me.name ?? "");
      name.title = what ? `Signed in as ${me.name} (${what})` : `Signed in as ${me.name}`;
      document.getElementById("who-roles").textContent = what ? `(${what})` : "";
      who.hidden = false;
    } catch {
      // The API does not answer: the page says so where it loads its data.
    }
  }

  async function signOut() {
    const out = document.getElementById("sign-out");
    out.disabled = true;
    try {
      const resp = await fetch("/api/auth/logout", { method: "POST", cache: "no-store", headers: { Accept: "application/json" } });
      // 401: the session had already ended.
      if (resp.ok || resp.status === 401) {
        leaving = true;
        location.replace("/login.html");
        return;
      }
      out.textContent = "Sign out (failed, try again)";
      out.title = `The API answered HTTP ${resp.status}`;
    } catch (e) {
      out.textContent = "Sign out (failed, try again)";
      out.title = "The API does not answer: " + e.message;
    }
    out.disabled = false;
  }

  return { fetch: fetchOrSignIn, toLogin, showUser };
})();
