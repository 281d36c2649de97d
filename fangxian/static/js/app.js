// Behaviour the pages ask for in data attributes: the Content-Security-Policy allows no inline
// script and no on* attribute.
document.addEventListener("click", (event) => {
  // A link to hand on (the private self-report link): one tap selects all of it for copying.
  const field = event.target.closest("input[data-select-on-click]");
  if (field) field.select();
});

document.addEventListener("change", (event) => {
  // A chooser that opens the chosen thing's page: data-go is its address without the id.
  const chooser = event.target.closest("select[data-go]");
  if (chooser && chooser.value) window.location = chooser.dataset.go + chooser.value + "/";
});
