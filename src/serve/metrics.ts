// Prometheus metrics, hand-written in the text exposition format (0.0.4): counters, histograms, gauges.

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function keyOf(labels: Labels): string {
  return JSON.stringify(labels);
}

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels, by = 1): void {
    const k = keyOf(labels);
    const cur = this.values.get(k);
    if (cur) cur.value += by;
    else this.values.set(k, { labels, value: by });
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) out.push(`${this.name}${labelText(labels)} ${value}`);
    return out;
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const k = keyOf(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) => {
        out.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.counts[i]}`);
      });
      out.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

interface GaugeSample {
  labels: Labels;
  value: number;
}

const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

export class ServiceMetrics {
  readonly requests = new Counter('servicepath_http_requests_total', 'HTTP requests by route, method and status.');
  readonly latency = new Histogram('servicepath_http_request_duration_seconds', 'HTTP request latency.', LATENCY_BUCKETS_S);
  readonly inference = new Histogram('servicepath_inference_duration_seconds', 'Time of one batched scoreTrajectories call.', LATENCY_BUCKETS_S);
  readonly batchPaths = new Histogram('servicepath_batch_paths', 'Paths per batched forward pass.', BATCH_BUCKETS);
  readonly batchRequests = new Histogram('servicepath_batch_requests', 'Requests merged into one forward pass.', BATCH_BUCKETS);
  /** Gauges are read when scraped: loaded models, tensor count, memory. */
  private readonly gauges: { name: string; help: string; read: () => GaugeSample[] }[] = [];

  gauge(name: string, help: string, read: () => GaugeSample[]): void {
    this.gauges.push({ name, help, read });
  }

  render(): string {
    const lines = [...this.requests.render(), ...this.latency.render(), ...this.inference.render(), ...this.batchPaths.render(), ...this.batchRequests.render()];
    for (const g of this.gauges) {
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
      for (const s of g.read()) lines.push(`${g.name}${labelText(s.labels)} ${s.value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
