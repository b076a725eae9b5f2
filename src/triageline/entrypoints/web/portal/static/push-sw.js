/* triageline service worker: shows page notifications (PHI-free text) and opens their link. */
"use strict";

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try {
      data = event.data.json();
    } catch (error) {
      data = { body: event.data.text() };
    }
  }
  var options = {
    body: data.body || "",
    tag: data.tag || undefined,
    renotify: Boolean(data.tag),
    requireInteraction: true,
    data: { url: data.url || "/portal/inbox" }
  };
  event.waitUntil(self.registration.showNotification(data.title || "triageline", options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/portal/inbox";
  event.waitUntil(self.clients.openWindow(url));
});
