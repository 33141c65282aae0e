// The llmeter dashboard page. Plain JavaScript (no build step), uPlot for the charts. All state
// lives in the URL's query: a filter click pushes a new URL and every panel is redrawn from one
// `GET /api/dashboard` answer. Data is only ever written with textContent, never as HTML.
// The first answer comes inlined in the page (a JSON data block the server writes), so the first
// paint waits for no request; later views and refreshes ask the API.

const PERIODS = ["1h", "24h", "7d", "30d", "all"];
// The page opens on the last 7 days: what most questions are about, and fast on any ledger
// (all time over millions of events takes the ledger seconds). "all" is one click away.
// The server inlines the first view with the same default (DEFAULT_PAGE_PERIOD).
const DEFAULT_PERIOD = "7d";
const FILTERS = [
  ["provider", "Provider"],
  ["model", "Model"],
  ["tenant", "Tenant"],
  ["user", "User"],
  ["session", "Session"],
  ["kind", "Kind"],
];
// A colour-blind-safe palette (Okabe–Ito), then grey for "(other)".
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999"];
const NONE_KEY = "(none)";

const state = {
  config: { refreshIntervalMs: 5000, timeZone: "UTC" },
  data: null,
  charts: new Map(),
  timer: 0,
  loading: false,
};

// Formatters are made once: building an Intl.NumberFormat costs far more than using one, and a
// render formats hundreds of numbers.
const usd = (digits) =>
  new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
const USD_CENTS = usd(2);
const USD_SMALL = usd(4);
const INTEGER = new Intl.NumberFormat("en-US");
const COMPACT = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
/**
 * Below a tenth of a cent, two significant digits ($0.000020), as the CLI's `formatUsd` shows
 * them: four decimals would read a real spend as $0.0000.
 */
const money = (value) => {
  const magnitude = Math.abs(value);
  if (value === 0 || magnitude >= 0.001)
    return (magnitude < 1 && value !== 0 ? USD_SMALL : USD_CENTS).format(value);
  return `$${value.toFixed(Math.min(12, Math.ceil(-Math.log10(magnitude)) + 1))}`;
};
/** Axis labels: as many decimals as the tick step needs, no more ($0.25, not $0.2500). */
const axisMoney = (value, ticks) => {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(value);
  const digits = step >= 1 ? 0 : Math.min(6, Math.max(2, Math.ceil(-Math.log10(step))));
  return `$${value.toFixed(digits)}`;
};
const integer = (value) => INTEGER.format(value);
const compact = (value) => COMPACT.format(value);
const milliseconds = (value) =>
  value === undefined || value === null
    ? "–"
    : value >= 1000
      ? `${(value / 1000).toFixed(2)} s`
      : `${Math.round(value)} ms`;
const percent = (value) => `${(value * 100).toFixed(value === 0 || value === 1 ? 0 : 1)}%`;

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else if (name === "className") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

function currentParameters() {
  return new URLSearchParams(location.search);
}

/** Sets (or with null removes) query parameters, pushes the URL and reloads every panel. */
function navigate(changes) {
  const parameters = currentParameters();
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") parameters.delete(name);
    else parameters.set(name, value);
  }
  const search = parameters.toString();
  history.pushState(null, "", search === "" ? location.pathname : `?${search}`);
  load();
}

