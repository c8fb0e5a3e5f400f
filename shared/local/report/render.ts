import type { ReportData } from "./collect.ts";
import type { PublishedView } from "./published-view.ts";
import { queryRecipes } from "./query-recipes.ts";
import { STYLE } from "./style.ts";
import { barChart, bytes, escapeHtml, hbarChart, type Series } from "./svg.ts";

const fmt = (n: number) => n.toLocaleString("en-US");

/** The run report: a page a person would rather look at than a JSON run record. */
export function renderReport(d: ReportData): string {
  const { run, ingest } = d;
  const c = run.stages.compact;
  const late = d.gold.reduce((n, g) => n + g.late, 0);
  const cards = [
    [
      "records in",
      fmt(ingest.recordsIn),
      `${fmt(ingest.invocations)} invocations${ingest.replays ? `, ${fmt(ingest.replays)} replays` : ""}`,
    ],
    ["rows written", fmt(ingest.rowsWritten), `${fmt(ingest.files)} raw files`],
    ["quarantined", fmt(ingest.quarantined), "bad records, with reason"],
    ["filtered", fmt(ingest.filtered), "dropped by the transform"],
    [
      "duplicates dropped",
      fmt(c.duplicates + c.keyDuplicates),
      `${fmt(c.duplicates)} by offset, ${fmt(c.keyDuplicates)} by key`,
    ],
    ["late records", fmt(late), "behind the event-time watermark"],
    ["partitions", fmt(run.stages.plan.scheduled), `${fmt(run.stages.plan.upToDate)} already up to date`],
    ["files", `${fmt(c.filesIn)} → ${fmt(c.filesOut)}`, `${bytes(c.bytesIn)} → ${bytes(c.bytesOut)}`],
  ]
    .map(
      ([k, v, s]) =>
        `<div class="card"><div class="k">${k}</div><div class="v">${v}</div><div class="s">${s}</div></div>`,
    )
    .join("");

  const labels = d.partitions.map((p) =>
    p.partition.replace(/^dt=\d{4}-(\d{2}-\d{2})\/hour=(\d{2})$/, "$1 $2h"),
  );
  const rowsChart = barChart({
    title: "Rows per partition (compacted table)",
    categories: labels,
    series: [{ name: "rows", values: d.partitions.map((p) => p.rows) }],
    stacked: true,
  });
  const filesChart = barChart({
    title: "Files per partition, before and after compaction",
    categories: labels,
    series: [
      { name: "raw files", values: d.partitions.map((p) => p.rawFiles) },
      { name: "compacted files", values: d.partitions.map((p) => p.files) },
    ],
    stacked: false,
  });
  const stages = hbarChart(
    "Time per stage (ms, summed over invocations; max = slowest partition)",
    [
      { label: "ingest", value: Math.round(ingest.durationMs), note: `${ingest.invocations} invocations` },
      { label: "plan", value: run.stages.plan.timing?.durationMs ?? 0 },
      { label: "compact", value: c.durationMs, note: `max ${c.maxMs} ms` },
      {
        label: "aggregate",
        value: run.stages.aggregate.durationMs,
        note: `max ${run.stages.aggregate.maxMs} ms`,
      },
      { label: "publish", value: run.stages.publish.timing.durationMs },
    ],
    "ms",
  );
  const gold = d.gold.map((g) => goldSection(g)).join("");
  const partitionRows = d.partitions
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.partition)}</td><td>${fmt(p.rawFiles)}</td><td>${bytes(p.rawBytes)}</td><td>${fmt(p.files)}</td><td>${bytes(p.bytes)}</td><td>${fmt(p.rows)}</td></tr>`,
    )
    .join("");
  const goldRows = d.gold
    .map(
      (g) =>
        `<tr><td>${escapeHtml(g.table)}</td><td>${escapeHtml(g.window)}</td><td>${fmt(g.partitions)}</td><td>${fmt(g.rows)}</td><td>${bytes(g.bytes)}</td><td>${fmt(g.late)}</td></tr>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>lakestream · ${escapeHtml(run.pipeline)} · ${escapeHtml(run.runId)}</title>
