/* The agent console at /console: the staff login and top bar from staff.js, then the live
 * desk. The session lives in the HttpOnly `cs_session` cookie set by /api/auth/login: this
 * page never sees the token; the browser sends the cookie with every request and with the
 * /agent handshake. */
var DeskPage = (function () {
  "use strict";
  var $ = Desk.$;

  function ready(me) {
    Desk.state.me = me;
    $("open-block").hidden = !Desk.isSupervisor();
    DeskLists.renderAll();
    DeskSearch.ready();
    DeskCanned.load();
    DeskSocket.connect();
  }

  // The login ended (logged out on another device, expired, or refused mid-session): close the
  // feed, forget what was on screen and ask for a login again.
  function signOut(message) {
    DeskSocket.disconnect();
    DeskTransfer.close();
    DeskSearch.reset();
    Desk.reset();
    DeskLists.renderAll();
    DeskDetail.show(null);
    Staff.signOut(message);
  }

  DeskActions.bind();
  DeskSearch.bind();
  DeskTransfer.bind();
  DeskKeys.bind();
  Staff.start(function () { return t("console.title"); }, ["agent", "supervisor", "admin"], ready, {
    refused: function (role) { return t("console.role_refused", { role: role }); },
    sessionEnded: function (loggedOut) { signOut(loggedOut ? "" : t("console.session_ended")); }
  });

  return { signOut: signOut };
})();
