// The deliverer's phone page: open errands to claim and one's own to deliver. Taps wait in
// IndexedDB and are synced in the order they were made, each by its client_id, exactly once,
// whenever the network is there; the lists are kept for a reload without signal. What the
// server refuses (someone else has it, a wrong code) comes back on the errand's card in the
// server's words, and stays there until the person has read it.
(function () {
  "use strict";
  const root = document.getElementById("phone");
  const CSRF = root.dataset.csrf;
  const WORDS = JSON.parse(document.getElementById("phone-words").textContent);
  const $ = (id) => document.getElementById(id);
  const { queueAll, queuePut, queueDelete, stateGet, statePut } = window.fangxianStore("fangxian-errands");
  const LISTS_KEY = "lists-" + root.dataset.user;
  const REFUSED_KEY = "refused-" + root.dataset.user;
  let lists = { open: [], mine: [] };
  let syncing = false;
  let again = false;

  // The token of the cookie as it is now: a page kept offline may hold one from before a new log-in.
  const { words } = window.fangxianOffline;
  const post = (url, body) => window.fangxianOffline.post(url, body, CSRF);

  async function fetchList(show) {
    const response = await fetch("/api/v1/errands?limit=200&show=" + show, { credentials: "same-origin" });
    if (!response.ok) throw new Error(response.status);
    return (await response.json()).items;
  }

  async function loadLists() {
    try {
      lists = { open: await fetchList("open"), mine: await fetchList("mine") };
      await statePut(LISTS_KEY, lists);
    } catch (e) {
      lists = (await stateGet(LISTS_KEY)) || { open: [], mine: [] };
    }
  }


  async function setRefused(change) {
    const refused = (await stateGet(REFUSED_KEY)) || {};
    change(refused);
    await statePut(REFUSED_KEY, refused);
  }

  // The community's clock, not the phone's: a phone set to another zone showed 14:57 for 22:57.
  const CLOCK = new Intl.DateTimeFormat("en-GB", { timeZone: root.dataset.zone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  function when(iso) {
    const part = Object.fromEntries(CLOCK.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
    return part.month + "-" + part.day + " " + part.hour + ":" + part.minute;
  }

  // "12.5" yuan → 1250 fen, as the server reads it; null for nothing typed, NaN for not an amount.
  function fen(text) {
    const value = (text || "").trim().replace("¥", "").replace("元", "");
    if (!value) return null;
    if (!/^\d{1,5}(\.\d{1,2})?$/.test(value)) return NaN;
    const [whole, part] = value.split(".");
    return Number(whole) * 100 + Number((part || "").padEnd(2, "0"));
  }

  // The photo waits in the queue as a data URL: shrunk on the phone first (a camera's 4 MB
  // becomes some 200 KB to send over a weak signal); what cannot be drawn goes as it is, and
  // the server says why it refuses it.
  const PHOTO_SIDE = 1200;
  async function readPhoto(input) {
    const file = input.files && input.files[0];
    if (!file) return null;
    try {
      const image = await createImageBitmap(file);
      const scale = Math.min(1, PHOTO_SIDE / Math.max(image.width, image.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      return canvas.toDataURL("image/jpeg", 0.85);
    } catch (e) {
      return new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.onerror = () => reject(reader.error);
        reader.readAsDataURL(file);
      });
    }
  }

  function card(errand, pending, held) {
    const node = $("card").content.firstElementChild.cloneNode(true);
    node.dataset.errand = errand.id;
    node.classList.toggle("overdue", Boolean(errand.overdue));
    const flag = node.querySelector(".flags");
    // Overdue stands out by colour and by word; urgent next.
    if (errand.overdue || errand.urgency === "urgent") {
      flag.className = "flags chip " + (errand.overdue ? "overdue" : "urgent");
      flag.textContent = errand.overdue ? WORDS.overdue : WORDS.urgent;
    }
    node.querySelector(".kind").textContent = WORDS.kinds[errand.kind] || errand.kind;
    node.querySelector(".what").textContent = errand.what;
    node.querySelector(".door-only").hidden = !errand.door_only;
    node.querySelector(".address").textContent = errand.address;
    node.querySelector(".person").textContent = [errand.name, errand.phone].filter(Boolean).join(" ");
    node.querySelector(".needed").textContent = WORDS.needed_by + " " + when(errand.needed_by);
    const state = node.querySelector(".state");
    const claimed = pending.claim || errand.mine;
    if (pending.deliver) state.textContent = WORDS.delivered + " ⟳ " + WORDS.waiting;
    else if (pending.claim) state.textContent = WORDS.mine + " ⟳ " + WORDS.waiting;
    else if (errand.mine) state.textContent = WORDS.mine;
    else state.hidden = true;
    node.querySelector("form.claim").hidden = Boolean(claimed);
    node.querySelector("form.deliver").hidden = !claimed || Boolean(pending.deliver);
    if (held) {
      node.querySelector(".refused").hidden = false;
      node.querySelector(".refused .why").textContent = held.join(" ");
      node.querySelector(".refused .drop").addEventListener("click", async () => {
        await setRefused((r) => { delete r[errand.id]; });
        render();
      });
    }
    node.querySelector("form.claim").addEventListener("submit", (event) => {
      event.preventDefault();
      tap({ action: "claim", errand_id: errand.id });
    });
    node.querySelector("form.deliver").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.target;
      const said = form.querySelector(".error");
      const advanced = fen(form.elements.advanced.value);
      const photo = await readPhoto(form.elements.photo);
      const code = form.elements.code.value.trim();
      said.textContent = Number.isNaN(advanced) ? WORDS.amount : !code && !photo ? WORDS.code_or_photo : "";
      said.hidden = !said.textContent;
      if (said.textContent) return;
      form.reset();  // taken: what was typed is in the queue now, not a draft
      tap({ action: "deliver", errand_id: errand.id, code: code, advanced: advanced, photo: photo });
    });
    return node;
  }

  async function render() {
    const queued = (await queueAll()).sort((a, b) => (a.at < b.at ? -1 : 1));
    const refused = (await stateGet(REFUSED_KEY)) || {};
    const pending = {};
    queued.forEach((q) => { (pending[q.errand_id] = pending[q.errand_id] || {})[q.action] = true; });
    const mineBox = $("mine-list");
    const openBox = $("open-list");
    const was = typed();
    const refusedBox = $("refused-list");
    mineBox.textContent = "";
    openBox.textContent = "";
    refusedBox.textContent = "";
    const seen = new Set();
    const all = lists.mine.concat(lists.open);
    all.forEach((errand) => {
      if (seen.has(errand.id)) return;
      seen.add(errand.id);
      const p = pending[errand.id] || {};
      const node = card(errand, p, refused[errand.id] && refused[errand.id].messages);
      (errand.mine || p.claim ? mineBox : openBox).appendChild(node);
    });
    // Refused for an errand no longer in either list (someone else has it): still said.
    Object.keys(refused).filter((id) => !seen.has(Number(id))).forEach((id) => {
      const held = refused[id];
      const node = card(held.errand || { id: Number(id), kind: "", what: "", address: "", needed_by: new Date().toISOString() }, { claim: false }, held.messages);
      node.querySelector("form.claim").hidden = true;
      node.querySelector("form.deliver").hidden = true;
      refusedBox.appendChild(node);  // on top, not among one's own: someone else has it
    });
    [mineBox, openBox].forEach((box) => {
      if (box.children.length) return;
      const none = document.createElement("p");
      none.className = "muted";
      none.textContent = WORDS.none;
      box.appendChild(none);
    });
    retype(was);
    $("loading").hidden = true;
    $("queued").textContent = queued.length;
  }

  // The lists are drawn again after every sync: a code or an amount half typed on a card (a
  // volunteer types while the last tap syncs) comes through it as it was, with its cursor.
  function typed() {
    const found = {};
    document.querySelectorAll("section.errand-card form.deliver").forEach((form) => {
      const id = form.closest("section").dataset.errand;
      found[id] = { code: form.elements.code.value, advanced: form.elements.advanced.value, files: form.elements.photo.files,
        focused: form.contains(document.activeElement) ? document.activeElement.name : "" };
    });
    return found;
  }
  function retype(was) {
    document.querySelectorAll("section.errand-card form.deliver").forEach((form) => {
      const before = was[form.closest("section").dataset.errand];
      if (!before) return;
      form.elements.code.value = before.code;
      form.elements.advanced.value = before.advanced;
      if (before.files && before.files.length) form.elements.photo.files = before.files;
      if (before.focused && form.elements[before.focused]) form.elements[before.focused].focus({ preventScroll: true });
    });
  }

  async function tap(entry) {
    const errand = lists.mine.concat(lists.open).find((e) => e.id === entry.errand_id);
    await queuePut(Object.assign({ client_id: crypto.randomUUID(), at: new Date().toISOString(), errand: errand }, entry));
    await render();
    sync();
  }

  async function refuse(entry, message) {
    await setRefused((r) => {
      const held = r[entry.errand_id] || { messages: [], errand: entry.errand };
      if (!held.messages.includes(message)) held.messages.push(message);
      r[entry.errand_id] = held;
    });
  }

  async function sync() {
    if (!navigator.onLine) return;
    if (syncing) { again = true; return; }
    syncing = true;
    again = false;
    try {
      const queued = (await queueAll()).sort((a, b) => (a.at < b.at ? -1 : 1));
      for (const entry of queued) {
        const body = { client_id: entry.client_id };
        if (entry.action === "deliver") {
          body.code = entry.code || "";
          if (entry.advanced !== null && entry.advanced !== undefined) body.advanced = entry.advanced;
          if (entry.photo) body.photo = entry.photo;
        }
        const response = await post("/api/v1/errands/" + entry.errand_id + "/" + entry.action, body);
        if (response.ok) {
          await queueDelete([entry.client_id]);
          // Stored: what was refused before (a wrong code, the word to log in) is past.
          await setRefused((r) => { delete r[entry.errand_id]; });
        } else if (response.status === 401 || response.status === 403) {
          // Logged out, or a session the server does not take: the taps wait for a new log-in,
          // and the person is told so on the card.
          // Without a session the API's CSRF check answers first (403 "CSRF check Failed").
          const detail = words((await response.json().catch(() => ({}))).detail);
          await refuse(entry, response.status === 401 || detail.includes("CSRF") ? WORDS.log_in : detail);
          break;
        } else if (response.status >= 400 && response.status < 500) {
          // Refused for good (someone else has it, a wrong code): told on the card, not retried.
          let detail = "";
          try { detail = words((await response.json()).detail); } catch (e) { detail = String(response.status); }
          // A hand-over the server did not record may still have happened at the door.
          await refuse(entry, entry.action === "deliver" ? detail + " " + WORDS.tell_office : detail);
          await queueDelete([entry.client_id]);
        } else {
          break;  // the server is down or the session gone: the rest waits, in order
        }
      }
      await loadLists();
    } catch (e) {
      /* the network went away mid-sync: what was not answered stays queued */
    } finally {
      syncing = false;
      await render();
      if (again) sync();
    }
  }

  setInterval(sync, 15000);
  window.fangxianErrands = { sync, ready: false };
  (async function start() {
    window.fangxianOffline.watchNetwork($("network"), root, sync);
    await loadLists();
    await render();
    try { await window.fangxianInstallOffline(root.dataset.sw, "/errands/"); } catch (e) { /* the page still works online */ }
    window.fangxianErrands.ready = true;
    sync();
  })();
})();
