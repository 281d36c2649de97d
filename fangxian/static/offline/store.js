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

// What every offline page does alike: send JSON with the CSRF token of the moment (the cookie
// a new log-in set, else the page's), keep a list for the next visit without signal, put a
// refusal's detail in words, and show the network state on its chip.
window.fangxianOffline = {
  post(url, body, pageToken) {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    const token = cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : pageToken;
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "X-CSRFToken": token }, body: JSON.stringify(body) });
  },
  async keptList(url, key, store) {
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status);
      const list = await response.json();
      await store.statePut(key, list);
      return list;
    } catch (e) {
      return (await store.stateGet(key)) || [];
    }
  },
  words(detail) {
    if (typeof detail === "string") return detail;
    if (detail && typeof detail === "object") return Object.values(detail).flat().map(window.fangxianOffline.words).join(" ");
    return "";
  },
  watchNetwork(chip, root, onOnline) {
    const show = () => {
      chip.textContent = navigator.onLine ? root.dataset.online : root.dataset.offline;
      chip.classList.toggle("offline", !navigator.onLine);
    };
    window.addEventListener("online", () => { show(); onOnline(); });
    window.addEventListener("offline", show);
    show();
  },
};
