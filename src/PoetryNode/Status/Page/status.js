// The status page: reads /status.json every second and redraws, with DOM text only (never
// innerHTML), and keeps two minutes of poems served per second for the chart.
"use strict";

const POLL_MS = 1000;
const HISTORY = 120;
const samples = [];   // { t: ms, poems: total } oldest first

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const number = (n) => Number(n || 0).toLocaleString("en-US");

function bytes(n) {
  n = Number(n || 0);
  if (n < 1000) return n + " B";
  const units = ["kB", "MB", "GB", "TB"];
  let i = -1;
  do { n /= 1000; i++; } while (n >= 1000 && i < units.length - 1);
  return n.toFixed(n < 10 ? 1 : 0) + " " + units[i];
}

function duration(seconds) {
  seconds = Math.floor(seconds);
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
  return "up " + (d ? d + "d " : "") + (d || h ? h + "h " : "") + (d || h || m ? m + "m " : "") + s + "s";
}

function more(counters) {
  if (!counters) return "";
  const parts = [];
  if (counters.cache_hits || counters.cache_misses || counters.upstream_fetches)
    parts.push(`cache ${number(counters.cache_hits)} hits, ${number(counters.cache_misses)} misses; ` +
      `${number(counters.upstream_fetches)} fetches, ${number(counters.upstream_failures)} failed`);
  const transforms = Object.entries(counters.transforms || {});
  if (transforms.length) parts.push(transforms.map(([key, count]) => `${key}: ${number(count)}`).join(", "));
  if (counters.accepted) parts.push(`${number(counters.accepted)} connection${counters.accepted === 1 ? "" : "s"}`);
  return parts.join(" · ");
}

function serviceRows(services, depth, rows) {
  for (const service of services) {
    if (service.kind === "part") continue;
    const c = service.counters;
    const poems = c && (c.roles || []).includes("poems");
    const parts = service.children.filter((p) => p.kind === "part");
    const name = el("td", { class: "name" }, el("strong", {}, service.name),
      parts.length ? el("span", { class: "parts" }, parts.map((p) => `${p.name} ${p.state}`).join(", ")) : null);
    const row = el("tr", { "data-service": service.path, class: depth ? "nested" : "" },
      name,
      el("td", {}, service.kind),
      el("td", { class: "endpoint" }, service.endpoints.join(", ") || "–"),
      el("td", { class: "state" }, el("span", { class: "state-" + service.state }, service.state)),
      el("td", { class: "n poems" }, poems ? number(c.poems) : ""),
      el("td", { class: "n bytes" }, poems ? bytes(c.bytes) : ""),
      el("td", { class: "n in-flight" }, c ? number(c.in_flight) : ""),
      el("td", { class: "n cut" }, c ? number(c.cut) : ""),
      el("td", { class: "more" }, more(c)));
    if (depth) row.style.setProperty("--depth", depth);
    rows.push(row);
    serviceRows(service.children, depth + 1, rows);
  }
  return rows;
}

function render(status) {
  $("deployment").textContent = status.node.deployment;
  const ready = $("ready");
  ready.textContent = status.ready ? "ready" : "not ready";
  ready.className = "badge " + (status.ready ? "ready" : "not-ready");
  $("uptime").textContent = `${duration(status.node.uptime_seconds)} · pid ${status.node.pid} · v${status.node.version}`;
  $("updated").textContent = "updated " + new Date().toLocaleTimeString();

  const totals = status.totals;
  $("total-poems").textContent = number(totals.poems);
  $("total-bytes").textContent = bytes(totals.bytes);
  $("total-in-flight").textContent = number(totals.in_flight);
  $("total-cut").textContent = number(totals.cut);

  $("services").tBodies[0].replaceChildren(...serviceRows(status.services, 0, []));
  $("checks").replaceChildren(...status.checks.map((c) =>
    el("li", {}, el("span", { class: c.status }, c.status === "healthy" ? "✓ " : "✗ "), el("strong", {}, c.name), " ", c.status,
      c.description ? el("span", { class: "muted" }, " – " + c.description) : null)));

  const downloads = Object.entries(status.downloads || {});
  $("downloads-section").hidden = downloads.length === 0;
  $("downloads").replaceChildren(...downloads.map(([outcome, count]) => el("li", {}, `${outcome}: ${number(count)}`)));

  const cluster = status.cluster;
  $("cluster-section").hidden = !cluster;
  if (cluster) {
    $("members").tBodies[0].replaceChildren(...cluster.members.map((m) =>
      el("tr", {}, el("td", {}, m.address), el("td", {}, (m.roles || []).join(", ")), el("td", {}, m.status))));
    $("catalog").tBodies[0].replaceChildren(...cluster.services.map((s) =>
      el("tr", {}, el("td", {}, s.node), el("td", {}, s.name), el("td", {}, s.kind), el("td", {}, s.endpoint),
        el("td", {}, s.poem || ""), el("td", { class: "n" }, s.bytes == null ? "" : number(s.bytes)),
        el("td", {}, s.sha256 ? s.sha256.slice(0, 12) + "…" : ""))));
  }

  const warnings = status.warnings.slice().reverse();
  $("no-warnings").hidden = warnings.length > 0;
  $("warnings").replaceChildren(...warnings.map((w) =>
    el("li", {}, el("time", {}, new Date(w.time).toLocaleTimeString()),
      w.level === "error" ? el("span", { class: "error" }, "error") : null,
      el("span", { class: "source" }, w.source), w.message)));

  // For the benchmark (tests/benchmarks/run-status-bench.sh): how long until the page first showed the node.
  if (!document.documentElement.dataset.firstRenderMs)
    document.documentElement.dataset.firstRenderMs = String(Math.round(performance.now()));

  samples.push({ t: Date.now(), poems: totals.poems });
  while (samples.length > HISTORY + 1) samples.shift();
  drawChart();
}

function rates() {
  const result = [];
  for (let i = 1; i < samples.length; i++) {
    const seconds = (samples[i].t - samples[i - 1].t) / 1000;
    result.push(seconds > 0 ? Math.max(0, samples[i].poems - samples[i - 1].poems) / seconds : 0);
  }
  return result;
}

function drawChart() {
  const canvas = $("chart");
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext("2d");
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);

  const values = rates();
  const latest = values.length ? values[values.length - 1] : 0;
  $("poem-rate").textContent = latest >= 10 ? number(Math.round(latest)) : latest.toFixed(1);
  const styles = getComputedStyle(document.documentElement);
  const top = Math.max(1, ...values);
  const slot = width / HISTORY;
  g.fillStyle = styles.getPropertyValue("--accent").trim() || "#7a3e9d";
  values.forEach((v, i) => {
    const h = (v / top) * (height - 18);
    const x = width - (values.length - i) * slot;
    g.fillRect(x + 0.5, height - h, Math.max(1, slot - 1), h);
  });
  g.fillStyle = styles.getPropertyValue("--muted").trim() || "#6a737d";
  g.font = "11px system-ui, sans-serif";
  g.fillText(`max ${top >= 10 ? Math.round(top) : top.toFixed(1)} poems/s · last ${HISTORY} s`, 6, 12);
}

async function poll() {
  try {
    const response = await fetch("status.json", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
  } catch (e) {
    const ready = $("ready");
    ready.textContent = "no answer from the node";
    ready.className = "badge not-ready";
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

window.addEventListener("resize", drawChart);
poll();
