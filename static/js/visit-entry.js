// Progressive enhancement of the visit-entry page: when a field changes, ask the server
// to score the page ("Calculate scores", nothing is stored) and show each section's
// result in place. Without JavaScript the "Calculate scores" button does the same.
(function () {
  "use strict";
  var form = document.getElementById("visit-entry");
  if (!form || !window.fetch) return;
  var timer = null;

  function refresh() {
    var data = new FormData(form);
    data.set("action", "calculate");
    fetch(form.dataset.scoreUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        form.querySelectorAll(".score-result, .summary-result").forEach(function (node) {
          var fresh = doc.getElementById(node.id);
          if (fresh && fresh.innerHTML !== node.innerHTML) node.innerHTML = fresh.innerHTML;
        });
      })
      .catch(function () { /* the buttons still work */ });
  }

  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  });
})();
