// The first layer's filters across snapshots: one row per filter, one column per snapshot, each filter scaled over
// its whole history (so growth and change over time show, not just its shape).
// A live page fetches only the snapshots it lacks. The run's selected snapshot (time.js) is framed; a click on a column
// selects its snapshot for every view.
import { fetchOk, sizeCanvas } from "./colors.js";
import { fetchFollowing } from "./following.js";
import { nearest, onSelect, selectedStep, selectStep } from "./time.js";

const cache = new WeakMap();

// The snapshots' filters, asking only for those after the snapshots held; the same layer and shape continue them.
const load = (canvas, url) => fetchFollowing(cache, canvas, url, {
    count: d => d.snapshots.length,
    read: u => fetchOk(u, "json"),
    continues: (d, more) => d.layer === more.layer && d.count === more.count && d.channels === more.channels
        && d.height === more.height && d.width === more.width,
    append: (d, more) => ({
        snapshots: d.snapshots.concat(more.snapshots),
        steps: d.steps.concat(more.steps),
        data: d.data.concat(more.data),
    }),
});

// url: the run's filters endpoint, to fetch what is new first; null to redraw what is held.
export async function drawFilters(canvas, url) {
    if (url) await load(canvas, url);
    const d = cache.get(canvas);
    if (!d) return;
    follow(canvas);
    const s = d.snapshots.length, n = d.count, plane = d.height * d.width, size = d.channels * plane;
    const labelWidth = 70, top = 30;
    const avail = Math.max(300, (canvas.parentElement?.clientWidth ?? 1200) - labelWidth - 12);
    const tile = Math.max(10, Math.min(40, Math.floor(avail / Math.max(1, s)) - 2));
    const width = labelWidth + s * (tile + 2) + 8, height = top + n * (tile + 2) + 6;
    const g = sizeCanvas(canvas, width, height);
    g.fillStyle = "#fff";
    g.fillRect(0, 0, width, height);
    g.imageSmoothingEnabled = false;
    g.font = "10px system-ui, sans-serif";
    g.fillStyle = "#4a5366";
    g.fillText(d.layer ? `${d.layer} · step →` : "no filters recorded yet", 6, 12);
    const every = Math.max(1, Math.ceil(34 / (tile + 2)));
    for (let c = 0; c < s; c += every) g.fillText(`${d.steps[c]}`, labelWidth + c * (tile + 2), 25);
    let drawn = 0;
    for (let f = 0; f < n; f++) {
        let lo = Infinity, hi = -Infinity;
        for (const snapshot of d.data)
            for (let i = 0; i < size; i++) { const v = snapshot[f * size + i]; lo = Math.min(lo, v); hi = Math.max(hi, v); }
        const span = hi > lo ? hi - lo : 1;
        const y = top + f * (tile + 2);
        g.fillStyle = "#4a5366";
        g.fillText(`filter ${f}`, 6, y + Math.min(tile, 14) - 2);
        d.data.forEach((snapshot, c) => {
            const image = new ImageData(d.width, d.height);
            for (let i = 0; i < plane; i++) {
                for (let k = 0; k < 3; k++) {
                    const channel = Math.min(k, d.channels - 1);
                    image.data[i * 4 + k] = ((snapshot[f * size + channel * plane + i] - lo) / span) * 255;
                }
                image.data[i * 4 + 3] = 255;
            }
            const off = document.createElement("canvas");
            off.width = d.width;
            off.height = d.height;
            off.getContext("2d").putImageData(image, 0, 0);
            g.drawImage(off, labelWidth + c * (tile + 2), y, tile, tile);
            drawn++;
        });
    }
    canvas.dataset.filters = n;
    canvas.dataset.snapshots = s;
    canvas.dataset.tiles = drawn;
    const step = canvas.dataset.run ? selectedStep(canvas.dataset.run) : null;
    const selected = step === null ? -1 : nearest(d.steps, step);
    canvas.dataset.selectedColumn = selected;
    if (selected >= 0) {
        g.strokeStyle = "#1d4f86";
        g.lineWidth = 2;
        g.strokeRect(labelWidth + selected * (tile + 2) - 1, top - 2, tile + 2, n * (tile + 2) + 2);
        g.lineWidth = 1;
    }
    canvas._geometry = { left: labelWidth, pitch: tile + 2 };
}

// Once per canvas: redraw when another view selects a time, select the clicked column's snapshot.
function follow(canvas) {
    if (canvas._following || !canvas.dataset.run) return;
    canvas._following = true;
    // A canvas the page has dropped (another page now) stops listening at the next selection.
    const stop = onSelect(canvas.dataset.run, () => canvas.isConnected ? drawFilters(canvas, null) : stop());
    canvas.style.cursor = "pointer";
    canvas.addEventListener("click", e => {
        const d = cache.get(canvas);
        if (!d || !canvas._geometry) return;
        const c = Math.floor((e.clientX - canvas.getBoundingClientRect().left - canvas._geometry.left) / canvas._geometry.pitch);
        if (c >= 0 && c < d.steps.length) selectStep(canvas.dataset.run, d.steps[c]);
    });
}
