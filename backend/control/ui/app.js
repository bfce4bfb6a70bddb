// The lattice-local web UI: topology, reachability matrix and live traffic, from /ui/api/*.
// Every value from the backend is written with textContent or as an attribute, never parsed
// as HTML: tags and names are other accounts' input.
"use strict";

const ui = {
  topo: null,
  matrix: null,
  generation: null,
  selected: null,
  records: [],
  services: new Map(), // service ARN -> name, for the tail
};

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c ?? ""));
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

async function getJSON(path) {
  const resp = await fetch(path, { credentials: "same-origin" });
  if (!resp.ok) throw new Error(`${path}: ${resp.status}`);
  return resp.json();
}

// ---- tabs and filters ----

function showView(name) {
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b.dataset.view === name);
  for (const v of document.querySelectorAll(".view")) v.classList.toggle("active", v.id === name);
}

function fillSelect(select, values) {
  const keep = select.value;
  select.replaceChildren(el("option", { value: "" }, "all"), ...values.map((v) => el("option", { value: v }, v)));
  if (values.includes(keep)) select.value = keep;
}

function tagMatches(node, filter) {
  if (!filter) return true;
  const [key, value] = filter.split("=", 2).map((s) => s.trim());
  const tags = node.tags || {};
  return value === undefined ? key in tags : tags[key] === value;
}

// ---- topology ----

const fit = (text, n) => (text.length > n ? text.slice(0, n - 1) + "…" : text);

const KINDS = [
  ["vpcs", "vpc", "VPC"],
  ["serviceNetworks", "network", "service network"],
  ["resourceGateways", "gateway", "resource gateway"],
  ["services", "service", "service"],
  ["resourceConfigurations", "resource", "resource configuration"],
];

function allNodes(topo) {
  const nodes = new Map();
  for (const [list, kind, label] of KINDS) {
    for (const n of topo[list]) nodes.set(n.id, { ...n, kind, label });
  }
  return nodes;
}

/// The nodes the filters keep: those that match, and what they are joined to.
function visibleNodes(topo, nodes) {
  const account = $("f-account").value, region = $("f-region").value, tag = $("f-tag").value.trim();
  const matches = (n) => (!account || n.account === account) && (!region || n.region === region) && tagMatches(n, tag);
  const keep = new Set([...nodes.values()].filter(matches).map((n) => n.id));
  if (account || tag) {
    for (const e of topo.edges) {
      if (keep.has(e.from) && nodes.has(e.to) && (!region || nodes.get(e.to).region === region)) keep.add(e.to);
      if (keep.has(e.to) && nodes.has(e.from) && (!region || nodes.get(e.from).region === region)) keep.add(e.from);
    }
  }
  return keep;
}

