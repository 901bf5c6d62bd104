/**
 * A small dependency-free SVG line chart: one x axis, a left and a right y
 * axis, any number of series on each. Enough for "loss and CPU per packet
 * against calls"; nothing more.
 */

export interface Series {
  name: string;
  axis: 'left' | 'right';
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  leftLabel: string;
  rightLabel: string;
  series: Series[];
  /** Horizontal reference lines, e.g. a target. */
  rules?: { axis: 'left' | 'right'; y: number; label: string; color: string }[];
  width?: number;
  height?: number;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(v: number): string {
  v = Number(v.toPrecision(6)); // 23.999999 → 24
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(Math.abs(v) >= 10 ? 1 : 2);
}

export function lineChartSvg(o: ChartOptions): string {
  const W = o.width ?? 760;
  const H = o.height ?? 420;
  const m = { l: 70, r: 80, t: o.subtitle ? 62 : 44, b: 92 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const all = o.series.flatMap((s) => s.points);
  const xMax = niceMax(Math.max(1, ...all.map((p) => p[0])));
  const yMax = (axis: 'left' | 'right') =>
    niceMax(
      Math.max(
        0,
        ...o.series.filter((s) => s.axis === axis).flatMap((s) => s.points.map((p) => p[1])),
        ...(o.rules ?? []).filter((r) => r.axis === axis).map((r) => r.y),
      ),
    );
  const yl = yMax('left');
  const yr = yMax('right');
  const X = (x: number) => m.l + (x / xMax) * pw;
  const Y = (y: number, axis: 'left' | 'right') => m.t + ph - (y / (axis === 'left' ? yl : yr)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  if (o.subtitle) out.push(`<text x="${W / 2}" y="42" text-anchor="middle" fill="#555">${esc(o.subtitle)}</text>`);
  // Grid and ticks.
  for (let i = 0; i <= 5; i++) {
    const y = m.t + (ph * i) / 5;
    out.push(`<line x1="${m.l}" y1="${y}" x2="${m.l + pw}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${fmt(yl * (1 - i / 5))}</text>`);
    out.push(`<text x="${m.l + pw + 6}" y="${y + 4}">${fmt(yr * (1 - i / 5))}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const x = m.l + (pw * i) / 5;
    out.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${m.t + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x}" y="${m.t + ph + 18}" text-anchor="middle">${fmt((xMax * i) / 5)}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${m.t + ph + 38}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.leftLabel)}</text>`);
  out.push(`<text transform="translate(${W - 16} ${m.t + ph / 2}) rotate(90)" text-anchor="middle">${esc(o.rightLabel)}</text>`);
  for (const r of o.rules ?? []) {
    const y = Y(r.y, r.axis);
    out.push(`<line x1="${m.l}" y1="${y}" x2="${m.l + pw}" y2="${y}" stroke="${r.color}" stroke-dasharray="2 4"/>`);
    out.push(`<text x="${r.axis === 'left' ? m.l + 4 : m.l + pw - 4}" y="${y - 4}" text-anchor="${r.axis === 'left' ? 'start' : 'end'}" fill="${r.color}">${esc(r.label)}</text>`);
  }
  for (const s of o.series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${X(p[0]).toFixed(1)},${Y(p[1], s.axis).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of s.points) {
      out.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1], s.axis).toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(s.name)}: ${fmt(p[1])} at ${fmt(p[0])}</title></circle>`);
    }
  }
  // Legend under the plot.
  let lx = m.l;
  const ly = H - 24;
  for (const s of o.series) {
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    const label = `${s.name} (${s.axis === 'left' ? 'left' : 'right'})`;
    out.push(`<text x="${lx + 28}" y="${ly + 4}">${esc(label)}</text>`);
    lx += 40 + label.length * 6.6;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
