// Layers × time heat strips: one row per parameter, one column per snapshot, colour on a log scale shared by all
// rows (so a layer that learns ten times faster reads so), the latest value at the right.
import { colormap, fetchOk, sizeCanvas } from "./colors.js";

const cache = new WeakMap();
const labelWidth = 210;

export async function drawLayers(canvas, url, measure) {
    if (url) cache.set(canvas, await fetchOk(url, "json"));
    const d = cache.get(canvas);
    if (!d) return;
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
}
