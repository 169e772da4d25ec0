import { html, Html } from "../admin/page/html";

/** Charts of the completeness report as inline SVG, rendered on the server: pictures without any script. */

export interface ChartSeries {
  name: string;
  color: string;
  /** One value per day; null where there is none (a delay of a day without mirrored tracks). */
  values: (number | null)[];
}

export interface ChartData {
  title: string;
  unit: string;
  days: string[];
  series: ChartSeries[];
}

const WIDTH = 720;
const HEIGHT = 200;
const MARGIN = { top: 16, right: 12, bottom: 34, left: 48 };
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;

/** A round top for the axis: 1, 2 or 5 times a power of ten. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((candidate) => candidate >= value) ?? 10 * power;
}

function frame(chart: ChartData, top: number, marks: Html[]): Html {
  const y = (value: number) => MARGIN.top + PLOT_HEIGHT - (value / top) * PLOT_HEIGHT;
  const slot = PLOT_WIDTH / Math.max(1, chart.days.length);
  // at most about 12 day labels, whatever the range
  const labelEvery = Math.max(1, Math.ceil(chart.days.length / 12));
  const ticks = [0, top / 2, top];
  return html`<figure class="chart"><figcaption>${chart.title}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${chart.title}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-size="11" font-family="system-ui, sans-serif">
${ticks.map((tick) => html`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#dde1e8"/><text x="${MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end" fill="#4a5366">${Number(tick.toPrecision(3))}${chart.unit}</text>`)}
${marks}
${chart.days.map((day, index) => (index % labelEvery === 0 ? html`<text x="${MARGIN.left + slot * (index + 0.5)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" fill="#4a5366">${day.slice(5)}</text>` : ""))}
</svg>
<div class="legend">${chart.series.map((series) => html`<span><i style="background:${series.color}"></i>${series.name}</span>`)}</div></figure>`;
}

/** One bar per day, its series stacked (counts). */
export function stackedBarChart(chart: ChartData): Html {
  const totals = chart.days.map((_, day) => chart.series.reduce((sum, series) => sum + (series.values[day] ?? 0), 0));
  const top = niceMax(Math.max(0, ...totals));
  const slot = PLOT_WIDTH / Math.max(1, chart.days.length);
  const barWidth = Math.max(2, Math.min(40, slot * 0.7));
  const bars = chart.days.flatMap((day, index) => {
    let base = 0;
    return chart.series.map((series) => {
      const value = series.values[index] ?? 0;
      const height = (value / top) * PLOT_HEIGHT;
      const y = MARGIN.top + PLOT_HEIGHT - ((base + value) / top) * PLOT_HEIGHT;
      base += value;
      return value === 0
        ? html``
        : html`<rect x="${(MARGIN.left + slot * index + (slot - barWidth) / 2).toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${height.toFixed(1)}" fill="${series.color}" data-day="${day}" data-series="${series.name}" data-value="${value}"><title>${day} ${series.name}: ${value}</title></rect>`;
    });
  });
  return frame(chart, top, bars);
}

/** One line per series over the days (durations); days without a value break the line. */
export function lineChart(chart: ChartData): Html {
  const top = niceMax(Math.max(0, ...chart.series.flatMap((series) => series.values.filter((value): value is number => value !== null))));
  const slot = PLOT_WIDTH / Math.max(1, chart.days.length);
  const point = (index: number, value: number) => `${(MARGIN.left + slot * (index + 0.5)).toFixed(1)},${(MARGIN.top + PLOT_HEIGHT - (value / top) * PLOT_HEIGHT).toFixed(1)}`;
  const marks = chart.series.flatMap((series) => {
    const runs: string[][] = [[]];
    series.values.forEach((value, index) => (value === null ? runs.push([]) : runs[runs.length - 1]!.push(point(index, value))));
    return [
      ...runs.filter((run) => run.length > 1).map((run) => html`<polyline points="${run.join(" ")}" fill="none" stroke="${series.color}" stroke-width="2"/>`),
      ...series.values.map((value, index) =>
        value === null
          ? html``
          : html`<circle cx="${point(index, value).split(",")[0]}" cy="${point(index, value).split(",")[1]}" r="3" fill="${series.color}" data-day="${chart.days[index]}" data-series="${series.name}" data-value="${value}"><title>${chart.days[index]} ${series.name}: ${value}${chart.unit}</title></circle>`,
      ),
    ];
  });
  return frame(chart, top, marks);
}
