// The first layer's filters across snapshots: one row per filter, one column per snapshot, each filter scaled over
// its whole history (so growth and change over time show, not just its shape).
import { fetchOk, sizeCanvas } from "./colors.js";

export async function drawFilters(canvas, url) {
    const d = await fetchOk(url, "json");
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
}