<style>${STYLE}</style></head>
<body><main>
<header><h1>${escapeHtml(run.pipeline)} <span class="ok">run succeeded</span></h1>
<p>Run <code>${escapeHtml(run.runId)}</code> at logical time <code>${escapeHtml(run.now)}</code> · lake <code>${escapeHtml(d.lake)}</code></p></header>
<section class="cards">${cards}</section>
<section class="grid2">${rowsChart}${filesChart}</section>
<section>${stages}</section>
${gold}
<section><h2>Partitions of <code>${escapeHtml(d.pipeline.sink.table)}</code></h2>
<table><thead><tr><th>partition</th><th>raw files</th><th>raw size</th><th>compacted files</th><th>compacted size</th><th>rows</th></tr></thead><tbody>${partitionRows}</tbody></table></section>
${tablesSection(d)}
<section><h2>Gold tables</h2>
<table><thead><tr><th>table</th><th>window</th><th>partitions</th><th>rows</th><th>size</th><th>late records</th></tr></thead><tbody>${goldRows}</tbody></table></section>
<footer><p>Raw: <code>${escapeHtml(d.pipeline.sink.table)}/dt=…/hour=…</code> · published: ${
    d.pipeline.sink.tableFormat === "iceberg"
      ? "Apache Iceberg tables under <code>warehouse/lakestream/&lt;table&gt;/</code> (storage catalog: metadata in the lake)"
      : "<code>published/&lt;table&gt;/dt=…/hour=…</code> with a <code>_SUCCESS</code> manifest per partition"
  } · quarantine: <code>${escapeHtml(d.pipeline.quarantine.prefix)}/</code> (${fmt(d.quarantineFiles)} files of bad records; late records under <code>&lt;gold table&gt;/late/</code>) · run record: <code>_lakestream/runs/${escapeHtml(run.pipeline)}/${escapeHtml(run.runId)}/run.json</code></p></footer>
</main></body></html>
`;
}

/** A gold table's first count measure per window, stacked by its first group key (top groups). */
function goldSection(g: ReportData["gold"][number]): string {
  const windows = [...g.points.keys()].sort((a, b) => a - b);
  const totals = new Map<string, number>();
  for (const byGroup of g.points.values())
    for (const [k, v] of byGroup) totals.set(k, (totals.get(k) ?? 0) + v);
  const top = [...totals].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  const shown = top.slice(0, 6);
  const series: Series[] = shown.map((name) => ({
    name: g.groupBy ? `${g.groupBy}=${name}` : name,
    values: windows.map((w) => g.points.get(w)?.get(name) ?? 0),
  }));
  if (top.length > shown.length) {
    series.push({
      name: "other",
      values: windows.map((w) => top.slice(6).reduce((n, k) => n + (g.points.get(w)?.get(k) ?? 0), 0)),
    });
  }
  const chart = barChart({
    title: `${g.table}: ${g.measure} per window (${g.window})`,
    categories: windows.map((w) => new Date(w).toISOString().slice(11, 16)),
    series,
    stacked: true,
    width: 1400,
    height: 300,
  });
  return `<section>${chart}</section>`;
}

/** Each published table: what it holds, its latest snapshots, and commands that read it as printed. */
function tablesSection(d: ReportData): string {
  const body = d.tables.map((t) => tableCard(d, t)).join("");
  return `<section><h2>Published tables</h2>${body}</section>`;
}

function tableCard(d: ReportData, t: PublishedView): string {
  const rows = t.parts.reduce((n, p) => n + p.rows, 0);
  const files = t.parts.reduce((n, p) => n + p.files, 0);
  const recent = [...t.snapshots].sort((a, b) => b["sequence-number"] - a["sequence-number"]).slice(0, 5);
  const snapshotRows = recent
    .map((s) => {
      const sum = s.summary as Record<string, string | undefined>;
      return `<tr><td><code>${s["snapshot-id"]}</code></td><td>${escapeHtml(new Date(s["timestamp-ms"]).toISOString())}</td><td>${escapeHtml(s.summary.operation)}</td><td>${escapeHtml(sum["added-records"] ?? "0")}</td><td>${escapeHtml(sum["deleted-records"] ?? "0")}</td><td>${escapeHtml(sum["lakestream.run-id"] ?? sum["engine-name"] ?? "")}</td></tr>`;
    })
    .join("");
  const recipes = queryRecipes(d.lake, "lakestream", t);
  const commands = [
    ["DuckDB", recipes.duckdb],
    ["pyiceberg", recipes.pyiceberg],
    ["Spark SQL", recipes.spark],
  ]
    .filter((c): c is [string, string] => c[1] !== undefined)
    .map(([name, cmd]) => `<p class="s">${name}</p><pre><code>${escapeHtml(cmd)}</code></pre>`)
    .join("");
  const snapshots =
    t.format === "iceberg"
      ? `<p>${fmt(t.snapshots.length)} snapshot${t.snapshots.length === 1 ? "" : "s"}, newest first:</p>
<table><thead><tr><th>snapshot</th><th>committed</th><th>operation</th><th>added rows</th><th>deleted rows</th><th>run</th></tr></thead><tbody>${snapshotRows}</tbody></table>`
      : `<p>${fmt(t.versions)} partition manifests (<code>_SUCCESS</code>).</p>`;
  return `<h3><code>${escapeHtml(t.table)}</code> · ${t.format === "iceberg" ? "Iceberg v2" : "Hive layout"} · ${fmt(rows)} rows in ${fmt(files)} files</h3>
${snapshots}${commands}`;
}
