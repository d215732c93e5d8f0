// The run's curves on one step axis (uPlot, installed from npm): loss, accuracy and learning rate, with the
// snapshots marked, cursors synchronised across the charts. Clicking a chart selects the nearest snapshot for every
// view of the run (time.js); the selected snapshot is drawn as a dark line in each chart. Hovering a chart tells the
// run's other views which snapshot is under the pointer, and a snapshot hovered elsewhere (a column of the timeline
// grid) moves the charts' cursor to it.
import { fetchOk, classColor } from "./colors.js";
import { fetchFollowing } from "./following.js";
import { hoverStep, keysClaimed, nearest, onHover, onSelect, selectedStep, selectStep } from "./time.js";

const lineColors = { "train.loss": "#4e79a7", "val.loss": "#f28e2b", "train.accuracy": "#4e79a7", "val.accuracy": "#f28e2b", lr: "#7a5195" };
const charts = new WeakMap();
// Per metrics URL: the series and snapshots fetched so far, so a live update asks only for what follows.
const metrics = new Map();

// The run's metrics and snapshots, all of them, fetched incrementally: the server sends each series from the count
// this page already has (and everything again when it no longer fits, e.g. another run under the same URL).
async function fetchMetrics(url) {
    const known = metrics.get(url);
    const have = known ? known.series.map(s => `${encodeURIComponent(s.name)}:${s.steps.length}`).join(",") : "";
    const query = known ? `${url.includes("?") ? "&" : "?"}have=${have}&snapshots=${known.snapshots.length}` : "";
    const data = await fetchOk(url + query, "json");
    if (!known) {
        metrics.set(url, data);
        return data;
    }
    const byName = new Map(known.series.map(s => [s.name, s]));
    const series = data.series.map(part => {
        const old = byName.get(part.name);
        if (!old || part.from !== old.steps.length) return part;
        return { name: part.name, from: 0, steps: [...old.steps, ...part.steps], epochs: [...old.epochs, ...part.epochs], values: [...old.values, ...part.values] };
    });
    const snapshots = data.snapshotsFrom === known.snapshots.length ? [...known.snapshots, ...data.snapshots] : data.snapshots;
    const merged = { series, snapshots };
    metrics.set(url, merged);
    return merged;
}

function group(name) {
    if (name.includes("loss")) return "Loss";
    if (name.includes("acc")) return "Accuracy";
    if (name === "lr" || name.includes("learning")) return "Learning rate";
    return "Other";
}

// Puts every series on the union of their steps; a series without a value at a step leaves a gap that the line spans.
function align(series) {
    const steps = [...new Set(series.flatMap(s => s.steps))].sort((a, b) => a - b);
    const at = new Map(steps.map((s, i) => [s, i]));
    const columns = series.map(s => {
        const column = new Array(steps.length).fill(null);
        s.steps.forEach((step, i) => { column[at.get(step)] = s.values[i]; });
        return column;
    });
    return [steps, ...columns];
}

// ← → step the run's selected snapshot on pages whose charts are the only views of time (the overview, trust):
// the snapshots of the run whose charts were drawn last. The timeline grid does its own stepping (claimKeys).
const stepping = { run: null, holder: null };
document.addEventListener("keydown", e => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    if (keysClaimed() || e.defaultPrevented || ["INPUT", "SELECT", "TEXTAREA"].includes(e.target?.tagName)) return;
    const { run, holder } = stepping;
    if (!run || !holder?.root?.isConnected || holder.steps.length === 0) return;
    e.preventDefault();
    const current = selectedStep(run);
    const last = holder.steps.length - 1;
    const at = current === null ? -1 : nearest(holder.steps, current);
    const next = at < 0 ? (e.key === "ArrowRight" ? 0 : last) : Math.max(0, Math.min(last, at + (e.key === "ArrowRight" ? 1 : -1)));
    selectStep(run, holder.steps[next]);
});

