// The validation cube: one mark per validation image, each a strip of its epochs left to right, grouped by class,
// images whose prediction flips first. Data layout: CubeEncoder.cs; a live page fetches only the epochs it lacks.
// The run's selected snapshot (time.js) is outlined in every mark, at the epoch nearest to its step.
import { classColor, colormap, fetchOk, right, sizeCanvas, wrong } from "./colors.js";
import { fetchFollowing } from "./following.js";
import { nearest, onSelect, selectedStep } from "./time.js";

const cache = new WeakMap();
const labelWidth = 130;

// The "CVC2" answer to ?from=: the epochs after those the page holds (labels and indices only when from = 0).
function parse(buffer) {
    const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
    if (magic !== "CVC2") throw new Error(`cube data starts with '${magic}', not CVC2`);
    const [from, e, n, k] = new Int32Array(buffer, 4, 4);
    let o = 20;
    const epochs = Array.from(new Int32Array(buffer, o, e)); o += 4 * e;
    const steps = Array.from(new Int32Array(buffer, o, e)); o += 4 * e;
    let labels = null, indices = null;
    if (from === 0) {
        labels = new Int32Array(buffer, o, n); o += 4 * n;
        indices = new Int32Array(buffer, o, n); o += 4 * n;
    }
    const prob = new Float32Array(buffer, o, e * n); o += 4 * e * n;
    const pred = new Uint8Array(buffer, o, e * n);
    return { from, e, n, k, epochs, labels, indices, prob, pred, steps };
}

// The epochs, asking only for those after the epochs held; the same images continue them.
const load = (canvas, url) => fetchFollowing(cache, canvas, url, {
    count: d => d.e,
    read: async u => parse(await fetchOk(u, "binary")),
    continues: (d, more) => d.n === more.n,
    append: (d, more) => {
        const prob = new Float32Array((d.e + more.e) * d.n);
        prob.set(d.prob);
        prob.set(more.prob, d.e * d.n);
        const pred = new Uint8Array((d.e + more.e) * d.n);
        pred.set(d.pred);
        pred.set(more.pred, d.e * d.n);
        return { e: d.e + more.e, epochs: d.epochs.concat(more.epochs), steps: d.steps.concat(more.steps), prob, pred };
    },
});

function flips(d, i) {
    let count = 0, last = -1;
    for (let t = 0; t < d.e; t++) {
        const p = d.pred[t * d.n + i];
        if (p === 255) continue;
        if (last >= 0 && p !== last) count++;
        last = p;
    }
    return count;
}

