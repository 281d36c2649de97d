// The inspector's phone page: a business of an open round gone through item by item, or a
// revisit of what it was left to rectify. Each saved visit waits in IndexedDB under its
// client_id and is sent once, in order, whenever the network is there; the same client_id
// sent again is answered with what was stored, so a resend changes nothing. What the office
// refuses (the round closed meanwhile, a date passed) comes back here with its reason and the
// whole visit as it was, to correct and send again, or to discard: never dropped unseen.
(function () {
  "use strict";
  const root = document.getElementById("inspect");
  const CSRF = root.dataset.csrf;
  const WORDS = JSON.parse(document.getElementById("inspect-words").textContent);
  const $ = (id) => document.getElementById(id);
  const { queueAll, queuePut, queueDelete, stateGet, statePut } = window.fangxianStore("fangxian-inspections");
  const BUNDLE_KEY = "bundle-" + root.dataset.user;
  const REFUSED_KEY = "refused-" + root.dataset.user;
  const { words } = window.fangxianOffline;
  const post = (url, body) => window.fangxianOffline.post(url, body, CSRF);
  let bundle = { rounds: [], templates: {}, rectify: [] };
  let editing = null;  // the entry the form shows: { kind, business, round_id, client_id, findings }
  let syncing = false;
  let again = false;

  async function loadBundle() {
    try {
      const response = await fetch("/api/v1/inspections/bundle", { credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status);
      bundle = await response.json();
      await statePut(BUNDLE_KEY, bundle);
    } catch (e) {
      bundle = (await stateGet(BUNDLE_KEY)) || bundle;
    }
  }

  // Shrunk on the phone first (a camera's 4 MB becomes some 200 KB); what cannot be drawn
  // goes as it is, and the office says why it refuses it.
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

  function say(text) {
    $("said").textContent = text;
    $("said").hidden = !text;
  }

  function button(label, onClick, primary) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (primary) b.className = "primary";
    b.addEventListener("click", onClick);
    return b;
  }

  async function render() {
    const queued = await queueAll();
    const refused = (await stateGet(REFUSED_KEY)) || {};
    $("queued").textContent = queued.length;
    $("loading").hidden = true;
    const waiting = new Set(queued.map((q) => q.business_id + ":" + q.kind));
    const refusedBox = $("refused-list");
    refusedBox.textContent = "";
    Object.values(refused).forEach((held) => {
      const box = document.createElement("section");
      box.className = "inspect-card refused message error";
      const title = document.createElement("p");
      title.innerHTML = "<b></b> <span></span>";
      title.querySelector("b").textContent = WORDS.refused + " " + held.entry.business;
      title.querySelector("span").textContent = held.message;
      box.appendChild(title);
      const buttons = document.createElement("div");
      buttons.className = "buttons";
      buttons.appendChild(button(WORDS.correct, () => openForm(held.entry), true));
      buttons.appendChild(button(WORDS.discard, async () => {
        await setRefused((r) => { delete r[held.entry.client_id]; });
        render();
      }));
      box.appendChild(buttons);
      refusedBox.appendChild(box);
    });
    const pick = $("pick");
    pick.textContent = "";
    if (!bundle.rounds.some((r) => r.businesses.length) && !bundle.rectify.length) {
      const none = document.createElement("p");
      none.className = "muted";
      none.textContent = WORDS.none;
      pick.appendChild(none);
    }
    bundle.rounds.forEach((round) => {
      if (!round.businesses.length) return;
      const h = document.createElement("h2");
      h.textContent = round.name + (round.team ? " · " + round.team : "");
      pick.appendChild(h);
      round.businesses.forEach((b) => {
        const card = document.createElement("section");
        card.className = "inspect-card";
        card.dataset.business = b.id;
        const p = document.createElement("p");
        p.innerHTML = "<b></b><br><small></small>";
        p.querySelector("b").textContent = b.name;
        const state = waiting.has(b.id + ":visit") || waiting.has(b.id + ":revisit") ? " · ⟳ " + WORDS.waiting : "";
        p.querySelector("small").textContent = b.kind_label + " · " + b.address + " · " + WORDS.visits + " " + b.visits + "/" + b.needed + state;
        card.appendChild(p);
        const buttons = document.createElement("div");
        buttons.className = "buttons";
        if (b.visits < b.needed && bundle.templates[b.kind]) {
          buttons.appendChild(button(WORDS.visit, () => openForm(newVisit(round, b)), true));
        }
        const left = bundle.rectify.filter((f) => f.business_id === b.id);
        if (left.length) buttons.appendChild(button(WORDS.revisit + " (" + left.length + ")", () => openForm(newRevisit(round, b, left))));
        card.appendChild(buttons);
        pick.appendChild(card);
      });
    });
    // What is left to rectify at businesses of rounds closed since: still revisited here.
    const shown = new Set(bundle.rounds.flatMap((r) => r.businesses.map((b) => b.id)));
    const elsewhere = [...new Set(bundle.rectify.filter((f) => !shown.has(f.business_id)).map((f) => f.business_id))];
    if (elsewhere.length) {
      const h = document.createElement("h2");
      h.textContent = WORDS.revisit;
      pick.appendChild(h);
    }
    elsewhere.forEach((id) => {
      const left = bundle.rectify.filter((f) => f.business_id === id);
      const b = { id: id, name: left[0].business };
      const card = document.createElement("section");
      card.className = "inspect-card";
      card.dataset.business = id;
      const p = document.createElement("p");
      p.innerHTML = "<b></b>";
      p.querySelector("b").textContent = b.name;
      card.appendChild(p);
      const buttons = document.createElement("div");
      buttons.className = "buttons";
      buttons.appendChild(button(WORDS.revisit + " (" + left.length + ")", () => openForm(newRevisit(null, b, left))));
      card.appendChild(buttons);
      pick.appendChild(card);
    });
  }

  function newVisit(round, b) {
    const template = bundle.templates[b.kind];
    return {
      kind: "visit", client_id: crypto.randomUUID(), round_id: round.id, business_id: b.id, business: b.name,
      template_id: template.id, note: "",
      findings: template.items.map((item) => ({ target: item.id, text: item.text, result: "", note: "", photo: null, fixed_on_spot: false, deadline: "" })),
    };
  }

  function newRevisit(round, b, left) {
    return {
      kind: "revisit", client_id: crypto.randomUUID(), round_id: round ? round.id : null, business_id: b.id, business: b.name, note: "",
      findings: left.map((f) => ({ target: f.id, text: f.text + (f.deadline ? " (" + WORDS.deadline + " " + f.deadline + ")" : ""), result: "", note: "", photo: null, fixed_on_spot: false, deadline: "" })),
    };
  }

  function openForm(entry) {
    editing = JSON.parse(JSON.stringify(entry));
    const form = $("visit");
    $("visit-title").textContent = (entry.kind === "revisit" ? WORDS.revisit : WORDS.visit) + ": " + entry.business;
    const select = form.elements.round;
    select.textContent = "";
    bundle.rounds.filter((r) => r.businesses.some((b) => b.id === entry.business_id)).forEach((r) => {
      const option = new Option(r.name, r.id, false, r.id === entry.round_id);
      select.appendChild(option);
    });
    $("round-choice").hidden = entry.kind === "revisit" || !select.options.length;
    form.elements.note.value = entry.note || "";
    const box = $("checks");
    box.textContent = "";
    entry.findings.forEach((f, i) => {
      const node = $("check").content.firstElementChild.cloneNode(true);
      node.dataset.index = i;
      node.querySelector(".item-text").textContent = f.text;
      ["pass", "fail", "na", "fixed", "deadline", "photo"].forEach((w) => { node.querySelector(".w-" + w).textContent = WORDS[w]; });
      node.querySelectorAll("input[type=radio]").forEach((r) => {
        r.name = "r" + i;
        r.checked = r.value === f.result;
        r.addEventListener("change", () => showFailure(node));
      });
      if (entry.kind === "revisit") node.querySelector(".na").hidden = true;
      node.querySelector(".fixed").checked = f.fixed_on_spot;
      node.querySelector("input.deadline").value = f.deadline || "";
      node.querySelector(".note").value = f.note || "";
      node.querySelector(".note").placeholder = WORDS.note;
      node.querySelector(".note").setAttribute("aria-label", WORDS.note);
      box.appendChild(node);
      showFailure(node);
    });
    form.querySelector(".error").hidden = true;
    $("pick").hidden = true;
    $("refused-list").hidden = true;
    form.hidden = false;
    window.scrollTo(0, 0);
  }

  function showFailure(node) {
    const failed = node.querySelector("input[type=radio][value=fail]").checked;
    node.querySelector(".failure").hidden = !failed;
    node.classList.toggle("failed", failed);
  }

  function closeForm() {
    editing = null;
    $("visit").hidden = true;
    $("pick").hidden = false;
    $("refused-list").hidden = false;
  }

  async function save(event) {
    event.preventDefault();
    const form = $("visit");
    const said = form.querySelector(".error");
    const nodes = [...$("checks").children];
    let problem = "";
    for (const node of nodes) {
      const f = editing.findings[Number(node.dataset.index)];
      const chosen = node.querySelector("input[type=radio]:checked");
      f.result = chosen ? chosen.value : "";
      f.note = node.querySelector(".note").value.trim();
      f.fixed_on_spot = f.result === "fail" && node.querySelector(".fixed").checked;
      f.deadline = f.result === "fail" && !f.fixed_on_spot ? node.querySelector("input.deadline").value : "";
      const photo = await readPhoto(node.querySelector(".photo"));
      if (photo) f.photo = photo;  // a correction keeps the photo taken before unless a new one is
      if (!f.result) problem = WORDS.all_items;
      else if (f.result === "fail" && !f.fixed_on_spot && !f.deadline) problem = problem || WORDS.fail_needs;
    }
    said.textContent = problem;
    said.hidden = !problem;
    if (problem) return;
    if (editing.kind === "visit" && form.elements.round.value) editing.round_id = Number(form.elements.round.value);
    editing.note = form.elements.note.value.trim();
    editing.at = editing.at || new Date().toISOString();
    await queuePut(editing);
    await setRefused((r) => { delete r[editing.client_id]; });
    closeForm();
    say(WORDS.saved);
    await render();
    sync();
  }

  async function setRefused(change) {
    const refused = (await stateGet(REFUSED_KEY)) || {};
    change(refused);
    await statePut(REFUSED_KEY, refused);
  }

  function body(entry) {
    const key = entry.kind === "visit" ? "item_id" : "finding_id";
    const findings = entry.findings.map((f) => {
      const out = { result: f.result, note: f.note, fixed_on_spot: f.fixed_on_spot };
      out[key] = f.target;
      if (f.deadline) out.deadline = f.deadline;
      if (f.photo) out.photo = f.photo;
      return out;
    });
    // When it was saved on the phone: the office believes it up to a week back.
    const sent = { client_id: entry.client_id, note: entry.note, findings: findings, visited_at: entry.at };
    if (entry.kind === "visit") Object.assign(sent, { round_id: entry.round_id, business_id: entry.business_id, template_id: entry.template_id });
    return sent;
  }

  async function sync() {
    if (!navigator.onLine) return;
    if (syncing) { again = true; return; }
    syncing = true;
    again = false;
    let sent = false;
    try {
      const queued = (await queueAll()).sort((a, b) => (a.at < b.at ? -1 : 1));
      for (const entry of queued) {
        const url = entry.kind === "visit" ? "/api/v1/inspections" : "/api/v1/inspections/businesses/" + entry.business_id + "/revisits";
        const response = await post(url, body(entry));
        if (response.ok) {
          await queueDelete([entry.client_id]);
          sent = true;
        } else if (response.status === 401 || response.status === 403) {
          // Logged out (or a session the CSRF check refuses): everything waits for a new log-in.
          const detail = words((await response.json().catch(() => ({}))).detail);
          say(response.status === 401 || detail.includes("CSRF") ? WORDS.log_in : detail);
          break;
        } else if (response.status >= 400 && response.status < 500) {
          let detail = "";
          try { detail = words((await response.json()).detail); } catch (e) { detail = String(response.status); }
          await setRefused((r) => { r[entry.client_id] = { entry: entry, message: detail }; });
          await queueDelete([entry.client_id]);
        } else {
          break;  // the office is down: the rest waits, in order
        }
      }
      if (sent) say(WORDS.synced);
      await loadBundle();
    } catch (e) {
      /* the network went away mid-sync: what was not answered stays queued */
    } finally {
      syncing = false;
      if (!editing) await render();
      if (again) sync();
    }
  }

  $("visit").addEventListener("submit", save);
  $("visit").querySelector(".cancel").addEventListener("click", () => { closeForm(); render(); });
  setInterval(sync, 15000);
  window.fangxianInspections = { sync, ready: false };
  (async function start() {
    window.fangxianOffline.watchNetwork($("network"), root, sync);
    await loadBundle();
    await render();
    try { await window.fangxianInstallOffline(root.dataset.sw, "/inspections/"); } catch (e) { /* the page still works online */ }
    window.fangxianInspections.ready = true;
    sync();
  })();
})();
