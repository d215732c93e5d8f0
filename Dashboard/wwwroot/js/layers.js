// Layers × time heat strips: one row per parameter, one column per snapshot, colour on a log scale shared by all
// rows (so a layer that learns ten times faster reads so), the latest value at the right. Below, one layer's weight
// histograms over time: a column per snapshot, weight value upwards on one axis for every snapshot.
// A live page fetches only the snapshots it lacks. The run's selected snapshot (time.js) is framed in both; a click
// on a column selects it for every view of the run.
import { colormap, fetchOk, sizeCanvas } from "./colors.js";
import { fetchFollowing } from "./following.js";
import { nearest, onSelect, selectedStep, selectStep } from "./time.js";

const cache = new WeakMap();
const labelWidth = 210;

// The snapshots' columns, asking only for those after the snapshots held; the same layers continue them.
const load = (canvas, url) => fetchFollowing(cache, canvas, url, {
    count: d => d.snapshots.length,
    read: u => fetchOk(u, "json"),
    continues: (d, more) => d.layers.join("\n") === more.layers.join("\n"),
    append: (d, more) => {
        const rows = key => d[key].map((row, r) => row.concat(more[key][r]));
        return {
            snapshots: d.snapshots.concat(more.snapshots),
            steps: d.steps.concat(more.steps),
            updateRatio: rows("updateRatio"),
            gradientNorm: rows("gradientNorm"),
            weightNorm: rows("weightNorm"),
            histograms: rows("histograms"),
        };
    },
});

// url: the run's layers endpoint, to fetch what is new first; null to redraw what is held.
export async function drawLayers(canvas, url, measure, histogramCanvas, layer) {
    if (url) await load(canvas, url);
    const d = cache.get(canvas);
    if (!d) return;
    follow(canvas, histogramCanvas, measure, layer);
    if (histogramCanvas) drawHistograms(histogramCanvas, d, layer);
    const grid = d[measure] ?? [];
    const s = d.snapshots.length;
    const values = grid.flat().filter(v => v != null && v > 0);
    const lo = values.length ? Math.log10(Math.min(...values)) : 0;
    const hi = values.length ? Math.log10(Math.max(...values)) : 1;
    const span = hi > lo ? hi - lo : 1;
    const avail = Math.max(300, (canvas.parentElement?.clientWidth ?? 1200) - labelWidth - 100);
    const cw = Math.max(6, Math.min(48, Math.floor(avail / Math.max(1, s))));
    const rh = 20, top = 26, legend = 40;
    const width = labelWidth + s * cw + 90;
    const height = top + d.layers.length * rh + legend;
    const g = sizeCanvas(canvas, width, height);
    g.fillStyle = "#fff";
    g.fillRect(0, 0, width, height);
    const table = colormap("viridis");
    const colour = v => {
        const k = Math.round(Math.min(1, Math.max(0, (Math.log10(v) - lo) / span)) * 255) * 3;
        return `rgb(${table[k]},${table[k + 1]},${table[k + 2]})`;
    };
    g.font = "10px system-ui, sans-serif";
    g.fillStyle = "#4a5366";
    g.fillText("snapshot →", 8, 16);
    const every = Math.max(1, Math.ceil(28 / cw));
    for (let c = 0; c < s; c += every) g.fillText(`${d.snapshots[c]}`, labelWidth + c * cw + 1, 16);
    d.layers.forEach((layer, r) => {
        const y = top + r * rh;
        g.fillStyle = "#2b3140";
        g.font = "11px ui-monospace, monospace";
        g.fillText(layer.length > 30 ? `…${layer.slice(-29)}` : layer, 8, y + 14);
        let latest = null;
        for (let c = 0; c < s; c++) {
            const v = grid[r]?.[c];
            g.fillStyle = v == null || v <= 0 ? "#eef0f4" : colour(v);
            g.fillRect(labelWidth + c * cw, y + 1, cw - (cw > 8 ? 1 : 0), rh - 2);
            if (v != null) latest = v;
        }
        g.fillStyle = "#4a5366";
        g.font = "10px system-ui, sans-serif";
        g.fillText(latest == null ? "–" : latest.toExponential(1), labelWidth + s * cw + 8, y + 14);
    });
    // The colour scale.
    const ly = top + d.layers.length * rh + 14;
    for (let i = 0; i < 200; i++) {
        const k = Math.round((i / 199) * 255) * 3;
        g.fillStyle = `rgb(${table[k]},${table[k + 1]},${table[k + 2]})`;
        g.fillRect(labelWidth + i, ly, 1, 10);
    }
    g.fillStyle = "#4a5366";
    g.fillText(values.length ? (10 ** lo).toExponential(1) : "no values yet", labelWidth - 52, ly + 9);
    if (values.length) g.fillText((10 ** hi).toExponential(1), labelWidth + 206, ly + 9);
    canvas.dataset.rows = d.layers.length;
    canvas.dataset.columns = s;
    const selected = selectedColumn(canvas, d);
    canvas.dataset.selectedColumn = selected;
    if (selected >= 0) frame(g, labelWidth + selected * cw, top - 3, cw, d.layers.length * rh + 5);
    canvas._geometry = { left: labelWidth, width: cw, columns: s };
}

// The column of the run's selected snapshot (-1: none chosen).
function selectedColumn(canvas, d) {
    const step = canvas.dataset.run ? selectedStep(canvas.dataset.run) : null;
    return step === null ? -1 : nearest(d.steps, step);
}