// holder.steps: the snapshots' steps, replaced in place when new snapshots arrive.
function snapshotLines(holder) {
    return {
        hooks: {
            draw: [u => {
                const g = u.ctx;
                g.save();
                g.strokeStyle = "rgba(90, 100, 120, 0.25)";
                g.lineWidth = 1;
                for (const step of holder.steps) {
                    const x = Math.round(u.valToPos(step, "x", true)) + 0.5;
                    if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
                    g.beginPath();
                    g.moveTo(x, u.bbox.top);
                    g.lineTo(x, u.bbox.top + u.bbox.height);
                    g.stroke();
                }
                g.restore();
            }],
        },
    };
}

// The run's selected snapshot as a dark line; a click on the plot selects the snapshot nearest to it. source: the
// charts' cursor-sync group (uPlot already moves the cursors within it).
function selectedTime(run, holder, source) {
    let stop = null;
    let hovering = false;
    return {
        hooks: {
            draw: [u => {
                const step = selectedStep(run);
                u.root.dataset.selectedStep = step ?? "";
                if (step === null) return;
                const x = Math.round(u.valToPos(step, "x", true)) + 0.5;
                if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
                const g = u.ctx;
                g.save();
                g.strokeStyle = "#1d4f86";
                g.lineWidth = 2 * (window.devicePixelRatio || 1);
                g.beginPath();
                g.moveTo(x, u.bbox.top);
                g.lineTo(x, u.bbox.top + u.bbox.height);
                g.stroke();
                g.restore();
            }],
            // The pointer over this chart: the snapshot nearest to it is the run's hovered time (null once it left).
            setCursor: [u => {
                const inside = u.cursor.left != null && u.cursor.left >= 0;
                const i = inside ? nearest(holder.steps, u.posToVal(u.cursor.left, "x")) : -1;
                if (i >= 0) {
                    hovering = true;
                    u.root.dataset.hoverStep = holder.steps[i];
                    hoverStep(run, holder.steps[i], source);
                } else if (hovering) {
                    hovering = false;
                    u.root.dataset.hoverStep = "";
                    hoverStep(run, null, source);
                }
            }],
            ready: [u => {
                holder.root = u.root;
                Object.assign(stepping, { run, holder });
                u.over.addEventListener("click", () => {
                    if (u.cursor.left == null || u.cursor.left < 0) return;
                    const i = nearest(holder.steps, u.posToVal(u.cursor.left, "x"));
                    if (i >= 0) selectStep(run, holder.steps[i]);
                });
                const stopSelect = onSelect(run, () => u.redraw(false));
                // Hovered in another view: the cursor goes to that step, without firing this chart's own hover.
                const stopHover = onHover(run, (step, from) => {
                    if (from === source) return;
                    hovering = false;
                    u.root.dataset.hoverStep = step ?? "";
                    if (step === null) u.setCursor({ left: -10, top: -10 }, false);
                    else u.setCursor({ left: u.valToPos(step, "x"), top: Math.round(u.bbox.height / (2 * (window.devicePixelRatio || 1))) }, false);
                });
                stop = () => { stopSelect(); stopHover(); };
            }],
            destroy: [() => stop?.()],
        },
    };
}