function renderTopology() {
  const topo = ui.topo;
  const nodes = allNodes(topo);
  const keep = visibleNodes(topo, nodes);
  const graph = $("graph");
  graph.replaceChildren();
  const W = 300, H = 30, GAP = 8, COLS = [20, 430, 840];
  const neighbours = (id) => topo.edges.filter((e) => e.from === id || e.to === id).map((e) => (e.from === id ? e.to : e.from));
  // Column 0: VPCs grouped by account; 1: service networks and gateways; 2: services and resources.
  const pos = new Map();
  const accountPos = new Map();
  let y = 40;
  const vpcs = topo.vpcs.filter((v) => keep.has(v.id));
  const byAccount = new Map();
  for (const v of vpcs) (byAccount.get(v.account) || byAccount.set(v.account, []).get(v.account)).push(v);
  const accounts = [...new Set([...byAccount.keys(), ...topo.accounts.filter((a) => !$("f-account").value || a === $("f-account").value)])].sort();
  for (const account of accounts) {
    accountPos.set(account, { x: COLS[0], y });
    y += 24;
    for (const v of (byAccount.get(account) || []).sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id))) {
      pos.set(v.id, { x: COLS[0], y });
      y += H + GAP;
    }
    y += 10;
  }
  const height0 = y;
  const order = (ids, col) => {
    // Each node near the nodes it joins (the mean row of its placed neighbours).
    const rank = (id) => {
      const ys = neighbours(id).filter((n) => pos.has(n)).map((n) => pos.get(n).y);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : Infinity;
    };
    const sorted = ids.map((id) => [rank(id), id]).sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
    let yy = 40;
    for (const [, id] of sorted) {
      pos.set(id, { x: COLS[col], y: yy });
      yy += H + GAP;
    }
    return yy;
  };
  const col1 = [...topo.serviceNetworks, ...topo.resourceGateways].map((n) => n.id).filter((id) => keep.has(id));
  const height1 = order(col1, 1);
  // Then each account's VPCs in the order of what they join, in the slots they had: fewer crossings.
  const meanY = (id, placed) => {
    const ys = neighbours(id).filter((n) => placed.includes(n)).map((n) => pos.get(n).y);
    return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : Infinity;
  };
  for (const account of accounts) {
    const members = (byAccount.get(account) || []).map((v) => v.id);
    const slots = members.map((id) => pos.get(id).y).sort((a, b) => a - b);
    members
      .map((id) => [meanY(id, col1), id])
      .sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]))
      .forEach(([, id], i) => pos.set(id, { x: COLS[0], y: slots[i] }));
  }
  const col2 = [...topo.services, ...topo.resourceConfigurations].map((n) => n.id).filter((id) => keep.has(id));
  const height2 = order(col2, 2);
  graph.setAttribute("width", COLS[2] + W + 40);
  graph.setAttribute("height", Math.max(height0, height1, height2) + 20);
  for (const [i, title] of ["VPCs (by account)", "Service networks · resource gateways", "Services · resource configurations"].entries()) {
    graph.append(svg("text", { x: COLS[i], y: 20, class: "column-title" }, title));
  }
  const edges = svg("g", { class: "edges" });
  graph.append(edges);
  const curve = (a, b, cls, title) => {
    const [x1, y1, x2, y2] = a.x < b.x ? [a.x + W, a.y + H / 2, b.x, b.y + H / 2] : [b.x + W, b.y + H / 2, a.x, a.y + H / 2];
    const mid = (x1 + x2) / 2;
    const path = svg("path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: `edge ${cls}` });
    path.append(svg("title", {}, title));
    edges.append(path);
  };
  for (const e of topo.edges) {
    if (!pos.has(e.from) || !pos.has(e.to)) continue;
    const inactive = !["ACTIVE", "AVAILABLE", "available"].includes(e.status) ? " inactive" : "";
    curve(pos.get(e.from), pos.get(e.to), e.kind + inactive, `${e.kind} ${e.from} → ${e.to} (${e.status})`);
  }
  for (const share of topo.shares) {
    for (const r of share.resources) {
      if (!pos.has(r)) continue;
      for (const p of share.principals) {
        const at = accountPos.get(p);
        if (at) curve(pos.get(r), { x: at.x, y: at.y - 8 }, "share", `RAM share ${share.name} (${share.arn}) from ${share.account} to ${p}`);
      }
    }
  }
  for (const [account, at] of accountPos) {
    const g = svg("g", { class: "account" });
    g.append(svg("rect", { x: at.x, y: at.y - 16, width: W, height: 20 }));
    g.append(svg("text", { x: at.x + 6, y: at.y - 2 }, `account ${account}`));
    graph.append(g);
  }
  for (const [id, p] of pos) {
    const n = nodes.get(id);
    const g = svg("g", { class: `node ${n.kind}${ui.selected === id ? " selected" : ""}`, "data-id": id });
    g.append(svg("rect", { x: p.x, y: p.y, width: W, height: H }));
    // VPC nodes are keyed account:id (each account has VPC ids of its own) and shown by id.
    const shown = n.vpcId || id;
    g.append(svg("title", {}, `${n.label} ${n.name || ""} ${shown} (account ${n.account}, ${n.region})`));
    g.append(svg("text", { x: p.x + 6, y: p.y + 13 }, fit(n.name || shown, 44)));
    const owner = n.kind === "vpc" ? "" : ` · ${n.account}`;
    g.append(svg("text", { x: p.x + 6, y: p.y + 25, class: "kind" }, fit(`${n.label} · ${shown}${owner}`, 50)));
    g.addEventListener("click", () => select(id));
    graph.append(g);
  }
  $("counts").textContent = `${topo.vpcs.length} VPCs · ${topo.serviceNetworks.length} networks · ${topo.services.length} services · ${topo.resourceConfigurations.length} resources · ${topo.shares.length} shares`;
}

