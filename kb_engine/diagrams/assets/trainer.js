// The decision-tree trainer of kb-engine. Reads the page's JSON (the tree model, exported from the
// knowledge base) and builds every element with textContent: nothing from the data is read as HTML.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kb-data").textContent);
  var tree = data.tree;
  var W = data.words;
  var nodes = {};
  var groups = {};
  var outEdges = {};
  tree.nodes.forEach(function (n) { nodes[n.id] = n; });
  tree.groups.forEach(function (g) { groups[g.id] = g; });
  tree.edges.forEach(function (e) { (outEdges[e.source] = outEdges[e.source] || []).push(e); });
  var drawingBox = document.getElementById("drawing");  // kept across renders, which empty #app
  var scenarios = {};
  data.scenarios.forEach(function (s) { scenarios[s.id] = s; });

  // history: the answers given, in order: {node: id, answer: "yes" | "no" | "unknown" | "still" | an OS value}
  var state = { mode: "practice", scenario: null, history: [], checked: false };

  // ------------------------------------------------------------------ walking the tree

  function chosenOs(history) {
    for (var i = 0; i < history.length; i++) {
      if (nodes[history[i].node].kind === "choice") { return history[i].answer; }
    }
    return null;
  }

  function edgeFor(nodeId, answer, os) {
    var node = nodes[nodeId];
    var kinds;
    if (node.kind === "start") { kinds = ["start"]; }
    else if (node.kind === "choice") { kinds = ["choice"]; }
    else if (node.kind === "question") { kinds = answer === "yes" ? ["yes"] : ["no", "not_applicable"]; }
    else if (node.kind === "cause") { kinds = ["still_failing"]; }
    else { return null; }
    var found = null;
    (outEdges[nodeId] || []).forEach(function (e) {
      if (found || kinds.indexOf(e.kind) < 0) { return; }
      if (node.kind === "choice") { if (e.os.indexOf(answer) >= 0) { found = e; } return; }
      if (e.os.length === 0 || (os !== null && e.os.indexOf(os) >= 0)) { found = e; }
    });
    return found;
  }

  // The node reached by the answers, and the edges taken on the way.
  function walk(history) {
    var taken = [];
    var first = edgeFor("start", null, null);
    taken.push(first);
    var at = first.target;
    var os = chosenOs(history);
    for (var i = 0; i < history.length; i++) {
      var edge = edgeFor(at, history[i].answer, os);
      if (!edge) { break; }
      taken.push(edge);
      at = edge.target;
    }
    return { at: at, taken: taken };
  }

  function answer(value) {
    var at = walk(state.history).at;
    state.history.push({ node: at, answer: value });
    state.checked = false;
    render();
  }

  function back() {
    state.history.pop();
    state.checked = false;
    render();
  }

  function restart() {
    state.history = [];
    state.checked = false;
    render();
  }

  // ------------------------------------------------------------------ the address keeps the state

  function encodeState() {
    var parts = ["mode=" + state.mode];
    if (state.scenario) { parts.push("s=" + encodeURIComponent(state.scenario)); }
    if (state.history.length) {
      parts.push("a=" + state.history.map(function (h) { return encodeURIComponent(h.answer); }).join("."));
    }
    if (state.checked) { parts.push("checked=1"); }
    return "#" + parts.join("&");
  }

  function decodeState() {
    var hash = window.location.hash.replace(/^#/, "");
    var fields = {};
    hash.split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) { fields[kv.slice(0, i)] = kv.slice(i + 1); }
    });
    state.mode = fields.mode === "quiz" ? "quiz" : "practice";
    state.scenario = fields.s && scenarios[decodeURIComponent(fields.s)] ? decodeURIComponent(fields.s) : null;
    state.history = [];
    if (fields.a) {
      fields.a.split(".").forEach(function (value) {
        var at = walk(state.history).at;
        var v = decodeURIComponent(value);
        if (edgeFor(at, v, chosenOs(state.history.concat([{ node: at, answer: v }])))) {
          state.history.push({ node: at, answer: v });
        }
      });
    }
    state.checked = fields.checked === "1";
  }

  // ------------------------------------------------------------------ building elements

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { e.textContent = attrs[k]; }
      else if (k === "className") { e.className = attrs[k]; }
      else if (k === "onclick") { e.addEventListener("click", attrs[k]); }
      else { e.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { e.appendChild(c); } });
    return e;
  }

  function button(label, onclick, name, extra) {
    var attrs = { text: label, onclick: onclick, type: "button", "data-answer": name };
    Object.keys(extra || {}).forEach(function (k) { attrs[k] = extra[k]; });
    return el("button", attrs);
  }

  function answerWord(node, value) {
    if (node.kind === "choice") { return value.charAt(0).toUpperCase() + value.slice(1); }
    if (value === "still") { return W.still_failing_button; }
    return value === "yes" ? W.yes : value === "no" ? W.no : W.unknown;
  }

  function steps(node) {
    var list = el("ol", { className: "steps" });
    node.steps.forEach(function (step) {
      var item = el("li", { value: String(step.number) });
      if (step.heading) { item.appendChild(el("div", { className: "procedure", text: step.heading })); }
      item.appendChild(el("span", { text: step.text }));
      if (step.command) { item.appendChild(el("div", {}, [el("code", { text: step.command })])); }
      step.variants.forEach(function (v) {
        item.appendChild(el("div", {}, [el("span", { text: v[0] + ": " }), el("code", { text: v[1] })]));
      });
      if (step.link) {
        item.appendChild(el("div", {}, [el("a", { href: step.link, text: step.link, rel: "noreferrer" })]));
      }
      list.appendChild(item);
    });
    return list;
  }

  function handbookLink(label) {
    if (!data.links.handbook) { return null; }
    return el("p", { className: "small" }, [
      el("a", { href: data.links.handbook, text: W.handbook + (label ? ": " + label : "") })
    ]);
  }

  // Causes left undecided because an answer was "not known".
  function undecided(history) {
    var out = [];
    history.forEach(function (h) {
      var node = nodes[h.node];
      if (h.answer !== "unknown") { return; }
      if (node.group) {
        if (out.indexOf(node.group) < 0) { out.push(node.group); }
        return;
      }
      // A question asked once for several causes (its "covers"): those its yes leads to, for this VM's OS.
      var os = chosenOs(history);
      var reached = {};
      var queue = [h.node];
      while (queue.length) {
        var id = queue.shift();
        (outEdges[id] || []).forEach(function (e) {
          if (id === h.node && e.kind !== "yes") { return; }
          if (e.os.length && os !== null && e.os.indexOf(os) < 0) { return; }
          if (!reached[e.target]) { reached[e.target] = true; queue.push(e.target); }
        });
      }
      var groupsReached = {};
      Object.keys(reached).forEach(function (id) {
        for (var g = nodes[id].group; g; g = groups[g].parent) { groupsReached[g] = true; }  // with its parent cause
      });
      node.covers.forEach(function (gid) {
        if (groupsReached[gid] && out.indexOf(gid) < 0) { out.push(gid); }
      });
    });
    return out;
  }

  function card(at) {
    var node = nodes[at];
    var box = el("section", { id: "card", className: "card kind-" + node.kind, "data-node": node.id });
    if (node.kind === "question" || node.kind === "choice") {
      var group = node.group ? groups[node.group] : null;
      if (group) { box.appendChild(el("p", { className: "small group", text: group.heading })); }
      box.appendChild(el("h2", {}, [el("span", { className: "label", text: node.label + " " }),
                                    el("span", { id: "question", text: node.title })]));
      box.appendChild(el("p", { className: "fact" }, [el("span", { text: W.fact + ": " }),
                                                      el("code", { text: node.fact || "" })]));
      if (node.help.length) {
        var help = el("details", { className: "help", open: "" }, [el("summary", { text: W.where_to_find })]);
        node.help.forEach(function (h) { help.appendChild(el("p", { text: h })); });
        box.appendChild(help);
      }
      var row = el("div", { className: "answers" });
      if (node.kind === "choice") {
        node.options.forEach(function (opt) {
          row.appendChild(button(answerWord(node, opt[0]), function () { answer(opt[0]); }, opt[0]));
        });
        box.appendChild(row);
        box.appendChild(el("p", { className: "small", text: W.os_required }));
      } else {
        row.appendChild(button(W.yes, function () { answer("yes"); }, "yes"));
        row.appendChild(button(W.no, function () { answer("no"); }, "no"));
        row.appendChild(button(W.unknown, function () { answer("unknown"); }, "unknown"));
        box.appendChild(row);
      }
    } else if (node.kind === "cause") {
      box.appendChild(el("p", { className: "verdict", text: W.cause_found }));
      box.appendChild(el("h2", { id: "leaf", "data-cause": node.group, text: node.title }));
      box.appendChild(el("h3", { text: W.remedy }));
      box.appendChild(steps(node));
      var link = handbookLink(groups[node.group].heading);  // none when no handbook was written beside the pages
      if (link) { box.appendChild(link); }
      if (edgeFor(at, "still", chosenOs(state.history))) {
        box.appendChild(el("div", { className: "answers" }, [
          button(W.still_failing_button, function () { answer("still"); }, "still")
        ]));
      }
    } else {
      box.appendChild(el("p", { className: "verdict", text: W.escalate_found }));
      box.appendChild(el("h2", { id: "leaf", "data-cause": "", text: node.title }));
      node.lines.forEach(function (line) { box.appendChild(el("p", { text: line })); });
      if (node.logs.length) {
        box.appendChild(el("h3", { text: W.logs }));
        var logs = el("ul", {});
        node.logs.forEach(function (log) { logs.appendChild(el("li", {}, [el("code", { text: log })])); });
        box.appendChild(logs);
      }
      var open = undecided(state.history);
      if (open.length) {
        box.appendChild(el("p", { text: W.undetermined_note }));
        var list = el("ul", { id: "undecided" });
        open.forEach(function (gid) { list.appendChild(el("li", { text: groups[gid].heading })); });
        box.appendChild(list);
      }
    }
    if (state.mode === "quiz" && state.scenario && (node.kind === "cause" || node.kind === "escalate") && !state.checked) {
      box.appendChild(el("div", { className: "answers" }, [
        button(W.check_answer, function () { state.checked = true; render(); }, "check", { id: "check" })
      ]));
    }
    return box;
  }

  function pathList() {
    var box = el("section", { className: "path" }, [el("h3", { text: W.path })]);
    if (!state.history.length) { box.appendChild(el("p", { className: "small", text: W.no_answers_yet })); return box; }
    var list = el("ol", { id: "path" });
    state.history.forEach(function (h, i) {
      var node = nodes[h.node];
      var text = (node.label ? node.label + " " : "") + node.title + " \u2192 " + answerWord(node, h.answer);
      var item = el("li", {}, [el("a", { href: "#", text: text, onclick: function (ev) {
        ev.preventDefault();
        state.history = state.history.slice(0, i);
        state.checked = false;
        render();
      } })]);
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function causesList(at) {
    var current = nodes[at].group;
    var box = el("section", { className: "causes" }, [el("h3", { text: W.causes })]);
    tree.groups.forEach(function (g) {
      var own = tree.nodes.filter(function (n) { return n.group === g.id; });
      var isOpen = current === g.id || (current && groups[current] && groups[current].parent === g.id);
      var details = el("details", { "data-group": g.id, className: g.parent ? "sub" : "" },
                       [el("summary", { text: g.heading })]);
      if (isOpen) { details.setAttribute("open", ""); }
      var qs = el("ul", {});
      own.forEach(function (n) {
        if (n.kind === "question") { qs.appendChild(el("li", { text: n.label + " " + n.title + " (" + n.fact + ")" })); }
      });
      details.appendChild(qs);
      own.forEach(function (n) {
        if (n.kind === "cause") { details.appendChild(el("h4", { text: W.remedy })); details.appendChild(steps(n)); }
      });
      box.appendChild(details);
    });
    return box;
  }

  function quizPanel() {
    var box = el("section", { className: "quiz" });
    if (!data.scenarios.length) { box.appendChild(el("p", { text: W.no_scenarios })); return box; }
    var select = el("select", { id: "scenario", "aria-label": W.choose_scenario });
    select.appendChild(el("option", { value: "", text: W.choose_scenario }));
    data.scenarios.forEach(function (s, i) {
      var option = el("option", { value: s.id, text: W.scenario + " " + (i + 1) });
      if (state.scenario === s.id) { option.setAttribute("selected", ""); }
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      state.scenario = select.value || null;
      state.history = [];
      state.checked = false;
      render();
    });
    box.appendChild(select);
    var s = state.scenario ? scenarios[state.scenario] : null;
    if (s) {
      box.appendChild(el("h3", { text: W.case_notes }));
      var notes = el("ul", { id: "case-notes" });
      s.notes.forEach(function (note) {
        notes.appendChild(el("li", {}, [el("span", { text: note[0] + " " }), el("strong", { text: note[1] })]));
      });
      box.appendChild(notes);
    }
    return box;
  }

  function expected(s, h) {
    var node = nodes[h.node];
    if (node.kind === "choice") { return s.os; }
    if (node.kind !== "question") { return undefined; }
    var truth = s.answers[node.id];
    return truth === true ? "yes" : truth === false ? "no" : "unknown";
  }

  function result(at) {
    var s = scenarios[state.scenario];
    var box = el("section", { id: "result", className: "result" });
    var right = 0;
    var asked = 0;
    var rows = el("ol", {});
    state.history.forEach(function (h) {
      var want = expected(s, h);
      if (want === undefined) { return; }
      asked += 1;
      var ok = want === h.answer;
      if (ok) { right += 1; }
      var node = nodes[h.node];
      rows.appendChild(el("li", { className: ok ? "right" : "wrong" }, [
        el("span", { text: node.label + " " + node.title + " \u2192 " + answerWord(node, h.answer) + " " }),
        el("strong", { text: ok ? "(" + W.correct + ")" : "(" + W.wrong + "; " + W.expected_answer + ": " + answerWord(node, want) + ")" })
      ]));
    });
    var leafOk = at === s.leaf;
    var score = right + (leafOk ? 1 : 0);
    box.appendChild(el("h2", { text: W.score + ": " + score + " / " + (asked + 1) }));
    box.appendChild(el("p", { id: "score", "data-score": String(score), "data-max": String(asked + 1),
                              text: right + " / " + asked + " " + W.answers_right }));
    box.appendChild(rows);
    var yours = nodes[at];
    box.appendChild(el("p", { className: leafOk ? "right" : "wrong" }, [
      el("span", { text: W.your_answer + ": " }), el("strong", { text: yours.title })
    ]));
    box.appendChild(el("h3", { text: W.engine_answer }));
    box.appendChild(el("p", { id: "engine-leaf", "data-leaf": s.leaf, text: nodes[s.leaf].title }));
    var list = el("ul", {});
    tree.groups.forEach(function (g) {
      list.appendChild(el("li", { text: g.heading + " " + s.status_words[g.id] }));
    });
    box.appendChild(list);
    if (s.description) { box.appendChild(el("p", { className: "small", text: s.description })); }
    return box;
  }

  // ------------------------------------------------------------------ the drawing

  function svgPart(id) {
    return document.getElementById("tree-" + id);
  }

  function mark(at, taken) {
    var drawing = drawingBox;
    if (!drawing) { return; }
    ["kb-current", "kb-visited", "kb-taken", "kb-ov-path", "kb-ov-off", "kb-ov-taken", "kb-ov-maybe"].forEach(function (c) {
      Array.prototype.slice.call(drawing.querySelectorAll("." + c)).forEach(function (e) { e.classList.remove(c); });
    });
    taken.forEach(function (e) {
      var part = svgPart("edge__" + e.source + "__" + e.target + "__" + e.kind);
      if (part) { part.classList.add("kb-taken"); }
      var source = svgPart(e.source);
      if (source) { source.classList.add("kb-visited"); }
    });
    var current = svgPart(at);
    if (current) {
      current.classList.add("kb-current");
      // Bring the current node into the drawing's own view (not the page's): centre it when it is out of sight.
      var box = drawing.getBoundingClientRect();
      var r = current.getBoundingClientRect();
      if (r.left < box.left || r.right > box.right) { drawing.scrollLeft += (r.left + r.right - box.left - box.right) / 2; }
      if (r.top < box.top || r.bottom > box.bottom) { drawing.scrollTop += (r.top + r.bottom - box.top - box.bottom) / 2; }
    }
    if (state.mode === "quiz" && state.checked && state.scenario) {
      var s = scenarios[state.scenario];
      Object.keys(s.trace.nodes).forEach(function (id) {
        var part = svgPart(id);
        if (part) { part.classList.add(s.trace.nodes[id] === "path" ? "kb-ov-path" : "kb-ov-off"); }
      });
      s.trace.edges.forEach(function (row) {
        var part = svgPart("edge__" + row[0] + "__" + row[1] + "__" + row[2]);
        if (part) { part.classList.add(row[3] === "taken" ? "kb-ov-taken" : row[3] === "maybe" ? "kb-ov-maybe" : "kb-ov-off"); }
      });
    }
  }

  // ------------------------------------------------------------------ the page

  function render() {
    var app = document.getElementById("app");
    var where = walk(state.history);
    var hash = encodeState();
    if (window.location.hash !== hash && window.history.replaceState) { window.history.replaceState(null, "", hash); }
    app.textContent = "";
    var nav = el("nav", { className: "toolbar" }, [
      button(W.practice, function () { state.mode = "practice"; state.checked = false; render(); }, "practice",
             { "aria-pressed": String(state.mode === "practice"), id: "mode-practice" }),
      button(W.quiz, function () { state.mode = "quiz"; state.history = []; state.checked = false; render(); }, "quiz",
             { "aria-pressed": String(state.mode === "quiz"), id: "mode-quiz" }),
      data.links.other ? el("a", { id: "lang-switch", href: data.links.other + hash, lang: data.other_lang, text: W.language }) : null,
      data.links.index ? el("a", { href: data.links.index, text: W.index }) : null
    ]);
    app.appendChild(el("header", {}, [
      el("h1", { text: tree.title }),
      el("p", { className: "small", text: tree.subtitle }),
      nav
    ]));
    var main = el("main", { className: "panel" });
    if (state.mode === "quiz") { main.appendChild(quizPanel()); }
    if (state.mode === "practice" || state.scenario) {
      main.appendChild(card(where.at));
      main.appendChild(el("div", { className: "answers" }, [
        state.history.length ? button(W.back, back, "back", { id: "back" }) : null,
        state.history.length ? button(W.restart, restart, "restart", { id: "restart" }) : null
      ]));
      if (state.mode === "quiz" && state.checked && state.scenario) { main.appendChild(result(where.at)); }
      main.appendChild(pathList());
    }
    main.appendChild(causesList(where.at));
    app.appendChild(main);
    if (drawingBox) { app.appendChild(drawingBox); }
    mark(where.at, where.taken);
  }

  decodeState();
  render();
})();
