/* Opora help widget: suggested articles for the page that embeds it.
 *
 *   <div id="opora-help"></div>
 *   <script src="https://desk.example.com/static/knowledge/widget.js"
 *           data-context="billing-invoices" data-target="opora-help" defer></script>
 *
 * Only public articles are ever returned, so the JSON endpoint allows any origin. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src).origin;
  var context = script.dataset.context || "";
  var target = document.getElementById(script.dataset.target || "opora-help");
  if (!target) return;
  var language = script.dataset.lang || document.documentElement.lang || "";
  var url = origin + "/help/widget.json?context=" + encodeURIComponent(context);
  fetch(url, { headers: language ? { "Accept-Language": language } : {} })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data) return;
      var box = document.createElement("aside");
      box.className = "opora-help";
      var heading = document.createElement("strong");
      heading.textContent = data.title;
      box.appendChild(heading);
      var list = document.createElement("ul");
      data.articles.forEach(function (article) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = article.url;
        link.textContent = article.title; // textContent: titles are never parsed as HTML
        link.target = "_blank";
        link.rel = "noopener";
        item.appendChild(link);
        list.appendChild(item);
      });
      box.appendChild(list);
      var more = document.createElement("a");
      more.href = data.help_centre_url;
      more.textContent = "…";
      box.appendChild(more);
      target.replaceChildren(box);
    })
    .catch(function () { /* the host page works without its help */ });
})();
