// What the offline pages (the gate, the census walk) keep in IndexedDB: a queue of entries
// keyed by client_id, waiting to be synced, and a few named values (a bundle, a worklist).
window.fangxianStore = function (database) {
  "use strict";
  const dbReady = new Promise((resolve, reject) => {
    const open = indexedDB.open(database, 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore("queue", { keyPath: "client_id" });
      open.result.createObjectStore("state");
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });

  function store(name, mode, work) {
    return dbReady.then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const request = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(tx.error);
    }));
  }
  return {
    queueAll: () => store("queue", "readonly", (s) => s.getAll()),
    queuePut: (item) => store("queue", "readwrite", (s) => s.put(item)),
    queueDelete: (ids) => store("queue", "readwrite", (s) => { ids.forEach((id) => s.delete(id)); return null; }),
    stateGet: (key) => store("state", "readonly", (s) => s.get(key)),
    statePut: (key, value) => store("state", "readwrite", (s) => s.put(value, key)),
  };
};

// Registers the service worker of a scope and caches this page and its files for offline use.
window.fangxianInstallOffline = async function (workerUrl, scope) {
  if (!("serviceWorker" in navigator)) return;
  await navigator.serviceWorker.register(workerUrl, { scope: scope });
  await navigator.serviceWorker.ready;
  const files = [location.pathname];
  document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=manifest]").forEach((el) => files.push(el.getAttribute("src") || el.getAttribute("href")));
  const cache = await caches.open("fangxian-" + scope.replaceAll("/", ""));
  await cache.addAll(files);
};