// A short loss chart above the timeline, on the same step axis, sharing the selected snapshot with it.
export async function showStrip(element, url) {
    const data = await fetchMetrics(url);
    const run = element.dataset.run;
    const losses = data.series.filter(s => group(s.name) === "Loss");
    const existing = charts.get(element);
    if (existing && existing.keys.join() === losses.map(s => s.name).join()) {
        existing.holder.steps = data.snapshots.map(s => s.step);
        existing.plots[0].setData(align(losses));
        return;
    }
    existing?.plots.forEach(p => p.destroy());
    element.replaceChildren();
    if (losses.length === 0) return;
    const holder = { steps: data.snapshots.map(s => s.step) };
    const plot = new uPlot({
        width: Math.max(400, (element.clientWidth || 1200) - 8),
        height: 96,
        legend: { show: false },
        cursor: { sync: { key: `run-${run}` }, y: false },
        scales: { x: { time: false } },
        axes: [
            { stroke: "#4a5366", grid: { stroke: "#eef0f4" }, size: 24, font: "10px system-ui, sans-serif" },
            { stroke: "#4a5366", grid: { stroke: "#eef0f4" }, size: 48, font: "10px system-ui, sans-serif", values: (u, v) => v.map(x => x.toPrecision(2)) },
        ],
        series: [{ label: "step" }, ...losses.map(s => ({ label: s.name, stroke: lineColors[s.name] ?? "#59a14f", width: 1.25, spanGaps: true, points: { show: s.name.startsWith("val") } }))],
        plugins: [snapshotLines(holder), selectedTime(run, holder, `run-${run}`)],
    }, align(losses), element);
    charts.set(element, { keys: losses.map(s => s.name), plots: [plot], holder });
    element.dataset.charts = 1;
}

export async function showOverview(element, url, chartsPerRow) {
    const data = await fetchMetrics(url);
    const groups = new Map();
    for (const s of data.series) {
        const g = group(s.name);
        if (!groups.has(g)) groups.set(g, []);
        groups.get(g).push(s);
    }
    const order = ["Loss", "Accuracy", "Learning rate", "Other"].filter(g => groups.has(g));
    const snapshotSteps = data.snapshots.map(s => s.step);
    const run = element.dataset.run;
    // Side by side at 1280 pixels, all on the same step range: one time axis for every chart.
    const perRow = Math.max(1, Math.min(chartsPerRow ?? 3, order.length));
    const width = Math.max(300, Math.floor(((element.clientWidth || 1200) - 16 * (perRow - 1)) / perRow) - 10);
    const allSteps = data.series.flatMap(s => s.steps);
    const range = allSteps.length ? [Math.min(...allSteps), Math.max(...allSteps)] : [0, 1];
    const existing = charts.get(element);
    if (existing && existing.keys.join() === order.map(g => groups.get(g).map(s => s.name).join()).join()) {
        existing.range = range;
        existing.holder.steps = snapshotSteps;
        order.forEach((g, i) => existing.plots[i].setData(align(groups.get(g))));
        element.dataset.points = data.series.reduce((n, s) => n + s.values.length, 0);
        return;
    }
    existing?.plots.forEach(p => p.destroy());
    element.replaceChildren();
    if (order.length === 0) {
        element.textContent = "No metrics recorded yet.";
        element.dataset.charts = 0;
        return;
    }
    const holder = { steps: snapshotSteps };
    const plots = order.map(g => {
        const box = document.createElement("div");
        box.className = "chart";
        element.appendChild(box);
        const series = groups.get(g);
        const percent = g === "Accuracy";
        return new uPlot({
            title: g,
            width,
            height: perRow === 1 ? 200 : 260,
            cursor: { sync: { key: `run-${element.dataset.run}` } },
            scales: { x: { time: false, range: () => charts.get(element)?.range ?? range } },
            axes: [
                { label: "step", stroke: "#4a5366", grid: { stroke: "#eef0f4" } },
                { stroke: "#4a5366", grid: { stroke: "#eef0f4" }, size: 60, values: percent ? (u, v) => v.map(x => `${(x * 100).toFixed(0)}%`) : tickLabels },
            ],
            series: [
                { label: "step" },
                ...series.map(s => ({
                    label: s.name,
                    stroke: lineColors[s.name] ?? "#59a14f",
                    width: s.name.startsWith("val") ? 2 : 1.25,
                    spanGaps: true,
                    points: { show: s.name.startsWith("val") },
                    value: (u, v) => v == null ? "–" : percent ? `${(v * 100).toFixed(1)}%` : v.toPrecision(4),
                })),
            ],
            plugins: run ? [snapshotLines(holder), selectedTime(run, holder, `run-${element.dataset.run}`)] : [snapshotLines(holder)],
        }, align(series), box);
    });
    charts.set(element, { keys: order.map(g => groups.get(g).map(s => s.name).join()), plots, range, holder });
    element.dataset.charts = plots.length;
    element.dataset.points = data.series.reduce((n, s) => n + s.values.length, 0);
}

