// Keyboard-first workspace: j/k move through the ticket list, Enter opens, r replies,
// n adds a note, / focuses search, ? shows the list of shortcuts.
(function () {
  function typing(event) {
    const t = event.target;
    return t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName);
  }
  let focused = -1;
  function rows() { return Array.from(document.querySelectorAll("[data-ticket-row]")); }
  function focusRow(index) {
    const all = rows();
    if (!all.length) return;
    focused = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("focused", i === focused));
    all[focused].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event)) { event.target.blur(); return; }
    if (typing(event)) return;
    const composer = document.getElementById("id_body");
    const kind = document.getElementById("id_kind");
    switch (event.key) {
      case "j": focusRow(focused + 1); break;
      case "k": focusRow(focused - 1); break;
      case "Enter": {
        const row = rows()[focused];
        if (row) window.location = row.dataset.href;
        break;
      }
      case "x": {
        const row = rows()[focused];
        const box = row && row.querySelector("input[type=checkbox]");
        if (box) box.click();
        break;
      }
      case "/": {
        const search = document.querySelector("input[name=q]");
        if (search) { event.preventDefault(); search.focus(); }
        break;
      }
      case "r": case "n":
        if (composer) {
          event.preventDefault();
          if (kind) kind.value = event.key === "r" ? "reply" : "note";
          composer.focus();
        }
        break;
      case "?": {
        const help = document.getElementById("shortcuts");
        if (help) help.classList.toggle("shown");
        break;
      }
    }
  });
  // Bulk selection: collect the checked rows into the bulk form.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches("[data-bulk-form]")) return;
    const ids = Array.from(document.querySelectorAll("input[name=select]:checked")).map((box) => box.value);
    form.querySelector("input[name=ids]").value = ids.join(",");
  });
  // Canned responses: the server fills the placeholders, we insert the text at the cursor.
  document.addEventListener("change", async function (event) {
    const select = event.target;
    if (!select.matches("[data-canned]") || !select.value) return;
    const response = await fetch(select.value, { credentials: "same-origin" });
    const text = await response.text();
    const composer = document.getElementById("id_body");
    composer.value = composer.value ? composer.value + "\n\n" + text : text;
    composer.focus();
    select.value = "";
  });
})();