function select(id) {
  ui.selected = id;
  renderTopology();
  const n = allNodes(ui.topo).get(id);
  const panel = $("details");
  if (!n) {
    panel.hidden = true;
    return;
  }
  const shares = ui.topo.shares.filter((s) => s.resources.includes(id));
  const dl = el("dl", {},
    el("dt", {}, "kind"), el("dd", {}, n.label),
    el("dt", {}, "id"), el("dd", {}, n.vpcId || id),
    el("dt", {}, "ARN"), el("dd", { id: "details-arn" }, n.arn || n.attributes?.arn || "—"),
    el("dt", {}, "account"), el("dd", {}, n.account),
    el("dt", {}, "Region"), el("dd", {}, n.region));
  if (n.tags && n.tags["terraform-address"]) dl.append(el("dt", {}, "Terraform"), el("dd", {}, n.tags["terraform-address"]));
  for (const [k, v] of Object.entries(n.tags || {})) dl.append(el("dt", {}, `tag ${k}`), el("dd", {}, v));
  for (const s of shares) dl.append(el("dt", {}, "shared by"), el("dd", {}, `${s.name} with ${s.principals.join(", ")}`));
  panel.replaceChildren(
    el("button", { type: "button", class: "close", onclick: () => { ui.selected = null; panel.hidden = true; renderTopology(); } }, "×"),
    el("h3", {}, n.name || n.vpcId || id), dl, el("pre", {}, JSON.stringify(n.attributes, null, 2)));
  panel.hidden = false;
}

// ---- reachability matrix ----

