/* The site's only script: selecting claims on article pages and the search on the index. No network use. */
(function () {
  "use strict";

  // Arabic and English folding for search: harakat, tatweel and accents dropped, alef forms to
  // bare alef, ta marbuta to ha, alef maqsura to ya, case and spacing ignored.
  function fold(text) {
    return text.normalize("NFKD").toLowerCase()
      .replace(/[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g, "")
      .replace(/[\u0622\u0623\u0625\u0671-\u0673]/g, "\u0627")
      .replace(/\u0629/g, "\u0647")
      .replace(/\u0649/g, "\u064a")
      .replace(/\s+/g, " ");
  }
  window.coalitionFold = fold;

  // Article pages: show the selected claim's details.
  function select(id) {
    var detail = document.getElementById("detail-" + id);
    if (!detail) { return false; }
    document.querySelectorAll(".claim.selected").forEach(function (el) { el.classList.remove("selected"); });
    document.querySelectorAll(".claim").forEach(function (el) {
      if (el.dataset.claimId === id) { el.classList.add("selected"); }
    });
    document.querySelectorAll(".claim-detail").forEach(function (el) { el.hidden = el !== detail; });
    var empty = document.getElementById("panel-empty");
    if (empty) { empty.hidden = true; }
    return true;
  }

  document.addEventListener("click", function (event) {
    var span = event.target.closest(".claim");
    if (span && !event.target.closest("a")) { select(span.dataset.claimId); }
  });
  document.addEventListener("keydown", function (event) {
    var span = event.target.closest && event.target.closest(".claim");
    if (span && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      select(span.dataset.claimId);
    }
  });

  function followHash() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var span = id && document.getElementById(id);
    if (span && span.classList.contains("claim") && select(id)) {
      span.scrollIntoView({block: "center"});
      span.focus({preventScroll: true});
    }
  }
  window.addEventListener("hashchange", followHash);
  followHash();

  // The index: filter events, claims, actors and places as the user types.
  var box = document.getElementById("search");
  var out = document.getElementById("search-results");
  if (!box || !out || !window.COALITION_SEARCH) { return; }
  var KINDS = [["event", "Events"], ["claim", "Claims"], ["actor", "Actors"], ["place", "Places"]];
  var SHOWN = 50;
  var folded = null;

  function search() {
    var words = fold(box.value).trim().split(" ").filter(Boolean);
    out.textContent = "";
    if (!words.length) { return; }
    if (!folded) { folded = window.COALITION_SEARCH.map(function (e) { return fold(e[2] + "\n" + e[4]); }); }
    var hits = {};
    window.COALITION_SEARCH.forEach(function (entry, i) {
      if (words.every(function (w) { return folded[i].indexOf(w) !== -1; })) {
        (hits[entry[0]] = hits[entry[0]] || []).push(entry);
      }
    });
    var total = 0;
    KINDS.forEach(function (kind) {
      var found = hits[kind[0]] || [];
      total += found.length;
      if (!found.length) { return; }
      var heading = document.createElement("h3");
      heading.textContent = kind[1] + " (" + found.length + (found.length > SHOWN ? ", first " + SHOWN + " shown" : "") + ")";
      var list = document.createElement("ul");
      list.dataset.kind = kind[0];
      found.slice(0, SHOWN).forEach(function (entry) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = entry[3];
        link.dataset.kind = entry[0];
        link.dataset.id = entry[1];
        link.textContent = entry[2];
        item.appendChild(link);
        list.appendChild(item);
      });
      out.appendChild(heading);
      out.appendChild(list);
    });
    if (!total) {
      var none = document.createElement("p");
      none.textContent = "Nothing matches.";
      out.appendChild(none);
    }
  }
  box.addEventListener("input", search);
  search();
})();