async function fetchJson(path) {
  const response = await fetch(path, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

function apiPath(path, extra = {}) {
  const parameters = currentParameters();
  if (!parameters.has("period") && !parameters.has("since") && !parameters.has("until"))
    parameters.set("period", DEFAULT_PERIOD);
  for (const [name, value] of Object.entries(extra)) parameters.set(name, value);
  const query = parameters.toString();
  return `${path}${query === "" ? "" : `?${query}`}`;
}

/**
 * Loads the main answer, draws it, then loads the panels that need the raw events (users,
 * sessions), which are slow on a large ledger. The next refresh waits at least five times what
 * this one took, so polling never keeps a big ledger busy.
 */
async function load(initialData) {
  clearTimeout(state.timer);
  if (state.loading) {
    state.reloadAfter = true;
    return;
  }
  state.loading = true;
  const started = performance.now();
  const status = document.getElementById("status");
  const banner = document.getElementById("error-banner");
  const url = location.search;
  try {
    const data = initialData ?? (await fetchJson(apiPath("/api/dashboard")));
    if (url !== location.search) return;
    state.data = data;
    render(data);
    banner.hidden = true;
    if (!document.body.dataset.loaded) performance.mark("llmeter:data-shown");
    document.body.dataset.loaded = "true";
    // Let the first screen paint before drawing what is below it and before the slow requests,
    // which keep the server (often on the same machine) busy for a while on a large ledger.
    await afterNextPaint();
    if (url !== location.search) return;
    renderBelowTheFold(data.timeline);
    const [users, sessions] = await Promise.all([
      fetchJson(apiPath("/api/report", { groupBy: "user" })),
      fetchJson(apiPath("/api/sessions", { limit: "50" })),
    ]);
    if (url !== location.search) return;
    renderBreakdown("user", users);
    renderSessions(sessions.sessions, currentParameters().get("session"));
    // Tests and scripts wait on this: every panel shows the answer for this URL.
    document.body.dataset.completeQuery = url;
    status.textContent = `Live · updated ${new Date(data.generatedAt).toLocaleTimeString()}`;
  } catch (error) {
    // Keep the controls usable so a bad URL can be fixed from the page.
    renderPeriods(currentParameters());
    renderFilters(currentParameters());
    banner.replaceChildren(
      element("span", { text: `${error.message} ` }),
      element("button", {
        type: "button",
        className: "link",
        text: "Show everything",
        onclick: () => {
          history.pushState(null, "", location.pathname);
          load();
        },
      }),
    );
    banner.hidden = false;
    status.textContent = "Not updated";
  } finally {
    state.loading = false;
    if (state.reloadAfter) {
      state.reloadAfter = false;
      load();
    } else {
      const took = performance.now() - started;
      state.timer = setTimeout(refresh, Math.max(state.config.refreshIntervalMs, took * 5));
    }
  }
}

/** Resolves once the browser has painted a frame (or soon, in a hidden tab, which paints none). */
function afterNextPaint() {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 100);
  });
}

/** Live refresh: skipped while the tab is hidden, resumed when it is shown again. */
function refresh() {
  if (document.hidden) state.timer = setTimeout(refresh, state.config.refreshIntervalMs);
  else load();
}

function render(data) {
  const parameters = currentParameters();
  renderPeriods(parameters);
  renderStackBy(parameters);
  renderFilters(parameters);
  renderKpis(data.report.totals);
  renderUnpriced(data.unpricedModels, data.priceFileTemplate);
  renderCostDrift(data.providerCostDrift);
  performance.mark("llmeter:charts-start");
  renderTimeline(data.timeline);
  performance.mark("llmeter:charts-drawn");
  renderErrors(data.report.errorsByType);
  renderTokens(data.report.totals);
  for (const name of ["provider", "model", "tenant"]) renderBreakdown(name, data.breakdowns[name]);
  renderBudgets(data.budgets);
  renderForecasts(data.forecasts);
  renderCalls(data.calls, data.callsTruncated);
  document.getElementById("footer-zone").textContent = `Times in ${data.report.timeZone}`;
  document.getElementById("json-link").href = apiPath("/api/dashboard");
}

function renderPeriods(parameters) {
  const active =
    parameters.has("since") || parameters.has("until")
      ? "custom"
      : (parameters.get("period") ?? DEFAULT_PERIOD);
  const nav = document.getElementById("periods");
  nav.replaceChildren(
    ...PERIODS.map((period) =>
      element("button", {
        type: "button",
        text: period,
        "aria-pressed": String(period === active),
        "data-period": period,
        onclick: () =>
          navigate({ period: period === DEFAULT_PERIOD ? null : period, since: null, until: null }),
      }),
    ),
  );
}

