// The explanation timeline: probes as rows, snapshots as columns, one canvas, fed by one binary request per
// (run, method, target) whose layout TimelineEncoder.cs describes. New snapshots are fetched alone (?from=).
import { classColor, colormap, fetchOk, right, sizeCanvas, wrong } from "./colors.js";

const labelWidth = 150;
const headerHeight = 36;

function parse(buffer) {
    const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
    if (magic !== "CVT1") throw new Error(`timeline data starts with '${magic}', not CVT1`);
    const [from, s, p, h, w, ic, ih, iw, k] = new Int32Array(buffer, 4, 9);
    let o = 40;
    const ints = n => { const a = new Int32Array(buffer, o, n); o += 4 * n; return a; };
    const floats = n => { const a = new Float32Array(buffer, o, n); o += 4 * n; return a; };
    const bytes = n => { const a = new Uint8Array(buffer, o, n); o += n; return a; };
    const seq = ints(s), epoch = ints(s), step = ints(s);
    const offset = floats(s * p), scale = floats(s * p), prob = floats(s * p);
    const pred = bytes(s * p), present = bytes(s * p);
    o = Math.ceil(o / 4) * 4;
    const labels = ints(p), ids = ints(p);
    const codes = new Uint16Array(buffer, o, s * p * h * w);
    o += 2 * s * p * h * w;
    const images = from === 0 ? new Uint8Array(buffer, o, p * ic * ih * iw) : null;
    const columns = [];
    for (let c = 0; c < s; c++) {
        const cells = [];
        for (let r = 0; r < p; r++) {
            const i = c * p + r;
            cells.push({
                present: present[i] === 1, offset: offset[i], scale: scale[i], prob: prob[i], pred: pred[i] === 255 ? -1 : pred[i],
                codes: codes.subarray(i * h * w, (i + 1) * h * w),
            });
        }
        columns.push({ seq: seq[c], epoch: epoch[c], step: step[c], cells });
    }
    return { from, probes: p, h, w, ic, ih, iw, classes: k, labels: [...labels], ids: [...ids], images, columns };
}

class TimelineView {
    constructor(canvas, large, style) {
        this.canvas = canvas;
        this.large = large;
        this.style = style;
        this.data = null;
        this.url = null;
        this.selected = null;
        this.column = -1;
        this.thumbs = [];
        this.onKey = e => this.key(e);
        this.onClick = e => this.click(e);
        document.addEventListener("keydown", this.onKey);
        canvas.addEventListener("click", this.onClick);
    }

    async load(url) {
        this.url = url;
        const data = parse(await fetchOk(url, "binary"));
        if (url !== this.url) return;
        this.data = data;
        this.thumbs = data.labels.map((_, r) => this.probeImage(r));
        this.column = Math.min(this.column, data.columns.length - 1);
        this.draw();
    }

    async update() {
        if (!this.data || !this.url) return;
        const url = this.url;
        const more = parse(await fetchOk(`${url}&from=${this.data.columns.length}`, "binary"));
        if (url !== this.url) return;
        if (more.probes !== this.data.probes || more.from !== this.data.columns.length) return this.load(url);
        this.data.columns.push(...more.columns);
        this.draw();
    }

    restyle(style) {
        this.style = style;
        this.draw();
    }

    dispose() {
        document.removeEventListener("keydown", this.onKey);
        this.canvas.removeEventListener("click", this.onClick);
    }

    // The probe as a person sees it, at the map's resolution, as RGB.
    probeImage(r) {
        const d = this.data;
        const out = new Uint8ClampedArray(d.h * d.w * 3);
        if (!d.images || d.ih === 0) return out;
        const plane = d.ih * d.iw, base = r * d.ic * plane;
        for (let y = 0; y < d.h; y++) {
            for (let x = 0; x < d.w; x++) {
                const sy = Math.floor((y * d.ih) / d.h), sx = Math.floor((x * d.iw) / d.w);
                for (let c = 0; c < 3; c++) out[(y * d.w + x) * 3 + c] = d.images[base + Math.min(c, d.ic - 1) * plane + sy * d.iw + sx];
            }
        }
        return out;
    }

    ranges() {
        const d = this.data, mode = this.style.normalisation;
        const lo = (cell) => cell.offset, hi = (cell) => cell.offset + 65535 * cell.scale;
        const rows = d.labels.map((_, r) => {
            let a = Infinity, b = -Infinity;
            for (const col of d.columns) {
                const cell = col.cells[r];
                if (!cell.present) continue;
                a = Math.min(a, lo(cell)); b = Math.max(b, hi(cell));
            }
            return [a, b];
        });
        const all = rows.reduce(([a, b], [c, e]) => [Math.min(a, c), Math.max(b, e)], [Infinity, -Infinity]);
        return (r, cell) => mode === "row" ? rows[r] : mode === "global" ? all : [lo(cell), hi(cell)];
    }

