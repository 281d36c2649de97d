// The gate page: judges permits on the phone (offline too) with the trust bundle and
// WebCrypto Ed25519, keeps every pass in IndexedDB, and syncs each exactly once by its
// client_id. The verdict rules mirror fangxian/gate/checking.py; the code format is
// docs/permit-format.md.
(function () {
  "use strict";
  const root = document.getElementById("gate");
  const GATE_ID = Number(root.dataset.gate);
  const STALE_MS = Number(root.dataset.staleHours) * 3600 * 1000;
  const CSRF = root.dataset.csrf;
  const WORDS = JSON.parse(document.getElementById("verdict-words").textContent);
  const NEXT_STEPS = JSON.parse(document.getElementById("verdict-next-steps").textContent);
  const ORDER = ["forged", "unknown_issuer", "not_accepted_here", "revoked", "not_yet_valid", "expired", "under_observation", "awaiting_retest", "fever"];
  const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  const SAME_CODE_PAUSE_MS = 4000;
  const BATCH = 5000;
  const $ = (id) => document.getElementById(id);

  // ---------- storage: IndexedDB keeps the queue and the bundle across reloads and offline
  const { queueAll, queuePut, queueDelete, stateGet, statePut } = window.fangxianStore("fangxian-gate");

  // ---------- the permit code: base45, CBOR, COSE_Sign1
  function base45(text) {
    const out = [];
    for (let i = 0; i < text.length; i += 3) {
      const chunk = text.slice(i, i + 3);
      const v = Array.from(chunk, (c) => B45.indexOf(c));
      if (v.includes(-1) || chunk.length === 1) throw new Error("encoding");
      const n = v[0] + v[1] * 45 + (chunk.length === 3 ? v[2] * 2025 : 0);
      if (chunk.length === 3) {
        if (n > 0xffff) throw new Error("encoding");
        out.push(n >> 8, n & 255);
      } else {
        if (n > 0xff) throw new Error("encoding");
        out.push(n);
      }
    }
    return new Uint8Array(out);
  }

  function cbor(bytes) {
    let pos = 0;
    const need = (n) => { if (pos + n > bytes.length) throw new Error("structure"); };
    function uint(size) {
      need(size);
      let n = 0;
      for (let i = 0; i < size; i++) n = n * 256 + bytes[pos++];
      return n;
    }
    function item(depth) {
      if (depth > 8) throw new Error("structure");
      need(1);
      const first = bytes[pos++];
      const major = first >> 5;
      const info = first & 31;
      const n = info < 24 ? info : info === 24 ? uint(1) : info === 25 ? uint(2) : info === 26 ? uint(4) : info === 27 ? uint(8) : -1;
      if (n < 0) throw new Error("structure");
      switch (major) {
        case 0: return n;
        case 1: return -1 - n;
        case 2: { need(n); const v = bytes.slice(pos, pos + n); pos += n; return v; }
        case 3: { need(n); const v = new TextDecoder("utf-8", { fatal: true }).decode(bytes.slice(pos, pos + n)); pos += n; return v; }
        case 4: { const a = []; for (let i = 0; i < n; i++) a.push(item(depth + 1)); return a; }
        case 5: { const m = new Map(); for (let i = 0; i < n; i++) { const k = item(depth + 1); m.set(k, item(depth + 1)); } return m; }
        case 6: return { tag: n, value: item(depth + 1) };
        default: throw new Error("structure");
      }
    }
    const value = item(0);
    if (pos !== bytes.length) throw new Error("structure");
    return value;
  }

  function bstrHead(length) {
    return length < 24 ? [0x40 | length] : length < 256 ? [0x58, length] : [0x59, length >> 8, length & 255];
  }

  function sigStructure(protectedBytes, payload) {
    const label = new TextEncoder().encode("Signature1");
    return new Uint8Array([0x84, 0x60 | label.length, ...label, ...bstrHead(protectedBytes.length), ...protectedBytes,
      0x40, ...bstrHead(payload.length), ...payload]);
  }

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  function parse(code) {
    code = code.trim();
    if (code.length > 1000) throw new Error("too_long");
    if (!code.startsWith("FX1:")) throw new Error("prefix");
    let top = cbor(base45(code.slice(4)));
    if (top && top.tag !== undefined) {
      if (top.tag !== 18) throw new Error("structure");
      top = top.value;
    }
    if (!Array.isArray(top) || top.length !== 4) throw new Error("structure");
    const [prot, unprotectedHeader, payload, signature] = top;
    if (!(prot instanceof Uint8Array && payload instanceof Uint8Array && signature instanceof Uint8Array) || signature.length !== 64) throw new Error("structure");
    if (!(unprotectedHeader instanceof Map) || unprotectedHeader.size !== 0) throw new Error("structure");
    const header = cbor(prot);
    if (!(header instanceof Map)) throw new Error("structure");
    if (header.get(1) !== -8) throw new Error("algorithm");
    const kid = header.get(4);
    if (!(kid instanceof Uint8Array)) throw new Error("structure");
    let fields;
    try { fields = cbor(payload); } catch (e) { throw new Error("payload"); }
    if (!(fields instanceof Map)) throw new Error("payload");
    const photo = fields.get(7);
    const permit = { id: fields.get(1), issuer: fields.get(2), name: fields.get(3), dwelling: fields.get(4), from: fields.get(5), until: fields.get(6), photo: photo instanceof Uint8Array && photo.length > 0 };
    const types = [typeof permit.id, typeof permit.issuer, typeof permit.name, typeof permit.dwelling, typeof permit.from, typeof permit.until];
    if (types.join() !== "number,string,string,string,number,number") throw new Error("payload");
    return { kid: hex(kid), protected: prot, payload, signature, permit };
  }

  // ---------- the trust bundle
  let trust = null; // {keys: Map(kid -> {issuer, accepted, key}), revoked: Set, feverAt, issuedAt, version}

  function unb64(text) {
    const s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  }

  async function applyBundle(bundle) {
    const keys = new Map();
    const names = new Map();
    for (const k of bundle.keys) {
      if (k.name) names.set(k.issuer, k.name);
      // Only the communities that trust this gate send their keys; the others are named, no more.
      const key = k.accepted ? await crypto.subtle.importKey("raw", unb64(k.public_key), { name: "Ed25519" }, false, ["verify"]) : null;
      keys.set(k.kid, { issuer: k.issuer, accepted: k.accepted, key });
    }
    trust = { keys, names, revoked: new Set(bundle.revoked), observed: new Set(bundle.observed || []), held: new Set(bundle.held || []), feverAt: bundle.fever_at, issuedAt: Date.parse(bundle.issued_at), version: bundle.version };
    showBundleState();
  }

  async function loadBundle() {
    if (navigator.onLine) {
      try {
        const response = await fetch(`/api/v1/gates/${GATE_ID}/bundle`, { credentials: "same-origin" });
        if (response.ok) {
          const bundle = await response.json();
          await statePut("bundle", bundle);
          return applyBundle(bundle);
        }
      } catch (e) { /* offline after all: use the stored bundle */ }
    }
    const stored = await stateGet("bundle");
    if (stored) return applyBundle(stored);
    $("nobundle").hidden = false;
  }

  function showBundleState() {
    $("nobundle").hidden = !!trust;
    $("stale").hidden = !trust || Date.now() - trust.issuedAt < STALE_MS;
  }

  // ---------- the verdict, the same words and order as the server
  async function judge(code, temperature) {
    const found = [];
    const reasons = [];
    let holder = null;
    try {
      const env = parse(code);
      const signer = trust && trust.keys.get(env.kid);
      if (!signer) {
        found.push("unknown_issuer");
      } else if (!signer.accepted) {
        found.push("not_accepted_here");
      } else {
        const ok = await crypto.subtle.verify("Ed25519", signer.key, env.signature, sigStructure(env.protected, env.payload));
        if (!ok || env.permit.issuer !== signer.issuer) {
          found.push("forged");
          reasons.push("signature");
        } else {
          holder = env.permit;
          if (trust.revoked.has(env.permit.id)) found.push("revoked");
          const now = Date.now() / 1000;
          if (now < env.permit.from) found.push("not_yet_valid");
          else if (now > env.permit.until) found.push("expired");
          if (trust.observed.has(env.permit.id)) found.push("under_observation");
          if (trust.held.has(env.permit.id)) found.push("awaiting_retest");
        }
      }
    } catch (e) {
      found.push("forged");
      reasons.push("malformed:" + e.message);
    }
    if (temperature !== null && trust && temperature >= trust.feverAt) found.push("fever");
    const verdict = ORDER.find((v) => found.includes(v)) || "admit";
    return { verdict, reasons: ORDER.filter((v) => found.includes(v)).concat(reasons), holder };
  }

  // ---------- temperature: one tap for the common values, a keypad for the rest, or "not
  // taken" and why. A pass holds one or the other; the reason stays chosen (a thermometer
  // that failed in the cold stays failed), a temperature is for one person.
  let temperature = null;
  let noTemperature = "";
  const tempsHome = document.querySelector(".temps").parentNode;
  const tempsNext = document.querySelector(".temps").nextSibling;
  // The one row of temperature buttons goes where it is needed: into the visitor form, or
  // into the verdict of a card seen before a temperature was tapped.
  function placeTemps(slot) {
    const temps = document.querySelector(".temps");
    if (slot) slot.append(temps);
    else tempsHome.insertBefore(temps, tempsNext);
  }
  // A temperature is for the person in front of the gate: one left chosen for a minute and a half
  // with no card (they turned back) is not given to whoever comes next.
  const TEMPERATURE_MS = 90000;
  let temperatureTimer = null;
  function pickTemperature(value) {
    temperature = value;
    clearTimeout(temperatureTimer);
    if (value !== null) temperatureTimer = setTimeout(() => { if ($("visitor").hidden && !asking) pickTemperature(null); }, TEMPERATURE_MS);
    if (value !== null) noTemperature = "";
    document.querySelectorAll(".temp[data-t]").forEach((b) => b.classList.toggle("selected", Number(b.dataset.t) === value));
    // A value typed on the keypad has no button of its own: the keypad's button shows it.
    const preset = [...document.querySelectorAll(".temp[data-t]")].some((b) => Number(b.dataset.t) === value);
    const typed = value !== null && !preset;
    $("keypad-open").textContent = typed ? value.toFixed(1) : "…";
    $("keypad-open").classList.toggle("selected", typed);
    const why = document.querySelector(`.why[data-why="${noTemperature}"]`);
    $("no-temp-open").textContent = noTemperature ? `${root.dataset.notTaken} · ${why ? why.textContent : ""}` : root.dataset.notTaken;
    $("no-temp-open").classList.toggle("selected", Boolean(noTemperature));
    if (value !== null || noTemperature) taken();
  }
  // A second tap on the chosen value keeps it: a double tap in gloves must not undo the first.
  document.querySelectorAll(".temp[data-t]").forEach((b) => b.addEventListener("click", () => pickTemperature(Number(b.dataset.t))));
  $("keypad-open").addEventListener("click", () => {
    $("keypad").hidden = !$("keypad").hidden;
    $("keypad-value").value = "";
    $("keypad-error").hidden = true;
  });
  // Starts empty and writes the point itself after two digits: 3 6 6 is 36.6, as is 3 6 . 6
  // (it began at "36." and kept one digit: 3 6 . 6 made 36.3, without a word).
  $("keypad").addEventListener("click", (event) => {
    const k = event.target.dataset.k;
    if (!k) return;
    const out = $("keypad-value");
    if (k === "back") { out.value = out.value.slice(0, -1); return; }
    if (k === "." && out.value.includes(".")) return;
    if (k !== "." && out.value.length === 2 && !out.value.includes(".")) out.value += ".";
    if (out.value.includes(".") && out.value.split(".")[1].length >= 1) return;
    out.value += k;
  });
  $("keypad-cancel").addEventListener("click", () => { $("keypad").hidden = true; });
  $("keypad-ok").addEventListener("click", () => {
    const typed = $("keypad-value").value;
    const value = Number(typed);
    const ok = typed !== "" && value >= 34 && value <= 43;
    $("keypad-error").hidden = ok;  // 45.0 is said to be wrong, not silently ignored
    if (ok) { $("keypad").hidden = true; pickTemperature(Math.round(value * 10) / 10); }
  });
  $("no-temp-open").addEventListener("click", () => {
    if (noTemperature) { noTemperature = ""; pickTemperature(temperature); return; }
    $("no-temp").hidden = false;
  });
  // Chosen before a card, the reason stays (a thermometer that failed stays failed); chosen for
  // the card the page is asking about, it is that person's only.
  document.querySelectorAll(".why").forEach((b) => b.addEventListener("click", () => {
    $("no-temp").hidden = true;
    const once = Boolean(asking);
    noTemperature = b.dataset.why;
    pickTemperature(null);
    if (once) { noTemperature = ""; pickTemperature(null); }
  }));
  $("no-temp").querySelector(".close").addEventListener("click", () => { $("no-temp").hidden = true; });

  // ---------- counters for this watch: they count what is kept, and take back what the
  // server refuses, what it finds a repeat of, and what the keeper undoes
  let counts = { admit: 0, stopped: 0, fever: 0, visitor: 0, since: "" };
  async function count(item, by) {
    if (!item.counted || (item.scanned_at < counts.since)) return;
    counts[item.counted] = Math.max(0, counts[item.counted] + by);
    await statePut("counts", counts);
    showCounts();
  }
  function showCounts() {
    for (const k of ["admit", "stopped", "fever", "visitor"]) $("n-" + k).textContent = counts[k];
  }
  // Zeroing the counters sits near other buttons: it asks first.
  $("new-watch").addEventListener("click", async () => {
    if (!window.confirm(root.dataset.newWatch)) return;
    counts = { admit: 0, stopped: 0, fever: 0, visitor: 0, since: now() };
    await statePut("counts", counts);
    showCounts();
  });
  const counter = (verdict) => (verdict === "admit" ? "admit" : verdict === "fever" ? "fever" : "stopped");

  // ---------- recording: every pass goes to the queue first, then to the server
  const now = () => new Date().toISOString();

  async function record(item) {
    const kept = Object.assign({ client_id: crypto.randomUUID(), gate_id: GATE_ID, scanned_at: now() }, item);
    await queuePut(kept);
    await count(kept, 1);
    offerUndo(kept);
    showQueued();
    sync();
    return kept;
  }

  // ---------- one person passing is one pass: a card left before the camera is seen again
  // every few seconds, and is not counted again within the repeat window unless the keeper
  // says it is a new passage (the server holds the same rule for every phone of the gate)
  const REPEAT_MS = Number(root.dataset.repeatSeconds) * 1000;
  let recent = {};  // code -> {at, client_id}, kept across reloads
  async function remember(code, item) {
    const cutoff = Date.now() - REPEAT_MS;
    for (const [c, seen] of Object.entries(recent)) if (seen.at < cutoff) delete recent[c];
    if (item) recent[code] = { at: Date.now(), client_id: item.client_id, verdict: item.verdict };
    await statePut("recent", recent);
  }
  let repeatCode = "";
  let repeatTimer = null;
  function showRepeat(code, seen, words) {
    repeatCode = code;
    const time = new Date(seen.at).toLocaleTimeString(document.documentElement.lang, { hour12: false });
    $("repeat-words").textContent = (words || root.dataset.already).replace("%(time)s", time);
    $("repeat").hidden = false;
    clearTimeout(repeatTimer);
    repeatTimer = setTimeout(() => { $("repeat").hidden = true; }, 8000);
  }
  $("new-passage").addEventListener("click", () => {
    $("repeat").hidden = true;
    check(repeatCode, false, true);
  });

  // ---------- undo: the last pass, for a minute
  // What the keeper calls each kind of entry, in the page's words (data-kinds, in this order).
  const KINDS = ["permit", "visitor", "courier", "refusal", "undo"];
  const kindWord = (kind) => root.dataset.kinds.split("|")[KINDS.indexOf(kind)] || "";
  const UNDO_MS = Number(root.dataset.undoSeconds) * 1000;
  let undoable = null;
  let undoTimer = null;
  function offerUndo(item) {
    undoable = item;
    const kind = item.kind === "permit" && item.verdict ? WORDS[item.verdict] : kindWord(item.kind);
    const t = item.temperature !== null && item.temperature !== undefined ? ` · ${Number(item.temperature).toFixed(1)}` : "";
    $("undo-words").textContent = `${root.dataset.recorded}: ${kind}${item.name ? " · " + item.name : ""}${t}`;
    $("undo").hidden = false;
    clearTimeout(undoTimer);
    undoTimer = setTimeout(() => { $("undo").hidden = true; undoable = null; }, UNDO_MS);
  }
  // The pass leaves the queue if it is still there; the server is asked to undo it too, in
  // case it was already sent (it answers 404 if it never arrived).
  $("undo-last").addEventListener("click", async () => {
    const item = undoable;
    if (!item) return;
    undoable = null;
    $("undo").hidden = true;
    await queueDelete([item.client_id]);
    await count(item, -1);
    const refused = ((await stateGet("refused")) || []).filter((e) => e.item.client_id !== item.client_id);
    await statePut("refused", refused);
    for (const [c, seen] of Object.entries(recent)) if (seen.client_id === item.client_id) delete recent[c];
    await remember();
    await queuePut({ kind: "undo", client_id: crypto.randomUUID(), target: item.client_id, gate_id: GATE_ID, scanned_at: now() });
    showRefused();
    showQueued();
    sync();
  });

  let lastCode = "";
  let lastAt = 0;
  let showing = false;
  let asking = null;  // what to do once the temperature of the person at the gate is known

  // Cards scanned while the page waits for a temperature: next in line, neither lost nor
  // run together with the next code in the field.
  const inLine = [];

  async function check(code, fromCamera, newPassage) {
    if (showing) return;
    if (fromCamera && code === lastCode && Date.now() - lastAt < SAME_CODE_PAUSE_MS) return;
    lastCode = code;
    lastAt = Date.now();
    const started = performance.now();
    const first = await judge(code, temperature);
    first.ms = performance.now() - started;
    window.fangxianGate.last = first;
    // The same card with the same verdict a moment ago is the same passage; a fever taken
    // again a few minutes later, now normal, is not.
    const seen = recent[code];
    const unmeasured = temperature === null && !noTemperature;
    if (!newPassage && seen && Date.now() - seen.at < REPEAT_MS && (seen.verdict === first.verdict || !seen.verdict)) {
      // A temperature tapped for a card scanned on purpose was that person's, not the next one's.
      if (!fromCamera) pickTemperature(null);
      return showRepeat(code, seen);
    }
    $("repeat").hidden = true;
    // A card that is stopped needs no temperature; one that would be admitted waits for it.
    if (unmeasured && first.verdict === "admit") return ask(first, (t, why) => pass(code, t, why, newPassage));
    return pass(code, temperature, temperature === null ? noTemperature || "not_admitted" : "", newPassage);
  }

  async function pass(code, t, why, newPassage) {
    const result = await judge(code, t);
    window.fangxianGate.last = Object.assign(result, { ms: window.fangxianGate.last ? window.fangxianGate.last.ms : 0 });
    pickTemperature(null);
    const item = await record({ kind: "permit", code, temperature: t, no_temperature: why, new_passage: Boolean(newPassage), counted: counter(result.verdict), verdict: result.verdict, name: result.holder ? result.holder.name : "" });
    await remember(code, item);
    showVerdict(result, t, why);
  }

  // The verdict so far, with the temperature buttons in it: one tap on the temperature
  // records the pass and shows the verdict with it.
  function ask(result, then) {
    showVerdict(result, null, "", true);
    placeTemps(document.querySelector("#verdict-ask .temps-slot"));
    asking = then;
  }
  function endAsking() {
    asking = null;
    placeTemps(null);
    $("verdict").hidden = true;
    $("ask-next").hidden = true;
    showing = false;
  }
  function taken() {
    if (!asking) return;
    const then = asking;
    endAsking();
    then(temperature, temperature === null ? noTemperature : "");
  }
  $("ask-cancel").addEventListener("click", (event) => {
    event.stopPropagation();
    endAsking();
    nextInLine();
  });
  function nextInLine() {
    if (inLine.length && !showing) check(inLine.shift(), false);
  }

  let closeTimer = null;
  function showVerdict(result, t, why, waiting) {
    const box = $("verdict");
    box.className = "verdict " + (waiting ? "v-ask" : result.verdict === "admit" ? "v-admit" : result.verdict === "fever" ? "v-fever" : "v-stop");
    box.dataset.verdict = waiting ? "waiting" : result.verdict;
    // Before its temperature a card is not yet admitted: the question is the big word.
    $("verdict-word").textContent = waiting ? $("verdict-ask").dataset.ask : WORDS[result.verdict] || result.verdict;
    const h = result.holder;
    const issuer = h && ((trust && trust.names && trust.names.get(h.issuer)) || h.issuer);
    $("verdict-holder").textContent = h ? `${h.name} · ${h.dwelling} · ${issuer}` : "";
    const whyWords = document.querySelector(`.why[data-why="${why}"]`);
    $("verdict-temp").textContent = t !== null ? `${t.toFixed(1)} °C` : why && whyWords ? `${root.dataset.notTaken} · ${whyWords.textContent}` : "";
    $("verdict-next").textContent = waiting ? "" : NEXT_STEPS[result.verdict] || "";
    $("verdict-ask").hidden = !waiting;
    box.querySelector(".continue").hidden = Boolean(waiting);
    const photo = $("verdict-photo");
    photo.hidden = true;
    if (h && h.id && h.photo !== false && navigator.onLine) {  // a card made without a photo asks for none
      photo.onload = () => { photo.hidden = false; };
      photo.src = `/gate/permits/${h.id}/photo/`;
    }
    box.hidden = false;
    showing = true;
    clearTimeout(closeTimer);
    if (waiting) { box.onclick = null; return; }
    const close = () => { clearTimeout(closeTimer); box.hidden = true; showing = false; nextInLine(); };
    box.onclick = close;
    closeTimer = setTimeout(close, result.verdict === "admit" ? 2500 : 6000);
  }

  // A permit number typed from the card (its QR torn or faded) is judged by the server,
  // which holds the code: that needs the network.
  async function checkNumber(number) {
    if (!navigator.onLine) {
      showVerdict({ verdict: "offline", holder: null }, null, "");
      $("verdict-word").textContent = root.dataset.needsNetwork;
      return;
    }
    if (temperature === null && !noTemperature) {
      $("manual-error").textContent = root.dataset.pickFirst;
      $("manual-error").hidden = false;
      return;
    }
    $("manual-error").hidden = true;
    const t = temperature;
    const why = t === null ? noTemperature : "";
    pickTemperature(null);
    const item = { kind: "permit", gate_id: GATE_ID, permit_id: Number(number), temperature: t, no_temperature: why, client_id: crypto.randomUUID(), scanned_at: now() };
    const response = await post("/api/v1/gate/scans", item);
    if (!response.ok) {
      $("manual-error").textContent = words((await response.json().catch(() => ({}))).detail);
      $("manual-error").hidden = false;
      return;
    }
    const answer = await response.json();
    const h = answer.holder;
    const result = { verdict: answer.verdict, holder: h && h.permit_id ? { id: h.permit_id, name: h.name, dwelling: h.dwelling, issuer: h.issuer } : null };
    item.counted = answer.repeat ? "" : counter(result.verdict);
    item.name = h && h.name ? h.name : "";
    await count(item, 1);
    offerUndo(item);
    showVerdict(result, t, why);
  }

  $("manual").addEventListener("submit", (event) => {
    event.preventDefault();
    // The next card from a keyboard-wedge scanner: the last verdict gives way to it. While the
    // page waits for a temperature the code stays in the field, neither judged nor lost.
    const code = $("code").value.trim();
    $("code").value = "";
    if (!code) return;
    // Typed or scanned text that is neither a permit's code nor its number is no pass, and
    // not a forgery either: a slip of the keys, or another QR code (a health code).
    if (!/^\d{1,12}$/.test(code) && !/^FX1:/i.test(code)) {
      $("manual-error").textContent = root.dataset.notAPermit;
      $("manual-error").hidden = false;
      return;
    }
    $("manual-error").hidden = true;
    if (asking) {
      inLine.push(code);
      $("ask-next").hidden = false;
      return;
    }
    if (showing) { clearTimeout(closeTimer); $("verdict").hidden = true; showing = false; }
    if (/^\d{1,12}$/.test(code)) checkNumber(code);
    else check(code.replace(/^fx1:/i, "FX1:"), false);
  });

  // ---------- visitors, couriers and refusals
  const RULES = JSON.parse(document.getElementById("gate-rules").textContent);
  const visitorRules = window.fangxianRules(RULES.visitor);
  const sheet = (id, open) => { $(id).hidden = !open; };
  $("visitor-open").addEventListener("click", () => openVisitor());
  function openVisitor() {
    sheet("visitor", true);
    placeTemps(visitorForm.querySelector(".temps-slot"));
    visitorForm.scrollIntoView({ block: "start" });  // it opened below the fold, its button off the screen
  }
  $("refusal-open").addEventListener("click", () => sheet("refusal", true));
  // Cancel empties the form: the next courier must not be saved with the last visitor's words.
  document.querySelectorAll(".sheet .close").forEach((b) => b.addEventListener("click", () => {
    const open = b.closest(".sheet");
    if (open.tagName === "FORM") { open.reset(); delete open.dataset.scannedAt; showErrors({}); placeTemps(null); pickTemperature(null); }
    open.hidden = true;
  }));
  const visitorForm = $("visitor");
  visitorForm.phone.addEventListener("change", async () => {
    const phone = visitorRules.plain(visitorForm.phone.value);
    if (!phone || !navigator.onLine) return;
    try {
      const r = await fetch(`/api/v1/gate/visitors/recall?gate_id=${GATE_ID}&phone=${encodeURIComponent(phone)}`, { credentials: "same-origin" });
      if (r.ok) {
        const last = await r.json();
        if (!visitorForm.name.value) visitorForm.name.value = last.name;
        if (!visitorForm.reason.value) visitorForm.reason.value = last.reason;
      }
    } catch (e) { /* offline: the keeper types it */ }
  });
  function showErrors(errors) {
    visitorForm.querySelectorAll("[data-error]").forEach((el) => {
      el.textContent = errors[el.dataset.error] || "";
      el.hidden = !errors[el.dataset.error];
    });
  }
  visitorForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = visitorForm;
    const plain = visitorRules.plain;
    const entry = {
      kind: f.courier.checked ? "courier" : "visitor",
      name: plain(f.name.value),
      phone: plain(f.phone.value),
      reason: [plain(f.reason.value), plain(f.whom.value)].filter(Boolean).join(" · "),
      temperature,
      no_temperature: temperature === null ? noTemperature : "",
    };
    // Refused here, with the server's words, while the visitor is still at the gate.
    const errors = visitorRules.check(entry);
    showErrors(errors);
    if (Object.keys(errors).length) return;
    entry.counted = trust && temperature !== null && temperature >= trust.feverAt ? "fever" : "visitor";
    // A correction keeps the time the visitor passed, unless that time was what was wrong.
    if (f.dataset.scannedAt) entry.scanned_at = f.dataset.scannedAt;
    await record(entry);
    pickTemperature(null);
    f.reset();
    delete f.dataset.scannedAt;
    placeTemps(null);
    sheet("visitor", false);
  });
  document.querySelectorAll(".refusal").forEach((b) => b.addEventListener("click", async () => {
    await record({ kind: "refusal", refusal: b.dataset.r, counted: "stopped" });
    sheet("refusal", false);
  }));

  // ---------- sync: the batch endpoint for scans, one request per visitor or refusal;
  // an item leaves the queue only once the server has answered for it
  let syncing = false;

  async function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF }, body: JSON.stringify(body) });
  }

  // What the server refused is answered, so it leaves the queue, but it is not dropped: it
  // waits on the page, with the server's words, until the keeper corrects it or drops it.
  const { words } = window.fangxianOffline;
  async function refuse(item, detail) {
    const refused = (await stateGet("refused")) || [];
    const fields = detail && typeof detail === "object" ? Object.keys(detail) : [String(detail || "").split(":")[0]];
    refused.push({ item, error: words(detail), fields });
    await statePut("refused", refused);
    await count(item, -1);
  }
  async function showRefused() {
    const refused = (await stateGet("refused")) || [];
    const list = $("refused-list");
    list.textContent = "";
    refused.forEach((entry, index) => {
      const li = document.createElement("li");
      const kind = kindWord(entry.item.kind);
      const who = entry.item.name ? ` · ${entry.item.name}` : "";
      li.append(Object.assign(document.createElement("b"), { textContent: kind + who }), " ",
        Object.assign(document.createElement("span"), { className: "error", textContent: entry.error }), " ");
      if (entry.item.kind === "visitor" || entry.item.kind === "courier") {
        li.append(button(root.dataset.fix, () => correct(index)));
      }
      li.append(button(root.dataset.drop, () => drop(index)));
      list.append(li);
    });
    $("refused").hidden = refused.length === 0;
  }
  function button(text, action) {
    const b = Object.assign(document.createElement("button"), { type: "button", className: "small", textContent: text });
    b.addEventListener("click", action);
    return b;
  }
  async function take(index) {
    const refused = (await stateGet("refused")) || [];
    const [entry] = refused.splice(index, 1);
    await statePut("refused", refused);
    showRefused();
    return entry;
  }
  async function drop(index) { await take(index); }
  async function correct(index) {
    const { item, fields } = await take(index);
    const f = visitorForm;
    f.reset();
    if (!(fields || []).includes("scanned_at")) f.dataset.scannedAt = item.scanned_at;
    f.name.value = item.name || "";
    f.phone.value = item.phone || "";
    f.reason.value = item.reason || "";
    f.courier.checked = item.kind === "courier";
    noTemperature = item.no_temperature || "";
    pickTemperature(item.temperature ?? null);
    openVisitor();
  }

  const SENT = { permit: ["gate_id", "code", "temperature", "no_temperature", "new_passage", "client_id", "scanned_at"],
    visitor: ["gate_id", "kind", "name", "phone", "reason", "temperature", "no_temperature", "client_id", "scanned_at"],
    refusal: ["gate_id", "refusal", "client_id", "scanned_at"] };
  const pick = (item, fields) => Object.fromEntries(fields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]]));

  // The server's answer for a scan: a repeat of a pass it holds is not counted again, and a
  // verdict it judged otherwise (revoked since this phone's list) is counted as it judged it.
  async function settle(item, answer) {
    if (answer.error) return refuse(item, answer.error);
    // Another phone of this gate recorded the same card a moment ago: said, not silently merged.
    if (answer.repeat && item.code) showRepeat(item.code, { at: Date.parse(item.scanned_at) }, root.dataset.elsewhere);
    const counted = answer.repeat ? "" : counter(answer.verdict);
    if (counted === item.counted) return;
    await count(item, -1);
    await count(Object.assign({}, item, { counted }), 1);
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
      const items = (await queueAll()).sort((a, b) => (a.scanned_at < b.scanned_at ? -1 : 1));
      const scans = items.filter((i) => i.kind === "permit").slice(0, BATCH);
      if (scans.length) {
        const response = await post("/api/v1/gate/scans/batch", { scans: scans.map((s) => pick(s, SENT.permit)) });
        if (response.ok) {
          const body = await response.json();
          for (const [i, r] of body.results.entries()) await settle(scans[i], r);
          await queueDelete(body.results.map((r, i) => scans[i].client_id));
        }
      }
      // After the scans, in the order they were made: an undo comes after the pass it undoes.
      for (const item of items.filter((i) => i.kind !== "permit")) {
        const [url, body] = item.kind === "undo"
          ? ["/api/v1/gate/passes/undo", { gate_id: item.gate_id, client_id: item.target, undone_at: item.scanned_at }]
          : item.kind === "refusal" ? ["/api/v1/gate/refusals", pick(item, SENT.refusal)] : ["/api/v1/gate/visitors", pick(item, SENT.visitor)];
        const response = await post(url, body);
        // An undo of a pass the server never got (it left this phone's queue) has nothing to undo.
        const done = response.ok || (item.kind === "undo" && response.status === 404);
        // 401/403: logged out or moved off the gate; keep the pass until someone can send it.
        const refused = !done && response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 403;
        if (refused) await refuse(item, (await response.json().catch(() => ({}))).detail);
        if (done || refused) await queueDelete([item.client_id]);
      }
    } catch (e) {
      /* the network went away mid-sync: everything unanswered stays queued */
    } finally {
      syncing = false;
      showQueued();
      showRefused();
      if (again) sync();
    }
  }

  async function showQueued() {
    const items = await queueAll();
    $("queued").textContent = items.length;
    $("queued").classList.toggle("offline", items.length > 0);
  }

  function showNetwork() {
    const net = $("net");
    net.textContent = navigator.onLine ? root.dataset.online : root.dataset.offline;
    net.className = "chip " + (navigator.onLine ? "online" : "offline");
  }
  window.addEventListener("online", () => { showNetwork(); loadBundle(); sync(); });
  window.addEventListener("offline", showNetwork);
  setInterval(sync, 15000);
  setInterval(() => { if (navigator.onLine) loadBundle(); else showBundleState(); }, 300000);

  // ---------- the camera
  const video = $("video");
  const canvas = $("frame");
  const context = canvas.getContext("2d", { willReadFrequently: true });

  async function startCamera() {
    if (!navigator.mediaDevices || !window.jsQR) { $("camera-off").hidden = false; return; }
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      await video.play();
      scanFrames();
    } catch (e) {
      $("camera-off").hidden = false;
      video.hidden = true;
    }
  }

  function scanFrames() {
    if (video.readyState >= 2 && !showing) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) check(found.data, true);
    }
    setTimeout(scanFrames, 120);
  }

  // ---------- offline install: the service worker, and this page's files in its cache
  window.fangxianGate = { judge, parse, sync, ready: false, last: null };
  (async function start() {
    showNetwork();
    counts = (await stateGet("counts")) || counts;
    recent = (await stateGet("recent")) || {};
    showCounts();
    await loadBundle();
    await showQueued();
    await showRefused();
    startCamera();
    try { await window.fangxianInstallOffline(root.dataset.sw, "/gate/"); } catch (e) { /* the page still works online */ }
    window.fangxianGate.ready = true;
    sync();
  })();
})();