function renderStackBy(parameters) {
  const active = parameters.get("stackBy") ?? "provider";
  document.getElementById("stack-by").replaceChildren(
    element("legend", { text: "Stack by" }),
    ...["provider", "model"].map((name) =>
      element("button", {
        type: "button",
        text: name,
        "aria-pressed": String(name === active),
        onclick: () => navigate({ stackBy: name === "provider" ? null : name }),
      }),
    ),
  );
}

function renderFilters(parameters) {
  const chips = FILTERS.filter(([name]) => parameters.has(name)).map(([name, label]) =>
    element(
      "button",
      {
        type: "button",
        className: "chip",
        "data-filter": name,
        title: `Remove the ${label.toLowerCase()} filter`,
        onclick: () => navigate({ [name]: null }),
      },
      element("span", { text: `${label}: ` }),
      element("strong", { text: parameters.get(name) }),
      element("span", { text: " ×", "aria-hidden": "true" }),
    ),
  );
  const section = document.getElementById("filters");
  if (chips.length > 1)
    chips.push(
      element("button", {
        type: "button",
        className: "link",
        text: "Clear all",
        onclick: () => navigate(Object.fromEntries(FILTERS.map(([name]) => [name, null]))),
      }),
    );
  section.replaceChildren(...chips);
  section.hidden = chips.length === 0;
}

function kpi(name, label, text, value, detail) {
  return element(
    "div",
    { className: "kpi", "data-kpi": name, "data-value": value },
    element("span", { className: "kpi-label", text: label }),
    element("span", { className: "kpi-value", text }),
    detail === undefined ? null : element("span", { className: "kpi-detail", text: detail }),
  );
}

function renderKpis(totals) {
  const errorRate = totals.totalRequests === 0 ? 0 : totals.failedRequests / totals.totalRequests;
  document
    .getElementById("kpis")
    .replaceChildren(
      kpi(
        "cost",
        "Cost",
        money(totals.totalCostUsd),
        totals.totalCostUsd,
        totals.unpricedRequests > 0
          ? `+ ${integer(totals.unpricedRequests)} unpriced calls`
          : `${money(totals.avgCostPerRequest)} per call`,
      ),
      kpi(
        "requests",
        "Requests",
        integer(totals.totalRequests),
        totals.totalRequests,
        `${integer(totals.cachedRequests)} from cache · ${integer(totals.streamingRequests)} streamed`,
      ),
      kpi(
        "tokens",
        "Tokens",
        compact(totals.totalTokens),
        totals.totalTokens,
        `${compact(totals.totalInputTokens)} in · ${compact(totals.totalOutputTokens)} out`,
      ),
      kpi(
        "errors",
        "Error rate",
        percent(errorRate),
        errorRate,
        `${integer(totals.failedRequests)} failed`,
      ),
      kpi(
        "latency",
        "Latency p50 / p95",
        `${milliseconds(totals.latencyP50)} / ${milliseconds(totals.latencyP95)}`,
        totals.latencyP50 ?? "",
        `p99 ${milliseconds(totals.latencyP99)}`,
      ),
      kpi(
        "ttft",
        "First token p50 / p95",
        `${milliseconds(totals.timeToFirstTokenP50)} / ${milliseconds(totals.timeToFirstTokenP95)}`,
        totals.timeToFirstTokenP50 ?? "",
      ),
    );
}

/**
 * Unpriced calls, by what fixes them: a model the catalog (or price file) prices now was stored
 * without a cost (`llmeter reprice`); a model nobody prices needs a price file, started from the
 * server's template, whose null prices fail validation until filled in (never a $0 placeholder).
 */