    cellImage(r, cell, range) {
        const d = this.data, n = d.h * d.w;
        const table = colormap(this.style.colormap);
        const alpha = this.style.opacity;
        const image = new ImageData(d.w, d.h);
        const px = image.data, under = this.thumbs[r];
        const [lo, hi] = range;
        const span = hi > lo ? hi - lo : 1;
        for (let i = 0; i < n; i++) {
            const v = Math.min(1, Math.max(0, (cell.offset + cell.codes[i] * cell.scale - lo) / span));
            const k = Math.round(v * 255) * 3;
            // Low values let the image show through, so the map reads as a highlight on the probe.
            const a = alpha * (0.35 + 0.65 * v);
            for (let c = 0; c < 3; c++) px[i * 4 + c] = (1 - a) * under[i * 3 + c] + a * table[k + c];
            px[i * 4 + 3] = 255;
        }
        const off = document.createElement("canvas");
        off.width = d.w;
        off.height = d.h;
        off.getContext("2d").putImageData(image, 0, 0);
        return off;
    }

    layout() {
        const d = this.data;
        const avail = (this.canvas.parentElement?.clientWidth ?? 1200) - labelWidth - 8;
        const size = Math.max(40, Math.min(76, Math.floor(avail / Math.max(1, d.columns.length)) - 4));
        return { size, pitch: size + 4, rowPitch: size + 6 };
    }

    draw() {
        const started = performance.now();
        const d = this.data;
        if (!d) return;
        const { size, pitch, rowPitch } = this.layout();
        const width = labelWidth + d.columns.length * pitch + 8;
        const height = headerHeight + d.probes * rowPitch + 4;
        const g = sizeCanvas(this.canvas, width, height);
        g.fillStyle = "#fafbfc";
        g.fillRect(0, 0, width, height);
        g.imageSmoothingEnabled = true;
        const range = this.ranges();
        const names = this.style.classNames ?? [];

        if (this.column >= 0) {
            g.fillStyle = "#dde8f5";
            g.fillRect(labelWidth + this.column * pitch - 2, 0, pitch, height);
        }
        g.font = "11px system-ui, sans-serif";
        g.fillStyle = "#4a5366";
        g.textBaseline = "alphabetic";
        g.fillText("epoch · step", 8, 16);
        d.columns.forEach((col, c) => {
            const x = labelWidth + c * pitch;
            g.fillStyle = c === this.column ? "#1d4f86" : "#4a5366";
            g.font = "600 11px system-ui, sans-serif";
            g.fillText(`e${col.epoch}`, x + 2, 14);
            g.font = "10px system-ui, sans-serif";
            g.fillText(`${col.step}`, x + 2, 28);
        });

        let drawn = 0;
        for (let r = 0; r < d.probes; r++) {
            const y = headerHeight + r * rowPitch;
            const label = d.labels[r];
            g.fillStyle = classColor(label);
            g.fillRect(0, y, 5, size);
            const thumb = this.thumbCanvas(r);
            g.drawImage(thumb, 10, y, size, size);
            g.fillStyle = classColor(label);
            g.font = "600 12px system-ui, sans-serif";
            g.fillText(names[label] ?? `class ${label}`, 16 + size, y + 14);
            g.fillStyle = "#6b7487";
            g.font = "10px system-ui, sans-serif";
            g.fillText(`probe ${d.ids[r]}`, 16 + size, y + 28);
            d.columns.forEach((col, c) => {
                const cell = col.cells[r];
                const x = labelWidth + c * pitch;
                if (!cell.present) {
                    g.strokeStyle = "#d5d9e2";
                    g.strokeRect(x + 0.5, y + 0.5, size - 1, size - 1);
                    return;
                }
                g.drawImage(this.cellImage(r, cell, range(r, cell)), x, y, size, size);
                drawn++;
                if (cell.pred >= 0) {
                    g.strokeStyle = cell.pred === label ? right : wrong;
                    g.lineWidth = 2.5;
                    g.strokeRect(x + 1.25, y + 1.25, size - 2.5, size - 2.5);
                    g.lineWidth = 1;
                }
                if (!Number.isNaN(cell.prob)) {
                    const text = cell.prob.toFixed(2);
                    g.font = "600 10px system-ui, sans-serif";
                    const tw = g.measureText(text).width + 4;
                    g.fillStyle = "rgba(20, 24, 32, 0.72)";
                    g.fillRect(x + size - tw - 3, y + size - 15, tw, 12);
                    g.fillStyle = "#fff";
                    g.fillText(text, x + size - tw - 1, y + size - 5);
                }
                if (this.selected && this.selected.row === r && this.selected.col === c) {
                    g.strokeStyle = "#1d4f86";
                    g.lineWidth = 2;
                    g.strokeRect(x - 2, y - 2, size + 4, size + 4);
                    g.lineWidth = 1;
                }
            });
        }
        this.canvas.dataset.cells = drawn;
        // Where the cells are, for tests and tools: the label column, header, cell size and pitches.
        this.canvas.dataset.geometry = [labelWidth, headerHeight, size, pitch, rowPitch].join(",");
        this.canvas.dataset.probes = d.probes;
        this.canvas.dataset.snapshots = d.columns.length;
        this.canvas.dataset.drawMs = (performance.now() - started).toFixed(1);
        this.drawLarge();
    }