// Axis ticks with three significant digits and no trailing zeros: a learning rate's 0.0015 and 0.002 stay apart
// (uPlot's own labels rounded both to 0.002), a loss's 2.5 does not read 2.50.
function tickLabels(u, values) {
    return values.map(x => x == null ? "" : String(Number(x.toPrecision(3))));
}

const accuracies = new WeakMap();

// The epochs' per-class accuracies, asking only for those after the epochs held.
const classAccuracies = (element, url) => fetchFollowing(accuracies, element, url, {
    count: d => d.epochs.length,
    read: u => fetchOk(u, "json"),
    append: (d, more) => ({ epochs: d.epochs.concat(more.epochs), accuracies: d.accuracies.concat(more.accuracies) }),
});

export async function showClassAccuracy(element, url, classNames) {
    await classAccuracies(element, url);
    const data = accuracies.get(element);
    charts.get(element)?.plots.forEach(p => p.destroy());
    element.replaceChildren();
    if (data.epochs.length === 0) {
        element.textContent = "No epoch finished yet.";
        return;
    }
    const columns = classNames.map((_, c) => data.accuracies.map(row => row[c] ?? null));
    const plot = new uPlot({
        width: 360,
        height: 260,
        legend: { show: false },
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [
            { label: "epoch", stroke: "#4a5366", grid: { stroke: "#eef0f4" }, incrs: [1, 2, 5, 10, 20, 50] },
            { stroke: "#4a5366", grid: { stroke: "#eef0f4" }, values: (u, v) => v.map(x => `${(x * 100).toFixed(0)}%`) },
        ],
        series: [{ label: "epoch" }, ...classNames.map((name, c) => ({ label: name, stroke: classColor(c), width: 1.5, points: { show: true, size: 4 } }))],
    }, [data.epochs, ...columns], element);
    charts.set(element, { keys: [], plots: [plot] });
}

const methodColors = ["#1b6ca8", "#d95f02", "#7570b3", "#1b9e77", "#e7298a", "#66a61e", "#a6761d", "#666666"];

function markBands(steps) {
    return {
        hooks: {
            drawClear: [u => {
                const g = u.ctx;
                g.save();
                g.fillStyle = "rgba(215, 38, 61, 0.18)";
                for (const step of steps) {
                    const x = u.valToPos(step, "x", true);
                    if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
                    g.fillRect(x - 5, u.bbox.top, 10, u.bbox.height);
                }
                g.restore();
            }],
        },
    };
}

const trustHeld = new WeakMap();

// Asks only for what follows what is held: the snapshots after those held (?from=; drift and faithfulness are only
// ever appended) and the loss and accuracy points after those held (have=, as the overview). The marked steps come
// whole. Starts over when an answer does not continue what is held (another run, a new line, a reply that crossed).
async function loadTrust(element, url) {
    const held = trustHeld.get(element);
    const d = held && held.url === url ? held : null;
    const have = d ? [d.loss, ...d.accuracy].map(m => `${encodeURIComponent(m.name)}:${m.steps.length}`).join(",") : "";
    const more = await fetchOk(d ? `${url}?from=${d.snapshots.length}&have=${have}` : `${url}?from=0`, "json");
    if (!d) {
        trustHeld.set(element, { ...more, url });
        return;
    }
    const names = lines => lines.map(l => l.name).join("\n");
    const series = [more.loss, ...more.accuracy];
    const heldSeries = new Map([d.loss, ...d.accuracy].map(m => [m.name, m]));
    const continues = trustHeld.get(element) === d && more.from === d.snapshots.length
        && names(more.drift) === names(d.drift) && names(more.faithfulness) === names(d.faithfulness)
        && more.accuracy.length === d.accuracy.length
        && series.every(m => m.from === (heldSeries.get(m.name)?.steps.length ?? -1));
    if (!continues) {
        trustHeld.delete(element);
        return loadTrust(element, url);
    }
    const lines = (mine, theirs) => mine.map((l, i) => ({ ...l, values: l.values.concat(theirs[i].values) }));
    const append = m => { const h = heldSeries.get(m.name); return { ...h, steps: h.steps.concat(m.steps), values: h.values.concat(m.values) }; };
    trustHeld.set(element, {
        ...d,
        marked: more.marked,
        snapshots: d.snapshots.concat(more.snapshots),
        steps: d.steps.concat(more.steps),
        drift: lines(d.drift, more.drift),
        faithfulness: lines(d.faithfulness, more.faithfulness),
        loss: append(more.loss),
        accuracy: more.accuracy.map(append),
    });
}