function renderUnpriced(models, template) {
  const section = document.getElementById("unpriced");
  section.hidden = models.length === 0;
  if (models.length === 0) return section.replaceChildren();
  const item = (entry, advice) =>
    element(
      "li",
      { "data-unpriced-model": entry.model, "data-fix": entry.fix },
      element("button", {
        type: "button",
        className: "link",
        text: entry.model,
        title: `Show only ${entry.model}`,
        onclick: () => navigate({ model: entry.model }),
      }),
      element("span", {
        text: ` (${entry.providers.join(", ") || "unknown provider"}) · ${integer(entry.requests)} calls · ${advice}`,
      }),
      element("code", { text: entry.command }),
    );
  const repriceable = models.filter((entry) => entry.fix === "reprice");
  const unknown = models.filter((entry) => entry.fix === "price-file");
  const children = [
    element("h2", {
      text: `${models.length} model${models.length === 1 ? " has" : "s have"} calls without a cost: they are not in the totals`,
    }),
  ];
  if (repriceable.length > 0)
    children.push(
      element("p", {
        text: "Priced now, stored without a cost (imported, or recorded before the price existed). Price the stored calls:",
      }),
      element(
        "ul",
        {},
        ...repriceable.map((entry) => item(entry, `priced by ${entry.priceEntryId}`)),
      ),
    );
  if (unknown.length > 0) {
    children.push(
      element("p", { text: "Nobody prices these models:" }),
      element("ul", {}, ...unknown.map((entry) => item(entry, "no price anywhere"))),
      element("p", {
        text: 'Fill in the null prices (USD per million tokens), "source" and "checkedAt" of this price file, then point the prices setting (LLMETER_PRICES, or "prices" in .llmeter/config.json) at it and run llmeter reprice. Until every null is a number the file is refused, so nothing is recorded at $0. See docs/pricing.md.',
      }),
    );
    if (template !== null)
      children.push(
        element("pre", {}, element("code", { text: JSON.stringify(template, null, 2) })),
      );
  }
  section.replaceChildren(...children);
}

/** Models whose provider-reported bill drifts from the catalog's estimate past the threshold. */
function renderCostDrift(drift) {
  const section = document.getElementById("cost-drift");
  const flagged = drift.models.filter((model) => model.exceedsThreshold);
  section.hidden = flagged.length === 0;
  if (flagged.length === 0) return section.replaceChildren();
  const driftText = (model) =>
    model.driftPercent === null
      ? "catalog $0"
      : `${model.driftPercent > 0 ? "+" : ""}${model.driftPercent.toFixed(1)}%`;
  section.replaceChildren(
    element("h2", {
      text: `Provider-reported cost differs from the catalog by more than ${drift.thresholdPercent}%`,
    }),
    element(
      "ul",
      {},
      ...flagged.map((model) =>
        element("li", {
          "data-drift-model": `${model.provider}/${model.model}`,
          text: `${model.provider}/${model.model}: billed ${money(model.providerCostUsd)}, catalog ${money(model.estimatedCostUsd)} (${driftText(model)}) over ${integer(model.requests)} calls`,
        }),
      ),
    ),
    element("p", {
      text: "The cost shown is what the provider billed. Check the catalog's price with llmeter prices show <model> --provider <provider>.",
    }),
  );
}

// ---- charts ----

function chartSize(container) {
  const width = Math.max(240, container.clientWidth);
  return { width, height: Math.round(Math.min(260, Math.max(170, width * 0.45))) };
}

/** Creates or replaces the uPlot chart in `id` (a chart whose series changed is rebuilt). */
function drawChart(id, options, data) {
  const container = document.getElementById(id);
  const signature = JSON.stringify(options.series.map((series) => series.label));
  const existing = state.charts.get(id);
  if (
    existing !== undefined &&
    existing.signature === signature &&
    existing.plot.data[0].length === data[0].length
  ) {
    existing.plot.setData(data);
    return;
  }
  existing?.plot.destroy();
  const timeZone = state.data.report.timeZone;
  const plot = new uPlot(
    {
      ...chartSize(container),
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), timeZone),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      ...options,
    },
    data,
    container,
  );
  state.charts.set(id, { plot, signature });
}

/** Cumulative series drawn tallest first, so each stack shows as the band above the one below. */
function stacked(timeline, measure) {
  const keys = timeline.stackKeys;
  const running = timeline.buckets.map(() => 0);
  const series = keys.map((key) =>
    timeline.buckets.map((bucket, index) => {
      running[index] += bucket.stacks[key]?.[measure] ?? 0;
      return running[index];
    }),
  );
  return series.reverse();
}