    thumbCanvas(r) {
        const d = this.data, n = d.h * d.w, px = new ImageData(Math.max(1, d.w), Math.max(1, d.h));
        for (let i = 0; i < n; i++) {
            for (let c = 0; c < 3; c++) px.data[i * 4 + c] = this.thumbs[r][i * 3 + c];
            px.data[i * 4 + 3] = 255;
        }
        const off = document.createElement("canvas");
        off.width = px.width;
        off.height = px.height;
        off.getContext("2d").putImageData(px, 0, 0);
        return off;
    }

    hit(event) {
        const d = this.data;
        if (!d) return null;
        const rect = this.canvas.getBoundingClientRect();
        const x = event.clientX - rect.left, y = event.clientY - rect.top;
        const { size, pitch, rowPitch } = this.layout();
        const col = Math.floor((x - labelWidth) / pitch);
        if (col < 0 || col >= d.columns.length) return null;
        if (y < headerHeight) return { row: -1, col };
        const row = Math.floor((y - headerHeight) / rowPitch);
        if (row < 0 || row >= d.probes || (y - headerHeight) % rowPitch > size) return { row: -1, col };
        return { row, col };
    }

    click(event) {
        const at = this.hit(event);
        if (!at) return;
        this.column = at.col;
        this.selected = at.row >= 0 ? at : null;
        this.draw();
    }

    key(event) {
        if (!this.data || ["INPUT", "SELECT", "TEXTAREA"].includes(event.target?.tagName)) return;
        const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (event.key === "Escape" && this.selected) {
            this.selected = null;
            this.draw();
            return;
        }
        if (step === 0) return;
        event.preventDefault();
        const last = this.data.columns.length - 1;
        this.column = Math.max(0, Math.min(last, (this.column < 0 ? (step > 0 ? -1 : last + 1) : this.column) + step));
        if (this.selected) this.selected = { row: this.selected.row, col: this.column };
        this.draw();
    }

    // The chosen cell large, its neighbours in time beneath it.
    drawLarge() {
        const d = this.data, s = this.selected;
        if (!s || s.row >= d.probes || s.col >= d.columns.length) {
            const hint = document.createElement("p");
            hint.className = "large-hint";
            hint.textContent = "Click a cell to see it large, beside its neighbours in time. ← → step through the snapshots, Esc closes.";
            this.large.replaceChildren(hint);
            this.large.dataset.open = "false";
            return;
        }
        const names = this.style.classNames ?? [];
        const range = this.ranges();
        const label = d.labels[s.row];
        const col = d.columns[s.col];
        const cell = col.cells[s.row];
        const title = document.createElement("div");
        title.className = "large-title";
        const predicted = cell.pred >= 0 ? (names[cell.pred] ?? `class ${cell.pred}`) : "unknown";
        const verdict = cell.pred < 0 ? "" : cell.pred === label ? " (right)" : " (wrong)";
        const head = document.createElement("b");
        head.textContent = `probe ${d.ids[s.row]} · ${names[label] ?? label} · snapshot ${col.seq}`;
        head.style.color = classColor(label);
        title.append(head, document.createElement("br"),
            `epoch ${col.epoch}, step ${col.step} · predicted ${predicted}${verdict}` + (Number.isNaN(cell.prob) ? "" : ` · p(true) = ${cell.prob.toFixed(3)}`));
        const figure = (c, px) => {
            const other = d.columns[c].cells[s.row];
            const box = document.createElement("figure");
            const canvas = document.createElement("canvas");
            const g = sizeCanvas(canvas, px, px);
            g.imageSmoothingEnabled = true;
            if (other.present) g.drawImage(this.cellImage(s.row, other, range(s.row, other)), 0, 0, px, px);
            if (other.pred >= 0) {
                g.strokeStyle = other.pred === label ? right : wrong;
                g.lineWidth = px > 100 ? 4 : 2.5;
                g.strokeRect(g.lineWidth / 2, g.lineWidth / 2, px - g.lineWidth, px - g.lineWidth);
            }
            const caption = document.createElement("figcaption");
            caption.textContent = px > 100 ? `${this.methodName()}` : `e${d.columns[c].epoch}·${d.columns[c].step}` + (Number.isNaN(other.prob) ? "" : ` ${other.prob.toFixed(2)}`);
            box.append(canvas, caption);
            if (px <= 100) box.addEventListener("click", () => { this.selected = { row: s.row, col: c }; this.column = c; this.draw(); });
            return box;
        };
        const row = document.createElement("div");
        row.className = "large-row";
        for (const c of [s.col - 2, s.col - 1, s.col + 1, s.col + 2]) {
            if (c >= 0 && c < d.columns.length) row.appendChild(figure(c, 70));
        }
        this.large.replaceChildren(title, figure(s.col, 300), row);
        this.large.dataset.open = "true";
    }

    methodName() {
        const match = /method=([^&]*)&target=([^&]*)/.exec(this.url ?? "");
        return match ? `${decodeURIComponent(match[1])} · ${decodeURIComponent(match[2])}` : "";
    }
}

export function createTimeline(canvas, large, style) {
    return new TimelineView(canvas, large, style);
}
