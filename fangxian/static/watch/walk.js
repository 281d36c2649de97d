// The census walk: the worker's doors by building, entrance and floor; one tap records an
// outcome. Visits wait in IndexedDB and are synced by client_id, exactly once, whenever the
// network is there; the list itself is kept for a reload in a stairwell without signal.
(function () {
  "use strict";
  const root = document.getElementById("walk");
  const CAMPAIGN = Number(root.dataset.campaign);
  const CSRF = root.dataset.csrf;
  const WORDS = JSON.parse(document.getElementById("walk-words").textContent);
  const ABSENT_RULES = window.fangxianRules(JSON.parse(document.getElementById("absent-rules").textContent));
  const $ = (id) => document.getElementById(id);
  const { queueAll, queuePut, queueDelete, stateGet, statePut } = window.fangxianStore("fangxian-watch");
  const LIST_KEY = "worklist-" + CAMPAIGN;
  // What the server refused, by door: shown there, with its words and what was typed, until
  // the worker records that door again or drops it. Never dropped by the page itself.
  const REFUSED_KEY = "refused-" + CAMPAIGN;
  let doors = [];
  let syncing = false;
  const opened = new Set();  // done doors the worker opened again to change their outcome

  const { words } = window.fangxianOffline;
  const post = (url, body) => window.fangxianOffline.post(url, body, CSRF);

  async function loadList() {
    doors = await window.fangxianOffline.keptList("/api/v1/campaigns/" + CAMPAIGN + "/worklist", LIST_KEY, { stateGet, statePut });
  }

  async function setRefused(change) {
    const refused = (await stateGet(REFUSED_KEY)) || {};
    change(refused);
    await statePut(REFUSED_KEY, refused);
  }

  async function render() {
    const queued = await queueAll();
    const refused = (await stateGet(REFUSED_KEY)) || {};
    const pending = {};
    // In the order they were recorded: a door corrected offline shows its last outcome.
    queued.filter((v) => v.campaign === CAMPAIGN).sort((a, b) => (a.visited_at < b.visited_at ? -1 : 1))
      .forEach((v) => { pending[v.dwelling_id] = v.outcome; });
    const mine = $("mine").checked;
    const box = $("doors");
    const typing = Object.assign({}, drafts, typed(box));
    box.textContent = "";
    let heading = "";
    let done = 0;
    doors.forEach((door) => {
      const outcome = pending[door.dwelling_id] || door.outcome;
      if (outcome) done += 1;
      if (mine && door.worker && door.worker !== root.dataset.user) return;
      const group = door.building + " · " + door.entrance;
      if (group !== heading) {
        heading = group;
        const h = document.createElement("h2");
        h.textContent = WORDS.entrance.replace("%(building)s", door.building).replace("%(entrance)s", door.entrance);
        box.appendChild(h);
      }
      const node = $("door").content.firstElementChild.cloneNode(true);
      node.dataset.dwelling = door.dwelling_id;
      node.querySelector(".where").textContent = door.label;
      node.querySelector(".listed").textContent = door.residents.map((r) => r.name).join("、") || "—";
      const chip = node.querySelector(".outcome");
      chip.textContent = outcome ? WORDS.outcomes[outcome] + (pending[door.dwelling_id] ? " ⟳" : "") : "";
      // A door with its outcome folds to one line; its header opens it again.
      node.classList.toggle("done", Boolean(outcome));
      node.classList.toggle("open", opened.has(door.dwelling_id));
      node.querySelectorAll(".taps button").forEach((b) => b.classList.toggle("chosen", b.dataset.outcome === outcome));
      node.querySelector(".open-door").addEventListener("click", () => {
        if (opened.has(door.dwelling_id)) opened.delete(door.dwelling_id);
        else opened.add(door.dwelling_id);
        node.classList.toggle("open", opened.has(door.dwelling_id));
      });
      node.classList.toggle("conflict", Boolean(door.conflict));
      const held = refused[door.dwelling_id];
      if (held) {
        node.querySelector(".refused").hidden = false;
        node.querySelector(".refused .why").textContent = held.error;
        node.querySelector(".refused .drop").addEventListener("click", async () => {
          await setRefused((r) => { delete r[door.dwelling_id]; });
          render();
        });
        const absent = held.visit.absent || {};
        const form = node.querySelector("form.absent");
        ["where", "back_on", "temperature"].forEach((name) => { form.elements[name].value = absent[name] || ""; });
        const occupant = (held.visit.occupants || [])[0] || {};
        const found = node.querySelector("form.occupant");
        ["name", "id_number", "phone"].forEach((name) => { found.elements[name].value = occupant[name] || ""; });
        node.querySelector("details").open = Boolean(held.visit.absent || held.visit.occupants);
      }
      node.querySelectorAll(".taps button").forEach((b) => b.addEventListener("click", () => knock(door, b.dataset.outcome)));
      node.querySelector("form.absent").addEventListener("submit", (event) => {
        event.preventDefault();
        const f = new FormData(event.target);
        const absent = { where: ABSENT_RULES.plain(f.get("where")), back_on: f.get("back_on"), temperature: f.get("temperature") || null };
        // Checked here, with the server's rules and words, while the worker is still at the door.
        const errors = ABSENT_RULES.check(absent);
        const said = event.target.querySelector(".error");
        said.textContent = Object.values(errors).join(" ");
        said.hidden = !said.textContent;
        if (!said.textContent) knock(door, "absent", { absent });
      });
      node.querySelector("form.occupant").addEventListener("submit", (event) => {
        event.preventDefault();
        const f = new FormData(event.target);
        knock(door, "unknown_occupants", { occupants: [{ name: f.get("name"), id_number: f.get("id_number"), phone: f.get("phone") }] });
      });
      box.appendChild(node);
      retype(node, typing[door.dwelling_id]);
    });
    $("done").textContent = done;
    $("total").textContent = doors.length;
    $("next-door").hidden = done === doors.length;
    $("loading").hidden = true;
    $("queued").textContent = queued.length;
  }

  // The list is drawn again after every sync; a form opened or half typed at another door must
  // come through it as it was, with its cursor (a worker types while the last door syncs), and
  // through a reload too: what is typed is kept as a draft on the phone until it is recorded.
  const DRAFTS_KEY = "drafts-" + CAMPAIGN;
  let drafts = {};
  let draftTimer = null;
  $("doors").addEventListener("input", () => {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => {
      drafts = Object.fromEntries(Object.entries(typed($("doors"))).filter(([, was]) => Object.values(was.values).some(Boolean)));
      statePut(DRAFTS_KEY, drafts);
    }, 300);
  });
  function typed(box) {
    const found = {};
    box.querySelectorAll("section.door").forEach((node) => {
      const values = {};
      node.querySelectorAll("form input").forEach((input) => { values[input.form.className + " " + input.name] = input.value; });
      const focused = node.contains(document.activeElement) && document.activeElement.name
        ? document.activeElement.form.className + " " + document.activeElement.name : "";
      found[node.dataset.dwelling] = { open: node.querySelector("details").open, values, focused };
    });
    return found;
  }
  function retype(node, was) {
    if (!was) return;
    const details = node.querySelector("details");
    details.open = details.open || was.open;
    node.querySelectorAll("form input").forEach((input) => {
      const key = input.form.className + " " + input.name;
      if (was.values[key]) input.value = was.values[key];
      if (key === was.focused) input.focus({ preventScroll: true });
    });
  }

  async function knock(door, outcome, extra) {
    const visit = Object.assign({
      client_id: crypto.randomUUID(), campaign: CAMPAIGN, dwelling_id: door.dwelling_id, outcome: outcome,
      visited_at: new Date().toISOString(), seen_visit_id: door.last_visit_id,
      present: outcome === "confirmed" ? door.residents.map((r) => ({ resident_id: r.id })) : [],
    }, extra || {});
    await queuePut(visit);
    opened.delete(door.dwelling_id);
    delete drafts[door.dwelling_id];
    await statePut(DRAFTS_KEY, drafts);
    // Recorded: the door's forms are no draft any more (a refusal brings the values back).
    document.querySelectorAll(`section.door[data-dwelling="${door.dwelling_id}"] form`).forEach((f) => f.reset());
    await setRefused((r) => { delete r[door.dwelling_id]; });  // recorded again: the correction
    await render();
    sync();
  }

  // An entry kept while a sync is under way is sent by another round right after it, not left
  // waiting for the next tap.
  let again = false;
  async function sync() {
    if (!navigator.onLine) return;
    if (syncing) { again = true; return; }
    syncing = true;
    again = false;
    try {
      const visits = (await queueAll()).filter((v) => v.campaign === CAMPAIGN).slice(0, 500);
      if (visits.length) {
        const response = await post("/api/v1/campaigns/" + CAMPAIGN + "/visits", { visits: visits.map((v) => { const c = Object.assign({}, v); delete c.campaign; return c; }) });
        if (response.ok) {
          const body = await response.json();
          await setRefused((r) => {
            body.results.forEach((result, i) => {
              if (result.error) r[visits[i].dwelling_id] = { visit: visits[i], error: words(result.error) };
            });
          });
          await queueDelete(visits.map((v) => v.client_id));
          await loadList();
        }
      }
    } catch (e) {
      /* the network went away mid-sync: what was not answered stays queued */
    } finally {
      syncing = false;
      await render();
      if (again) sync();
    }
  }

  setInterval(sync, 15000);
  $("mine").addEventListener("change", render);
  $("next-door").addEventListener("click", () => {
    const next = [...document.querySelectorAll("section.door")].find((d) => !d.classList.contains("done"));
    if (next) { next.scrollIntoView({ block: "start" }); next.querySelector(".taps button").focus({ preventScroll: true }); }
  });
  window.fangxianWalk = { sync, ready: false };
  (async function start() {
    window.fangxianOffline.watchNetwork($("network"), root, sync);
    drafts = (await stateGet(DRAFTS_KEY)) || {};
    await loadList();
    await render();
    try { await window.fangxianInstallOffline(root.dataset.sw, "/watch/"); } catch (e) { /* the page still works online */ }
    window.fangxianWalk.ready = true;
    sync();
  })();
})();
