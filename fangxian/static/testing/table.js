// The sampler's phone at the table. A tube is scanned once and stays current until full; each
// person is one scan of the permit (the camera stays on) or a typed ID number and a tap. Every
// registration waits in IndexedDB under its client_id and goes to the office in order, in
// batches, whenever there is a network; the office answers each one, and a registration sent
// again is answered as it was stored, so a resend changes nothing. What the office refuses (a
// person sampled already, a tube of another household) comes back here with its reason, to
// correct or discard: never dropped unseen.
(function () {
  "use strict";
  const root = document.getElementById("table");
  const CSRF = root.dataset.csrf;
  const WORDS = JSON.parse(document.getElementById("table-words").textContent);
  const CAMPAIGNS = JSON.parse(document.getElementById("table-campaigns").textContent);
  const $ = (id) => document.getElementById(id);
  const { queueAll, queuePut, queueDelete, stateGet, statePut } = window.fangxianStore("fangxian-testing-table");
  const { words } = window.fangxianOffline;
  const post = (url, body) => window.fangxianOffline.post(url, body, CSRF);
  const CHOICE_KEY = "choice-" + root.dataset.user;
  const TUBE_KEY = "tube-" + root.dataset.user;
  const REFUSED_KEY = "refused-" + root.dataset.user;
  const RECENT_KEY = "recent-" + root.dataset.user;
  const BATCH = 500;
  let choice = { campaign_id: null, site_id: null };
  let tube = null;  // { barcode, size, capacity, campaign_id }
  let syncing = false;
  let again = false;
  let lastCode = { text: "", at: 0 };

  function say(text, kind) {
    $("said").textContent = text;
    $("said").className = "message " + (kind || "success");
    $("said").hidden = !text;
  }

  // GB 11643: 17 digits and a check character, as lib/idnumber.py checks it (the office checks again).
  function idNumberOk(raw) {
    const text = String(raw).normalize("NFKC").replace(/\s/g, "").toUpperCase();
    if (!/^\d{17}[\dX]$/.test(text)) return "";
    let total = 0;
    for (let i = 0; i < 17; i++) total += Number(text[i]) * (2 ** (17 - i) % 11);
    return "10X98765432"[total % 11] === text[17] ? text : "";
  }

  const campaign = () => CAMPAIGNS.find((c) => c.id === choice.campaign_id) || null;

  function fillPicker() {
    const select = $("campaign");
    CAMPAIGNS.forEach((c) => select.appendChild(new Option(c.name + " · " + c.pool_size + "→1", c.id)));
    select.value = choice.campaign_id || "";
    fillSites();
  }

  function fillSites() {
    const select = $("site");
    select.textContent = "";
    (campaign() ? campaign().sites : []).forEach((s) => select.appendChild(new Option(s.name, s.id)));
    if (choice.site_id) select.value = choice.site_id;
    choice.site_id = select.value ? Number(select.value) : null;
  }

  function showTube() {
    $("tube-number").textContent = tube ? tube.barcode : "—";
    $("tube-fill").textContent = tube ? tube.size + "/" + tube.capacity : "";
    $("close-tube").hidden = !tube || tube.size === 0;
  }

  async function setTube(raw) {
    const barcode = String(raw).replace(/\s/g, "").toUpperCase();
    if (!barcode) return;
    if (!campaign()) { say(WORDS.pick_campaign, "error"); return; }
    if (!tube || tube.barcode !== barcode) tube = { barcode: barcode, size: 0, capacity: campaign().pool_size, campaign_id: campaign().id };
    await statePut(TUBE_KEY, tube);
    $("tube").value = "";
    showTube();
    say("");
  }

  async function register(person) {
    if (!campaign()) { say(WORDS.pick_campaign, "error"); return; }
    if (!tube) { say(WORDS.scan_tube, "error"); $("tube").focus(); return; }
    const entry = {
      client_id: crypto.randomUUID(),
      campaign_id: campaign().id,
      site_id: choice.site_id,
      tube: tube.barcode,
      permit_code: person.permit_code || "",
      id_number: person.id_number || "",
      sampled_at: new Date().toISOString(),
    };
    await queuePut(entry);
    tube.size += 1;
    await remember(entry.tube + " · " + (entry.id_number ? entry.id_number.slice(0, 6) + "…" + entry.id_number.slice(-4) : "✓") + " · " + tube.size + "/" + tube.capacity);
    if (tube.size >= tube.capacity) {
      say(WORDS.tube_full);
      tube = null;
    } else {
      say(WORDS.saved);
    }
    await statePut(TUBE_KEY, tube);
    showTube();
    await render();
    sync();
  }

  async function remember(line) {
    const recent = (await stateGet(RECENT_KEY)) || [];
    recent.unshift(line);
    await statePut(RECENT_KEY, recent.slice(0, 12));
  }

  async function closeTube() {
    if (!tube) return;
    await queuePut({ client_id: crypto.randomUUID(), close: true, campaign_id: tube.campaign_id, tube: tube.barcode, sampled_at: new Date().toISOString() });
    say(WORDS.closed);
    tube = null;
    await statePut(TUBE_KEY, tube);
    showTube();
    await render();
    sync();
  }

  function button(label, onClick, primary) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (primary) b.className = "primary";
    b.addEventListener("click", onClick);
    return b;
  }

  async function setRefused(change) {
    const refused = (await stateGet(REFUSED_KEY)) || {};
    change(refused);
    await statePut(REFUSED_KEY, refused);
  }

  async function render() {
    $("queued").textContent = (await queueAll()).length;
    const refused = (await stateGet(REFUSED_KEY)) || {};
    const box = $("refused-list");
    box.textContent = "";
    Object.values(refused).forEach((held) => {
      const card = document.createElement("section");
      card.className = "refused message error";
      const p = document.createElement("p");
      p.textContent = WORDS.refused + " " + held.entry.tube + " · " + (held.entry.id_number || "✓") + " — " + held.message;
      card.appendChild(p);
      const buttons = document.createElement("div");
      buttons.className = "buttons";
      buttons.appendChild(button(WORDS.correct, async () => {
        // Back into the fields: the person is still at the table, or called back.
        if (held.entry.id_number) $("id-number").value = held.entry.id_number;
        $("tube").value = held.entry.tube;
        await setRefused((r) => { delete r[held.entry.client_id]; });
        render();
        $("id-number").focus();
      }, true));
      buttons.appendChild(button(WORDS.discard, async () => { await setRefused((r) => { delete r[held.entry.client_id]; }); render(); }));
      card.appendChild(buttons);
      box.appendChild(card);
    });
    const list = $("recent");
    list.textContent = "";
    ((await stateGet(RECENT_KEY)) || []).forEach((line) => { const li = document.createElement("li"); li.textContent = line; list.appendChild(li); });
  }

  async function refuse(entry, message) {
    await setRefused((r) => { r[entry.client_id] = { entry: entry, message: message }; });
    if (tube && tube.barcode === entry.tube && tube.size > 0) { tube.size -= 1; await statePut(TUBE_KEY, tube); showTube(); }
  }

  // Sends what waits, oldest first: runs of registrations as one batch, a tube closed by hand
  // on its own, after the registrations before it.
  async function sync() {
    if (!navigator.onLine) return;
    if (syncing) { again = true; return; }
    syncing = true;
    again = false;
    let sent = false;
    let refusedNow = 0;
    try {
      const queued = (await queueAll()).sort((a, b) => (a.sampled_at < b.sampled_at ? -1 : 1));
      while (queued.length) {
        if (queued[0].close) {
          const entry = queued.shift();
          const response = await post("/api/v1/testing/campaigns/" + entry.campaign_id + "/tubes/" + encodeURIComponent(entry.tube) + "/close", {});
          if (response.status >= 500) break;
          if (response.status === 401 || response.status === 403) { say(WORDS.log_in, "error"); break; }
          await queueDelete([entry.client_id]);  // closed, already closed (409), or never opened (404): nothing left to do
          continue;
        }
        const batch = [];
        while (queued.length && !queued[0].close && batch.length < BATCH) batch.push(queued.shift());
        const response = await post("/api/v1/testing/samples", { samples: batch.map(({ client_id, campaign_id, site_id, tube, permit_code, id_number, sampled_at }) => ({ client_id, campaign_id, site_id, tube, permit_code, id_number, sampled_at })) });
        if (response.status === 401 || response.status === 403) { say(WORDS.log_in, "error"); break; }
        if (!response.ok) {
          if (response.status >= 400 && response.status < 500) {
            const detail = words((await response.json().catch(() => ({}))).detail) || String(response.status);
            for (const entry of batch) await refuse(entry, detail);
            refusedNow += batch.length;
            await queueDelete(batch.map((e) => e.client_id));
          }
          break;
        }
        const results = (await response.json()).results;
        const answered = [];
        for (let i = 0; i < batch.length; i++) {
          const result = results[i];
          if (!result) continue;
          answered.push(batch[i].client_id);
          if (!result.accepted) { await refuse(batch[i], result.reason); refusedNow += 1; }
          else if (tube && result.tube && result.tube.barcode === tube.barcode) {
            // The office counts the tube: a retest tube holds one, another table may share it.
            Object.assign(tube, { size: Math.max(tube.size, result.tube.size), capacity: result.tube.capacity });
            if (result.tube.status === "closed") { say(WORDS.tube_full); tube = null; }
            await statePut(TUBE_KEY, tube);
            showTube();
          }
        }
        await queueDelete(answered);
        sent = true;
      }
      // The refusals are drawn below by render(); the line at the top must not say all went well.
      if (refusedNow) say(WORDS.refused_some, "error");
      else if (sent) say(WORDS.synced);
    } catch (e) {
      /* the network went away mid-sync: what was not answered stays queued */
    } finally {
      syncing = false;
      await render();
      if (again) sync();
    }
  }

  // ---------- the cameras: jsQR for the permit (as at the gate), BarcodeDetector for the tube
  const video = $("video");
  const canvas = $("frame");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let scanning = null;  // "permit" | "tube"
  let detector = null;

  async function startCamera(what) {
    scanning = what;
    if (what === "tube") {
      if (!("BarcodeDetector" in window)) { say(WORDS.no_camera, "error"); $("tube").focus(); scanning = null; return; }
      detector = detector || new window.BarcodeDetector({ formats: ["code_128"] });
    }
    if (video.srcObject) return;
    if (!navigator.mediaDevices || !window.jsQR) { say(WORDS.no_camera, "error"); return; }
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.hidden = false;
      await video.play();
      scanFrames();
    } catch (e) {
      say(WORDS.no_camera, "error");
    }
  }

  async function scanFrames() {
    if (video.readyState >= 2 && scanning) {
      if (scanning === "tube" && detector) {
        try {
          const found = await detector.detect(video);
          if (found.length) { await setTube(found[0].rawValue); scanning = "permit"; }
        } catch (e) { /* a frame the detector could not read */ }
      } else if (scanning === "permit") {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        // The same card held up for a few seconds is one person.
        if (found && found.data && (found.data !== lastCode.text || Date.now() - lastCode.at > 8000)) {
          lastCode = { text: found.data, at: Date.now() };
          await register({ permit_code: found.data });
        }
      }
    }
    setTimeout(scanFrames, 150);
  }

  $("campaign").addEventListener("change", async () => {
    choice.campaign_id = Number($("campaign").value) || null;
    choice.site_id = null;
    fillSites();
    tube = null;
    await statePut(CHOICE_KEY, choice);
    await statePut(TUBE_KEY, tube);
    showTube();
  });
  $("site").addEventListener("change", async () => { choice.site_id = Number($("site").value) || null; await statePut(CHOICE_KEY, choice); });
  // A USB or Bluetooth scanner types the number and Enter into the field.
  $("tube-form").addEventListener("submit", (event) => { event.preventDefault(); setTube($("tube").value); });
  $("tube").addEventListener("change", () => setTube($("tube").value));
  $("scan-tube").addEventListener("click", () => startCamera("tube"));
  $("scan-permit").addEventListener("click", () => startCamera("permit"));
  $("close-tube").addEventListener("click", closeTube);
  $("id-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const number = idNumberOk($("id-number").value);
    if (!number) { say(WORDS.id_invalid, "error"); return; }
    $("id-number").value = "";
    await register({ id_number: number });
    $("id-number").focus();
  });
  setInterval(sync, 15000);
  window.fangxianTable = { sync, ready: false };
  (async function start() {
    window.fangxianOffline.watchNetwork($("network"), root, sync);
    choice = (await stateGet(CHOICE_KEY)) || choice;
    if (!CAMPAIGNS.some((c) => c.id === choice.campaign_id)) choice = { campaign_id: CAMPAIGNS.length === 1 ? CAMPAIGNS[0].id : null, site_id: null };
    tube = (await stateGet(TUBE_KEY)) || null;
    if (tube && tube.campaign_id !== choice.campaign_id) tube = null;
    fillPicker();
    showTube();
    await render();
    try { await window.fangxianInstallOffline(root.dataset.sw, "/testing/table/"); } catch (e) { /* the page still works online */ }
    window.fangxianTable.ready = true;
    sync();
  })();
})();
