// The run's curves on one step axis (uPlot, installed from npm): loss, accuracy and learning rate, with the
// snapshots marked, cursors synchronised across the charts.
import { fetchOk, classColor } from "./colors.js";

const lineColors = { "train.loss": "#4e79a7", "val.loss": "#f28e2b", "train.accuracy": "#4e79a7", "val.accuracy": "#f28e2b", lr: "#7a5195" };
const charts = new WeakMap();

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

function snapshotLines(steps) {
    return {
        hooks: {
            draw: [u => {
                const g = u.ctx;
                g.save();
                g.strokeStyle = "rgba(90, 100, 120, 0.25)";
                g.lineWidth = 1;
                for (const step of steps) {
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

export async function showOverview(element, url, chartsPerRow) {
    const data = await fetchOk(url, "json");
    const groups = new Map();
    for (const s of data.series) {
        const g = group(s.name);
        if (!groups.has(g)) groups.set(g, []);
        groups.get(g).push(s);
    }
    const order = ["Loss", "Accuracy", "Learning rate", "Other"].filter(g => groups.has(g));
    const snapshotSteps = data.snapshots.map(s => s.step);
    // Side by side at 1280 pixels, all on the same step range: one time axis for every chart.
    const perRow = Math.max(1, Math.min(chartsPerRow ?? 3, order.length));
    const width = Math.max(300, Math.floor(((element.clientWidth || 1200) - 16 * (perRow - 1)) / perRow) - 10);
    const allSteps = data.series.flatMap(s => s.steps);
    const range = allSteps.length ? [Math.min(...allSteps), Math.max(...allSteps)] : [0, 1];
    const existing = charts.get(element);
    if (existing && existing.keys.join() === order.map(g => groups.get(g).map(s => s.name).join()).join()) {
        existing.range = range;
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
                { stroke: "#4a5366", grid: { stroke: "#eef0f4" }, size: 60, values: percent ? (u, v) => v.map(x => `${(x * 100).toFixed(0)}%`) : undefined },
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
            plugins: [snapshotLines(snapshotSteps)],
        }, align(series), box);
    });
    charts.set(element, { keys: order.map(g => groups.get(g).map(s => s.name).join()), plots, range });
    element.dataset.charts = plots.length;
    element.dataset.points = data.series.reduce((n, s) => n + s.values.length, 0);
}

export async function showClassAccuracy(element, url, classNames) {
    const data = await fetchOk(url, "json");
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

// Loss, explanation drift and faithfulness stacked on one step axis, the marked snapshots banded in each.
export async function showTrust(element, url) {
    const data = await fetchOk(url, "json");
    charts.get(element)?.plots.forEach(p => p.destroy());
    element.replaceChildren();
    const steps = [...data.loss.steps, ...data.steps];
    const range = steps.length ? [Math.min(...steps), Math.max(...steps)] : [0, 1];
    const width = Math.max(600, (element.clientWidth || 1200) - 12);
    const panels = [
        { title: "Training loss", x: data.loss.steps, lines: [{ name: "train.loss", values: data.loss.values, color: "#4e79a7" }] },
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
                { stroke: "#4a5366", grid: { stroke: "#eef0f4" }, size: 56 },
            ],
            series: [{ label: "step" }, ...panel.lines.map(l => ({
                label: l.name, stroke: l.color, width: 1.5, spanGaps: true, points: { show: !!panel.points, size: 5 },
                value: (u, v) => v == null ? "–" : v.toPrecision(3),
            }))],
            plugins: [markBands(data.marked)],
        }, [panel.x, ...panel.lines.map(l => l.values)], box));
    }
    charts.set(element, { keys: [], plots, range });
    element.dataset.charts = plots.length;
    element.dataset.marked = data.marked.length;
}