function renderLegend(id, entries) {
  document.getElementById(id).replaceChildren(
    ...entries.map(([label, colour, onclick]) =>
      element(
        onclick ? "button" : "span",
        {
          type: onclick ? "button" : undefined,
          className: "legend-item",
          onclick,
          title: onclick ? `Filter on ${label}` : undefined,
        },
        element("i", { className: `swatch swatch-${colour}` }),
        element("span", { text: label }),
      ),
    ),
  );
}

function renderTimeline(timeline) {
  const x = timeline.buckets.map((bucket) => Date.parse(bucket.start) / 1000);
  const keys = timeline.stackKeys;
  const colourOf = (key, index) =>
    key === "(other)" ? PALETTE.length - 1 : index % (PALETTE.length - 1);
  const bars = uPlot.paths.bars({ size: [0.75, 48], align: 1 });
  const stackSeries = [...keys]
    .map((key, index) => ({
      label: key,
      fill: PALETTE[colourOf(key, index)],
      stroke: PALETTE[colourOf(key, index)],
      paths: bars,
      points: { show: false },
    }))
    .reverse();
  const timeAxis = { stroke: "#555", grid: { stroke: "#eee" } };
  const stackBy = timeline.stackBy;
  renderLegend(
    "legend-cost",
    keys.map((key, index) => [
      key,
      colourOf(key, index),
      key === "(other)" ? undefined : () => navigate({ [stackBy]: key }),
    ]),
  );
  renderLegend(
    "legend-requests",
    keys.map((key, index) => [key, colourOf(key, index)]),
  );
  const xScale = {
    time: true,
    range: (_plot, min, max) => [min, max + (x.length > 1 ? x[1] - x[0] : 3600)],
  };
  drawChart(
    "chart-cost",
    {
      scales: { x: xScale },
      series: [{}, ...stackSeries],
      axes: [
        timeAxis,
        {
          ...timeAxis,
          size: 64,
          values: (_plot, ticks) => ticks.map((tick) => axisMoney(tick, ticks)),
        },
      ],
    },
    [x, ...stacked(timeline, "costUsd")],
  );
  // The latency legend can be on the first screen; its chart is drawn a frame later.
  renderLegend(
    "legend-latency",
    LATENCY_LINES.map(([label, , colour]) => [label, colour]),
  );
  drawChart(
    "chart-requests",
    {
      scales: { x: xScale },
      series: [{}, ...stackSeries],
      axes: [
        timeAxis,
        { ...timeAxis, size: 56, values: (_plot, ticks) => ticks.map((tick) => compact(tick)) },
      ],
    },
    [x, ...stacked(timeline, "requests")],
  );
}

/** The latency chart's lines: label, field of the bucket's totals, palette index. */
const LATENCY_LINES = [
  ["latency p50", "latencyP50", 0],
  ["latency p95", "latencyP95", 1],
  ["latency p99", "latencyP99", 5],
  ["first token p50", "timeToFirstTokenP50", 2],
  ["first token p95", "timeToFirstTokenP95", 3],
];

/**
 * The latency and error-rate charts: below the first screen on a laptop, so they are drawn just
 * after it is painted.
 */
function renderBelowTheFold(timeline) {
  const x = timeline.buckets.map((bucket) => Date.parse(bucket.start) / 1000);
  const timeAxis = { stroke: "#555", grid: { stroke: "#eee" } };
  drawChart(
    "chart-latency",
    {
      series: [
        {},
        ...LATENCY_LINES.map(([label, , colour]) => ({
          label,
          stroke: PALETTE[colour],
          width: 2,
          spanGaps: true,
        })),
      ],
      axes: [
        timeAxis,
        {
          ...timeAxis,
          size: 64,
          values: (_plot, ticks) => ticks.map((tick) => milliseconds(tick)),
        },
      ],
    },
    [
      x,
      ...LATENCY_LINES.map(([, field]) =>
        timeline.buckets.map((bucket) => bucket.totals[field] ?? null),
      ),
    ],
  );
  drawChart(
    "chart-errors",
    {
      scales: { y: { range: (_plot, _min, max) => [0, Math.max(0.05, max)] } },
      series: [
        {},
        {
          label: "error rate",
          stroke: PALETTE[5],
          fill: "rgba(213,94,0,0.15)",
          width: 2,
          spanGaps: true,
        },
      ],
      axes: [
        timeAxis,
        { ...timeAxis, size: 52, values: (_plot, ticks) => ticks.map((tick) => percent(tick)) },
      ],
    },
    [
      x,
      timeline.buckets.map((bucket) =>
        bucket.totals.totalRequests === 0
          ? null
          : bucket.totals.failedRequests / bucket.totals.totalRequests,
      ),
    ],
  );
}

