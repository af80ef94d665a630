/* pruner what-if page: the evaluator of spec §4/§8 and the page around it.
 *
 * Everything here runs from file:// with no network: the model comes from the
 * JSON block #pruner-data in the same page. Names are only ever put into the page
 * with textContent / setAttribute, never parsed as markup. No recursion anywhere:
 * every walk is a loop over an explicit queue or stack.
 */
(function () {
  "use strict";

  var STARTED = performance.now();
  var D = JSON.parse(document.getElementById("pruner-data").textContent);
  var NAMES = D.nodes;                     // node names (services and operations), graph order
  var N = NAMES.length;
  var INDEX = new Map(), LOWER = new Array(N);
  for (var i = 0; i < N; i++) { INDEX.set(NAMES[i], i); LOWER[i] = NAMES[i].toLowerCase(); }
  var SINGLE = 0, ANY_OF = 1, AT_LEAST = 2;
  var PAGE = D.page || 200;
  var MAX_DRAW = D.maxDraw || 160;

  /* ---- the model: items unpacked ------------------------------------------ */

  function unpack(raw) {
    // [flags, need, (note,) member...]; flags: kind | 4 soft | 8 implicit | 16 note;
    // a bare number is a plain hard dependency on that node.
    if (typeof raw === "number") {
      return {kind: SINGLE, need: 1, soft: false, implicit: false, note: null, members: [raw]};
    }
    var flags = raw[0], start = (flags & 16) ? 3 : 2;
    return {kind: flags & 3, need: raw[1], soft: !!(flags & 4), implicit: !!(flags & 8),
            note: (flags & 16) ? raw[2] : null, members: raw.slice(start)};
  }
  var ITEMS = D.items.map(function (list) { return list.map(unpack); });
  var FLOWS = D.flows.map(function (f) {
    return {name: f[0], critical: !!f[1], items: f[2].map(unpack), desc: f[3], owner: f[4]};
  });
  var FLOW_INDEX = new Map();
  FLOWS.forEach(function (f, k) { FLOW_INDEX.set(f.name, k); });
  var SPOF = D.spof;

  // pred[m]: owners whose items name m, in graph order, each with the item indices.
  var PRED_OWNER = new Array(N), PRED_ITEMS = new Array(N);
  var BASE = new Int32Array(N + 1), SIZE = [];
  for (i = 0; i < N; i++) { PRED_OWNER[i] = []; PRED_ITEMS[i] = []; }
  for (i = 0; i < N; i++) {
    BASE[i] = SIZE.length;
    var its = ITEMS[i];
    for (var k = 0; k < its.length; k++) {
      SIZE.push(its[k].members.length);
      var ms = its[k].members;
      for (var j = 0; j < ms.length; j++) {
        var m = ms[j], owners = PRED_OWNER[m];
        if (owners.length && owners[owners.length - 1] === i) {
          PRED_ITEMS[m][owners.length - 1].push(k);
        } else { owners.push(i); PRED_ITEMS[m].push([k]); }
      }
    }
  }
  BASE[N] = SIZE.length;
  var SIZES = Int32Array.from(SIZE);

  /* ---- the evaluator (spec §4; §8 operations are nodes like any other) ------ */

  function evaluate(off) {
    // off: node indices. Counter-based least fixpoint, then degraded by BFS.
    var cause = new Int32Array(N).fill(-2);   // -2 not down, -1 switched off, k failed item
    var via = new Int32Array(N).fill(-1);
    var left = SIZES.slice();
    var queue = [];
    var sorted = off.slice().sort(function (a, b) {
      return NAMES[a] < NAMES[b] ? -1 : NAMES[a] > NAMES[b] ? 1 : 0; });
    for (var a = 0; a < sorted.length; a++) {
      if (cause[sorted[a]] === -2) { cause[sorted[a]] = -1; queue.push(sorted[a]); }
    }
    for (var head = 0; head < queue.length; head++) {
      var gone = queue[head], owners = PRED_OWNER[gone], lists = PRED_ITEMS[gone];
      for (var j = 0; j < owners.length; j++) {
        var o = owners[j];
        if (cause[o] !== -2) continue;
        var ks = lists[j];
        for (var t = 0; t < ks.length; t++) {
          var key = BASE[o] + ks[t], item = ITEMS[o][ks[t]];
          if (--left[key] < item.need && !item.soft) {
            cause[o] = ks[t]; queue.push(o); break;
          }
        }
      }
    }
    var downCount = queue.length;
    for (head = 0; head < queue.length; head++) {
      var bad = queue[head], ow = PRED_OWNER[bad];
      for (j = 0; j < ow.length; j++) {
        if (cause[ow[j]] === -2 && via[ow[j]] === -1) { via[ow[j]] = bad; queue.push(ow[j]); }
      }
    }
    var order = new Int32Array(N).fill(N);
    for (a = 0; a < queue.length; a++) order[queue[a]] = a;
    var flows = FLOWS.map(function (f) {
      var state = "ok";
      for (var q = 0; q < f.items.length; q++) {
        var s = status(f.items[q], cause, via);
        if (s.up < s.item.need && !s.item.soft) return "broken";
        if (s.down.length || s.degraded.length) state = "degraded";
      }
      return state;
    });
    return {off: sorted, cause: cause, via: via, order: order, flows: flows,
            down: downCount, degraded: queue.length - downCount};
  }

  function status(item, cause, via) {
    var down = [], hurt = [];
    for (var q = 0; q < item.members.length; q++) {
      var m = item.members[q];
      if (cause[m] !== -2) down.push(m); else if (via[m] !== -1) hurt.push(m);
    }
    return {item: item, up: item.members.length - down.length, down: down, degraded: hurt};
  }

  function serviceState(ev, n) {
    return ev.cause[n] !== -2 ? "down" : ev.via[n] !== -1 ? "degraded" : "up";
  }

  /* ---- explanations: a port of pruner.analysis.explain and render.common ---- */

  function clean(text) {
    return String(text).replace(/[\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]/g, function (c) {
      var code = c.charCodeAt(0);
      if (c === "\t") return "\\t";
      if (c === "\n") return "\\n";
      if (c === "\r") return "\\r";
      if (code < 256) return "\\x" + (code < 16 ? "0" : "") + code.toString(16);
      return "\\u" + code.toString(16);
    });
  }

  function describe(item) {
    var prefix = item.soft ? "soft " : "";
    if (item.kind === SINGLE) return prefix + NAMES[item.members[0]];
    var names = item.members.map(function (m) { return clean(NAMES[m]); }).join(", ");
    if (item.kind === ANY_OF) return prefix + "any_of [" + names + "]";
    return prefix + "at_least " + item.need + " of [" + names + "]";
  }

  function statusText(s) {
    var item = s.item;
    if (item.kind === SINGLE) return (item.soft ? "soft " : "requires ") + clean(NAMES[item.members[0]]);
    var text = describe(item) + ": " + s.up + " of " + item.members.length + " up";
    if (s.up < item.need) return text + ", needs " + item.need;
    if (s.down.length && item.kind === AT_LEAST && item.need > 1) {
      return text + ", needs " + item.need + ": quorum holds";
    }
    if (s.down.length) return text + ", running on fallback";
    return text;
  }

  function endText(end) {
    return end === "off" ? " (switched off)" : end === "seen" ? " (see above)" : "";
  }

  function hopText(hop) {
    var item = hop.status.item;
    if (item.implicit) {  // an operation's own service reads as the service (spec §8)
      var own = clean(NAMES[item.members[0]]);
      if (hop.end) return own + endText(hop.end);
      return own + " (service " + (hop.status.down.length ? "down" : "degraded") + ")";
    }
    var text = statusText(hop.status);
    if (item.soft && item.note && item.kind === SINGLE) text += " [" + clean(item.note) + "]";
    return text + endText(hop.end);
  }

  function lineText(line) {
    var chain = line.hops.map(hopText).join(" -> ");
    if (line.subject === null) return chain;
    if (!line.hops.length) return NAMES[line.subject] + endText(line.end);
    return NAMES[line.subject] + ": " + chain;
  }

  function nextStatus(ev, n) {
    var index = ev.cause[n];
    if (index >= 0) return status(ITEMS[n][index], ev.cause, ev.via);
    if (index === -1 || ev.via[n] === -1) return null;
    var dep = ev.via[n], its = ITEMS[n];
    for (var k = 0; k < its.length; k++) {
      if (its[k].members.indexOf(dep) >= 0) return status(its[k], ev.cause, ev.via);
    }
    return null;
  }

  function explainFlow(ev, f) {
    var flow = FLOWS[f], st = flow.items.map(function (it) { return status(it, ev.cause, ev.via); });
    var failing = st.filter(function (s) { return s.up < s.item.need && !s.item.soft; });
    var chosen = failing.length ? failing : st.filter(function (s) {
      return s.down.length || s.degraded.length; });
    return explain(ev, chosen.map(function (st_) { return {subject: null, status: st_}; }), new Set());
  }

  function explainService(ev, n) {
    // Why a service is DOWN or DEGRADED (empty when up or switched off).
    var first = nextStatus(ev, n);
    return first === null ? [] : explain(ev, [{subject: n, status: first}], new Set([n]));
  }

  function explain(ev, starts, seen) {
    var lines = [], stack = [], q;
    for (q = starts.length - 1; q >= 0; q--) stack.push({depth: 0, subject: starts[q].subject, status: starts[q].status});
    while (stack.length) {
      var entry = stack.pop();
      if (entry.line) { lines.push(entry.line); continue; }
      var hops = [], branches = [], owner = entry.subject, s = entry.status;
      while (s !== null) {
        var item = s.item;
        if (item.kind !== SINGLE) {
          branches = item.members.filter(function (m) {
            return (ev.cause[m] !== -2 || ev.via[m] !== -1) &&
              (owner === null || ev.order[m] < ev.order[owner]);
          });
          hops.push({status: s, end: null});
          break;
        }
        var target = item.members[0];
        if (seen.has(target)) { hops.push({status: s, end: "seen"}); break; }
        seen.add(target);
        if (ev.cause[target] === -1) { hops.push({status: s, end: "off"}); break; }
        hops.push({status: s, end: null});
        s = nextStatus(ev, target);
        owner = target;
      }
      lines.push({depth: entry.depth, subject: entry.subject, hops: hops, end: null});
      var children = [];
      for (q = 0; q < branches.length; q++) {
        var mb = branches[q];
        if (seen.has(mb)) {
          children.push({line: {depth: entry.depth + 1, subject: mb, hops: [], end: "seen"}});
        } else if (ev.cause[mb] === -1) {
          seen.add(mb);
          children.push({line: {depth: entry.depth + 1, subject: mb, hops: [], end: "off"}});
        } else {
          seen.add(mb);
          children.push({depth: entry.depth + 1, subject: mb, status: nextStatus(ev, mb)});
        }
      }
      for (q = children.length - 1; q >= 0; q--) stack.push(children[q]);
    }
    return lines;
  }

  /* ---- DOM helpers ---------------------------------------------------------- */

  var SVGNS = "http://www.w3.org/2000/svg";
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    return fill(e, attrs, children);
  }
  function sv(tag, attrs, children) {
    return fill(document.createElementNS(SVGNS, tag), attrs, children);
  }
  function fill(e, attrs, children) {
    if (attrs) {
      for (var key in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, key) && attrs[key] !== null &&
            attrs[key] !== undefined && attrs[key] !== false) e.setAttribute(key, String(attrs[key]));
      }
    }
    if (children !== undefined && children !== null) {
      if (!Array.isArray(children)) children = [children];
      children.forEach(function (c) {
        if (c === null || c === undefined) return;
        e.appendChild(typeof c === "string" || typeof c === "number" ?
          document.createTextNode(String(c)) : c);
      });
    }
    return e;
  }
  function $(id) { return document.getElementById(id); }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }

  var WORD = {broken: "BROKEN", degraded: "DEGRADED", ok: "ok", down: "DOWN", up: "up",
              off: "switched off"};
  function badge(state) { return el("span", {"class": "badge", "data-s": state}, WORD[state]); }

  /* ---- state: what is switched off, what is focused ------------------------- */

  var INITIAL = D.off.slice();
  var state = {off: new Set(INITIAL), ev: null, focus: D.focus ? {kind: "flow", name: D.focus} : null,
               flowFilter: "", flowState: "", flowPage: 0,
               svcFilter: "", svcState: "", svcPage: 0, spof: false, unknown: []};

  function encodeOff(set) {
    var names = Array.from(set, function (n) { return NAMES[n]; }).sort();
    return "#off=" + names.map(encodeURIComponent).join(",");
  }

  function readHash() {
    // Returns the switched-off set named by the address, or null when it names none.
    var hash = location.hash.replace(/^#/, "");
    if (!hash) return null;
    var parts = hash.split("&"), off = null, unknown = [];
    for (var p = 0; p < parts.length; p++) {
      var eq = parts[p].indexOf("=");
      var key = eq < 0 ? parts[p] : parts[p].slice(0, eq);
      if (key !== "off") continue;
      off = new Set();
      var value = eq < 0 ? "" : parts[p].slice(eq + 1);
      value.split(",").forEach(function (raw) {
        if (!raw) return;
        var name;
        try { name = decodeURIComponent(raw); } catch (e) { name = raw; }
        if (INDEX.has(name)) off.add(INDEX.get(name)); else unknown.push(name);
      });
    }
    state.unknown = unknown;
    return off;
  }

  var written = null;

  function fromHash() {
    if (written !== null && location.hash === written) { written = null; return; }
    written = null;
    var off = readHash();
    state.off = off === null ? new Set(INITIAL) : off;
    if (off === null) state.unknown = [];
    update();
  }

  function setOff(set) {
    state.off = set;
    state.unknown = [];
    var hash = encodeOff(set);
    update();
    if (location.hash !== hash) {
      written = hash;
      location.hash = hash;   // a history entry: Back undoes the click
    }
  }

  function toggle(n) {
    var next = new Set(state.off);
    if (next.has(n)) next.delete(n); else next.add(n);
    setOff(next);
  }

  /* ---- rendering ------------------------------------------------------------- */

  function update() {
    var t = [performance.now()];
    state.ev = evaluate(Array.from(state.off));
    t.push(performance.now());
    renderVerdict();
    renderOffBar();
    t.push(performance.now());
    renderFlows();
    t.push(performance.now());
    renderServices();
    t.push(performance.now());
    renderDiagram();
    t.push(performance.now());
    // How long each step took (evaluate, verdict, flows, services, diagram), for benchmarks.
    document.body.setAttribute("data-update-ms", t.slice(1).map(function (x, q) {
      return (x - t[q]).toFixed(1); }).join(" "));
  }

  function gate(ev) {
    var bad = {broken: ["broken"], degraded: ["broken", "degraded"], never: []}[D.failOn];
    var failing = [];
    FLOWS.forEach(function (f, k) {
      if (f.critical && bad.indexOf(ev.flows[k]) >= 0) failing.push(f.name);
    });
    return failing;
  }

  function renderVerdict() {
    var ev = state.ev, failing = gate(ev), box = clear($("verdict"));
    var counts = {broken: 0, degraded: 0, ok: 0}, critical = 0;
    ev.flows.forEach(function (s, k) {
      counts[s]++; if (s === "broken" && FLOWS[k].critical) critical++; });
    if (failing.length) {
      box.className = "verdict fail";
      var state_ = D.failOn === "broken" ? "broken" : "broken or degraded";
      box.appendChild(el("strong", null, "FAIL"));
      box.appendChild(document.createTextNode(" \u2014 critical flows " + state_ + ": "));
      box.appendChild(nameList(failing));
    } else {
      box.className = "verdict pass";
      box.appendChild(el("strong", null, "PASS"));
      box.appendChild(document.createTextNode(" \u2014 " + {
        broken: "no critical flow is broken.", degraded: "no critical flow is broken or degraded.",
        never: "the gate is off (--fail-on never)."}[D.failOn]));
    }
    var off = state.off.size, up = N - ev.down - ev.degraded;
    box.appendChild(el("p", null, "Flows: " + counts.broken + " broken (" + critical +
      " critical), " + counts.degraded + " degraded, " + counts.ok + " ok. Services: " + off +
      " switched off, " + (ev.down - off) + " down, " + ev.degraded + " degraded, " + up + " up."));
    $("title").textContent = clean((D.source || "manifest") + ": " + (off ? Array.from(state.off,
      function (n) { return NAMES[n]; }).sort().join(", ") : "nothing") + " switched off");
  }

  function nameList(names) {
    var span = el("span", {"class": "names"});
    names.slice(0, 50).forEach(function (n) {
      span.appendChild(el("code", null, clean(n)));
      span.appendChild(document.createTextNode(" "));
    });
    if (names.length > 50) span.appendChild(el("span", {"class": "muted"}, "and " + (names.length - 50) + " more"));
    return span;
  }

  function serviceChip(n, extra) {
    var s = serviceState(state.ev, n), off = state.off.has(n);
    return el("button", {"type": "button", "class": "chip", "data-service": NAMES[n],
      "data-state": s, "data-off": off ? "true" : null,
      "title": (off ? "switched off: click to switch on" : "click to switch off")}, [clean(NAMES[n]), extra || null]);
  }

  function renderOffBar() {
    var ev = state.ev, bar = clear($("offbar"));
    var offs = Array.from(state.off).sort(function (a, b) { return NAMES[a] < NAMES[b] ? -1 : 1; });
    var down = [], degraded = [];
    for (var h = 0; h < N; h++) {
      if (ev.cause[h] >= 0) down.push(h); else if (ev.via[h] !== -1) degraded.push(h);
    }
    var rows = [["Switched off", offs], ["Down as a result", down], ["Degraded", degraded]];
    rows.forEach(function (row) {
      var td = el("td");
      if (!row[1].length) td.appendChild(el("span", {"class": "muted"}, "none"));
      row[1].slice(0, 50).forEach(function (n) { td.appendChild(serviceChip(n)); td.appendChild(document.createTextNode(" ")); });
      if (row[1].length > 50) td.appendChild(el("span", {"class": "muted"}, "and " + (row[1].length - 50) + " more (see Services)"));
      bar.appendChild(el("tr", null, [el("th", null, row[0] + " (" + row[1].length + ")"), td]));
    });
    if (state.unknown.length) {
      bar.appendChild(el("tr", null, [el("th", null, "Not in this manifest"),
        el("td", {"class": "muted"}, state.unknown.map(clean).join(", ") + " (ignored)")]));
    }
  }

  var RANK = {broken: 0, degraded: 1, ok: 2};

  function pager(total, page, onPage, id) {
    var pages = Math.max(1, Math.ceil(total / PAGE));
    var div = el("div", {"class": "pager", "id": id});
    if (pages <= 1) {
      div.appendChild(el("span", {"class": "muted"}, total + " shown"));
      return div;
    }
    var prev = el("button", {"type": "button", "disabled": page === 0 ? "disabled" : null}, "\u2190 previous");
    var next = el("button", {"type": "button", "disabled": page >= pages - 1 ? "disabled" : null}, "next \u2192");
    prev.addEventListener("click", function () { onPage(page - 1); });
    next.addEventListener("click", function () { onPage(page + 1); });
    div.appendChild(prev);
    div.appendChild(el("span", {"class": "muted"}, " " + (page * PAGE + 1) + "\u2013" +
      Math.min(total, (page + 1) * PAGE) + " of " + total + " "));
    div.appendChild(next);
    return div;
  }

  function renderFlows() {
    var ev = state.ev, needle = state.flowFilter.toLowerCase();
    var list = [];
    for (var k = 0; k < FLOWS.length; k++) {
      if (needle && FLOWS[k].name.toLowerCase().indexOf(needle) < 0) continue;
      if (state.flowState && ev.flows[k] !== state.flowState) continue;
      list.push(k);
    }
    list.sort(function (a, b) {
      return (RANK[ev.flows[a]] - RANK[ev.flows[b]]) ||
        ((FLOWS[b].critical ? 1 : 0) - (FLOWS[a].critical ? 1 : 0)) ||
        (FLOWS[a].name < FLOWS[b].name ? -1 : FLOWS[a].name > FLOWS[b].name ? 1 : 0);
    });
    var pages = Math.max(1, Math.ceil(list.length / PAGE));
    if (state.flowPage >= pages) state.flowPage = pages - 1;
    var body = clear($("flow-rows"));
    list.slice(state.flowPage * PAGE, (state.flowPage + 1) * PAGE).forEach(function (k) {
      var f = FLOWS[k], s = ev.flows[k], why = el("ul", {"class": "why"});
      if (s !== "ok") {
        explainFlow(ev, k).forEach(function (line) {
          why.appendChild(el("li", {"class": "d" + Math.min(line.depth, 8)}, clean(lineText(line))));
        });
      }
      var spofs = el("span", {"class": "names"});
      if (state.spof) {  // drawn on request only: big manifests have many
        if (!SPOF[k].length) spofs.appendChild(el("span", {"class": "muted"}, "none"));
        SPOF[k].slice(0, D.spofLimit).forEach(function (n) { spofs.appendChild(serviceChip(n)); spofs.appendChild(document.createTextNode(" ")); });
        if (SPOF[k].length > D.spofLimit) spofs.appendChild(el("span", {"class": "muted"}, "and " + (SPOF[k].length - D.spofLimit) + " more"));
      }
      var nameCell = [el("button", {"type": "button", "class": "link", "data-focus-flow": f.name,
        "title": "draw this flow and what it stands on"}, clean(f.name))];
      if (f.desc) nameCell.push(el("div", {"class": "desc"}, clean(f.desc)));
      body.appendChild(el("tr", {"data-flow": f.name, "data-state": s,
        "class": state.focus && state.focus.kind === "flow" && state.focus.name === f.name ? "focused" : null}, [
        el("td", null, badge(s)), el("td", null, nameCell),
        el("td", null, f.critical ? "yes" : "no"),
        el("td", null, f.owner ? clean(f.owner) : "\u2014"), el("td", null, why),
        el("td", {"class": "spof-col"}, spofs)]));
    });
    var old = $("flow-pager");
    old.parentNode.replaceChild(pager(list.length, state.flowPage, function (p) {
      state.flowPage = p; renderFlows(); }, "flow-pager"), old);
  }

  function renderServices() {
    var ev = state.ev, needle = state.svcFilter.toLowerCase(), want = state.svcState;
    var list = [];
    if (!needle && !want) {  // the common case: no need to look at all 20,000
      var first = state.svcPage * PAGE;
      if (first >= N) first = state.svcPage = 0;
      list = new Array(N);
      for (var n0 = first; n0 < Math.min(N, first + PAGE); n0++) list[n0] = n0;
    }
    else for (var n = 0; n < N; n++) {
      if (needle && LOWER[n].indexOf(needle) < 0) continue;
      if (want) {
        var s = want === "off" ? (state.off.has(n) ? "off" : "") : serviceState(ev, n);
        if (s !== want) continue;
      }
      list.push(n);
    }
    var pages = Math.max(1, Math.ceil(list.length / PAGE));
    if (state.svcPage >= pages) state.svcPage = pages - 1;
    var ul = clear($("service-list"));
    list.slice(state.svcPage * PAGE, (state.svcPage + 1) * PAGE).forEach(function (n) {
      var s = serviceState(ev, n), off = state.off.has(n);
      ul.appendChild(el("li", null, [
        el("button", {"type": "button", "class": "svc", "data-service": NAMES[n], "data-state": s,
          "data-off": off ? "true" : null, "aria-pressed": off ? "true" : "false",
          "title": off ? "switched off: click to switch on" : "click to switch off"}, clean(NAMES[n])),
        " ", badge(off ? "off" : s), " ",
        el("button", {"type": "button", "class": "link small", "data-focus-service": NAMES[n],
          "title": "draw what depends on this service"}, "focus")]));
    });
    var old = $("service-pager");
    old.parentNode.replaceChild(pager(list.length, state.svcPage, function (p) {
      state.svcPage = p; renderServices(); }, "service-pager"), old);
  }

  /* ---- the focused diagram: our own layered layout -------------------------- */

  // A focus is drawn from a subgraph of at most MAX_DRAW services: a flow with what
  // it stands on (breadth-first, whole levels while they fit), or a service with
  // what depends on it up to the flows, plus its own direct dependencies.
  var layoutCache = new Map();

  function succOf(n) {
    var out = [], its = ITEMS[n];
    for (var k = 0; k < its.length; k++) for (var j = 0; j < its[k].members.length; j++) out.push(its[k].members[j]);
    return out;
  }

  function levels(starts, next) {
    // Breadth-first levels from starts; keeps whole levels while the total fits.
    var seen = new Set(starts), level = starts.slice(), kept = [], depth = 0, cut = false;
    while (level.length) {
      if (kept.length + level.length > MAX_DRAW) {
        if (!kept.length) kept = level.slice(0, MAX_DRAW);
        cut = true;
        break;
      }
      kept = kept.concat(level);
      depth++;
      var nextLevel = [];
      for (var q = 0; q < level.length; q++) {
        var ns = next(level[q]);
        for (var r = 0; r < ns.length; r++) if (!seen.has(ns[r])) { seen.add(ns[r]); nextLevel.push(ns[r]); }
      }
      level = nextLevel;
    }
    return {nodes: kept, cut: cut, depth: depth};
  }

  function subgraph(focus) {
    var services, flows = [], note = "";
    if (focus.kind === "flow") {
      var f = FLOW_INDEX.get(focus.name);
      var roots = [];
      FLOWS[f].items.forEach(function (it) { it.members.forEach(function (m) { if (roots.indexOf(m) < 0) roots.push(m); }); });
      var lv = levels(roots, succOf);
      services = lv.nodes; flows = [f];
      if (lv.cut) note = "Showing " + services.length + " services, " + lv.depth + " levels below the flow; focus a service to see deeper.";
    } else {
      var n0 = INDEX.get(focus.name);
      var up = levels([n0], function (n) { return PRED_OWNER[n]; });
      services = up.nodes.slice();
      var inSet = new Set(services);
      succOf(n0).forEach(function (m) { if (!inSet.has(m) && services.length < MAX_DRAW + 20) { inSet.add(m); services.push(m); } });
      FLOWS.forEach(function (fl, k) {
        if (flows.length >= 40) return;
        for (var q = 0; q < fl.items.length; q++) {
          for (var r = 0; r < fl.items[q].members.length; r++) {
            if (inSet.has(fl.items[q].members[r])) { flows.push(k); return; }
          }
        }
      });
      if (up.cut) note = "Showing " + up.nodes.length + " dependents, " + up.depth + " levels up; more depend on it.";
    }
    return {services: services, flows: flows, note: note};
  }

  function textWidth(s) { return Math.min(s.length, 34) * 7.2 + 20; }
  function shortName(s) { s = clean(s); return s.length > 34 ? s.slice(0, 33) + "\u2026" : s; }

  function layout(focus) {
    var key = focus.kind + ":" + focus.name;
    if (layoutCache.has(key)) return layoutCache.get(key);
    var sub = subgraph(focus), V = [], E = [], id = new Map();
    function addNode(node) { node.i = V.length; V.push(node); return node.i; }
    sub.flows.forEach(function (f) { id.set("f" + f, addNode({kind: "flow", ref: f, label: FLOWS[f].name})); });
    var svcSet = new Set(sub.services);
    sub.services.forEach(function (n) { id.set("s" + n, addNode({kind: "service", ref: n, label: NAMES[n]})); });
    function addItems(owner, items, ownerKey) {
      items.forEach(function (it, k) {
        var inside = it.members.filter(function (m) { return svcSet.has(m); });
        if (!inside.length) return;
        if (it.kind === SINGLE) {
          E.push({t: owner, h: id.get("s" + inside[0]), soft: it.soft, member: inside[0]});
          return;
        }
        var n = it.members.length;
        var label = it.kind === ANY_OF || it.need === 1 ? "any 1 of " + n : it.need + " of " + n;
        var j = addNode({kind: "junction", label: label, item: it, owner: ownerKey + "#" + k});
        E.push({t: owner, h: j, soft: it.soft, junction: j});
        inside.forEach(function (m) { E.push({t: j, h: id.get("s" + m), soft: it.soft, member: m}); });
      });
    }
    sub.flows.forEach(function (f) { addItems(id.get("f" + f), FLOWS[f].items, FLOWS[f].name); });
    sub.services.forEach(function (n) {
      var hidden = 0;
      succOf(n).forEach(function (m) { if (!svcSet.has(m)) hidden++; });
      V[id.get("s" + n)].hidden = hidden;
      addItems(id.get("s" + n), ITEMS[n], NAMES[n]);
    });
    // 1. layers: longest path from the sources; a cycle is broken at the node met
    //    first in breadth-first order (Kahn's algorithm, forced when it stalls).
    var nV = V.length, indeg = new Int32Array(nV), outs = [], layer = new Int32Array(nV), done = new Uint8Array(nV);
    for (var a = 0; a < nV; a++) outs.push([]);
    E.forEach(function (e) { outs[e.t].push(e.h); indeg[e.h]++; });
    var ready = [], head = 0, cursor = 0, placed = 0;
    for (a = 0; a < nV; a++) if (!indeg[a]) ready.push(a);
    while (placed < nV) {
      if (head >= ready.length) {
        while (done[cursor]) cursor++;
        ready.push(cursor); indeg[cursor] = 0;
      }
      var v = ready[head++];
      if (done[v]) continue;
      done[v] = 1; placed++;
      for (var q = 0; q < outs[v].length; q++) {
        var w = outs[v][q];
        if (done[w]) continue;
        if (layer[v] + 1 > layer[w]) layer[w] = layer[v] + 1;
        if (--indeg[w] === 0) ready.push(w);
      }
    }
    // 2. dummy points on edges that span several layers, so ordering sees them.
    var rows = [], points = [];
    var depthMax = 0;
    for (a = 0; a < nV; a++) depthMax = Math.max(depthMax, layer[a]);
    for (a = 0; a <= depthMax; a++) rows.push([]);
    var P = [];   // all positioned things: {v: node or -1, layer, w}
    for (a = 0; a < nV; a++) {
      // Wide enough for the name and the longest second line a state can give it.
      var second = V[a].kind === "flow" ? "not critical · DEGRADED" :
        "SWITCHED OFF · SPOF" + (V[a].hidden ? " · +" + V[a].hidden + " more" : "");
      V[a].w = V[a].kind === "junction" ? 76 : Math.max(90, textWidth(V[a].label), second.length * 6 + 14);
      P.push({node: a, layer: layer[a], w: V[a].w, up: [], down: []});
      rows[layer[a]].push(a);
    }
    var budget = 4000;
    E.forEach(function (e) {
      var from = e.t, path = [e.t];
      if (layer[e.h] > layer[e.t] + 1 && budget > 0) {
        for (var L = layer[e.t] + 1; L < layer[e.h]; L++) {
          var d = P.length;
          P.push({node: -1, layer: L, w: 12, up: [], down: []});
          rows[L].push(d); budget--;
          P[from].down.push(d); P[d].up.push(from); path.push(d); from = d;
        }
      }
      if (layer[e.h] > layer[from]) { P[from].down.push(e.h); P[e.h].up.push(from); }
      path.push(e.h);
      e.path = path;
    });
    // 3. order each layer by the barycentre of its neighbours, sweeping down and up.
    var pos = new Float64Array(P.length);
    rows.forEach(function (row) { row.forEach(function (p, x) { pos[p] = x; }); });
    function sweep(row, side) {
      var bary = new Map();
      row.forEach(function (p) {
        var ns = P[p][side];
        if (!ns.length) { bary.set(p, pos[p]); return; }
        var sum = 0;
        for (var z = 0; z < ns.length; z++) sum += pos[ns[z]];
        bary.set(p, sum / ns.length);
      });
      row.sort(function (x, y) { return bary.get(x) - bary.get(y) || pos[x] - pos[y]; });
      row.forEach(function (p, x) { pos[p] = x; });
    }
    for (var it = 0; it < 8; it++) {
      if (it % 2 === 0) for (a = 1; a < rows.length; a++) sweep(rows[a], "up");
      else for (a = rows.length - 2; a >= 0; a--) sweep(rows[a], "down");
    }
    // 4. coordinates: each layer packed left to right in lines of at most WRAP px
    //    (a wide layer wraps onto several lines, in its barycentre order), centred.
    var GAP = 22, ROW = 92, LINE = 64, WRAP = 1250;
    var lines = [];   // per layer: lines of positioned things
    rows.forEach(function (row) {
      var out = [[]], used = 0;
      row.forEach(function (p) {
        if (used && used + P[p].w > WRAP) { out.push([]); used = 0; }
        out[out.length - 1].push(p); used += P[p].w + GAP;
      });
      lines.push(out);
    });
    var lineWidth = function (line) {
      return line.reduce(function (s, p) { return s + P[p].w + GAP; }, -GAP); };
    var width = 200;
    lines.forEach(function (ls) { ls.forEach(function (line) { width = Math.max(width, lineWidth(line)); }); });
    var X = new Float64Array(P.length), Y = new Float64Array(P.length), y = 30;
    lines.forEach(function (ls, L) {
      ls.forEach(function (line, q) {
        if (q) y += LINE;
        var x = (width - lineWidth(line)) / 2 + 10;
        line.forEach(function (p) { X[p] = x + P[p].w / 2; Y[p] = y; x += P[p].w + GAP; });
      });
      y += ROW;
    });
    var result = {V: V, E: E, X: X, Y: Y, width: width + 20, height: y - ROW + 40, note: sub.note};
    result.anchor = focus.kind === "flow" ? id.get("f" + FLOW_INDEX.get(focus.name)) : id.get("s" + INDEX.get(focus.name));
    layoutCache.set(key, result);
    return result;
  }

  var NODE_H = 44, JUNCTION_H = 26;

  function renderDiagram() {
    var box = clear($("focus-diagram")), caption = clear($("focus-caption"));
    var focus = state.focus;
    if (!focus || (focus.kind === "flow" && !FLOW_INDEX.has(focus.name)) ||
        (focus.kind === "service" && !INDEX.has(focus.name))) {
      caption.appendChild(document.createTextNode("Pick a flow (its name in the table) or a service (its focus button) to draw it."));
      return;
    }
    var t0 = performance.now();
    var L = layout(focus), ev = state.ev;
    caption.appendChild(document.createTextNode(focus.kind === "flow" ?
      "Flow " : "Service "));
    caption.appendChild(el("strong", null, clean(focus.name)));
    caption.appendChild(document.createTextNode(focus.kind === "flow" ?
      " and everything it stands on. " : ", what depends on it up to the flows, and what it needs directly. "));
    caption.appendChild(document.createTextNode("Click a service to switch it off or on; click a flow to focus on it."));
    if (focus.kind === "service") {
      var n = INDEX.get(focus.name), why = explainService(ev, n);
      var said = state.off.has(n) ? "It is switched off." : why.length ? "Why it is " + serviceState(ev, n).toUpperCase() + ":" : "It is up.";
      var block = el("div", {"class": "service-why"}, said);
      if (why.length) {
        var ul = el("ul", {"class": "why"});
        why.forEach(function (line) { ul.appendChild(el("li", {"class": "d" + Math.min(line.depth, 8)}, clean(lineText(line)))); });
        block.appendChild(ul);
      }
      caption.appendChild(block);
    }
    if (state.spof) caption.appendChild(el("div", {"class": "muted"}, "Purple outline (SPOF): a single point of failure of a flow drawn here."));
    if (L.note) caption.appendChild(el("div", {"class": "muted"}, L.note));
    var spof = new Set();
    if (state.spof) {
      L.V.forEach(function (v) { if (v.kind === "flow") SPOF[v.ref].forEach(function (n) { spof.add(n); }); });
    }
    var svg = sv("svg", {"width": L.width, "height": L.height, "viewBox": "0 0 " + L.width + " " + L.height,
      "role": "img", "aria-label": "dependency diagram"});
    var defs = sv("defs");
    ["none", "degraded", "down"].forEach(function (t) {
      defs.appendChild(sv("marker", {"id": "arrow-" + t, "viewBox": "0 0 10 10", "refX": 9, "refY": 5,
        "markerWidth": 9, "markerHeight": 9, "markerUnits": "userSpaceOnUse", "orient": "auto"},
        sv("path", {"d": "M0,0 L10,5 L0,10 z", "class": "arrow-" + t})));
    });
    svg.appendChild(defs);
    var edges = sv("g", {"class": "edges"});
    function half(v) { return L.V[v] && L.V[v].kind === "junction" ? JUNCTION_H / 2 : NODE_H / 2; }
    L.E.forEach(function (e) {
      var trouble = "none";
      if (e.member !== undefined) {
        trouble = ev.cause[e.member] !== -2 ? "down" : ev.via[e.member] !== -1 ? "degraded" : "none";
      } else if (e.junction !== undefined) {
        var s = status(L.V[e.junction].item, ev.cause, ev.via);
        trouble = s.up < s.item.need ? "down" : (s.down.length || s.degraded.length) ? "degraded" : "none";
      }
      var pts = e.path, d = "";
      for (var q = 0; q < pts.length; q++) {
        var p = pts[q], x = L.X[p], y = L.Y[p];
        var node = p < L.V.length;
        var yTop = node ? y - half(p) : y, yBot = node ? y + half(p) : y;
        if (q === 0) { d = "M" + x.toFixed(1) + "," + yBot.toFixed(1); continue; }
        var prev = pts[q - 1], px = L.X[prev], py = prev < L.V.length ? L.Y[prev] + half(prev) : L.Y[prev];
        var ty = yTop;
        if (ty <= py) { d += " L" + x.toFixed(1) + "," + ty.toFixed(1); continue; }
        var mid = (py + ty) / 2;
        d += " C" + px.toFixed(1) + "," + mid.toFixed(1) + " " + x.toFixed(1) + "," + mid.toFixed(1) +
          " " + x.toFixed(1) + "," + ty.toFixed(1);
      }
      edges.appendChild(sv("path", {"d": d, "class": "edge t-" + trouble + (e.soft ? " soft" : ""),
        "marker-end": "url(#arrow-" + trouble + ")"}));
    });
    svg.appendChild(edges);
    var nodes = sv("g", {"class": "nodes"});
    L.V.forEach(function (v, a) {
      var x = L.X[a], y = L.Y[a], g, h = v.kind === "junction" ? JUNCTION_H : NODE_H, lines;
      if (v.kind === "flow") {
        var fs = ev.flows[v.ref];
        g = sv("g", {"class": "node flow", "data-flow": v.label, "data-state": fs, "tabindex": 0});
        lines = [shortName(v.label), (FLOWS[v.ref].critical ? "critical" : "not critical") +
          (fs === "ok" ? "" : " \u00b7 " + WORD[fs])];
      } else if (v.kind === "service") {
        var ss = serviceState(ev, v.ref), off = state.off.has(v.ref);
        g = sv("g", {"class": "node service" + (spof.has(v.ref) ? " spof" : "") +
          (state.focus.kind === "service" && v.label === state.focus.name ? " focused" : ""),
          "data-service": v.label, "data-state": ss, "data-off": off ? "true" : null, "tabindex": 0});
        var extra = off ? "SWITCHED OFF" : ss === "up" ? "" : WORD[ss];
        if (spof.has(v.ref)) extra = (extra ? extra + " \u00b7 " : "") + "SPOF";
        if (v.hidden) extra = (extra ? extra + " \u00b7 " : "") + "+" + v.hidden + " more";
        lines = [shortName(v.label), extra];
      } else {
        var js = status(v.item, ev.cause, ev.via);
        var jstate = js.up < v.item.need ? "down" : (js.down.length || js.degraded.length) ? "degraded" : "up";
        g = sv("g", {"class": "node junction" + (v.item.soft ? " soft" : ""), "data-junction": v.owner, "data-state": jstate});
        lines = [v.label];
      }
      var title = clean(v.label);
      if (v.kind === "service" && D.desc[v.ref]) title += "\n" + clean(D.desc[v.ref]);
      if (v.kind === "flow" && FLOWS[v.ref].desc) title += "\n" + clean(FLOWS[v.ref].desc);
      g.appendChild(sv("title", null, title));
      g.appendChild(sv("rect", {"x": (x - v.w / 2).toFixed(1), "y": (y - h / 2).toFixed(1), "width": v.w.toFixed(1),
        "height": h, "rx": v.kind === "flow" ? 14 : 6}));
      lines = lines.filter(function (s) { return s; });
      var room = Math.max(4, Math.floor((v.w - 8) / 6));
      lines = lines.map(function (s, q) { return q && s.length > room ? s.slice(0, room - 1) + "\u2026" : s; });
      lines.forEach(function (s, q) {
        var dy = lines.length === 1 ? 4 : q === 0 ? -3 : 12;
        g.appendChild(sv("text", {"x": x.toFixed(1), "y": (y + dy).toFixed(1), "class": q ? "sub" : null}, s));
      });
      nodes.appendChild(g);
    });
    svg.appendChild(nodes);
    box.appendChild(svg);
    if (L.anchor !== undefined && box.scrollWidth > box.clientWidth) {
      box.scrollLeft = Math.max(0, L.X[L.anchor] - box.clientWidth / 2);
    }
    $("focus-time").textContent = "drawn in " + Math.round(performance.now() - t0) + " ms";
  }

  /* ---- events ----------------------------------------------------------------- */

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var f = target.closest("[data-focus-flow]");
    if (f) { state.focus = {kind: "flow", name: f.getAttribute("data-focus-flow")}; renderFlows(); renderDiagram(); scrollToDiagram(); return; }
    var s = target.closest("[data-focus-service]");
    if (s) { state.focus = {kind: "service", name: s.getAttribute("data-focus-service")}; renderFlows(); renderDiagram(); scrollToDiagram(); return; }
    var svc = target.closest("[data-service]");
    if (svc && INDEX.has(svc.getAttribute("data-service"))) { toggle(INDEX.get(svc.getAttribute("data-service"))); return; }
    var flow = target.closest("g[data-flow]");
    if (flow) { state.focus = {kind: "flow", name: flow.getAttribute("data-flow")}; renderFlows(); renderDiagram(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    var t = event.target;
    if (t instanceof Element && t.matches("g[data-service], g[data-flow]")) { event.preventDefault(); t.dispatchEvent(new MouseEvent("click", {bubbles: true})); }
  });
  function scrollToDiagram() { var d = $("focus"); if (d.scrollIntoView) d.scrollIntoView({block: "start"}); }

  $("flow-search").addEventListener("input", function (e) { state.flowFilter = e.target.value; state.flowPage = 0; renderFlows(); });
  $("flow-state").addEventListener("change", function (e) { state.flowState = e.target.value; state.flowPage = 0; renderFlows(); });
  $("svc-search").addEventListener("input", function (e) { state.svcFilter = e.target.value; state.svcPage = 0; renderServices(); });
  $("svc-state").addEventListener("change", function (e) { state.svcState = e.target.value; state.svcPage = 0; renderServices(); });
  $("show-spof").addEventListener("change", function (e) {
    state.spof = e.target.checked;
    document.body.classList.toggle("show-spof", state.spof);
    renderFlows();
    renderDiagram();
  });
  $("reset").addEventListener("click", function () { setOff(new Set(INITIAL)); });
  $("clear").addEventListener("click", function () { setOff(new Set()); });
  window.addEventListener("hashchange", fromHash);

  document.body.classList.add("js");
  var stale = $("static-diagram");
  if (stale) stale.parentNode.removeChild(stale);
  fromHash();
  document.body.setAttribute("data-ready-ms", String(Math.round(performance.now())));
  document.body.setAttribute("data-script-ms", String(Math.round(performance.now() - STARTED)));
  document.body.setAttribute("data-ready", "true");
})();
