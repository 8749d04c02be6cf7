"use strict";
// MolGen's pages: one script, no framework. Each page is a form whose values live in the URL
// (#/page?name=value...), so every result has a permalink; results come from the JSON API.

const PROPERTIES = [
  { key: "logp", label: "logP", digits: 2 },
  { key: "qed", label: "QED", digits: 3 },
  { key: "sas", label: "SAS", digits: 2 },
  { key: "mw", label: "MW", digits: 1 },
  { key: "plogp", label: "penalized logP", digits: 2 },
];
const PROPERTY = Object.fromEntries(PROPERTIES.map(p => [p.key, p]));
const EXAMPLES = ["CC(=O)Nc1ccc(O)cc1", "Cc1ccc(S(=O)(=O)N2CCOCC2)cc1", "COc1ccc(CC(=O)N2CCCC2)cc1", "O=C(Nc1ccccc1)c1ccco1"];

let model = null;             // GET /api/model
let shown = { rows: [], name: "result.csv" };  // what "Download CSV" writes
let pendingImages = [];       // drawings of the current result, to know when the page is complete
let runNumber = 0;            // a newer run makes older ones stop rendering
let openJob = null;           // the optimisation's event stream, closed when leaving the page

// MARK: Small helpers

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svgEl(tag, attributes = {}, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmt(value, digits = 2) {
  return value === null || value === undefined || !isFinite(value) ? "–" : Number(value).toFixed(digits);
}

function propertyText(key, value) {
  const p = PROPERTY[key];
  return `${p ? p.label : key} ${fmt(value, p ? p.digits : 2)}`;
}

async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  let data;
  try { data = await response.json(); } catch { throw new Error(`${path}: HTTP ${response.status}`); }
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function depictURL(smiles, size = 250, against) {
  const q = new URLSearchParams({ smiles, size: String(size) });
  if (against) q.set("highlight_against", against);
  return "/api/depict?" + q.toString();
}

function setStatus(text, isError = false) {
  const s = document.getElementById("status");
  s.textContent = text;
  s.className = "status" + (isError ? " error" : "");
  if (isError) console.error(text);  // tools/browser-check fails on any console output
}

// MARK: Molecule cards

/// A drawing with caption lines; clicking opens the molecule on the Molecule page.
function moleculeCard(smiles, lines = [], options = {}) {
  const classes = ["mol", options.extraClass].filter(Boolean).join(" ");
  if (!smiles) {
    return el("figure", { class: classes + " invalid" }, el("div", { class: "blank" }, "invalid SMILES"),
      el("figcaption", {}, el("span", { class: "smiles" }, options.raw || "(empty)"), ...lines.map(l => el("div", {}, l))));
  }
  const image = el("img", { src: depictURL(smiles, options.size || 250, options.against), alt: smiles, loading: "eager" });
  pendingImages.push(new Promise(resolve => {
    image.addEventListener("load", () => {
      if (image.naturalWidth === 0) console.error("empty drawing: " + smiles);
      resolve();
    });
    image.addEventListener("error", () => { console.error("drawing failed: " + smiles); resolve(); });
  }));
  const card = el("figure", { class: classes, title: options.clickable === false ? smiles : "Open " + smiles + " on the Molecule page" },
    image, el("figcaption", {}, options.hideSmiles ? null : el("span", { class: "smiles" }, smiles), ...lines.map(l => el("div", {}, l))));
  if (options.clickable !== false) card.addEventListener("click", () => go("molecule", { smiles }));
  return card;
}

// The server's applicability-domain warnings, shown above a page's results.
function domainWarnings(result, warnings) {
  for (const w of warnings || []) result.append(el("p", { class: "warning" }, "⚠ " + w));
}

function badge(text, kind) { return el("span", { class: "badge" + (kind ? " " + kind : "") }, text); }

function propertiesTable(trueValues, predicted) {
  const rows = PROPERTIES.map(p => el("tr", {},
    el("th", {}, p.label),
    el("td", { class: "num" }, fmt(trueValues[p.key], p.digits)),
    el("td", { class: "num" }, p.key in (predicted || {}) ? fmt(predicted[p.key], p.digits) : "not predicted")));
  return el("table", {}, el("tr", {}, el("th", {}, "property"), el("th", { class: "num" }, "RDKit"), el("th", { class: "num" }, "model's prediction")), rows);
}

// MARK: Pages

const PAGES = {
  molecule: {
    title: "Molecule",
    hint: "Paste a SMILES string: the model encodes it and decodes its latent mean greedily, by beam search and by sampling.",
    fields: [
      { name: "smiles", label: "SMILES", type: "smiles", value: EXAMPLES[0] },
      { name: "samples", label: "sampled decodings", type: "number", value: 20, min: 0, max: 100 },
    ],
    autoRun: true,
    async run(p, result) {
      const r = await api("/api/encode", { smiles: p.smiles, samples: Number(p.samples) });
      domainWarnings(result, r.domain_warnings);
      const z = model ? model.latent_size : r.latent.length;
      const facts = el("table", { class: "facts" },
        el("tr", {}, el("th", {}, "canonical SMILES"), el("td", { class: "smiles" }, r.canonical)),
        el("tr", {}, el("th", {}, "latent norm ‖μ‖"), el("td", {}, fmt(r.latent_norm, 2), el("span", { class: "muted" }, `  (a prior sample's norm is about √${z} = ${fmt(Math.sqrt(z), 1)})`))),
        el("tr", {}, el("th", {}, "reconstructs"), el("td", {}, r.reconstructs ? el("span", { class: "yes" }, "yes: greedy decoding gives it back")
          : el("span", { class: "no" }, "no: greedy decoding gives another molecule"))),
        el("tr", {}, el("th", {}, "sampled decodings"), el("td", {}, `${r.sampled_valid} of ${p.samples} valid, ${r.sampled.filter(s => s.smiles).length} distinct molecules`)));
      result.append(el("div", { class: "summary" },
        moleculeCard(r.canonical, [], { extraClass: "large query", size: 320, clickable: false, hideSmiles: true }),
        el("div", {}, facts, el("h2", {}, "Properties"), propertiesTable(r.properties, r.predicted))));
      const decodingCard = (label, d) => d.valid
        ? moleculeCard(d.canonical, [label, d.canonical === r.canonical ? badge("same molecule", "good") : badge("different", "bad")], { against: d.canonical === r.canonical ? undefined : r.canonical })
        : moleculeCard(null, [label], { raw: d.smiles });
      result.append(el("h2", {}, "Decodings of the latent mean"),
        el("div", { class: "grid" }, decodingCard("greedy", r.greedy), decodingCard("beam search (5)", r.beam)));
      if (r.sampled.length) {
        result.append(el("h2", {}, `Sampled decodings (temperature 1), most frequent first`),
          el("div", { class: "grid" }, r.sampled.map(s => s.smiles
            ? moleculeCard(s.smiles, [`${s.count} of ${p.samples}`, s.smiles === r.canonical ? badge("the query", "good") : null], { against: s.smiles === r.canonical ? undefined : r.canonical })
            : moleculeCard(null, [`${s.count} of ${p.samples} invalid`], { raw: "invalid decodings" }))));
      }
      shown = {
        name: "molecule.csv",
        rows: [{ kind: "query", smiles: r.canonical, count: "", ...r.properties },
          { kind: "greedy", smiles: r.greedy.canonical || r.greedy.smiles, count: 1 },
          { kind: "beam", smiles: r.beam.canonical || r.beam.smiles, count: 1 },
          ...r.sampled.map(s => ({ kind: "sampled", smiles: s.smiles || "(invalid)", count: s.count })),
          ...r.latent.map((v, i) => ({ kind: "latent", smiles: `z${i}`, count: v }))],
      };
    },
  },

  neighbors: {
    title: "Neighbours",
    hint: "Molecules decoded at points μ + R·ε around the query's latent mean μ; the part that differs from the query (outside their maximum common substructure) is highlighted.",
    fields: [
      { name: "smiles", label: "SMILES", type: "smiles", value: EXAMPLES[0] },
      { name: "radius", label: "radius R", type: "number", value: 1, step: 0.1, min: 0.1, max: 10 },
      { name: "count", label: "neighbours", type: "number", value: 12, min: 1, max: 50 },
      { name: "shape", label: "ε", type: "select", value: "gaussian", options: [["gaussian", "Gaussian N(0, I)"], ["sphere", "on the unit sphere"]] },
      { name: "sort", label: "sort by", type: "select", value: "similarity", options: [["similarity", "similarity"], ["distance", "latent distance"], ...PROPERTIES.map(p => [p.key, p.label])] },
    ],
    autoRun: true,
    async run(p, result) {
      const r = await api("/api/neighbors", { smiles: p.smiles, radius: Number(p.radius), count: Number(p.count), shape: p.shape });
      domainWarnings(result, r.domain_warnings);
      const key = p.sort || "similarity";
      const value = n => key === "similarity" ? n.similarity : key === "distance" ? n.distance : n.properties[key];
      const ascending = key === "distance" || key === "sas";
      const sorted = [...r.neighbors].sort((a, b) => ascending ? value(a) - value(b) : value(b) - value(a));
      result.append(el("p", { class: "muted" },
        `${r.points_decoded} points decoded: ${r.valid_decodings} valid, ${r.query_decodings} gave the query back, ${r.neighbors.length} distinct neighbours. `,
        `Sorted by ${key === "distance" ? "latent distance (nearest first)" : key === "similarity" ? "Tanimoto similarity (Morgan r2)" : PROPERTY[key].label + (ascending ? " (lowest first)" : " (highest first)")}.`));
      const extra = n => key !== "similarity" && key !== "distance" ? propertyText(key, n.properties[key]) : propertyText("logp", n.properties.logp);
      result.append(el("div", { class: "grid" },
        moleculeCard(r.query, ["query", propertyText(key in PROPERTY ? key : "logp", r.query_properties[key in PROPERTY ? key : "logp"])], { extraClass: "query" }),
        sorted.map(n => moleculeCard(n.smiles, [`similarity ${fmt(n.similarity, 2)} · distance ${fmt(n.distance, 2)}`, extra(n)], { against: r.query }))));
      if (!r.neighbors.length) result.append(el("p", {}, "No other molecule was decoded at this radius: try a larger one."));
      shown = { name: "neighbours.csv", rows: sorted.map((n, i) => ({ rank: i + 1, smiles: n.smiles, similarity: n.similarity, distance: n.distance, count: n.count, ...n.properties })) };
    },
  },

  interpolate: {
    title: "Interpolation",
    hint: "Points between the two latent means, decoded greedily. Spherical: the direction turns along the great circle and the norm moves linearly, so the path stays on the prior's shell. A green frame marks a molecule's first appearance.",
    fields: [
      { name: "from", label: "from", type: "smiles", value: EXAMPLES[0] },
      { name: "to", label: "to", type: "smiles", value: EXAMPLES[1] },
      { name: "steps", label: "steps", type: "number", value: 10, min: 2, max: 40 },
      { name: "spherical", label: "spherical", type: "check", value: "1" },
    ],
    autoRun: true,
    async run(p, result) {
      const r = await api("/api/interpolate", { from: p.from, to: p.to, steps: Number(p.steps), spherical: p.spherical === "1" });
      domainWarnings(result, r.domain_warnings);
      const distinct = new Set(r.steps.filter(s => s.valid).map(s => s.canonical)).size;
      result.append(el("p", { class: "muted" }, `${r.spherical ? "Spherical" : "Linear"} path from ${r.from} to ${r.to}, ${r.steps.length} points: ${r.steps.filter(s => s.valid).length} valid decodings, ${distinct} distinct molecules. `,
        `The ends (t = 0 and 1) are the greedy decodings of the two molecules' latent means, which need not give the molecules back.`));
      result.append(el("div", { class: "grid" }, r.steps.map((s, i) => s.valid
        ? moleculeCard(s.canonical, [`t = ${fmt(s.t, 2)}`, i === 0 ? badge("start") : i === r.steps.length - 1 ? badge("end") : s.new ? badge("new", "good") : null], { extraClass: s.new ? "new" : "" })
        : moleculeCard(null, [`t = ${fmt(s.t, 2)}`], { raw: s.smiles }))));
      shown = { name: "interpolation.csv", rows: r.steps.map((s, i) => ({ step: i, t: s.t, smiles: s.canonical || s.smiles, valid: s.valid ? 1 : 0, new: s.new ? 1 : 0 })) };
    },
  },

  grid: {
    title: "2-D grid",
    hint: "Four molecules at the corners of a plane in latent space: z(u, v) = (1−u)(1−v)·a + u(1−v)·b + (1−u)v·c + uv·d, decoded greedily on an N × N grid.",
    fields: [
      { name: "a", label: "top left", type: "smiles", value: EXAMPLES[0], short: true },
      { name: "b", label: "top right", type: "smiles", value: EXAMPLES[1], short: true },
      { name: "c", label: "bottom left", type: "smiles", value: EXAMPLES[2], short: true },
      { name: "d", label: "bottom right", type: "smiles", value: EXAMPLES[3], short: true },
      { name: "size", label: "N", type: "number", value: 5, min: 2, max: 9 },
    ],
    autoRun: true,
    async run(p, result) {
      const n = Number(p.size);
      const r = await api("/api/grid", { corners: [p.a, p.b, p.c, p.d], size: n });
      domainWarnings(result, r.domain_warnings);
      const cells = [];
      r.rows.forEach((row, i) => row.forEach((d, j) => {
        const corner = (i === 0 || i === n - 1) && (j === 0 || j === n - 1);
        cells.push(d.valid ? moleculeCard(d.canonical, [], { size: 200, hideSmiles: true, extraClass: corner ? "corner" : "" })
          : moleculeCard(null, [], { raw: "" }));
      }));
      const valid = r.rows.flat().filter(d => d.valid);
      result.append(el("p", { class: "muted" }, `${valid.length} of ${n * n} points valid, ${new Set(valid.map(d => d.canonical)).size} distinct molecules. Corners (blue) are the decodings of the four molecules' own latent means. Hover a cell for its SMILES.`));
      const matrix = el("div", { class: "matrix", style: `grid-template-columns: repeat(${n}, minmax(0, ${Math.min(180, Math.floor(1100 / n))}px))` }, cells);
      result.append(matrix);
      shown = { name: "grid.csv", rows: r.rows.flatMap((row, i) => row.map((d, j) => ({ row: i, column: j, smiles: d.canonical || d.smiles, valid: d.valid ? 1 : 0 }))) };
    },
  },

  optimize: {
    title: "Optimisation",
    hint: "Gradient ascent on the model's property predictor from the start molecule's latent mean; every point of the path is decoded and scored by RDKit. Results stream in while it runs.",
    fields: [
      { name: "objective", label: "objective", type: "select", value: "qed", options: () => (model ? model.predicted_properties : ["logp", "qed"]).map(k => [k, PROPERTY[k] ? PROPERTY[k].label : k]) },
      { name: "direction", label: "direction", type: "select", value: "maximize", options: [["maximize", "maximise"], ["minimize", "minimise"]] },
      { name: "start", label: "start (empty: a prior sample)", type: "smiles", value: EXAMPLES[0] },
      { name: "similarity", label: "similarity floor", type: "number", value: 0.4, step: 0.05, min: 0, max: 1 },
      { name: "steps", label: "steps", type: "number", value: 100, min: 1, max: 500 },
    ],
    autoRun: false,
    async run(p, result, run) {
      const request = { objective: p.objective, minimize: p.direction === "minimize", steps: Number(p.steps), min_similarity: Number(p.similarity) };
      if (p.start && p.start.trim()) request.start = p.start.trim();
      const started = await api("/api/optimize", request);
      const id = started.job;
      const label = PROPERTY[p.objective] ? PROPERTY[p.objective].label : p.objective;
      const bar = el("div", { style: "width:0%" });
      const cancel = el("button", { type: "button", class: "secondary", onclick: () => api(`/api/jobs/${id}/cancel`, {}).catch(e => setStatus(e.message, true)) }, "Cancel");
      const live = el("div", {});
      result.append(el("p", {}, `Job ${id}: `, el("span", { class: "progress" }, bar), " ", cancel), live);
      const progress = [];
      const draw = summary => {
        live.replaceChildren(optimizationChart(progress, summary, label, Number(p.steps)));
      };
      draw(null);
      const finished = await new Promise((resolve, reject) => {
        const events = new EventSource(`/api/jobs/${id}/events`);
        openJob = events;
        events.addEventListener("progress", e => {
          if (run !== runNumber) return;
          progress.push(...JSON.parse(e.data));
          bar.style.width = `${Math.round(100 * progress.length / Number(p.steps))}%`;
          setStatus(`climbing: step ${progress.length} of ${p.steps}` + (progress.length >= Number(p.steps) ? ", decoding the path…" : ""));
          draw(null);
        });
        events.addEventListener("done", e => { events.close(); resolve(JSON.parse(e.data)); });
        events.addEventListener("error", () => { events.close(); reject(new Error("the job's event stream was interrupted")); });
      });
      cancel.replaceWith(el("span", { class: "muted" }, finished.state === "done" ? "finished" : finished.state));
      if (finished.state === "cancelled") { setStatus("Cancelled."); return; }
      if (finished.state === "failed") throw new Error(finished.error);
      bar.style.width = "100%";
      const r = finished.result;
      draw(r);
      domainWarnings(result, r.domain_warnings);
      result.append(el("p", { class: "muted" },
        `Start: ${r.start_kind === "prior_sample" ? "a prior sample" : "the given molecule"}, ${label} ${fmt(r.start.true_value, 3)} (RDKit). `,
        `${r.decodings} decodings, ${r.valid_decodings} valid, ${r.distinct_valid} distinct; ${r.below_similarity} set aside below the similarity floor.`));
      result.append(el("h2", {}, `Best molecules by RDKit ${label}`));
      result.append(el("div", { class: "grid" },
        moleculeCard(r.start.smiles, ["start", `${label} ${fmt(r.start.true_value, 3)}`], { extraClass: "query" }),
        r.best.map((m, i) => moleculeCard(m.smiles, [`#${i + 1} · ${label} ${fmt(m.true_value, 3)} (${m.improvement >= 0 ? "+" : ""}${fmt(m.improvement, 3)})`,
          `predicted ${fmt(m.predicted, 3)}${m.prediction_out_of_range ? " (impossible value)" : ""} · similarity ${fmt(m.similarity, 2)} · step ${m.step}`], { against: r.start.smiles }))));
      if (!r.best.length) result.append(el("p", {}, "No molecule above the similarity floor was found: lower the floor or take more steps."));
      shown = { name: `optimisation-${p.objective}.csv`, rows: r.best.map((m, i) => ({ rank: i + 1, smiles: m.smiles, true: m.true_value, predicted: m.predicted, improvement: m.improvement, similarity: m.similarity, step: m.step, flag: m.prediction_out_of_range ? "predicted_out_of_range" : "" })) };
    },
  },

  map: {
    title: "Latent map",
    hint: "Latent means projected on their first two principal components, coloured by a property. Hover a point to see the molecule; click it to open it. The histograms compare each axis with N(0, 1), the prior seen along any direction.",
    fields: [
      { name: "source", label: "molecules", type: "select", value: "dataset", options: () => [...(model && model.map_data ? [["dataset", model.map_data]] : []), ["samples", "the model's prior samples"]] },
      { name: "property", label: "colour by", type: "select", value: "logp", options: PROPERTIES.map(p => [p.key, p.label]) },
      { name: "limit", label: "molecules", type: "number", value: 1000, min: 10, max: 2000 },
    ],
    autoRun: true,
    async run(p, result) {
      const r = await api("/api/map", { source: p.source, property: p.property, limit: Number(p.limit) });
      const label = PROPERTY[r.property] ? PROPERTY[r.property].label : r.property;
      result.append(el("p", { class: "muted" }, `${r.x.length} molecules (${r.source}); PC1 and PC2 hold ${fmt(100 * r.explained[0], 1)}% and ${fmt(100 * r.explained[1], 1)}% of the latent variance.`));
      result.append(el("div", { class: "summary" }, scatterPlot(r, label),
        el("div", {}, histogramChart(r.histograms[0], "PC1"), histogramChart(r.histograms[1], "PC2"))));
      shown = { name: "latent-map.csv", rows: r.x.map((x, i) => ({ smiles: r.smiles[i], pc1: x, pc2: r.y[i], [r.property]: r.values[i] })) };
    },
  },

  samples: {
    title: "Samples",
    hint: "Points z ~ N(0, I) decoded greedily (or by sampling at a temperature).",
    fields: [
      { name: "count", label: "samples", type: "number", value: 24, min: 1, max: 500 },
      { name: "seed", label: "seed", type: "number", value: 1, min: 0 },
      { name: "temperature", label: "temperature (empty: greedy)", type: "number", value: "", step: 0.1, min: 0.1, max: 5 },
    ],
    autoRun: true,
    async run(p, result) {
      const request = { count: Number(p.count), seed: Number(p.seed) };
      if (p.temperature !== "" && p.temperature !== undefined) request.temperature = Number(p.temperature);
      const r = await api("/api/sample", request);
      const valid = r.samples.filter(s => s.valid);
      result.append(el("p", {}, `Validity ${fmt(100 * r.validity, 1)}% (${valid.length} of ${r.count}), uniqueness of the valid ones ${fmt(100 * r.uniqueness, 1)}%.`));
      result.append(el("div", { class: "grid" }, r.samples.map((s, i) => s.valid
        ? moleculeCard(s.canonical, [`#${i + 1} · ${propertyText("qed", s.properties.qed)}`, `${propertyText("logp", s.properties.logp)} · ${propertyText("sas", s.properties.sas)}`])
        : moleculeCard(null, [`#${i + 1}`], { raw: s.smiles }))));
      const query = new URLSearchParams({ count: String(request.count), seed: String(request.seed) });
      if (request.temperature !== undefined) query.set("temperature", String(request.temperature));
      document.getElementById("extra-downloads").replaceChildren(
        el("a", { href: "/api/sample.csv?" + query, download: "" }, "CSV (server)"), " ",
        el("a", { href: "/api/sample.sdf?" + query, download: "" }, "SDF"));
      shown = { name: `samples-seed${r.seed}.csv`, rows: r.samples.map((s, i) => ({ index: i, smiles: s.smiles, valid: s.valid ? 1 : 0, canonical: s.canonical || "", ...s.properties })) };
    },
  },
};

// MARK: Charts

const VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]];
function viridis(t) {
  const u = Math.max(0, Math.min(1, isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(u), VIRIDIS.length - 2), f = u - i;
  const c = VIRIDIS[i].map((a, k) => Math.round(a + (VIRIDIS[i + 1][k] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function niceTicks(lo, hi, count = 5) {
  const span = hi - lo || 1, step0 = span / count, magnitude = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 5, 10].map(m => m * magnitude).find(s => s >= step0);
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(Math.abs(v) < 1e-12 ? 0 : v);
  return ticks;
}

/// Axes with ticks in a box; returns the SVG and the two scale functions.
function axes(width, height, margin, xRange, yRange, xLabel, yLabel) {
  const svg = svgEl("svg", { width, height, class: "chart", viewBox: `0 0 ${width} ${height}` });
  const x = v => margin.left + (width - margin.left - margin.right) * (v - xRange[0]) / (xRange[1] - xRange[0]);
  const y = v => height - margin.bottom - (height - margin.top - margin.bottom) * (v - yRange[0]) / (yRange[1] - yRange[0]);
  svg.append(svgEl("rect", { x: margin.left, y: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom, fill: "none", stroke: "#c5ccd6" }));
  for (const t of niceTicks(xRange[0], xRange[1])) {
    svg.append(svgEl("line", { x1: x(t), x2: x(t), y1: height - margin.bottom, y2: height - margin.bottom + 4, stroke: "#98a2b3" }));
    svg.append(svgEl("text", { x: x(t), y: height - margin.bottom + 16, "text-anchor": "middle" }, String(+t.toFixed(3))));
  }
  for (const t of niceTicks(yRange[0], yRange[1])) {
    svg.append(svgEl("line", { x1: margin.left - 4, x2: margin.left, y1: y(t), y2: y(t), stroke: "#98a2b3" }));
    svg.append(svgEl("text", { x: margin.left - 7, y: y(t) + 4, "text-anchor": "end" }, String(+t.toFixed(3))));
  }
  svg.append(svgEl("text", { x: (margin.left + width - margin.right) / 2, y: height - 6, "text-anchor": "middle", style: "font-size:12px;fill:#1d2430" }, xLabel));
  svg.append(svgEl("text", { transform: `translate(14 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)`, "text-anchor": "middle", style: "font-size:12px;fill:#1d2430" }, yLabel));
  return { svg, x, y };
}

function extent(values, pad = 0.05) {
  const f = values.filter(v => v !== null && isFinite(v));
  let lo = Math.min(...f), hi = Math.max(...f);
  if (!f.length) { lo = 0; hi = 1; }
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  return [lo - (hi - lo) * pad, hi + (hi - lo) * pad];
}

/// The surrogate's prediction along the path (line, streamed) and RDKit's value of each decoded point (dots).
function optimizationChart(progress, summary, label, steps) {
  const predicted = summary ? summary.path.map(s => [s.step, s.predicted]) : progress.map(s => [s.step, s.predicted]);
  const truth = summary ? summary.path.filter(s => s.true_value !== null && s.true_value !== undefined).map(s => [s.step, s.true_value]) : [];
  const values = [...predicted, ...truth].map(v => v[1]);
  if (summary) values.push(summary.start.true_value);
  const { svg, x, y } = axes(760, 320, { left: 56, right: 16, top: 14, bottom: 40 }, [0, Math.max(steps, 1)], values.length ? extent(values) : [0, 1], "gradient step", label);
  if (summary) {
    svg.append(svgEl("line", { x1: x(0), x2: x(steps), y1: y(summary.start.true_value), y2: y(summary.start.true_value), stroke: "#98a2b3", "stroke-dasharray": "4 4" }));
  }
  for (const [s, v] of truth) svg.append(svgEl("circle", { cx: x(s), cy: y(v), r: 3, fill: "#e8710a", "fill-opacity": 0.75 }));
  if (predicted.length > 1) {
    svg.append(svgEl("polyline", { points: predicted.map(([s, v]) => `${x(s)},${y(v)}`).join(" "), fill: "none", stroke: "#1f6feb", "stroke-width": 2 }));
  }
  return el("div", {}, svg, el("div", { class: "legend-row" },
    el("span", {}, el("span", { class: "swatch", style: "background:#1f6feb" }), "model's prediction at the point"),
    el("span", {}, el("span", { class: "swatch", style: "background:#e8710a" }), "RDKit value of the molecule decoded there (after the climb)"),
    el("span", {}, el("span", { class: "swatch", style: "background:#98a2b3" }), "start molecule (RDKit)")));
}

function scatterPlot(r, label) {
  const width = 640, height = 560;
  const { svg, x, y } = axes(width, height, { left: 50, right: 90, top: 14, bottom: 40 }, extent(r.x), extent(r.y),
    `PC1 (${fmt(100 * r.explained[0], 1)}% of variance)`, `PC2 (${fmt(100 * r.explained[1], 1)}% of variance)`);
  const finite = r.values.filter(v => v !== null && isFinite(v));
  const lo = Math.min(...finite), hi = Math.max(...finite);
  const tooltip = document.getElementById("tooltip");
  r.x.forEach((px, i) => {
    const v = r.values[i];
    const dot = svgEl("circle", { cx: x(px), cy: y(r.y[i]), r: 3.2, fill: v === null ? "#bbb" : viridis((v - lo) / (hi - lo || 1)), "fill-opacity": 0.85, style: "cursor:pointer" });
    dot.addEventListener("mouseenter", e => {
      tooltip.replaceChildren(el("img", { src: depictURL(r.smiles[i], 180), alt: r.smiles[i] }),
        el("div", { class: "smiles" }, r.smiles[i]), el("div", {}, `${label} ${fmt(v, 2)}`));
      tooltip.hidden = false;
      tooltip.style.left = `${Math.min(e.clientX + 14, window.innerWidth - 210)}px`;
      tooltip.style.top = `${Math.min(e.clientY + 14, window.innerHeight - 250)}px`;
      dot.setAttribute("r", 6);
    });
    dot.addEventListener("mouseleave", () => { tooltip.hidden = true; dot.setAttribute("r", 3.2); });
    dot.addEventListener("click", () => { tooltip.hidden = true; go("molecule", { smiles: r.smiles[i] }); });
    svg.append(dot);
  });
  // Colour bar.
  const barX = width - 70, top = 14, barH = height - 14 - 40;
  const gradient = svgEl("linearGradient", { id: "colourbar", x1: 0, y1: 1, x2: 0, y2: 0 });
  for (let k = 0; k <= 10; k++) gradient.append(svgEl("stop", { offset: k / 10, "stop-color": viridis(k / 10) }));
  const defs = svgEl("defs"); defs.append(gradient); svg.append(defs);
  svg.append(svgEl("rect", { x: barX, y: top, width: 14, height: barH, fill: "url(#colourbar)", stroke: "#c5ccd6" }));
  for (let k = 0; k <= 4; k++) {
    svg.append(svgEl("text", { x: barX + 18, y: top + barH * (1 - k / 4) + 4 }, fmt(lo + (hi - lo) * k / 4, 2)));
  }
  svg.append(svgEl("text", { x: barX + 7, y: height - 20, "text-anchor": "middle", style: "font-size:12px;fill:#1d2430" }, label));
  return svg;
}

function histogramChart(h, axisName) {
  const lo = h.edges[0], hi = h.edges[h.edges.length - 1];
  const normal = t => Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
  const top = Math.max(...h.density, normal(0)) * 1.08;
  const { svg, x, y } = axes(360, 250, { left: 46, right: 12, top: 12, bottom: 40 }, [lo, hi], [0, top], `${axisName} coordinate`, "density");
  h.density.forEach((d, i) => {
    svg.append(svgEl("rect", { x: x(h.edges[i]) + 0.5, y: y(d), width: Math.max(0, x(h.edges[i + 1]) - x(h.edges[i]) - 1), height: y(0) - y(d), fill: "#9db8e6" }));
  });
  const points = [];
  for (let k = 0; k <= 120; k++) { const t = lo + (hi - lo) * k / 120; points.push(`${x(t)},${y(normal(t))}`); }
  svg.append(svgEl("polyline", { points: points.join(" "), fill: "none", stroke: "#b42318", "stroke-width": 2 }));
  return el("div", {}, svg, el("div", { class: "legend-row" },
    el("span", {}, el("span", { class: "swatch", style: "background:#9db8e6" }), `encoded molecules on ${axisName}`),
    el("span", {}, el("span", { class: "swatch", style: "background:#b42318" }), "prior N(0, 1)")));
}

// MARK: Forms and routing

function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [name, query] = hash.split("?");
  return { page: PAGES[name] ? name : "molecule", params: Object.fromEntries(new URLSearchParams(query || "")), hasQuery: !!query };
}

function go(page, params) {
  location.hash = `#/${page}?` + new URLSearchParams(params).toString();
}

function fieldValues(page, params) {
  const values = {};
  for (const f of PAGES[page].fields) values[f.name] = f.name in params ? params[f.name] : String(f.value);
  return values;
}

function buildForm(page, values) {
  const spec = PAGES[page];
  const form = el("form", { class: "controls", onsubmit: e => {
    e.preventDefault();
    const params = {};
    for (const f of spec.fields) {
      const input = form.elements[f.name];
      params[f.name] = f.type === "check" ? (input.checked ? "1" : "0") : input.value.trim();
    }
    const target = `#/${page}?` + new URLSearchParams(params).toString();
    if (location.hash === target) render(); else location.hash = target;
  } });
  for (const f of spec.fields) {
    let input;
    if (f.type === "select") {
      const options = typeof f.options === "function" ? f.options() : f.options;
      input = el("select", { name: f.name }, options.map(([v, text]) => el("option", { value: v, selected: v === values[f.name] }, text)));
    } else if (f.type === "check") {
      form.append(el("label", { class: "check" }, el("input", { type: "checkbox", name: f.name, checked: values[f.name] === "1" }), f.label));
      continue;
    } else if (f.type === "smiles") {
      input = el("input", { name: f.name, value: values[f.name], class: "smiles", spellcheck: "false", autocomplete: "off", style: f.short ? "width:17em" : null, placeholder: "SMILES, e.g. CCO" });
    } else {
      input = el("input", { name: f.name, value: values[f.name], type: "number", class: "number", step: f.step || 1, min: f.min, max: f.max });
    }
    form.append(el("label", {}, f.label, input));
  }
  form.append(el("button", { type: "submit" }, page === "optimize" ? "Start" : "Show"));
  form.append(el("p", { class: "hint" }, spec.hint));
  return form;
}

async function render() {
  const { page, params, hasQuery } = currentRoute();
  const run = ++runNumber;
  if (openJob) { openJob.close(); openJob = null; }
  document.querySelectorAll("#tabs a").forEach(a => a.classList.toggle("active", a.dataset.page === page));
  document.title = `${PAGES[page].title} · MolGen`;
  const values = fieldValues(page, params);
  document.getElementById("form").replaceChildren(buildForm(page, values));
  const result = document.getElementById("result");
  result.replaceChildren();
  document.getElementById("toolbar").hidden = true;
  document.getElementById("extra-downloads").replaceChildren();
  document.body.dataset.ready = "";
  pendingImages = [];
  shown = { rows: [], name: "result.csv" };
  if (!hasQuery && !PAGES[page].autoRun) { setStatus("Choose the settings and press Start."); document.body.dataset.ready = page; return; }
  setStatus("Working…");
  try {
    await PAGES[page].run(values, result, run);
    if (run !== runNumber) return;
    if (!document.getElementById("status").textContent.startsWith("Cancelled")) setStatus("");
    const permalink = document.getElementById("permalink");
    permalink.href = `${location.origin}/#/${page}?` + new URLSearchParams(values).toString();
    document.getElementById("toolbar").hidden = false;
  } catch (error) {
    if (run !== runNumber) return;
    setStatus(error.message, true);
  }
  await Promise.all(pendingImages);
  if (run === runNumber) document.body.dataset.ready = page;
}

function downloadCSV() {
  if (!shown.rows.length) return;
  const columns = [...new Set(shown.rows.flatMap(r => Object.keys(r)))];
  const cell = v => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const text = [columns.join(","), ...shown.rows.map(r => columns.map(c => cell(r[c])).join(","))].join("\n") + "\n";
  const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })), download: shown.name });
  document.body.append(link);
  link.click();
  link.remove();
}

async function start() {
  document.getElementById("download-csv").addEventListener("click", downloadCSV);
  try {
    model = await api("/api/model");
    document.getElementById("model-info").textContent =
      `model ${model.model} · latent size ${model.latent_size} · predicts ${model.predicted_properties.map(k => PROPERTY[k] ? PROPERTY[k].label : k).join(", ") || "no properties"}`;
    if (model.domain) document.getElementById("model-info").title = "applicability domain: " + model.domain;
  } catch (error) {
    setStatus("The server did not answer: " + error.message, true);
  }
  window.addEventListener("hashchange", render);
  render();
}

start();
