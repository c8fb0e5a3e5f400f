/**
 * Tiny inline SVG charts: the report is one self-contained file (no CDN, no script), which
 * opens from the lake folder or an S3 console preview alike.
 */

export const PALETTE = [
  "#2563eb",
  "#f97316",
  "#16a34a",
  "#9333ea",
  "#dc2626",
  "#0891b2",
  "#ca8a04",
  "#64748b",
];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Series {
  readonly name: string;
  readonly values: readonly number[];
}

export interface BarChartOptions {
  readonly categories: readonly string[];
  readonly series: readonly Series[];
  /** Stack series on each other (parts of a whole) or place them side by side (comparison). */
  readonly stacked: boolean;
  readonly title: string;
  readonly unit?: string;
  readonly width?: number;
  readonly height?: number;
}

/** Vertical bars with a y axis, category labels (thinned when crowded) and a legend. */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 760;
  const height = o.height ?? 260;
  const m = { top: 28, right: 12, bottom: 46, left: 56 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const n = o.categories.length;
  const totals = o.categories.map((_, i) =>
    o.stacked
      ? o.series.reduce((s, x) => s + (x.values[i] ?? 0), 0)
      : Math.max(0, ...o.series.map((x) => x.values[i] ?? 0)),
  );
  const max = niceMax(Math.max(1, ...totals));
  const y = (v: number) => m.top + plotH - (v / max) * plotH;
  const band = plotW / Math.max(n, 1);
  const barW = o.stacked ? band * 0.72 : (band * 0.8) / Math.max(o.series.length, 1);
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`,
      `<text x="${m.left - 6}" y="${y(v) + 4}" text-anchor="end" class="tick">${compact(v)}</text>`,
    );
  }
  o.categories.forEach((cat, i) => {
    let base = 0;
    o.series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const x = o.stacked ? m.left + i * band + (band - barW) / 2 : m.left + i * band + band * 0.1 + k * barW;
      const top = o.stacked ? y(base + v) : y(v);
      const h = o.stacked ? y(base) - y(base + v) : y(0) - y(v);
      if (v > 0) {
        parts.push(
          `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(barW - 1, 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[k % PALETTE.length]}"><title>${escapeHtml(`${cat} · ${s.name}: ${v.toLocaleString("en-US")}${o.unit ? ` ${o.unit}` : ""}`)}</title></rect>`,
        );
      }
      base += v;
    });
    const every = Math.ceil(n / 12);
    if (i % every === 0) {
      parts.push(
        `<text x="${(m.left + i * band + band / 2).toFixed(1)}" y="${height - m.bottom + 16}" text-anchor="middle" class="tick">${escapeHtml(cat)}</text>`,
      );
    }
  });
  const legend = o.series
    .map(
      (s, k) =>
        `<g transform="translate(${m.left + k * 130},${height - 14})"><rect width="10" height="10" fill="${PALETTE[k % PALETTE.length]}"/><text x="14" y="9" class="tick">${escapeHtml(s.name)}</text></g>`,
    )
    .join("");
  return `<figure><figcaption>${escapeHtml(o.title)}</figcaption><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join("")}<line x1="${m.left}" x2="${width - m.right}" y1="${y(0)}" y2="${y(0)}" class="axis"/>${legend}</svg></figure>`;
}

/** Horizontal bars with labels and values: for stage timings. */
export function hbarChart(
  title: string,
  items: readonly { label: string; value: number; note?: string }[],
  unit: string,
  width = 1400,
): string {
  const row = 26;
  const left = 120;
  const height = items.length * row + 16;
  const max = Math.max(1, ...items.map((i) => i.value));
  const bars = items
    .map((it, i) => {
      const w = ((width - left - 260) * it.value) / max;
      const y = 8 + i * row;
      return `<text x="${left - 8}" y="${y + 14}" text-anchor="end" class="label">${escapeHtml(it.label)}</text><rect x="${left}" y="${y}" width="${Math.max(w, 1).toFixed(1)}" height="18" rx="3" fill="${PALETTE[i % PALETTE.length]}"/><text x="${left + w + 6}" y="${y + 14}" class="tick">${escapeHtml(`${it.value.toLocaleString("en-US")} ${unit}${it.note ? ` · ${it.note}` : ""}`)}</text>`;
    })
    .join("");
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">${bars}</svg></figure>`;
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

/** 1234 → 1.2k, 2_500_000 → 2.5M. */
export function compact(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(1)}`;
}

/** 1536 → "1.5 KiB". */
export function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