function renderMatrix() {
  const m = ui.matrix;
  const account = $("f-account").value;
  const table = $("matrix-table");
  const rows = m.vpcs
    .map((v, i) => [v, i])
    .filter(([v]) => !account || v.account === account)
    .sort(([a], [b]) => a.account.localeCompare(b.account) || (a.name || a.id).localeCompare(b.name || b.id));
  const order = m.columns.map((c, j) => [c, j]).sort(([a], [b]) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  const head = el("tr", {}, el("th", {}, "VPC ↓ · target →"), ...order.map(([c]) => el("th", { class: "col", title: `${c.kind} ${c.key} (${c.account})` }, `${c.name} (${c.kind})`)));
  const body = rows.map(([v, i]) => el("tr", {},
    el("th", { title: v.account }, `${v.name ? v.name + " · " : ""}${v.id}`),
    ...order.map(([col, j]) => {
      const cell = m.cells[i][j];
      if (!cell) return el("td", { class: "cell none", title: "nothing to ask (no listener, or no VPC reaches it)" }, "–");
      const td = el("td", {
        class: `cell ${cell.reachable ? "ok" : "deny"}`,
        title: cell.summary,
        "data-vpc": v.key,
        "data-column": col.key,
        "data-reachable": String(cell.reachable),
      }, cell.reachable ? "✓" : (cell.status ? String(cell.status) : "✗"));
      td.addEventListener("click", () => showTrace(v.key, col.key, td));
      return td;
    })));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

async function showTrace(vpc, column, td) {
  for (const c of document.querySelectorAll("td.cell.selected")) c.classList.remove("selected");
  td.classList.add("selected");
  const t = await getJSON(`/ui/api/explain?vpc=${encodeURIComponent(vpc)}&column=${encodeURIComponent(column)}`);
  const panel = $("trace");
  const steps = (t.steps || []).map((s) => el("li", {
    class: `${s.ok ? "ok" : "fail"}${s.step === t.decidedBy ? " decided" : ""}`,
    "data-step": s.step,
  }, el("b", {}, s.step), " ", s.detail));
  panel.replaceChildren(
    el("button", { type: "button", class: "close", onclick: () => { panel.hidden = true; } }, "×"),
    el("h3", {}, `${vpc} → ${t.ask}`),
    el("p", { class: `verdict ${t.reachable ? "ok" : "deny"}`, id: "trace-verdict" }, `${t.reachable ? "REACHABLE" : "NOT REACHABLE"}: ${t.summary}`),
    el("p", {}, "decided by ", el("b", { id: "trace-decided" }, t.decidedBy)),
    el("ol", {}, ...steps));
  panel.hidden = false;
}

// ---- live traffic ----

const ms = (micros) => (micros == null ? "–" : micros >= 1000 ? `${(micros / 1000).toFixed(micros >= 10000 ? 0 : 1)} ms` : `${micros} µs`);

function renderTraffic(t) {
  const cells = t.cells || {};
  const rows = [];
  const row = (cls, label, c, id) => el("tr", { class: cls, "data-id": id }, el("td", {}, label), el("td", { class: "total" }, c?.total ?? 0),
    el("td", {}, c?.rps ?? 0), ...[1, 2, 3, 4].map((k) => el("td", {}, c?.classes?.[k] ?? 0)), el("td", {}, ms(c?.p50Micros)), el("td", {}, ms(c?.p99Micros)));
  for (const s of ui.topo?.services || []) {
    rows.push(row("service", `${s.name} (${s.id})`, cells[s.id], s.id));
    for (const l of s.listeners || []) rows.push(row("listener", `${l.protocol} ${l.port} (${l.id})`, cells[l.id], l.id));
  }
  $("traffic-table").tBodies[0].replaceChildren(...rows);
  const targets = (t.targets || []).map((x) => el("tr", { "data-target": x.address },
    el("td", {}, x.targetGroupId), el("td", {}, x.address), el("td", {}, x.status), el("td", {}, x.seen),
    el("td", {}, x.total), el("td", {}, x.rps), el("td", {}, x.classes?.[4] ?? 0), el("td", {}, ms(x.p50Micros)), el("td", {}, ms(x.p99Micros)),
    el("td", {}, x.inFlight ?? 0)));
  const draining = (t.draining || []).map((d) => el("tr", {}, el("td", {}, d.targetGroupId), el("td", {}, `${d.id}:${d.port}`),
    el("td", {}, "DRAINING"), el("td", {}, ""), el("td", {}, ""), el("td", {}, ""), el("td", {}, ""), el("td", {}, ""), el("td", {}, ""), el("td", {}, d.inFlight)));
  $("targets-table").tBodies[0].replaceChildren(...targets, ...draining);
}

function denied(r) {
  return r.authDeniedReason !== "-" || r.failureReason === "ClientAccessDenied";
}

function renderTail() {
  const service = $("t-service").value, status = $("t-status").value, onlyDenied = $("t-denied").checked;
  const rows = ui.records
    .filter((r) => (!service || r.serviceArn === service) && (!status || String(r.responseCode).startsWith(status)) && (!onlyDenied || denied(r)))
    .slice(-200)
    .reverse()
    .map((r) => el("tr", { class: denied(r) ? "denied" : "" },
      el("td", {}, (r.startTime || "").slice(11, 23)), el("td", {}, r.sourceVpcId),
      el("td", {}, ui.services.get(r.serviceArn) || r.serviceArn),
      el("td", {}, `${r.requestMethod} ${r.requestPath}`),
      el("td", { class: `status-${String(r.responseCode)[0]}` }, r.responseCode), el("td", {}, r.duration),
      el("td", {}, r.callerPrincipal === "-" ? "anonymous" : r.callerPrincipal),
      el("td", {}, r.authDeniedReason !== "-" ? r.authDeniedReason : r.failureReason)));
  $("tail-table").tBodies[0].replaceChildren(...rows);
}

// ---- loading ----

async function reload() {
  ui.topo = await getJSON("/ui/api/topology");
  ui.services = new Map(ui.topo.services.map((s) => [s.arn, s.name]));
  const regions = [...new Set([...KINDS.flatMap(([list]) => ui.topo[list].map((n) => n.region))])].sort();
  fillSelect($("f-account"), ui.topo.accounts);
  fillSelect($("f-region"), regions);
  const svcSelect = $("t-service");
  const keep = svcSelect.value;
  svcSelect.replaceChildren(el("option", { value: "" }, "all"), ...ui.topo.services.map((s) => el("option", { value: s.arn }, s.name)));
  svcSelect.value = keep;
  renderTopology();
  if (ui.selected) select(ui.selected);
  ui.matrix = await getJSON("/ui/api/matrix");
  renderMatrix();
  document.body.dataset.generation = String(ui.matrix.generation);
}

function connect() {
  const events = new EventSource("/ui/api/events");
  events.onmessage = async (msg) => {
    const e = JSON.parse(msg.data);
    $("live").textContent = `live · ${e.connections} open connections · state generation ${e.generation}`;
    $("live").classList.remove("down");
    if (e.generation !== ui.generation) {
      ui.generation = e.generation;
      await reload();
    }
    renderTraffic(e.traffic);
    if (e.records.length) {
      ui.records.push(...e.records);
      ui.records = ui.records.slice(-1000);
      renderTail();
    }
  };
  events.onerror = () => {
    $("live").textContent = "disconnected: retrying…";
    $("live").classList.add("down");
  };
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => showView(b.dataset.view));
  for (const id of ["f-account", "f-region", "f-tag"]) {
    $(id).addEventListener("input", () => {
      if (ui.topo) renderTopology();
      if (ui.matrix) renderMatrix();
    });
  }
  for (const id of ["t-service", "t-status", "t-denied"]) $(id).addEventListener("input", renderTail);
  connect();
});
