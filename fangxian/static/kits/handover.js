// Hand-overs without a network: the hand-over screen sends its form as usual when it can;
// when the phone has no signal, the hand-over (its client_id, the signature or the photo)
// waits in IndexedDB and is sent to the API from any kit page once the network is back,
// exactly once (the server answers a client_id it has as stored).
(function () {
  "use strict";
  const root = document.getElementById("kits-offline");
  if (!root || !window.fangxianStore) return;
  const WORDS = JSON.parse(document.getElementById("kits-words").textContent);
  const { queueAll, queuePut, queueDelete, stateGet, statePut } = window.fangxianStore("fangxian-kits");
  let syncing = false;

  const { words } = window.fangxianOffline;

  async function show() {
    const queued = await queueAll();
    const refused = (await stateGet("refused")) || [];
    const waiting = root.querySelector(".waiting");
    waiting.hidden = queued.length === 0;
    waiting.querySelector("b").textContent = queued.length;
    const list = root.querySelector(".refused");
    list.textContent = "";
    refused.forEach((r) => {
      const li = document.createElement("li");
      li.textContent = WORDS.refused + " " + r.where + ": " + r.why;
      list.appendChild(li);
    });
    root.querySelector(".dismiss").hidden = refused.length === 0;
    const ids = new Set(queued.map((q) => String(q.recipient)));
    document.querySelectorAll("li[data-recipient]").forEach((li) => li.classList.toggle("queued", ids.has(li.dataset.recipient)));
  }

  async function sync() {
    if (syncing) return;
    syncing = true;
    try {
      for (const item of await queueAll()) {
        let response;
        try {
          response = await fetch(item.url, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
            body: JSON.stringify(item.body),
          });
        } catch (e) {
          break; // still no network
        }
        // Not logged in, a stale page's token, or our side failing: kept for a later try.
        if (response.status === 401 || response.status === 403 || response.status >= 500) break;
        if (!response.ok) {
          let why = "";
          try { why = words((await response.json()).detail); } catch (e) { /* no body */ }
          const refused = (await stateGet("refused")) || [];
          refused.push({ where: item.where, why: why });
          await statePut("refused", refused);
        }
        await queueDelete([item.client_id]);
      }
    } finally {
      syncing = false;
      await show();
    }
  }

  function dataUrl(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }

  const form = document.getElementById("hand-over");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault(); // pad.js has put the drawing in the form already
      const data = new FormData(form);
      try {
        const response = await fetch(location.href, { method: "POST", body: data, credentials: "same-origin", redirect: "manual" });
        if (response.type === "opaqueredirect") {
          location.href = form.dataset.back; // recorded, or told who did it: said on the list
          return;
        }
        form.submit(); // refused: the page is sent again as a form, to say why
        return;
      } catch (e) {
        // no network: kept on the phone
      }
      const photo = form.querySelector("input[name=photo]").files[0];
      const body = { client_id: data.get("client_id") };
      if (data.get("signature")) body.signature = data.get("signature");
      else if (photo) body.photo = await dataUrl(photo);
      const said = form.querySelector(".said");
      said.hidden = false;
      if (!body.signature && !body.photo) {
        said.textContent = WORDS.proof;
        return;
      }
      await queuePut({ client_id: body.client_id, url: form.dataset.api, recipient: form.dataset.recipient, where: form.dataset.where, body: body });
      said.textContent = WORDS.queued;
      form.querySelector("#handed-over").disabled = true;
      await show();
    });
  }
  root.querySelector(".dismiss").addEventListener("click", async () => {
    await statePut("refused", []);
    await show();
  });
  window.addEventListener("online", sync);
  setInterval(sync, 15000);
  show().then(sync);
  window.fangxianInstallOffline(root.dataset.sw, "/kits/").catch(() => { /* the page still works online */ });
  window.fangxianKits = { ready: true, sync: sync };
})();