// url: the run's cube endpoint, to fetch what is new first; null to redraw what is held.
export async function drawCube(canvas, url, style) {
    if (url) await load(canvas, url);
    const d = cache.get(canvas);
    if (!d) return;
    canvas._style = style;
    if (!canvas._following && canvas.dataset.run) {
        canvas._following = true;
        // A canvas the page has dropped (another page now) stops listening at the next selection.
        const stop = onSelect(canvas.dataset.run, () => canvas.isConnected ? drawCube(canvas, null, canvas._style) : stop());
    }
    const step = canvas.dataset.run ? selectedStep(canvas.dataset.run) : null;
    const chosen = step === null || d.steps.length === 0 ? -1 : nearest(d.steps, step);
    const names = style.classNames ?? [];
    const classes = Math.max(d.k, ...Array.from(d.labels, l => l + 1));
    const groups = Array.from({ length: classes }, () => []);
    for (let i = 0; i < d.n; i++) groups[d.labels[i]]?.push(i);
    const last = d.e - 1;
    for (const g of groups) {
        // Unstable images first, then the least confident at the last epoch.
        g.sort((a, b) => flips(d, b) - flips(d, a) || d.prob[last * d.n + a] - d.prob[last * d.n + b]);
    }

    const avail = Math.max(300, (canvas.parentElement?.clientWidth ?? 900) - labelWidth - 12);
    let cellW = 1, cellH = 6;
    for (const w of [8, 6, 5, 4, 3, 2, 1]) {
        const h = Math.max(6, Math.min(14, w * 2));
        const perRow = Math.max(1, Math.floor(avail / (w * d.e + 3)));
        const rows = groups.reduce((s, g) => s + Math.max(1, Math.ceil(g.length / perRow)), 0);
        if (rows * (h + 3) + classes * 14 <= 1100 || w === 1) { cellW = w; cellH = h; break; }
    }
    const markW = cellW * Math.max(1, d.e), gap = 3;
    const perRow = Math.max(1, Math.floor(avail / (markW + gap)));
    const bandHeights = groups.map(g => Math.max(34, Math.ceil(g.length / perRow) * (cellH + gap) + 10));
    const height = bandHeights.reduce((a, b) => a + b, 0) + 4;
    const width = labelWidth + Math.min(perRow, Math.max(...groups.map(g => g.length), 1)) * (markW + gap) + 12;
    const ctx = sizeCanvas(canvas, width, height);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    const table = colormap("viridis");
    let y = 2, marks = 0;
    const hits = [];
    groups.forEach((g, c) => {
        const band = bandHeights[c];
        if (c % 2 === 1) {
            ctx.fillStyle = "#f6f7f9";
            ctx.fillRect(0, y, width, band);
        }
        ctx.fillStyle = classColor(c);
        ctx.fillRect(0, y + 4, 5, band - 8);
        ctx.font = "600 12px system-ui, sans-serif";
        ctx.fillText(names[c] ?? `class ${c}`, 12, y + 17);
        const right_ = g.filter(i => d.pred[last * d.n + i] === c).length;
        const unstable = g.filter(i => flips(d, i) > 0).length;
        ctx.fillStyle = "#6b7487";
        ctx.font = "10px system-ui, sans-serif";
        if (g.length > 0) ctx.fillText(`${Math.round((100 * right_) / g.length)}% · ${unstable} flipped`, 12, y + 30);
        g.forEach((i, k) => {
            const x0 = labelWidth + (k % perRow) * (markW + gap);
            const y0 = y + 5 + Math.floor(k / perRow) * (cellH + gap);
            hits.push([x0, y0, i]);
            for (let t = 0; t < d.e; t++) {
                const p = d.pred[t * d.n + i], q = d.prob[t * d.n + i];
                if (p === 255) ctx.fillStyle = "#e3e6ee";
                else if (style.colouring === "probability" && !Number.isNaN(q)) {
                    const j = Math.round(Math.min(1, Math.max(0, q)) * 255) * 3;
                    ctx.fillStyle = `rgb(${table[j]},${table[j + 1]},${table[j + 2]})`;
                } else ctx.fillStyle = p === c ? right : wrong;
                ctx.fillRect(x0 + t * cellW, y0, cellW, cellH);
            }
            if (chosen >= 0) {
                ctx.strokeStyle = "#1d4f86";
                ctx.lineWidth = 1.5;
                ctx.strokeRect(x0 + chosen * cellW + 0.75, y0 - 1.25, Math.max(1, cellW - 1.5), cellH + 2.5);
                ctx.lineWidth = 1;
            }
            marks++;
        });
        y += band;
    });
    canvas.dataset.marks = marks;
    openOnClick(canvas, { hits, d, cellW, cellH, markW, url: style.postHocUrl });
    canvas.dataset.epochs = d.e;
    canvas.dataset.selectedEpoch = chosen >= 0 ? d.epochs[chosen] : "";
    canvas.dataset.images = d.n;
}

// A click on a mark opens that validation image in post-hoc analysis at the epoch under the pointer.
function openOnClick(canvas, layout) {
    canvas._layout = layout;
    if (!layout.url || canvas.dataset.clickable) return;
    canvas.dataset.clickable = "1";
    canvas.style.cursor = "pointer";
    canvas.title = "click an image to explain it at that epoch";
    canvas.addEventListener("click", e => {
        const { hits, d, cellW, cellH, markW, url } = canvas._layout;
        const box = canvas.getBoundingClientRect();
        const x = e.clientX - box.left, y = e.clientY - box.top;
        const hit = hits.find(([x0, y0]) => x >= x0 && x < x0 + markW && y >= y0 && y < y0 + cellH);
        if (!hit) return;
        const t = Math.min(d.e - 1, Math.floor((x - hit[0]) / cellW));
        window.location.href = `${url}?image=validation:${d.indices[hit[2]]}&epoch=${d.epochs[t]}`;
    });
}
