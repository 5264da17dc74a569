/* Công khai TTHC: search, list filters and charts. Plain script, no dependency, no request to another host. */
(function () {
  "use strict";

  /* ---- Vietnamese text rules: the same as generator/vietnamese.py, whose FOLD_RULES arrive in the header
     form's data-ck-rules attribute; tests/folding_cases.json holds the cases both sides must pass. ---- */
  var RULES = {tones: {}, letters: {}, y_as_i_after: "(?!)"};
  var rulesHolder = document.querySelector("[data-ck-rules]");
  if (rulesHolder) RULES = JSON.parse(rulesHolder.getAttribute("data-ck-rules"));
  var MARK = /\p{Mn}/u;
  // «y» after a consonant is compared as «i» (kí/ký), in whole words only: vietnamese.Y_AS_I_AFTER.
  var Y_AS_I = new RegExp("(?<![\\p{L}\\p{N}])(" + RULES.y_as_i_after + ")y(?![\\p{L}\\p{N}])", "gu");

  function fold(text) {
    var out = "";
    var chars = Array.from(text.toLowerCase().normalize("NFD"));
    for (var i = 0; i < chars.length; i++) {
      var ch = chars[i];
      if (MARK.test(ch)) continue;
      out += Object.prototype.hasOwnProperty.call(RULES.letters, ch) ? RULES.letters[ch] : ch;
    }
    return out.replace(/\s+/g, " ").trim().replace(Y_AS_I, "$1i");
  }

  function words(text) {
    return text.toLowerCase().normalize("NFC").split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }

  function toneKey(word) {
    var tone = "", kept = "";
    Array.from(word.toLowerCase().normalize("NFD")).forEach(function (ch) {
      if (Object.prototype.hasOwnProperty.call(RULES.tones, ch)) tone = RULES.tones[ch];
      else kept += ch;
    });
    return kept.normalize("NFC").replace(Y_AS_I, "$1i") + tone;
  }

  window.congkhai = {fold: fold, words: words, toneKey: toneKey};

  /* ---- Search over the static index in tim-kiem/chi-muc/ (layout: generator/search.py). ---- */
  function fnv1a(term) {
    var bytes = new TextEncoder().encode(term), h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    return h;
  }

  var CODE = /^[0-9a-z]+(?:[._-][0-9a-z]+)+$/;
  var PREFIXES = 16;  // completions tried for the word being typed, most frequent first

  function Index(base) {
    this.base = base;
    this.files = {};
  }
  Index.prototype.get = function (name) {
    var self = this;
    if (!this.files[name]) {
      var url = this.base + name + (this.version ? "?v=" + this.version : "");
      this.files[name] = fetch(url, name === "meta.json" ? {cache: "no-cache"} : {}).then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + url);
        return r.json();
      }).catch(function (e) { delete self.files[name]; throw e; });
    }
    return this.files[name];
  };
  Index.prototype.meta = function () {
    var self = this;
    return this.get("meta.json").then(function (meta) {
      if (!self.version) {
        self.version = meta.version;
        self.avgLength = meta.lengths.reduce(function (a, b) { return a + b; }, 0) / meta.lengths.length || 1;
      }
      return meta;
    });
  };
  Index.prototype.postings = function (meta, term) {
    return this.get("t" + (fnv1a(term) % meta.shards) + ".json").then(function (shard) {
      var gaps = Object.prototype.hasOwnProperty.call(shard, term) ? shard[term] : [], ids = [], id = 0;
      for (var i = 0; i < gaps.length; i++) { id += gaps[i]; ids.push(id); }
      return ids;
    });
  };
  Index.prototype.docs = function (meta, ids) {
    var self = this, chunks = {};
    ids.forEach(function (id) { chunks[Math.floor(id / meta.chunk)] = true; });
    return Promise.all(Object.keys(chunks).map(function (k) {
      return self.get("d" + k + ".json").then(function (docs) { return [Number(k), docs]; });
    })).then(function (loaded) {
      var byChunk = {};
      loaded.forEach(function (pair) { byChunk[pair[0]] = pair[1]; });
      return ids.map(function (id) {
        var d = byChunk[Math.floor(id / meta.chunk)][id % meta.chunk];
        return {id: id, path: d[0], title: d[1], detail: d[2]};
      });
    });
  };

  // Position of the first vocabulary word not before `word` (the vocabulary is sorted).
  function lowerBound(meta, word) {
    var lo = 0, hi = meta.words.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (meta.words[mid] < word) lo = mid + 1; else hi = mid; }
    return lo;
  }

  // Words of the vocabulary that start with `prefix`, most frequent first.
  function completions(meta, prefix) {
    var found = [];
    for (var i = lowerBound(meta, prefix); i < meta.words.length && meta.words[i].lastIndexOf(prefix, 0) === 0; i++) {
      if (meta.words[i] !== prefix) found.push(i);
    }
    found.sort(function (a, b) { return meta.df[b] - meta.df[a]; });
    return found.slice(0, PREFIXES).map(function (i) { return meta.words[i]; });
  }

  function hasWord(meta, word) { return meta.words[lowerBound(meta, word)] === word; }

  // Contiguous run of `needle` in `hay` (arrays of keys).
  function contains(hay, needle) {
    outer: for (var i = 0; i + needle.length <= hay.length; i++) {
      for (var j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  }

  /* A query: every word must match a document's name (the word being typed may be the start of a word); a
     word no name contains is reported, never dropped. Order: procedure code, then how many accented words
     match with their exact marks, then the whole query as a phrase, then BM25 on the words. */
  function search(index, query) {
    var typing = !/\s$/.test(query);
    var codes = query.trim().split(/\s+/).map(fold).filter(function (c) { return CODE.test(c) && /\d/.test(c); });
    var raw = words(query);
    var seen = {}, items = [];
    raw.forEach(function (w, i) {
      var f = fold(w), exact = toneKey(w);
      if (seen[f + "|" + exact]) return;
      seen[f + "|" + exact] = true;
      items.push({word: w, folded: f, exact: exact !== f ? "~" + exact : null, open: typing && i === raw.length - 1});
    });
    return index.meta().then(function (meta) {
      var missing = [];
      items.forEach(function (item) {
        item.terms = hasWord(meta, item.folded) ? [{term: item.folded, weight: 1}] : [];
        if (item.open) completions(meta, item.folded).forEach(function (t) { item.terms.push({term: t, weight: 0.6}); });
        if (!item.terms.length) missing.push(item.word);
      });
      var lookups = [];
      codes.forEach(function (c) { lookups.push(index.postings(meta, "#" + c)); });
      items.forEach(function (item) {
        item.terms.forEach(function (t) { lookups.push(index.postings(meta, t.term).then(function (ids) { t.ids = ids; })); });
        if (item.exact) lookups.push(index.postings(meta, item.exact).then(function (ids) { item.exactIds = ids; }));
      });
      return Promise.all(lookups).then(function (found) {
        var codeHits = {};
        found.slice(0, codes.length).forEach(function (ids) { ids.forEach(function (id) { codeHits[id] = true; }); });
        var codeIds = Object.keys(codeHits).map(Number);
        // Words that only spell a code that was found (1.001193 → "1", "001193") are not asked of names.
        var codeWords = {};
        if (codeIds.length) codes.forEach(function (c) { words(c).forEach(function (w) { codeWords[fold(w)] = true; }); });
        var needed = items.filter(function (item) { return !codeWords[item.folded]; });
        missing = missing.filter(function (w) { return !codeWords[fold(w)]; });
        var scores = null;
        if (needed.length && !missing.length) {
          var n = meta.docs, k1 = 1.2, b = 0.75;
          needed.forEach(function (item) {
            var best = {};
            item.terms.forEach(function (t) {
              var idf = Math.log(1 + (n - t.ids.length + 0.5) / (t.ids.length + 0.5));
              t.ids.forEach(function (id) { best[id] = Math.max(best[id] || 0, idf * t.weight); });
            });
            var exact = {};
            (item.exactIds || []).forEach(function (id) { exact[id] = true; });
            var next = {};
            Object.keys(best).forEach(function (id) {
              if (scores && !scores[id]) return;
              var prev = scores ? scores[id] : {bm25: 0, exact: 0};
              var norm = (k1 + 1) / (1 + k1 * (1 - b + b * meta.lengths[id] / index.avgLength));
              next[id] = {bm25: prev.bm25 + best[id] * norm, exact: prev.exact + (exact[id] ? 1 : 0)};
            });
            scores = next;
          });
        }
        var ranked = Object.keys(scores || {}).map(function (id) {
          return {id: Number(id), code: codeHits[id] ? 1 : 0, exact: scores[id].exact, bm25: scores[id].bm25, phrase: 0};
        });
        codeIds.forEach(function (id) { if (!(scores && scores[id])) ranked.push({id: id, code: 1, exact: 0, bm25: 0, phrase: 0}); });
        ranked.sort(order);
        return {meta: meta, ranked: ranked, missing: missing, items: needed};
      });
    });
  }

  function order(a, b) {
    return (b.code - a.code) || (b.exact - a.exact) || (b.phrase - a.phrase) || (b.bm25 - a.bm25) || (a.id - b.id);
  }

  // The first `count` results, with the leading ones re-ranked on the phrase once their names are loaded.
  var RERANK = 30;
  function page(index, result, start, count) {
    var ranked = result.ranked;
    var head = start === 0 ? ranked.slice(0, Math.max(RERANK, count)) : ranked.slice(start, start + count);
    return index.docs(result.meta, head.map(function (r) { return r.id; })).then(function (docs) {
      if (start !== 0) return docs;
      var foldedQuery = result.items.map(function (i) { return i.folded; });
      var exactQuery = result.items.map(function (i) { return i.exact ? i.exact.slice(1) : i.folded; });
      var byId = {};
      docs.forEach(function (d) { byId[d.id] = d; });
      head.forEach(function (r) {
        var title = words(byId[r.id].title);
        r.phrase = contains(title.map(toneKey), exactQuery) ? 2 : contains(title.map(fold), foldedQuery) ? 1 : 0;
      });
      head.sort(order);
      for (var i = 0; i < head.length; i++) ranked[i] = head[i];
      return head.slice(0, count).map(function (r) { return byId[r.id]; });
    });
  }

  function number(n) { return n.toLocaleString("vi-VN"); }

  function statusText(result, shown) {
    if (result.missing.length) {
      return "Không có kết quả: không tên nào chứa " + result.missing.map(function (w) { return "«" + w + "»"; }).join(", ")
        + ". Thử bỏ từ đó hoặc kiểm tra chính tả.";
    }
    if (!result.ranked.length) return "Không có thủ tục nào có tên chứa đủ các từ đã gõ.";
    return number(result.ranked.length) + " kết quả" + (shown < result.ranked.length ? ", hiển thị " + number(shown) + " đầu tiên" : "") + ".";
  }

  function resultItem(doc, base) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = new URL(doc.path, base).href;
    a.textContent = doc.title;
    var meta = document.createElement("span");
    meta.className = "ck-meta";
    meta.textContent = doc.detail;
    li.appendChild(a);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(meta);
    return li;
  }

  var FILE_NOTICE = "Tìm kiếm không chạy khi mở trang trực tiếp từ tệp (file://). Hãy phục vụ thư mục trang qua một " +
    "máy chủ web, ví dụ: python -m http.server. Danh sách thủ tục theo lĩnh vực và theo cơ quan vẫn dùng được.";
  var LOAD_ERROR = "Không tải được chỉ mục tìm kiếm. Hãy thử lại, hoặc dùng danh sách thủ tục.";

  var index = null, siteBase = null;
  function searchSetup() {
    var form = document.querySelector("[data-ck-search]");
    if (!form) return;
    if (!index) {
      // The form's URLs made absolute against this page, once: its action leads to tim-kiem/ under the site's root.
      siteBase = new URL(form.getAttribute("action"), window.location.href);
      siteBase = new URL("../", siteBase).href;
      index = new Index(new URL(form.getAttribute("data-ck-index"), window.location.href).href);
      form.setAttribute("action", new URL("tim-kiem/", siteBase).href);
      headerSearch(form);
    }
    resultsPage();
  }

  function headerSearch(form) {
    var input = form.querySelector("input"), panel = form.querySelector(".ck-search__panel");
    var status = panel.querySelector(".ck-search__status"), list = panel.querySelector(".ck-search__list");
    var timer = null, serial = 0;
    function close() { panel.hidden = true; }
    function open() { panel.hidden = false; }
    // status.dataset.pending marks a query still on its way (tests wait on it).
    function done(text) { status.textContent = text; delete status.dataset.pending; }
    function run() {
      var query = input.value, mine = ++serial;
      if (!query.trim()) { close(); delete status.dataset.pending; return; }
      open();
      if (window.location.protocol === "file:") { list.textContent = ""; done(FILE_NOTICE); return; }
      search(index, query).then(function (result) {
        return page(index, result, 0, 8).then(function (docs) {
          if (mine !== serial) return;
          list.textContent = "";
          docs.forEach(function (d) { list.appendChild(resultItem(d, siteBase)); });
          done(statusText(result, docs.length));
          if (docs.length < result.ranked.length) {
            var li = document.createElement("li");
            var all = document.createElement("a");
            all.className = "ck-search__all";
            all.href = form.getAttribute("action") + "?q=" + encodeURIComponent(query);
            all.textContent = "Xem tất cả " + number(result.ranked.length) + " kết quả →";
            li.appendChild(all);
            list.appendChild(li);
          }
        });
      }).catch(function () { if (mine === serial) { list.textContent = ""; done(LOAD_ERROR); } });
    }
    input.addEventListener("input", function () {
      serial++;  // a query still on its way is no longer the box's: it must not clear the mark below
      status.dataset.pending = "1";
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    input.addEventListener("focus", function (e) {
      if (panel.hidden && input.value.trim() && !form.contains(e.relatedTarget)) run();  // back into the box
    });
    form.addEventListener("keydown", function (e) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var at = links.indexOf(document.activeElement);
      if (e.key === "Escape") { close(); input.focus(); e.preventDefault(); }
      else if (e.key === "ArrowDown" && links.length) { (links[at + 1] || links[0]).focus(); e.preventDefault(); }
      else if (e.key === "ArrowUp" && at >= 0) { (at > 0 ? links[at - 1] : input).focus(); e.preventDefault(); }
    });
    document.addEventListener("click", function (e) { if (!form.contains(e.target)) close(); });
    form.addEventListener("focusout", function (e) { if (e.relatedTarget && !form.contains(e.relatedTarget)) close(); });
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      if (e.key === "/" && !(t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))) {
        input.focus();
        e.preventDefault();
      }
    });
  }

  function resultsPage() {
    var root = document.querySelector("[data-ck-results]");
    if (!root || root.getAttribute("data-ck-ready")) return;
    root.setAttribute("data-ck-ready", "1");
    var form = document.querySelector("[data-ck-search-page]"), input = form.querySelector("input");
    var status = root.querySelector("[data-ck-status]"), list = root.querySelector("[data-ck-list]");
    var more = root.querySelector("[data-ck-more]");
    var current = null, shown = 0, serial = 0, timer = null, STEP = 20;
    function show(result, docs) {
      docs.forEach(function (d) { list.appendChild(resultItem(d, siteBase)); });
      shown += docs.length;
      status.textContent = statusText(result, shown);
      more.hidden = shown >= result.ranked.length;
    }
    function run() {
      var query = input.value, mine = ++serial;
      var url = new URL(window.location.href);
      if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
      if (window.location.protocol !== "file:") window.history.replaceState(window.history.state, "", url.href);
      list.textContent = "";
      shown = 0;
      more.hidden = true;
      if (window.location.protocol === "file:") { status.textContent = FILE_NOTICE; return; }
      if (!query.trim()) { status.textContent = "Nhập tên hoặc mã thủ tục để tìm."; return; }
      status.textContent = "Đang tìm…";
      search(index, query).then(function (result) {
        return page(index, result, 0, STEP).then(function (docs) {
          if (mine !== serial) return;
          current = result;
          show(result, docs);
        });
      }).catch(function () { if (mine === serial) status.textContent = LOAD_ERROR; });
    }
    more.addEventListener("click", function () {
      var mine = serial;
      page(index, current, shown, STEP).then(function (docs) { if (mine === serial) show(current, docs); });
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); run(); });
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 150); });
    input.value = new URLSearchParams(window.location.search).get("q") || "";
    run();
  }

  /* ---- The list of all procedures (/thu-tuc/). The page holds its first entries (render.LIST_PAGE), so that it
     stays light however long the catalogue is; the whole list arrives as data (search.list_data) the first time a
     filter is used or more entries are asked for, and is then filtered and shown a page at a time. ---- */
  var LOADING = "Đang tải danh sách đầy đủ…";
  var LIST_ERROR = "Không tải được danh sách đầy đủ. Hãy thử lại.";
  var LIST_FILE_NOTICE = "Bộ lọc và phần còn lại của danh sách không chạy khi mở trang trực tiếp từ tệp (file://). " +
    "Hãy phục vụ thư mục trang qua một máy chủ web, ví dụ: python -m http.server.";

  function listStatus(matches, total, shown) {
    return (matches === total ? number(total) + " thủ tục" : number(matches) + " trên " + number(total) + " thủ tục khớp bộ lọc") +
      (shown < matches ? ", hiển thị " + number(shown) + " đầu tiên" : "");
  }

  function setup() {
    var root = document.querySelector("[data-ck-listing]");
    if (!root || root.getAttribute("data-ck-ready")) return;
    root.setAttribute("data-ck-ready", "1");
    var form = root.querySelector("form"), list = root.querySelector("[data-ck-items]");
    var count = root.querySelector("[data-ck-count]"), empty = root.querySelector("[data-ck-empty]");
    var next = root.querySelector("[data-ck-next]");
    var step = Number(root.getAttribute("data-ck-step")), total = Number(root.getAttribute("data-ck-total"));
    var filters = ["level", "field", "agency", "channel", "online"];
    // data: the whole list once loaded; found: the positions in it of the procedures the filters let through;
    // shown: how many of them the page lists (at first, the entries the page came with: the list's first).
    // applied: the filters (as a query string) the list shows, so that an event that changes none of them (the
    // text box's «change» as it loses the focus to «Xem thêm») leaves the entries shown as they are.
    var data = null, loading = null, found = null, shown = list.children.length, serial = 0, applied = null;
    next.hidden = shown >= total;

    // The whole list, fetched once; resolves to null when it cannot be had.
    function load() {
      if (!loading) {
        list.setAttribute("aria-busy", "true");
        loading = fetch(new URL(root.getAttribute("data-ck-data"), window.location.href).href, {cache: "no-cache"})
          .then(function (r) {
            if (!r.ok) throw new Error(r.status);
            return r.json();
          }).then(function (d) {
            d.keys = [];
            data = d;
            list.removeAttribute("aria-busy");
            return d;
          }, function () {
            loading = null;
            list.removeAttribute("aria-busy");
            count.textContent = window.location.protocol === "file:" ? LIST_FILE_NOTICE : LIST_ERROR;
            return null;
          });
      }
      return loading;
    }

    // A filtered view is a URL that can be shared: ?q=...&level=...
    var params = new URLSearchParams(window.location.search);
    ["q"].concat(filters).forEach(function (name) {
      if (params.has(name) && form.elements[name]) form.elements[name].value = params.get(name);
    });
    // The extra filters start folded on phones; open them where there is room or where one is already set.
    var more = root.querySelector("[data-ck-more]");
    if (more && (window.matchMedia("(min-width: 60em)").matches ||
                 filters.some(function (name) { return params.get(name); }))) more.open = true;

    // Each word typed must start a word of the name, after folding: "ket hon" finds «kết hôn», never «không»; a
    // word that is typed in full matches what search finds with it. A code (1.001193) must start the code.
    function matches(key, typed) {
      return typed.codes.every(function (c) { return key.code.lastIndexOf(c, 0) === 0; }) &&
        typed.words.every(function (w) {
          for (var k = 0; k < key.words.length; k++) if (key.words[k].lastIndexOf(w, 0) === 0) return true;
          return false;
        });
    }

    // What the text filter matches, as search does: the words of a procedure's name, folded (each distinct word
    // once), and its code; made when a typed text first needs them, for the procedures the selects let through.
    var folded = Object.create(null);
    function key(i) {
      return data.keys[i] || (data.keys[i] = {
        words: words(data.name[i]).map(function (w) { return folded[w] || (folded[w] = fold(w)); }),
        code: fold(data.code[i])});
    }

    // A procedure passes a select when one of its values is the chosen one (each filter's values are numbered in
    // the data: a procedure has the number of its one value, or a list of them).
    function filter() {
      var typed = {codes: [], words: []};
      form.elements.q.value.trim().split(/\s+/).map(fold).forEach(function (token) {
        if (CODE.test(token) && /\d/.test(token)) typed.codes.push(token);
        else typed.words = typed.words.concat(words(token));
      });
      var chosen = [];
      filters.forEach(function (name) {
        var column = data.filters[name], value = form.elements[name].value;
        if (value) chosen.push({rows: column.rows, k: column.values.indexOf(value)});
      });
      var text = typed.codes.length || typed.words.length;
      found = [];
      for (var i = 0; i < data.code.length; i++) {
        var ok = true;
        for (var c = 0; c < chosen.length && ok; c++) {
          var row = chosen[c].rows[i];
          ok = row === chosen[c].k || (Array.isArray(row) && row.indexOf(chosen[c].k) >= 0);
        }
        if (ok && (!text || matches(key(i), typed))) found.push(i);
      }
    }

    // The next page of what the filters let through; the entry the same as the page's own (procedures.md).
    function showMore() {
      var start = shown;
      shown = Math.min(found.length, shown + step);
      for (var i = start; i < shown; i++) {
        var at = found[i], code = data.code[at];
        list.appendChild(resultItem({path: code + "/", title: data.name[at],
          detail: code + " · " + data.field_names[data.field_name[at]]}, window.location.href));
      }
      count.textContent = listStatus(found.length, data.code.length, shown);
      empty.hidden = found.length > 0;
      next.hidden = shown >= found.length;
      return start;
    }

    function render() {
      filter();
      list.textContent = "";
      shown = 0;
      showMore();
    }

    function apply() {
      var query = new URLSearchParams();
      if (form.elements.q.value) query.set("q", form.elements.q.value);
      filters.forEach(function (name) { if (form.elements[name].value) query.set(name, form.elements[name].value); });
      var search = query.toString();
      if (search === applied) return;
      applied = search;
      window.history.replaceState(null, "", search ? "?" + search : window.location.pathname);
      if (data) { render(); return; }
      if (!search) return;  // the list as the page came: nothing to fetch yet
      var mine = ++serial;
      count.textContent = LOADING;
      load().then(function (d) {
        if (!d) applied = null;  // the same filters, once more, try again
        else if (mine === serial) render();
      });
    }

    // «Xem thêm»: the next entries, and the keyboard's focus on the first of them, where reading goes on.
    next.addEventListener("click", function () {
      if (!data) count.textContent = LOADING;
      load().then(function (d) {
        if (!d) return;
        if (!found) filter();  // nothing filtered yet: the page's entries are the first of the whole list
        var start = showMore(), added = list.children[start];
        if (added) added.querySelector("a").focus();
      });
    });
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    apply();
  }

  // Charts: Plotly comes from the site itself, once, and only when a chart comes near the screen. A reader who stays
  // with the page's summary and tables (which carry every figure) fetches and runs none of it, and the page's load
  // is never held up by it: its script runs for seconds on a phone.
  var plotly = null;
  function loadPlotly(src) {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!plotly) {
      plotly = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { plotly = null; reject(new Error("plotly")); };
        document.head.appendChild(script);
      });
    }
    return plotly;
  }

  // A downloaded picture travels without the page: it gets the chart's title, «mô phỏng», sources and note (made by
  // generator/charts.py, data-ck-image) and the address of the chart on the site (an embed page names it in
  // data-ck-page), drawn by Plotly's own export at a desktop width.
  function downloadImage(Plotly, gd, box) {
    var image = JSON.parse(box.getAttribute("data-ck-image"));
    var title = image.layout.title;
    var page = box.getAttribute("data-ck-page");
    var address = page ? new URL(page, window.location.href).href
      : window.location.href.split(/[?#]/)[0] + "#" + image.filename;
    title.subtitle.text += "<br>" + address.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    return Plotly.downloadImage({data: gd.data, layout: Object.assign({}, gd.layout, image.layout),
      config: {locale: "vi"}}, {format: "png", width: image.width, height: image.height, filename: image.filename});
  }

  // Plotly's own Vietnamese locale (in the bundle: dates, months); numbers by the figures' separators. No logo, no
  // «Share chart» to Plotly's cloud, no tips in English, nothing that takes a swipe or the wheel from the page (the
  // figures also fix their axes and turn dragging off); one button: the picture above.
  function chartConfig(Plotly, box) {
    return {responsive: true, locale: "vi", displaylogo: false, showSendToCloud: false, scrollZoom: false,
      doubleClick: false, showTips: false,
      modeBarButtons: [[{name: "ck-image", title: "Tải ảnh PNG (kèm tiêu đề, nguồn)", icon: Plotly.Icons.camera,
        click: function (gd) { downloadImage(Plotly, gd, box); }}]]};
  }

  function draw(box) {
    loadPlotly(box.getAttribute("data-ck-plotly")).then(function (Plotly) {
      if (box.getAttribute("data-ck-drawn") || !box.isConnected) return;
      var spec = JSON.parse(box.getAttribute("data-ck-figure"));
      box.setAttribute("data-ck-drawn", "1");
      spec.layout.autosize = true;
      spec.layout.width = box.clientWidth || undefined;  // fit a phone's width from the first draw
      Plotly.newPlot(box, spec.data, spec.layout, chartConfig(Plotly, box));
    }, function () {
      box.textContent = "Không tải được thư viện biểu đồ; số liệu có trong bảng dưới.";
    });
  }

  // Each chart is drawn when it comes within NEAR of the screen; its box already has the chart's height (its
  // min-height), so nothing below it moves when it is drawn. One watcher, for the page on screen.
  var NEAR = "0px 0px 200px 0px";
  function charts() {
    var boxes = document.querySelectorAll("[data-ck-chart]:not([data-ck-drawn])");
    if (!boxes.length) return;
    var watcher = new IntersectionObserver(function (entries, self) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        self.unobserve(entry.target);
        draw(entry.target);
      });
    }, {rootMargin: NEAR});
    Array.prototype.forEach.call(boxes, function (box) { watcher.observe(box); });
  }

  // «Nhúng» (templates/_embed.html): the <iframe> code gets the embed page's absolute address, made from the address
  // this page was opened at, so that it works on another site whatever the host and sub-path this one is served
  // at; then the sentence for doing it by hand goes and the copy button comes.
  function embedControls() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ck-embed]:not([data-ck-ready])"), function (box) {
      box.setAttribute("data-ck-ready", "1");
      var code = box.querySelector("[data-ck-embed-code]");
      // A URL's href has its quotes and angle brackets percent-encoded; & is the one character left to escape.
      var src = new URL(box.getAttribute("data-ck-embed"), window.location.href).href.replace(/&/g, "&amp;");
      code.value = code.value.replace(/src="[^"]*"/, 'src="' + src + '"');
      code.addEventListener("focus", function () { code.select(); });
      box.querySelector("[data-ck-embed-hint]").hidden = true;
      box.querySelector("[data-ck-embed-copy]").hidden = false;
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-ck-embed-copy]");
    if (!button) return;
    var box = button.closest("[data-ck-embed]"), code = box.querySelector("[data-ck-embed-code]");
    var status = box.querySelector("[data-ck-embed-status]");
    code.select();
    // The clipboard API where the page may use it (https, localhost), else the older command on the selection.
    var copied = navigator.clipboard && window.isSecureContext ? navigator.clipboard.writeText(code.value)
      : Promise.reject(new Error("clipboard"));
    copied.catch(function () { if (!document.execCommand("copy")) throw new Error("copy"); }).then(
      function () { status.textContent = "Đã chép mã."; },
      function () { status.textContent = "Không chép được: hãy chọn mã ở trên rồi chép (Ctrl+C)."; });
  });

  // Printing: the button that prints a procedure's checklist works only with script, so it is shown by script; a
  // printout names its page's address (the canonical one when the site has one, see theme/main.html).
  function printing() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ck-print]"), function (button) {
      button.hidden = false;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-ck-address]"), function (address) {
      if (!address.textContent) address.textContent = window.location.href.split("#")[0];
    });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-ck-print]")) window.print();
  });

  // A table marked data-ck-sortable sorts by a column when its heading is pressed: numbers by the cell's
  // data-ck-value, text in Vietnamese order; pressed again, the other way. Cells without a value go last either way.
  // Without script the table stays in the order the build wrote.
  function sortables() {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-ck-sortable]:not([data-ck-sorting])"), function (table) {
      table.setAttribute("data-ck-sorting", "");
      var collator = new Intl.Collator("vi", {numeric: true});
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
        var kind = th.getAttribute("data-ck-sort");
        if (!kind) return;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "ck-sort";
        while (th.firstChild) button.appendChild(th.firstChild);
        th.appendChild(button);
        button.addEventListener("click", function () {
          var descending = th.getAttribute("aria-sort") === "ascending";
          Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) { other.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", descending ? "descending" : "ascending");
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
            var cell = row.cells[column];
            var value = kind === "number" ? cell.getAttribute("data-ck-value") : cell.textContent.trim();
            return {row: row, i: i, empty: value === "" || value === null, value: kind === "number" ? Number(value) : value};
          });
          rows.sort(function (a, b) {
            if (a.empty !== b.empty) return a.empty ? 1 : -1;
            var order = a.empty ? 0 : kind === "number" ? a.value - b.value : collator.compare(a.value, b.value);
            return (descending ? -order : order) || a.i - b.i;
          });
          rows.forEach(function (r) { body.appendChild(r.row); });
        });
      });
    });
  }

  // The list of changes (/thay-doi/) narrows to a field, an agency and a kind of change; without script it shows
  // every change.
  function changeFilters() {
    // The form is in the page from the start (no shift of the table when the script comes); without the script its
    // choices do nothing, as on the list of procedures.
    Array.prototype.forEach.call(document.querySelectorAll("form[data-ck-change-filter]:not([data-ck-ready])"), function (form) {
      var rows = Array.prototype.slice.call(document.querySelectorAll("[data-ck-changes] tbody tr"));
      var count = form.querySelector("[data-ck-change-count]");
      function apply() {
        var field = form.elements.field.value, agency = form.elements.agency.value, kind = form.elements.kind.value;
        var shown = 0;
        rows.forEach(function (row) {
          var match = (!field || row.getAttribute("data-field") === field)
            && (!agency || row.getAttribute("data-agency").split(" ").indexOf(agency) >= 0)
            && (!kind || row.getAttribute("data-kind") === kind);
          row.hidden = !match;
          shown += match;
        });
        count.textContent = number(shown) + " trên " + number(rows.length) + " thay đổi.";
      }
      form.addEventListener("change", apply);
      form.setAttribute("data-ck-ready", "");
      apply();
    });
  }

  // A table wider than the screen scrolls sideways inside the box Material wraps it in; a keyboard must reach what is
  // off-screen (WCAG 2.1.1), so the box takes the focus (arrow keys then scroll it) while, and only while, it
  // overflows.
  function scrollables() {
    Array.prototype.forEach.call(document.querySelectorAll(".md-typeset__scrollwrap"), function (box) {
      if (box.scrollWidth > box.clientWidth) box.tabIndex = 0;
      else box.removeAttribute("tabindex");
    });
  }
  window.addEventListener("resize", scrollables);

  // Each step marks what it has done, so running twice is harmless. Every page is a plain page load: the site leaves
  // Material's instant navigation off (README, design notes); the embed pages (/nhung/) load this script alone, for
  // their chart, without the theme.
  function onPage() { searchSetup(); setup(); charts(); embedControls(); printing(); scrollables(); sortables(); changeFilters(); }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onPage);
  else onPage();
})();
