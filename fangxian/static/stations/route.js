// The deliverer's route: the round's orders by building, entrance, floor and room; one tap
// marks an order delivered, another paid. Taps wait in IndexedDB and are sent by client_id,
// exactly once, whenever the network is there; the list itself is kept for a reload in a
// stairwell without signal. What the server refuses stays on the door, with its words.
(function () {
  "use strict";
  const root = document.getElementById("route");
  const ROUND = Number(root.dataset.round);
  const CSRF = root.dataset.csrf;
  const WORDS = JSON.parse(document.getElementById("route-words").textContent);
  const $ = (id) => document.getElementById(id);
  const { queueAll, queuePut, queueDelete, stateGet, statePut } = window.fangxianStore("fangxian-stations");
  const LIST_KEY = "route-" + ROUND;
  const REFUSED_KEY = "refused-" + ROUND;  // {order_id: {action, error}}, until dropped or tapped again
  let doors = [];
  let syncing = false;
  let again = false;

  const { words } = window.fangxianOffline;
  const post = (url, body) => window.fangxianOffline.post(url, body, CSRF);

  async function loadList() {
    doors = await window.fangxianOffline.keptList("/api/v1/vegetable-rounds/" + ROUND + "/route", LIST_KEY, { stateGet, statePut });
  }

  async function setRefused(change) {
    const refused = (await stateGet(REFUSED_KEY)) || {};
    change(refused);
    await statePut(REFUSED_KEY, refused);
  }

  async function render() {
    const queued = (await queueAll()).filter((t) => t.round === ROUND);
    const refused = (await stateGet(REFUSED_KEY)) || {};
    const pending = {};
    queued.forEach((t) => { (pending[t.order_id] = pending[t.order_id] || {})[t.action] = true; });
    const onlyOpen = $("undelivered").checked;
    const box = $("doors");
    box.textContent = "";
    let heading = "";
    let done = 0;
    doors.forEach((door) => {
      const mine = pending[door.order_id] || {};
      const delivered = door.state === "delivered" || mine.delivered;
      const paid = door.paid || mine.paid;
      if (delivered) done += 1;
      if (onlyOpen && delivered && paid && !refused[door.order_id]) return;
      const group = door.building + " · " + door.entrance;
      if (group !== heading) {
        heading = group;
        const h = document.createElement("h2");
        h.textContent = WORDS.entrance.replace("%(building)s", door.building).replace("%(entrance)s", door.entrance);
        box.appendChild(h);
      }
      const node = $("door").content.firstElementChild.cloneNode(true);
      node.dataset.order = door.order_id;
      node.querySelector(".where").textContent = door.label + " · #" + door.order_id;
      node.querySelector(".who").textContent = [door.name, door.phone].filter(Boolean).join(" · ") || "—";
      node.querySelector(".items").textContent = door.items.map((i) => i.package + " × " + i.quantity).join("、");
      const doorOnly = node.querySelector(".door-only");
      doorOnly.hidden = !door.door_only;
      doorOnly.textContent = WORDS.door_only;
      node.querySelector(".state").textContent = (delivered ? WORDS.states.delivered : WORDS.states[door.state]) + (mine.delivered ? " ⟳" : "");
      node.querySelector(".money").textContent = paid ? WORDS.paid + (mine.paid ? " ⟳" : "") : WORDS.unpaid.replace("%(amount)s", door.total_yuan);
      node.classList.toggle("done", Boolean(delivered && paid));
      node.querySelectorAll(".taps button").forEach((b) => {
        const isDone = b.dataset.action === "delivered" ? delivered : paid;
        b.classList.toggle("chosen", Boolean(isDone));
        b.disabled = Boolean(isDone);
        b.addEventListener("click", () => tap(door, b.dataset.action));
      });
      const held = refused[door.order_id];
      if (held) {
        const p = node.querySelector(".refused");
        p.hidden = false;
        p.querySelector(".what").textContent = WORDS.refused[held.action] || "";
        p.querySelector(".why").textContent = held.error;
        p.querySelector(".drop").addEventListener("click", async () => {
          await setRefused((r) => { delete r[door.order_id]; });
          render();
        });
      }
      box.appendChild(node);
    });
    // A refused tap on an order no longer on the route (cancelled meanwhile) stays on top: the
    // deliverer may have handed the food over and taken the money.
    const listed = new Set(doors.map((d) => d.order_id));
    const gone = $("gone");
    gone.textContent = "";
    Object.entries(refused).filter(([id]) => !listed.has(Number(id))).forEach(([id, held]) => {
      const node = $("door").content.querySelector(".refused").cloneNode(true);
      node.hidden = false;
      node.querySelector(".what").textContent = (held.label || "#" + id) + " · " + (WORDS.refused[held.action] || "");
      node.querySelector(".why").textContent = held.error;
      node.querySelector(".drop").addEventListener("click", async () => {
        await setRefused((r) => { delete r[id]; });
        render();
      });
      gone.appendChild(node);
    });
    $("done").textContent = done;
    $("total").textContent = doors.length;
    $("loading").hidden = true;
    $("queued").textContent = queued.length;
  }

  async function tap(door, action) {
    await queuePut({ client_id: crypto.randomUUID(), round: ROUND, order_id: door.order_id, label: door.label + " · #" + door.order_id, action: action, at: new Date().toISOString() });
    await setRefused((r) => { delete r[door.order_id]; });
    await render();
    sync();
  }

  // Each tap is its own request to the order's deliver or pay, carrying its client_id: a tap
  // sent twice (an answer lost on the way back) is stored once. An answer of any kind takes
  // the tap off the queue; a refusal is kept on the door for the deliverer to read.
  async function sync() {
    if (!navigator.onLine) return;
    if (syncing) { again = true; return; }
    syncing = true;
    again = false;
    let changed = false;
    try {
      const taps = (await queueAll()).filter((t) => t.round === ROUND).sort((a, b) => (a.at < b.at ? -1 : 1));
      for (const t of taps) {
        const path = t.action === "delivered" ? "deliver" : "pay";
        const response = await post("/api/v1/vegetable-rounds/orders/" + t.order_id + "/" + path, { client_id: t.client_id, at: t.at });
        if (response.status >= 500 || response.status === 401) break;  // down, or logged out: later, in order
        if (!response.ok) {
          let detail = "";
          try { detail = words((await response.json()).detail); } catch (e) { detail = String(response.status); }
          await setRefused((r) => { r[t.order_id] = { action: t.action, error: detail, label: t.label }; });
        }
        await queueDelete([t.client_id]);
        changed = true;
      }
      if (changed) await loadList();
    } catch (e) {
      /* the network went away mid-sync: what was not answered stays queued */
    } finally {
      syncing = false;
      await render();
      if (again) sync();
    }
  }

  setInterval(sync, 15000);
  $("undelivered").addEventListener("change", render);
  window.fangxianRoute = { sync, ready: false };
  (async function start() {
    window.fangxianOffline.watchNetwork($("network"), root, sync);
    await loadList();
    await render();
    try { await window.fangxianInstallOffline(root.dataset.sw, "/stations/"); } catch (e) { /* the page still works online */ }
    window.fangxianRoute.ready = true;
    sync();
  })();
})();
