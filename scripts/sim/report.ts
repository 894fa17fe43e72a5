/**
 * The simulation's outputs: the terminal table, the sweep over the sampling rate, and the chart
 * (Apache ECharts, rendered to SVG on the server: no canvas, no browser).
 */
import * as echarts from "echarts";

import { evaluate, region, withSamplingRate, type ClassResult, type ModelInputs } from "./model.js";

const fmt = (x: number) => (x >= 0 ? "+" : "") + x.toFixed(3);

/** The table `npm run sim` prints. */
export function evTable(results: ClassResult[]): string {
  const rows = results.map((r) => [
    r.id,
    r.per,
    fmt(r.ev) + (r.monteCarlo ? ` (MC ±${(2 * r.monteCarlo.stderr).toFixed(4)})` : ""),
    r.ev > 0 ? "POSITIVE" : r.ev === 0 ? "zero" : "negative",
    r.claimed,
    region(r),
  ]);
  const head = ["class", "per", "EV (× P)", "sign", "docs", "where it stops paying"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const names = results.map((r) => `  ${r.id}: ${r.name}`);
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), "", ...names].join("\n");
}

/** Rates swept for the chart, in basis points (0.1 % to 20 %). */
export const SWEEP_BPS = [10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 600, 700, 800, 900, 1_000, 1_200, 1_400, 1_600, 1_800, 2_000];

/** Every class's EV at each swept base rate (the Monte Carlo with fewer trials: a chart, not a figure). */
export function sweep(inputs: ModelInputs) {
  const series: Record<string, number[]> = {};
  const names: Record<string, string> = {};
  for (const rate of SWEEP_BPS) {
    const m = withSamplingRate(inputs, rate);
    m.assumptions = { ...m.assumptions, trials: 100, horizonJobs: 2_000 };
    for (const r of evaluate(m)) {
      (series[r.id] ??= []).push(+r.ev.toFixed(4));
      names[r.id] = r.name;
    }
  }
  return { rates: SWEEP_BPS, series, names };
}

/** The chart's lowest EV; a class whose every point lies below it is named with its best value. */
const Y_MIN = -6;

/** EV against the base sampling rate for each class, the defaults marked; returns the SVG text. */
export function renderChart(s: ReturnType<typeof sweep>, defaultRateBps: number, newRateBps: number): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: 1100, height: 680 });
  chart.setOption({
    animation: false,
    backgroundColor: "#ffffff",
    title: {
      text: "Depinfer: attacker's expected value per unit vs the sampling rate p",
      subtext: "in units of the job's price P; parameters read from the deployed contracts (npm run sim); above 0 the fault pays",
      left: "center",
    },
    legend: { type: "scroll", orient: "vertical", right: 10, top: 70, textStyle: { fontSize: 11 } },
    grid: { left: 70, right: 330, top: 80, bottom: 60 },
    xAxis: { type: "value", name: "base sampling rate p (%)", nameLocation: "middle", nameGap: 32, min: 0, max: 20 },
    yAxis: { type: "value", name: "EV (× P)", min: Y_MIN, max: 1.5 },
    series: Object.entries(s.series).map(([id, ys], i) => ({
      // a class far below the axis (the TOLERANT junk verifier: −a_junk (V + R) + c at every p) is named with its range
      name: Math.max(...ys) < Y_MIN ? `${id} (${Math.max(...ys).toFixed(1)} at best: below the axis)` : id,
      type: "line",
      showSymbol: false,
      data: s.rates.map((r, j) => [r / 100, ys[j]]),
      ...(i === 0
        ? {
            markLine: {
              symbol: "none",
              label: { formatter: "{b}" },
              data: [
                { name: `default p = ${defaultRateBps / 100} %`, xAxis: defaultRateBps / 100 },
                { name: `new-provider p = ${newRateBps / 100} %`, xAxis: newRateBps / 100 },
                { name: "EV = 0", yAxis: 0, lineStyle: { color: "#000", type: "solid" } },
              ],
            },
          }
        : {}),
    })),
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}
