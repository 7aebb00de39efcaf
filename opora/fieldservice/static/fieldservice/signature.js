// The signature pad: draws with mouse, pen or finger; the drawing goes with the form as a PNG.
(function () {
  const canvas = document.getElementById("signature-pad");
  if (!canvas) return;
  const context = canvas.getContext("2d");
  const field = document.getElementById("signature");
  let drawing = false;
  let drawn = false;
  context.lineWidth = 2;
  context.lineCap = "round";
  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width),
            (event.clientY - box.top) * (canvas.height / box.height)];
  }
  canvas.addEventListener("pointerdown", function (event) {
    drawing = true;
    const [x, y] = point(event);
    context.beginPath();
    context.moveTo(x, y);
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) return;
    const [x, y] = point(event);
    context.lineTo(x, y);
    context.stroke();
    drawn = true;
  });
  ["pointerup", "pointerleave"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });
  document.getElementById("signature-clear").addEventListener("click", function () {
    context.clearRect(0, 0, canvas.width, canvas.height);
    drawn = false;
  });
  document.getElementById("completion").addEventListener("submit", function () {
    field.value = drawn ? canvas.toDataURL("image/png") : "";
  });
})();