// Loss, explanation drift and faithfulness stacked on one step axis, the marked snapshots banded in each.
export async function showTrust(element, url) {
    await loadTrust(element, url);
    const data = trustHeld.get(element);
    charts.get(element)?.plots.forEach(p => p.destroy());
    element.replaceChildren();
    const steps = [...data.loss.steps, ...data.steps];
    const range = steps.length ? [Math.min(...steps), Math.max(...steps)] : [0, 1];
    const width = Math.max(600, (element.clientWidth || 1200) - 12);
    // The trust charts share the run's selected and hovered snapshot with its other views.
    const run = element.dataset.run;
    const holder = { steps: data.steps };
    const panels = [
        { title: "Training loss", x: data.loss.steps, lines: [{ name: "train.loss", values: data.loss.values, color: "#4e79a7" }] },
        ...(data.accuracy?.length ? [(() => {
            const [x, ...columns] = align(data.accuracy);
            return { title: "Accuracy: training vs validation", x, percent: true, points: true, lines: data.accuracy.map((a, i) => ({ name: a.name, values: columns[i], color: lineColors[a.name] ?? "#59a14f" })) };
        })()] : []),
        { title: "Explanation drift (1 − Spearman vs previous snapshot)", x: data.steps, lines: data.drift.map((l, i) => ({ ...l, color: methodColors[i % methodColors.length] })), points: true },
        { title: "Faithfulness", x: data.steps, lines: data.faithfulness.map((l, i) => ({ ...l, color: methodColors[i % methodColors.length] })), points: true },
    ];
    const plots = [];
    for (const panel of panels) {
        const box = document.createElement("div");
        box.className = "chart";
        element.appendChild(box);
        if (panel.lines.length === 0 || panel.x.length === 0) {
            box.textContent = `${panel.title}: nothing recorded yet.`;
            box.classList.add("empty-chart");
            continue;
        }
        plots.push(new uPlot({
            title: panel.title,
            width,
            height: 150,
            cursor: { sync: { key: `trust-${element.dataset.run}` } },
            scales: { x: { time: false, range: () => range } },
            axes: [
                { label: "step", stroke: "#4a5366", grid: { stroke: "#eef0f4" }, size: 36 },
                { stroke: "#4a5366", grid: { stroke: "#eef0f4" }, size: 56, values: panel.percent ? (u, v) => v.map(x => `${(x * 100).toFixed(0)}%`) : tickLabels },
            ],
            series: [{ label: "step" }, ...panel.lines.map(l => ({
                label: l.name, stroke: l.color, width: 1.5, spanGaps: true, points: { show: !!panel.points, size: 5 },
                value: (u, v) => v == null ? "–" : panel.percent ? `${(v * 100).toFixed(1)}%` : v.toPrecision(3),
            }))],
            plugins: run ? [markBands(data.marked), selectedTime(run, holder, `trust-${run}`)] : [markBands(data.marked)],
        }, [panel.x, ...panel.lines.map(l => l.values)], box));
    }
    charts.set(element, { keys: [], plots, range });
    element.dataset.charts = plots.length;
    element.dataset.marked = data.marked.length;
    element.dataset.snapshots = data.steps.length;
}