function renderErrors(errorsByType) {
  const entries = Object.entries(errorsByType).sort((a, b) => b[1] - a[1]);
  document
    .getElementById("errors-by-type")
    .replaceChildren(
      ...(entries.length === 0
        ? [element("li", { className: "muted", text: "No failed calls." })]
        : entries.map(([type, count]) =>
            element(
              "li",
              {},
              element("strong", { text: type }),
              element("span", { text: ` · ${integer(count)}` }),
            ),
          )),
    );
}

function shareBar(fraction, colour) {
  const bar = element("span", { className: `bar bar-${colour}` });
  bar.style.width = `${Math.max(0, Math.min(100, fraction * 100)).toFixed(1)}%`;
  return element("span", { className: "bar-track" }, bar);
}

function renderTokens(totals) {
  const cacheWrite = totals.totalCacheWriteTokens;
  const rows = [
    [
      "Input, not cached",
      Math.max(0, totals.totalInputTokens - totals.totalCacheReadTokens - cacheWrite),
      0,
    ],
    ["Cache reads", totals.totalCacheReadTokens, 4],
    ["Cache writes", cacheWrite, 1],
    [
      "Output, not reasoning",
      Math.max(0, totals.totalOutputTokens - totals.totalReasoningTokens),
      2,
    ],
    ["Reasoning", totals.totalReasoningTokens, 3],
  ];
  const largest = Math.max(1, ...rows.map((row) => row[1]));
  document
    .getElementById("tokens")
    .replaceChildren(
      element(
        "table",
        { className: "table" },
        element(
          "tbody",
          {},
          ...rows.map(([label, count, colour]) =>
            element(
              "tr",
              { "data-token-kind": label },
              element("th", { scope: "row", text: label }),
              element("td", { className: "num", text: integer(count) }),
              element("td", { className: "share" }, shareBar(count / largest, colour)),
            ),
          ),
        ),
      ),
    );
}

function renderBreakdown(name, report) {
  const container = document.getElementById(`breakdown-${name}`);
  const filterName = name;
  const active = currentParameters().get(filterName);
  if (report.groups.length === 0)
    return container.replaceChildren(
      element("p", { className: "muted", text: "No calls in this selection." }),
    );
  const groups = report.groups.slice(0, 12);
  const largest = Math.max(...groups.map((group) => group.totalCostUsd), 0);
  const largestRequests = Math.max(...groups.map((group) => group.totalRequests), 1);
  const rows = groups.map((group) => {
    const clickable = group.key !== NONE_KEY && group.key !== active;
    const label = clickable
      ? element("button", {
          type: "button",
          className: "link",
          text: group.key,
          title: `Show only ${name} ${group.key}`,
          onclick: () => navigate({ [filterName]: group.key }),
        })
      : element("span", { text: group.key });
    return element(
      "tr",
      { "data-key": group.key },
      element("th", { scope: "row" }, label),
      element("td", { className: "num", text: integer(group.totalRequests) }),
      element("td", {
        className: "num",
        text:
          group.unpricedRequests === group.totalRequests && group.totalRequests > 0
            ? "unpriced"
            : money(group.totalCostUsd),
      }),
      element(
        "td",
        { className: "share" },
        shareBar(
          largest > 0 ? group.totalCostUsd / largest : group.totalRequests / largestRequests,
          0,
        ),
      ),
    );
  });
  const more =
    report.groups.length > groups.length
      ? element("p", {
          className: "muted",
          text: `and ${report.groups.length - groups.length} more`,
        })
      : null;
  container.replaceChildren(
    headedTable(
      [{ text: name }, { text: "calls", num: true }, { text: "cost", num: true }, { text: "" }],
      rows,
    ),
    more ?? "",
  );
}