function frame(g, x, y, w, h) {
    g.strokeStyle = "#1d4f86";
    g.lineWidth = 2;
    g.strokeRect(x + 1, y + 1, w - 2, h - 2);
    g.lineWidth = 1;
}

// Once per canvas: redraw when another view selects a time, select the clicked column's snapshot.
function follow(canvas, histogramCanvas, measure, layer) {
    canvas._style = { histogramCanvas, measure, layer };
    if (canvas._following || !canvas.dataset.run) return;
    canvas._following = true;
    // A canvas the page has dropped (another page now) stops listening at the next selection.
    const stop = onSelect(canvas.dataset.run, () => {
        if (!canvas.isConnected) return stop();
        const { histogramCanvas: h, measure: m, layer: l } = canvas._style;
        drawLayers(canvas, null, m, h, l);
    });
    const pick = (target, left, width) => e => {
        const d = cache.get(canvas);
        if (!d) return;
        const x = e.clientX - target.getBoundingClientRect().left;
        const c = Math.floor((x - left()) / width());
        if (c >= 0 && c < d.steps.length) selectStep(canvas.dataset.run, d.steps[c]);
    };
    canvas.style.cursor = "pointer";
    canvas.addEventListener("click", pick(canvas, () => canvas._geometry.left, () => canvas._geometry.width));
    if (histogramCanvas) {
        histogramCanvas.style.cursor = "pointer";
        histogramCanvas.addEventListener("click", pick(histogramCanvas, () => histogramCanvas._geometry?.left ?? 0, () => histogramCanvas._geometry?.width ?? 1));
    }
}

// The chosen layer's histograms, one column per snapshot. Each snapshot's bins cover its own [min, max]; they are
// placed on the value axis all snapshots share, so widening or shifting weights read as such. Shade: the bin's
// count against the snapshot's fullest bin, so each column's shape shows.
function drawHistograms(canvas, d, layer) {
    const r = d.layers.indexOf(layer);
    const columns = r >= 0 ? d.histograms?.[r] ?? [] : [];
    const present = columns.filter(h => h && h.counts.length > 0);
    const lo = present.length ? Math.min(...present.map(h => h.min)) : 0;
    const hi = present.length ? Math.max(...present.map(h => h.max)) : 1;
    const span = hi > lo ? hi - lo : 1;
    const s = columns.length;
    const left = 70, top = 10, plotHeight = 220, bottom = 34;
    const avail = Math.max(300, (canvas.parentElement?.clientWidth ?? 1200) - left - 30);
    const cw = Math.max(4, Math.min(40, Math.floor(avail / Math.max(1, s))));
    const width = left + s * cw + 20;
    const height = top + plotHeight + bottom;
    const g = sizeCanvas(canvas, width, height);
    g.fillStyle = "#fff";
    g.fillRect(0, 0, width, height);
    const y = v => top + plotHeight - ((v - lo) / span) * plotHeight;
    // White for an empty bin to dark blue for the fullest (square root, so sparse tails still show).
    const shade = t => `rgb(${Math.round(255 - t * (255 - 29))},${Math.round(255 - t * (255 - 79))},${Math.round(255 - t * (255 - 134))})`;
    let drawn = 0;
    columns.forEach((h, c) => {
        const x = left + c * cw, w = cw - (cw > 6 ? 1 : 0);
        g.fillStyle = "#fbfbfd";
        g.fillRect(x, top, w, plotHeight);
        if (!h || h.counts.length === 0) return;
        const most = Math.max(...h.counts);
        const bin = (h.max - h.min) / h.counts.length;
        h.counts.forEach((n, b) => {
            if (n === 0 || most === 0) return;
            g.fillStyle = shade(Math.sqrt(n / most));
            // Whole pixels, so neighbouring bins meet without seams.
            const y0 = Math.floor(y(h.min + (b + 1) * bin)), y1 = Math.ceil(y(h.min + b * bin));
            g.fillRect(x, y0, w, Math.max(1, y1 - y0));
        });
        drawn++;
    });
    g.fillStyle = "#4a5366";
    g.font = "10px system-ui, sans-serif";
    const zero = lo < 0 && hi > 0;
    for (const v of zero ? [hi, lo] : [hi, (lo + hi) / 2, lo]) g.fillText(present.length ? v.toPrecision(2) : "", 8, Math.min(top + plotHeight, Math.max(top + 8, y(v) + 4)));
    if (zero) {
        g.strokeStyle = "rgba(0, 0, 0, 0.35)";
        g.setLineDash([3, 3]);
        g.beginPath();
        g.moveTo(left, Math.round(y(0)) + 0.5);
        g.lineTo(left + s * cw, Math.round(y(0)) + 0.5);
        g.stroke();
        g.setLineDash([]);
        g.fillText("0", 8, y(0) + 4);
    }
    const every = Math.max(1, Math.ceil(28 / cw));
    for (let c = 0; c < s; c += every) g.fillText(`${d.snapshots[c]}`, left + c * cw + 1, top + plotHeight + 13);
    g.fillText(present.length ? `snapshot → (${layer})` : "no histograms recorded yet", left, top + plotHeight + 28);
    canvas.dataset.layer = layer ?? "";
    canvas.dataset.columns = drawn;
    canvas._geometry = { left, width: cw };
    const step = canvas.dataset.run ? selectedStep(canvas.dataset.run) : null;
    const selected = step === null ? -1 : nearest(d.steps, step);
    canvas.dataset.selectedColumn = selected;
    if (selected >= 0) frame(g, left + selected * cw, top - 2, cw, plotHeight + 4);
}
