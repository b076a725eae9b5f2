/* Registers this browser for web push: service worker, PushManager.subscribe, POST with CSRF. */
(function () {
  "use strict";
  var root = document.getElementById("push-device");
  if (!root) {
    return;
  }
  var button = document.getElementById("push-enable");
  var status = document.getElementById("push-status");

  function say(text) {
    status.textContent = text;
  }

  function keyBytes(base64url) {
    var padded = base64url + "====".slice((base64url.length + 3) % 4 + 1);
    var raw = window.atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(root.getAttribute("data-msg-unsupported"));
    button.disabled = true;
    return;
  }

  function subscription(registration) {
    return registration.pushManager.getSubscription().then(function (existing) {
      return existing || registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(root.getAttribute("data-vapid-key"))
      });
    });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    say(root.getAttribute("data-msg-working"));
    window.Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") {
          throw new Error(root.getAttribute("data-msg-denied"));
        }
        return navigator.serviceWorker.register("/portal/push-sw.js", { scope: "/portal/" });
      })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(subscription)
      .then(function (pushSubscription) {
        return window.fetch("/portal/devices", {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            "X-CSRF-Token": root.getAttribute("data-csrf")
          },
          body: JSON.stringify(pushSubscription.toJSON())
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error(root.getAttribute("data-msg-failed") + " (" + answer.status + ")");
        }
        window.location.reload();
      })
      .catch(function (error) {
        say(error && error.message ? error.message : root.getAttribute("data-msg-failed"));
        button.disabled = false;
      });
  });
}());