/** A table with one header row; `num` headers are right-aligned like their numbers. */
function headedTable(headers, rows) {
  return element(
    "table",
    { className: "table" },
    element(
      "thead",
      {},
      element(
        "tr",
        {},
        ...headers.map((header) =>
          element("th", { className: header.num ? "num" : undefined, text: header.text }),
        ),
      ),
    ),
    element("tbody", {}, ...rows),
  );
}

function renderBudgets(panel) {
  const container = document.getElementById("budgets");
  if (!panel.available || panel.budgets.length === 0)
    return container.replaceChildren(
      element("p", { className: "muted empty", text: panel.note ?? "No budgets." }),
    );
  container.replaceChildren(
    element(
      "table",
      { className: "table" },
      element(
        "tbody",
        {},
        ...panel.budgets.map((budget) =>
          element(
            "tr",
            { "data-state": budget.state },
            element(
              "th",
              { scope: "row" },
              element("span", { text: budget.name }),
              element("small", { className: "muted", text: ` ${budget.scope}` }),
            ),
            element("td", {
              className: "num",
              text: `${money(budget.spentUsd)} / ${money(budget.limitUsd)}`,
            }),
            element(
              "td",
              { className: "share" },
              shareBar(
                budget.limitUsd > 0 ? budget.spentUsd / budget.limitUsd : 1,
                budget.state === "exceeded" ? 5 : budget.state === "warning" ? 1 : 2,
              ),
            ),
            element("td", { text: budgetStateText(budget) }),
          ),
        ),
      ),
    ),
  );
}

/** The state, then the forecast (80 % range) or, without one, the straight-line projection. */
function budgetStateText(budget) {
  const forecast = budget.forecast;
  if (forecast !== undefined) {
    const range = `${money(forecast.lowUsd)}–${money(forecast.highUsd)}`;
    const end = forecast.end === "window" ? "window end" : "month end";
    const limit =
      forecast.reachesLimitOn === undefined
        ? ""
        : ` · on track to exceed by ${forecast.reachesLimitOn}`;
    return `${budget.state} · ${end} ${money(forecast.projectedUsd)} (${range})${limit}`;
  }
  return budget.projectedUsd === undefined
    ? budget.state
    : `${budget.state} · projected ${money(budget.projectedUsd)}${budget.windowEndsAt ? ` by ${new Date(budget.windowEndsAt).toLocaleString()}` : ""}`;
}

/** Month-end forecasts: overall first, then each tenant, with the 80 % range. */
function renderForecasts(panel) {
  const container = document.getElementById("forecast");
  const entries = panel.overall === undefined ? panel.tenants : [panel.overall, ...panel.tenants];
  if (entries.length === 0)
    return container.replaceChildren(
      element("p", {
        className: "muted empty",
        text: "No spend in the last 62 days to forecast from.",
      }),
    );
  const rows = entries.map((entry) =>
    element(
      "tr",
      { "data-scope": entry.scope },
      element("th", {
        scope: "row",
        text: entry.scope === "all" ? "All" : entry.scope.replace(/^tenant:/, ""),
      }),
      element("td", { className: "num", text: money(entry.monthEnd.spentUsd) }),
      element("td", { className: "num", text: money(entry.monthEnd.projectedUsd) }),
      element("td", {
        className: "num",
        text: `${money(entry.monthEnd.lowUsd)}–${money(entry.monthEnd.highUsd)}`,
      }),
    ),
  );
  container.replaceChildren(
    headedTable(
      [
        { text: "Scope" },
        { text: "Month to date", num: true },
        { text: "Month end", num: true },
        { text: "80 % range", num: true },
      ],
      rows,
    ),
  );
}

