// The service worker of the pages that work offline (the gate, the census walk): pages and
// their files come from the network when it is there (and refresh the cache), from the cache
// when it is not. The API is never cached: what is entered waits in IndexedDB instead.
const CACHE = "fangxian-{{ scope }}";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok && (url.pathname.startsWith("/{{ scope }}/") || url.pathname.startsWith("/static/"))) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request, { ignoreSearch: true, ignoreVary: true }).then((hit) => hit || Response.error()))
  );
});
