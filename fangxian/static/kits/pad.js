// The signature pad of the hand-over screen: a finger (or a mouse) draws on the canvas; on
// sending, the drawing goes in the form as a PNG data URL. Nothing drawn sends nothing, and
// the server then asks for a signature or a photo.
(() => {
  const canvas = document.getElementById("pad");
  const form = document.getElementById("hand-over");
  if (!canvas || !form) return;
  const field = document.getElementById("signature");
  const context = canvas.getContext("2d");
  let drawing = false;
  let drawn = false;

  function fit() {
    // One canvas pixel per CSS pixel: a signature needs no more, and stays a few KB.
    // Kept as pixels, not as an image: the page's policy loads no data: image.
    const kept = drawn && canvas.width ? context.getImageData(0, 0, canvas.width, canvas.height) : null;
    canvas.width = canvas.clientWidth;
    canvas.height = canvas.clientHeight;
    context.lineWidth = 3;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";
    if (kept) context.putImageData(kept, 0, 0);
  }

  function at(event) {
    const box = canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  canvas.addEventListener("pointerdown", (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    const [x, y] = at(event);
    context.beginPath();
    context.moveTo(x, y);
    context.lineTo(x + 0.1, y + 0.1);
    context.stroke();
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const [x, y] = at(event);
    context.lineTo(x, y);
    context.stroke();
    drawn = true;
    canvas.classList.add("signed");
    event.preventDefault();
  });
  for (const name of ["pointerup", "pointercancel", "pointerleave"]) {
    canvas.addEventListener(name, () => {
      drawing = false;
    });
  }
  document.getElementById("clear-pad").addEventListener("click", () => {
    context.clearRect(0, 0, canvas.width, canvas.height);
    drawn = false;
    canvas.classList.remove("signed");
  });
  form.addEventListener("submit", () => {
    field.value = drawn ? canvas.toDataURL("image/png") : "";
  });
  window.addEventListener("resize", fit);
  fit();
  window.fangxianPad = { ready: true, drawn: () => drawn };
})();