function renderSessions(sessions, activeSession) {
  const container = document.getElementById("sessions");
  if (sessions.length === 0)
    return container.replaceChildren(
      element("p", {
        className: "muted",
        text: "No sessions in this selection. Record calls inside withAttribution({ sessionId }) to group them.",
      }),
    );
  container.replaceChildren(
    element(
      "div",
      { className: "scroll" },
      element(
        "table",
        { className: "table" },
        element(
          "thead",
          {},
          element(
            "tr",
            {},
            ...["session", "calls", "cost", "tokens", "p95 latency", "last activity"].map(
              (text, index) =>
                element("th", { className: index > 0 && index < 5 ? "num" : undefined, text }),
            ),
          ),
        ),
        element(
          "tbody",
          {},
          ...sessions.map((session) =>
            element(
              "tr",
              {
                "data-key": session.sessionId,
                "aria-current": session.sessionId === activeSession ? "true" : undefined,
              },
              element(
                "th",
                { scope: "row" },
                element("button", {
                  type: "button",
                  className: "link",
                  text: session.sessionId,
                  onclick: () => navigate({ session: session.sessionId }),
                }),
              ),
              element("td", { className: "num", text: integer(session.totalRequests) }),
              element("td", { className: "num", text: money(session.totalCostUsd) }),
              element("td", { className: "num", text: compact(session.totalTokens) }),
              element("td", { className: "num", text: milliseconds(session.latencyP95) }),
              element("td", { text: new Date(session.lastActivityAt).toLocaleString() }),
            ),
          ),
        ),
      ),
    ),
  );
}

function renderCalls(calls, truncated) {
  const panel = document.getElementById("panel-calls");
  panel.hidden = calls === null;
  if (calls === null) return;
  const header = ["time", "provider", "model", "in", "out", "latency", "cost", "result"];
  document.getElementById("calls").replaceChildren(
    element(
      "div",
      { className: "scroll" },
      element(
        "table",
        { className: "table" },
        element("thead", {}, element("tr", {}, ...header.map((text) => element("th", { text })))),
        element(
          "tbody",
          {},
          ...calls.map((call) =>
            element(
              "tr",
              { "data-call": call.id },
              element("td", { text: new Date(call.timestamp).toLocaleString() }),
              element("td", { text: call.provider }),
              element("td", { text: call.model }),
              element("td", {
                className: "num",
                text: call.inputTokens === undefined ? "–" : integer(call.inputTokens),
              }),
              element("td", {
                className: "num",
                text: call.outputTokens === undefined ? "–" : integer(call.outputTokens),
              }),
              element("td", { className: "num", text: milliseconds(call.latencyMs) }),
              element("td", {
                className: "num",
                text: call.costUsd === undefined ? "unpriced" : money(call.costUsd),
              }),
              element("td", { text: call.success ? "ok" : (call.errorType ?? "error") }),
            ),
          ),
        ),
      ),
    ),
    truncated
      ? element("p", { className: "muted", text: `Showing the newest ${calls.length} calls.` })
      : "",
  );
}

function resizeCharts() {
  for (const [id, { plot }] of state.charts) plot.setSize(chartSize(document.getElementById(id)));
}

/** The data block the server wrote into the page, or null (an older server, or unreadable). */
function readInitial() {
  const block = document.getElementById("llmeter-initial");
  if (block === null) return null;
  try {
    return JSON.parse(block.textContent);
  } catch {
    return null;
  }
}

async function start() {
  performance.mark("llmeter:script-start");
  const initial = readInitial();
  if (initial?.config) state.config = initial.config;
  else {
    try {
      state.config = await fetchJson("/api/config");
    } catch {
      // Defaults are fine: the data request reports any real problem.
    }
  }
  window.addEventListener("popstate", () => load());
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(resizeCharts, 100);
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) load();
  });
  // The inlined data answers the URL the page was served for, only for its first view.
  load(initial?.data && initial.search === location.search ? initial.data : undefined);
}

// uPlot is a deferred classic script; module scripts run after it, so it is defined here.
start();
